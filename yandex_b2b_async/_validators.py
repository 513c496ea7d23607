"""Every shared input check. Each raises :class:`ValidationError` naming the field and the rule.

Two kinds live here: plain checks (``check_id(field, value)``), called by resources before a
request is built, and attrs validators (``text(...)``, ``phone``, ``email``, ``boolean``) used
by the request models, which pass :data:`UNSET` through. No network, no models.
"""

from __future__ import annotations

import datetime
import math
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

import attrs

from ._types import UNSET
from .errors import ValidationError

__all__ = [
    "CONTROL_RE",
    "PHONE_RE",
    "boolean",
    "check_date",
    "check_datetime",
    "check_id",
    "check_ids",
    "check_limit",
    "check_lon_lat",
    "check_number",
    "check_offset",
    "check_phone",
    "check_text",
    "check_uuid",
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
_DATE_RE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME_RE: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?"
)


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


# -- orders and services: coordinates, dates, tokens ------------------------------------------


def check_number(field: str, value: object, *, low: float, high: float) -> float:
    """A finite number (not a bool) from ``low`` to ``high``, as a float."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        raise ValidationError(field, f"must be a number from {low:g} to {high:g}", value=value)
    return float(value)


def check_lon_lat(field: str, value: object) -> tuple[float, float]:
    """A point as the documents write it: ``[longitude, latitude]`` (longitude first)."""
    if isinstance(value, str | bytes | dict) or not isinstance(value, Sequence) or len(value) != 2:
        raise ValidationError(field, "must be a pair [longitude, latitude] of numbers", value=value)
    lon = check_number(f"{field}[0] (longitude)", value[0], low=-180.0, high=180.0)
    lat = check_number(f"{field}[1] (latitude)", value[1], low=-90.0, high=90.0)
    return (lon, lat)


def check_date(field: str, value: object) -> str:
    """A calendar date ``YYYY-MM-DD``; a :class:`datetime.date` is written in that format."""
    if isinstance(value, datetime.datetime):
        raise ValidationError(field, "must be a date (YYYY-MM-DD), not a datetime", value=value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if not isinstance(value, str) or not _DATE_RE.fullmatch(value):
        raise ValidationError(field, "must be a date in the format YYYY-MM-DD", value=value)
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(field, "is not a calendar date", value=value) from None
    return value


def check_datetime(
    field: str, value: object, *, offset: bool = True, timespec: str = "seconds"
) -> str:
    """A moment in the page's ISO 8601 form.

    ``offset=True`` (``YYYY-MM-DDThh:mm:ss±hh:mm``): an aware datetime is written with its
    offset, a string must carry one (a naive moment is refused: its zone would be a guess).
    ``offset=False`` (the pages that take UTC without a zone, ``YYYY-MM-DDThh:mm:ss``): an
    aware datetime, or a string with an offset, is converted to UTC and written without one; a
    naive one, or a string without an offset, is taken as UTC already. A datetime is written
    to ``timespec`` (``"seconds"``, as the pages' examples; ``"milliseconds"`` for the tanker
    page); a string otherwise valid is sent as given."""
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, str) and _DATETIME_RE.fullmatch(value):
        try:
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError(field, "is not a valid date and time", value=value) from None
    else:
        raise ValidationError(
            field, "must be a date and time like 2024-05-01T10:00:00+03:00", value=value
        )
    aware = moment.tzinfo is not None and moment.utcoffset() is not None
    if offset and not aware:
        raise ValidationError(field, "needs a UTC offset (e.g. +03:00)", value=value)
    if not offset and aware:
        utc = moment.astimezone(datetime.UTC).replace(tzinfo=None)
        if isinstance(value, str) and utc.microsecond and timespec == "seconds":
            return utc.isoformat()  # a fraction the caller wrote is kept
        return utc.isoformat(timespec=timespec)
    if isinstance(value, str):
        return value
    return moment.isoformat(timespec=timespec)


def check_uuid(field: str, value: object) -> str:
    """A UUID (``X-Idempotency-Token``), as its canonical string."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str):
        raise ValidationError(field, "must be a UUID (a str or uuid.UUID)", value=value)
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValidationError(field, "must be a UUID like 3f2a…-…", value=value) from None


def check_ids(field: str, values: object, *, maximum: int | None = None) -> tuple[str, ...]:
    """A non-empty list of ids without repeats (at most ``maximum``)."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValidationError(field, "must be a list of ids", value=values)
    ids = tuple(values)
    if not ids:
        raise ValidationError(field, "must hold at least one id")
    if maximum is not None and len(ids) > maximum:
        raise ValidationError(field, f"must hold at most {maximum} ids", value=len(ids))
    seen: set[str] = set()
    for index, item in enumerate(ids):
        check_id(f"{field}[{index}]", item)
        if item in seen:
            raise ValidationError(f"{field}[{index}]", "is given twice", value=item)
        seen.add(item)
    return ids
