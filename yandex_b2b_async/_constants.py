"""Defaults, in one place, each with where the number comes from."""

from __future__ import annotations

from typing import Final

# The host of every request page of the API 2.0 documents.
DEFAULT_BASE_URL: Final = "https://b2b-api.go.yandex.ru"
API_PREFIX: Final = "/integration/2.0"

# Seconds per attempt. The documents give none; 30 s matches openai-python's connect+read budget
# for small JSON calls and is far above the API's observed latency.
DEFAULT_TIMEOUT: Final = 30.0

# Retries: 4 attempts with full-jitter backoff 0.5 s .. 8 s is the AWS "exponential backoff and
# jitter" shape with botocore's standard-mode attempt count.
DEFAULT_MAX_ATTEMPTS: Final = 4
DEFAULT_BACKOFF_INITIAL: Final = 0.5
DEFAULT_BACKOFF_MAX: Final = 8.0
# A server asking for more than a minute is effectively down for a bulk run: fail instead.
DEFAULT_MAX_RETRY_AFTER: Final = 60.0
DEFAULT_RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})

# The list calls' page size when none is given: the documents' default page (100 records).
DEFAULT_PAGE_LIMIT: Final = 100

# Connections per client; aiohttp's default (100) is more than the API should see from one job.
DEFAULT_CONNECTION_LIMIT: Final = 64

HEADER_CLIENT_ID: Final = "X-YaTaxi-Selected-Corp-Client-Id"
USER_AGENT: Final = "yandex_b2b_async"
