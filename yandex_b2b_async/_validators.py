"""Every shared input check. Each raises :class:`ValidationError` naming the field and the rule.

Two kinds live here: plain checks (``check_id(field, value)``), called by resources before a
request is built, and attrs validators (``text(...)``, ``phone``, ``email``, ``boolean``) used
by the request models, which pass :data:`UNSET` through. No network, no models.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

import attrs

from ._types import UNSET
from .errors import ValidationError

__all__ = [
    "CONTROL_RE",
    "PHONE_RE",
    "boolean",
    "check_id",
    "check_limit",
    "check_offset",
    "check_phone",
    "check_text",
    "email",
    "phone",
    "require",
    "text",
]

# International format: "+", a country code that does not start with 0, 15 digits at most (E.164).
PHONE_RE: Final = re.compile(r"\+[1-9][0-9]{6,14}")
# Pragmatic address shape: one "@", no spaces, a dotted domain. The server has the final word.
_EMAIL_RE: Final = re.compile(r"[^@\s]{1,64}@[^@\s.]+(?:\.[^@\s.]+)+")
_EMAIL_MAX: Final = 254  # RFC 5321 path limit
CONTROL_RE: Final = re.compile(r"[\x00-\x1f\x7f]")
# Control characters, and lone surrogates (a badly decoded file) that cannot go out as UTF-8.
_BAD_CHAR_RE: Final = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")


def check_text(field: str, value: object, *, allow_empty: bool) -> str:
    """``value`` as a string of printable text (``allow_empty``: ``""`` passes)."""
    if not isinstance(value, str):
        raise ValidationError(field, "must be a string", value=value)
    if not allow_empty and not value.strip():
        raise ValidationError(field, "must not be empty", value=value)
    if _BAD_CHAR_RE.search(value):  # one scan on the common path; which rule only on failure
        if CONTROL_RE.search(value):
            raise ValidationError(field, "must not contain control characters", value=value)
        raise ValidationError(field, "must be valid Unicode text (it holds a lone surrogate)")
    return value


def check_id(field: str, value: object) -> str:
    """An id of the API: non-empty printable text."""
    return check_text(field, value, allow_empty=False)


def check_phone(field: str, value: object) -> str:
    """A phone in international format (``+`` and digits, E.164)."""
    check_text(field, value, allow_empty=False)
    assert isinstance(value, str)
    if not PHONE_RE.fullmatch(value):
        raise ValidationError(
            field,
            "must be in international format: '+', the country code and digits, e.g. +79001234567",
            value=value,
        )
    return value


def check_limit(limit: object, *, field: str = "limit", maximum: int = 1000) -> int:
    """A page size: an integer from 1 to ``maximum`` (the list pages allow 1000)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= maximum:
        raise ValidationError(field, f"must be an integer from 1 to {maximum}", value=limit)
    return limit


def check_offset(offset: object, *, field: str = "offset") -> int:
    """An offset into an offset-paged list: an integer >= 0."""
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise ValidationError(field, "must be an integer >= 0", value=offset)
    return offset


def require(value: object, cls: type, field: str) -> None:
    """Refuse an argument that is not an instance of ``cls`` (a request model)."""
    if not isinstance(value, cls):
        raise ValidationError(field, f"must be a {cls.__name__}", value=type(value).__name__)


# -- attrs validators: UNSET passes (the field is not sent) -------------------------------------


def text(*, allow_empty: bool) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """A validator of a text field."""

    def validate(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not UNSET:
            check_text(attribute.name, value, allow_empty=allow_empty)

    return validate


def phone(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A validator of a phone field (``""`` is refused by the format, not as empty)."""
    if value is UNSET:
        return
    check_text(attribute.name, value, allow_empty=True)
    if not PHONE_RE.fullmatch(value):
        raise ValidationError(
            attribute.name,
            "must be in international format: '+', the country code and digits, e.g. +79001234567",
            value=value,
        )


def email(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A validator of an email field."""
    if value is UNSET:
        return
    check_text(attribute.name, value, allow_empty=False)
    if len(value) > _EMAIL_MAX or not _EMAIL_RE.fullmatch(value):
        raise ValidationError(
            attribute.name, "must be an email address like name@example.com", value=value
        )


def boolean(_: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A validator of a bool field (``1`` and ``"true"`` are not bools)."""
    if value is not UNSET and not isinstance(value, bool):
        raise ValidationError(attribute.name, "must be a bool (True or False)", value=value)
