"""The base of every resource: a handle on the client's single request path.

A resource (``client.users``, ``client.departments``, …) is a set of thin declarations —
method, path, query, request model, response model — over :meth:`B2BClient.request`, bound
here once (as openai-python's ``_resource.py`` binds ``client.get``). A resource never touches
aiohttp, never imports another resource's private names, and imports the client for typing only.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from .._validators import check_uuid

if TYPE_CHECKING:
    from .._client import B2BClient

__all__ = ["APIResource", "new_idempotency_token"]


class APIResource:
    """A group of API calls bound to one client."""

    def __init__(self, client: B2BClient) -> None:
        self._client = client
        self._request = client.request

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"


def new_idempotency_token(token: str | uuid.UUID | None) -> str:
    """The ``X-Idempotency-Token`` of one call: the caller's (checked) or a fresh UUID4.

    One token is one order (orders, promocodes, vehicles): a call makes its token once and
    sends it on every retry, so a retried create is answered with what the first attempt made.
    """
    if token is None:
        return str(uuid.uuid4())
    return check_uuid("idempotency_token", token)
