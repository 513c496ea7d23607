"""The base of every resource: a handle on the client's single request path.

A resource (``client.users``, ``client.departments``, …) is a set of thin declarations —
method, path, query, request model, response model — over :meth:`B2BClient.request`, bound
here once (as openai-python's ``_resource.py`` binds ``client.get``). A resource never touches
aiohttp, never imports another resource's private names, and imports the client for typing only.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, TypeVar

import attrs

from .._constants import HEADER_IDEMPOTENCY_TOKEN
from .._types import NOT_GIVEN, NotGiven
from .._validators import check_uuid
from ..errors import B2BError

if TYPE_CHECKING:
    from .._client import B2BClient
    from ..retries import RetryOption

_Created = TypeVar("_Created")

__all__ = ["APIResource", "new_idempotency_token"]


class APIResource:
    """A group of API calls bound to one client."""

    def __init__(self, client: B2BClient) -> None:
        self._client = client
        self._request = client.request

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"

    async def _create_once(
        self,
        path: str,
        *,
        body: object,
        response: type[_Created],
        idempotency_token: str | uuid.UUID | None,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> _Created:
        """``POST path`` under one ``X-Idempotency-Token`` (see :func:`new_idempotency_token`).

        The answer carries the token (``response`` has an ``idempotency_token`` field), and so
        does the error of a call that fails, so that a later repeat with it is the same
        creation, never a second one.
        """
        token = new_idempotency_token(idempotency_token)
        try:
            created = await self._request(
                "POST",
                path,
                body=body,
                response=response,
                headers={HEADER_IDEMPOTENCY_TOKEN: token},
                retry=retry,
                timeout=timeout,
            )
        except B2BError as error:
            error.idempotency_token = token
            raise
        return attrs.evolve(created, idempotency_token=token)  # type: ignore[misc]


def new_idempotency_token(token: str | uuid.UUID | None = None) -> str:
    """A fresh ``X-Idempotency-Token`` (a UUID4, as text), or ``token`` checked to be a UUID.

    One token is one order (orders, promocodes, vehicles): a call sends its token on every
    retry, so a retried create is answered with what the first attempt made. A call makes one
    itself when given none, but a call that is *cancelled* ends without handing it back: make
    the token first (``token = new_idempotency_token()``), keep it with the work, and pass it
    as ``idempotency_token=`` to the call and to any repeat of it. A service should pass its
    own caller's idempotency key (a UUID) instead, so that a caller's retry is the same order.
    """
    if token is None:
        return str(uuid.uuid4())
    return check_uuid("idempotency_token", token)
