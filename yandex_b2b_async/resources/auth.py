"""What the token reaches: ``client.auth``."""

from __future__ import annotations

import attrs

from .._types import NOT_GIVEN, NotGiven
from ..models import ClientInfo
from ..retries import RetryOption
from ._base import APIResource

__all__ = ["AuthAPI"]


@attrs.frozen(kw_only=True)
class _ClientsAnswer:
    clients: tuple[ClientInfo, ...] = ()


class AuthAPI(APIResource):
    """What the token reaches: ``client.auth``."""

    async def clients(
        self, *, retry: RetryOption = NOT_GIVEN, timeout: float | NotGiven = NOT_GIVEN
    ) -> list[ClientInfo]:
        """The clients (company accounts) this token reaches (``GET /auth/list``)."""
        answer = await self._request(
            "GET", "/auth/list", response=_ClientsAnswer, retry=retry, timeout=timeout
        )
        return list(answer.clients)
