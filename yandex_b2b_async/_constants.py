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

# The client-wide retry budget, shaped like botocore's standard-mode retry quota (500 tokens, a
# retry costs 5) but with 2 tokens back per success instead of 1, and no surcharge for timeouts:
# retries stay affordable while up to ~2/7 of attempts fail (the sandbox's heaviest random-fault
# mixes are 20-25%), and in a full outage the budget is gone after 100 retries, so a bulk run of
# N calls makes about N + 100 attempts instead of N * max_attempts.
DEFAULT_RETRY_BUDGET_CAPACITY: Final = 500
DEFAULT_RETRY_COST: Final = 5
DEFAULT_TRANSPORT_RETRY_COST: Final = 5
DEFAULT_SUCCESS_REFILL: Final = 2

# Adaptive pacing. A 429 cuts the rate to 70% (CUBIC's beta, as in botocore's adaptive mode),
# never below 0.5 calls/s (botocore's minimum fill rate). The rate is back where it was cut
# after 2 s (CUBIC's K, fixed here rather than derived from the rate so that recovery takes
# seconds at any rate: INTERFACE.md asks for "seconds, not minutes").
ADAPTIVE_DECREASE: Final = 0.7
ADAPTIVE_MIN_RATE: Final = 0.5
ADAPTIVE_RECOVERY_SECONDS: Final = 2.0
# When the rate of successful answers since sending resumed is known (measured over at least
# GOODPUT_MIN_SECONDS), a 429 cuts to this share of it rather than to 70% of what was sent: a
# server that throttles passes its own rate, so what it answered is the best estimate of its
# limit, and the curve then aims at that rate instead of at the overshoot.
GOODPUT_CUT: Final = 0.9
GOODPUT_MIN_SECONDS: Final = 0.2
# ... read over the last one or two windows of this length since sending resumed (a rate that
# changes, as in a slow start, is judged by its recent past).
GOODPUT_WINDOW: Final = 0.25
# ... or since sending resumed, once that is this long ago (a burst then weighs little).
GOODPUT_LONG_SECONDS: Final = 1.0
# While the server still holds a burst, everything sent gets through until its 429: the answers
# then measure what was sent, not the limit. Two congestion events, each counted from when
# sending resumed (the server's bucket full again after the pause), give both unknowns of a
# token bucket (answered = burst + rate * time) when their times differ by at least this much.
LIMIT_FIT_SECONDS: Final = 0.1
# ... and neither is longer than this: a client that went on that long without a 429 sent below
# the limit for part of it, and its answers then fit no bucket.
LIMIT_FIT_SPAN: Final = 3.0
# ... and the fit is believed only at or above this share of the answers' rate (events the
# model does not describe, as a window's whose answers hardly grow with time, fit a rate near 0).
LIMIT_FIT_FLOOR: Final = 0.5
# A fitted rate is the limit itself, not an overshoot: the cut goes only this far below it.
LIMIT_FIT_CUT: Final = 0.97
# A client without a RateLimit learns one from its first 429: it starts at the rate of successful
# answers before it (over at least a second) and doubles every LEARN_DOUBLING_SECONDS until the
# next 429, which hands over to the adaptive curve above (a TCP slow start).
LEARN_DOUBLING_SECONDS: Final = 0.15
# A 429's pause is probed: one call goes after the time the rate in force gives a call (never
# sooner than this), then after twice that, and so on, and the first call answered ends the pause.
PROBE_MIN_SECONDS: Final = 0.005
# ... and the gaps stop doubling at this fraction of the pause (a window resetting during the
# pause is found within an eighth of it).
PROBE_SPREAD: Final = 8.0
# A cut made with a pause of p seconds recovers over max(ADAPTIVE_RECOVERY_SECONDS, this * p):
# every time the client finds the limit again it loses the whole pause, so a climb that finds
# it every 2 s would lose a third of the time to a server pausing it for 1 s.
RECOVERY_PER_PAUSE_SECOND: Final = 8.0
# ... and never more than this: recovery stays a matter of seconds ("seconds, not minutes").
RECOVERY_MAX_SECONDS: Final = 8.0

# The list calls' page size when none is given: the documents' default page (100 records).
DEFAULT_PAGE_LIMIT: Final = 100

