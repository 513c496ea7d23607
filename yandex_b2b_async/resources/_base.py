"""The base of every resource: a handle on the client's single request path.

A resource (``client.users``, ``client.departments``, …) is a set of thin declarations —
method, path, query, request model, response model — over :meth:`B2BClient.request`, bound
here once (as openai-python's ``_resource.py`` binds ``client.get``). A resource never touches
aiohttp, never imports another resource's private names, and imports the client for typing only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._client import B2BClient

__all__ = ["APIResource"]


class APIResource:
    """A group of API calls bound to one client."""

    def __init__(self, client: B2BClient) -> None:
        self._client = client
        self._request = client.request

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._client!r}>"
