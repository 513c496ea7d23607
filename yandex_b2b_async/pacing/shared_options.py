"""RateLimit's options for a quota shared through Redis: their checks and how they show.

Kept apart from the Redis backend so that the configuration (:mod:`.limit`) can check them
without importing redis-py, which only the ``redis`` extra installs.
"""

from __future__ import annotations

import importlib.util
from typing import Final, Literal

import attrs

from ..errors import ValidationError

__all__ = [
    "OnRedisDown",
    "check_on_down",
    "check_quota_key",
    "check_redis_url",
    "describe_redis_url",
    "redis_url_repr",
]

OnRedisDown = Literal["local", "fail"]
"""What a process does while Redis does not answer: pace itself alone, or fail every call."""

_REDIS_SCHEMES: Final = ("redis", "rediss", "unix")


def describe_redis_url(url: str) -> str:
    """``host:port/db`` of a Redis URL, for log lines: never its user or password."""
    from yarl import URL

    try:
        parsed = URL(url)
    except (ValueError, TypeError):
        return "<a malformed Redis URL>"
    if parsed.scheme == "unix":
        return parsed.path
    where = f"{parsed.host}:{parsed.port or 6379}"
    return where + (parsed.path if parsed.path not in ("", "/") else "/0")


def check_redis_url(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    """``redis://``, ``rediss://`` or ``unix://``, and redis-py installed (the ``redis`` extra)."""
    if value is None:
        return
    field = f"RateLimit.{attribute.name}"
    if not isinstance(value, str) or value.split("://", 1)[0] not in _REDIS_SCHEMES:
        shown = describe_redis_url(value) if isinstance(value, str) else value
        raise ValidationError(
            field, "must be a redis://, rediss:// or unix:// URL, or None", value=shown
        )
    if importlib.util.find_spec("redis") is None:
        raise ValidationError(field, "needs redis-py: pip install 'yandex_b2b_async[redis]'")


def check_quota_key(_: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    """A quota name: a non-empty string without control characters, or None (derived)."""
    if value is None:
        return
    if not isinstance(value, str) or not value.strip() or not value.isprintable():
        raise ValidationError(
            f"RateLimit.{attribute.name}",
            "must be a non-empty printable string, or None (derived from the account)",
            value=value,
        )


def check_on_down(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    """``"local"`` or ``"fail"``."""
    if value not in ("local", "fail"):
        raise ValidationError(
            f"RateLimit.{attribute.name}", "must be 'local' or 'fail'", value=value
        )


def redis_url_repr(value: str | None) -> str:
    """How a RateLimit shows its Redis: host, port and database, never a password."""
    return "None" if value is None else repr(describe_redis_url(value))