# Sync: the share of the active employees one plan may archive without force=True. Issue 8's
# safety cap ("e.g. 10% of the account"): a wrong file or key must not empty an account.
SYNC_ARCHIVE_CAP: Final = 0.10

# Connections per client; aiohttp's default (100) is more than the API should see from one job.
DEFAULT_CONNECTION_LIMIT: Final = 64

# Bulk runs: 8 calls in flight keeps a ~100 ms API busy at ~80 calls/s, well under the
# connection limit above; the documents give no rate limit, so this errs on the polite side.
DEFAULT_BULK_CONCURRENCY: Final = 8
# Seconds a cancelled bulk run lets its calls in flight end, so that a create the server may be
# processing is recorded rather than repeated: one default attempt timeout would be too long
# for Ctrl-C, and a healthy call ends well within 5 s.
DEFAULT_BULK_CANCEL_GRACE: Final = 5.0
# A bulk run stops sending after this many consecutive connection failures (each after its own
# retries): one dead connection is a blip, twenty in a row with nothing answered in between is
# an API that cannot be reached, and the rest of the file would only fail the same way.
DEFAULT_BULK_STOP_AFTER_CONNECTION_FAILURES: Final = 20
# The final pass of a bulk run resends inputs that failed with a retryable error, once, after
# a pause that lets a burst of faults pass (two default first backoffs). It is bounded: more
# than this many such failures is an outage, not a burst, and the run reports them instead
# (the outage benchmark's 2,000 calls against a dead server must stay at ~1 attempt each).
DEFAULT_BULK_FINAL_PASS_DELAY: Final = 1.0
DEFAULT_BULK_FINAL_PASS_LIMIT: Final = 100

HEADER_CLIENT_ID: Final = "X-YaTaxi-Selected-Corp-Client-Id"
# The zoneinfo page: the language of the names in the answer (its example: "en").
HEADER_LANGUAGE: Final = "X-Request-Language"
# The create pages of orders, promocodes and vehicles: one token (a UUID) is one order.
HEADER_IDEMPOTENCY_TOKEN: Final = "X-Idempotency-Token"

# orders.wait: the first poll at once, then 2 s, growing by half while the status stands still,
# up to 15 s (a ride's stages last minutes; the progress page gives no polling rate, so this
# errs on the polite side), for at most an hour (a long ride plus its search).
DEFAULT_WAIT_POLL_INITIAL: Final = 2.0
DEFAULT_WAIT_POLL_MAX: Final = 15.0
DEFAULT_WAIT_TIMEOUT: Final = 3600.0
# The taxi report page: "не более 100 элементов" per request.
TAXI_REPORT_MAX_IDS: Final = 100
# The travels page: limit "от 1 до 10, по умолчанию 10".
TRAVELS_MAX_LIMIT: Final = 10
# The tanker page: limit "от 1 до 1000", 100 without one; the eats page: 150 without one.
EATS_DEFAULT_LIMIT: Final = 150
USER_AGENT: Final = "yandex_b2b_async"

# Shared pacing through Redis. A Redis on the same network answers in about a millisecond; a
# pacer that gates every call treats a quarter of a second without an answer as an outage and
# paces this process alone (or fails, if configured so) rather than stall every call.
DEFAULT_REDIS_TIMEOUT: Final = 0.25
# Opening a connection is a handshake of a few round trips: on a host whose cores are all busy
# (as when several workers start at once) it took over a quarter of a second; refused is instant.
REDIS_CONNECT_TIMEOUT: Final = 1.0
# While Redis is out, one probe per second finds it again without adding a wait to any call.
REDIS_PROBE_INTERVAL: Final = 1.0
# The process's clock is set against Redis's TIME at connect and re-read this often (seconds):
# an NTP-disciplined clock drifts well under a millisecond in a minute.
REDIS_CLOCK_RESYNC: Final = 60.0
# A quota nobody used for ten minutes is forgotten (its bucket would be full again anyway).
REDIS_STATE_TTL: Final = 600.0
# Every key the library writes starts with this, then the quota's name in a hash tag.
REDIS_KEY_PREFIX: Final = "yandex_b2b"

# Journal ownership: a run holds a lease on its journal, renewed every third of its length;
# another host may take the journal over once the lease is this many seconds past its end.
JOURNAL_LEASE_SECONDS: Final = 30.0
