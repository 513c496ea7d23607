"""Reading an endpoint's query parameters, shared by every group of the sandbox's routes.

A missing or malformed parameter is the API's 400 ``VALIDATION_ERROR`` naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from .state import ApiError, JSONValue

__all__ = ["CallView", "HasQuery", "int_param", "required_param"]


class HasQuery(Protocol):
    """What these readers need of a call: its query parameters."""

    @property
    def query(self) -> Mapping[str, str]: ...


class CallView(HasQuery, Protocol):
    """What an endpoint function reads of a request (`app.Call` has it all): the route modules
    declare their functions against this, so they need not import `app`, which imports them."""

    @property
    def client_id(self) -> str: ...

    @property
    def body(self) -> JSONValue: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


def required_param(call: HasQuery, name: str) -> str:
    """The value of query parameter ``name``; a 400 when it is missing or empty."""
    value = call.query.get(name)
    if not value:
        raise ApiError(
            400, "VALIDATION_ERROR", f"missing query parameter {name!r}", {"field": name}
        )
    return value


def int_param(call: HasQuery, name: str, default: int) -> int:
    """Query parameter ``name`` as a non-negative integer, ``default`` when absent."""
    text = call.query.get(name)
    if text is None:
        return default
    # Digits only: int() would also take " 5", "+5" and "5_0".
    if not (text.isascii() and text.isdigit()):
        raise ApiError(
            400,
            "VALIDATION_ERROR",
            f"query parameter {name!r} must be a non-negative integer, got {text!r}",
            {"field": name},
        )
    return int(text)
