"""What a token reaches: the clients (company accounts) of ``GET /auth/list``."""

from __future__ import annotations

import attrs

__all__ = ["ClientInfo"]


@attrs.frozen(kw_only=True)
class ClientInfo:
    """A client (company account) the token reaches (``GET /integration/2.0/auth/list``)."""

    client_id: str
    name: str | None = None
    role: str | None = None
