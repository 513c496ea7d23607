"""Field checks of the raw JSON the services' endpoints receive (orders, promocodes, vehicles).

Each check names the field in a 400 `VALIDATION_ERROR`, as the employee rules in `state.py` do:
the sandbox exists to catch what a client sends wrong. A manual clock lives here too, since
every service's rules read time from it. Plain Python, no HTTP.
"""

from __future__ import annotations

import base64
import datetime
import math
import re
import time
import uuid
from collections.abc import Callable, Collection
from typing import Final

from .state import ApiError, JSONObject, JSONValue

__all__ = [
    "ManualClock",
    "boolean",
    "check_keys",
    "date",
    "decode_cursor",
    "encode_cursor",
    "expect_object",
    "idempotency_token",
    "integer",
    "invalid",
    "iso_datetime",
    "lon_lat",
    "new_id",
    "number",
    "string",
    "string_list",
]

_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ManualClock:
    """The time of the sandbox's services. `now()` is seconds since the clock was made; `wall()`
    the aware UTC datetime it stands for (it starts at the real time of its making, so dates the
    client checks against today agree with the sandbox's).

    It runs at `factor` clock seconds per real second: 0 (the default, a test's sandbox) stops
    it, so it moves only when told to (`advance`) and a test decides when an order's driver
    arrives; 1 follows the real time (`sandbox serve`'s default); 60 runs a twenty-minute ride
    in twenty seconds. `advance` jumps it ahead at any speed. `realtime=True` is `factor=1`.
    `monotonic` is the real time it reads (`time.monotonic`; a test may pass its own)."""

    def __init__(
        self,
        start: datetime.datetime | None = None,
        *,
        factor: float | None = None,
        realtime: bool = False,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._start = start or datetime.datetime.now(datetime.UTC).replace(microsecond=0)
        self._monotonic = monotonic
        self._elapsed = 0.0
        self._origin = monotonic()
        self._factor = _check_factor(factor if factor is not None else float(realtime))

    @property
    def factor(self) -> float:
        """Clock seconds per real second (0: stopped, moved by `advance` only)."""
        return self._factor

    @factor.setter
    def factor(self, value: float) -> None:
        checked = _check_factor(value)
        self._elapsed, self._origin = self.now(), self._monotonic()
        self._factor = checked

    @property
    def realtime(self) -> bool:
        """Whether the clock moves by itself (a factor above 0)."""
        return self._factor > 0

    @realtime.setter
    def realtime(self, value: bool) -> None:
        self.factor = float(value)

    def now(self) -> float:
        """Seconds since the clock was made."""
        if not self._factor:
            return self._elapsed
        return self._elapsed + (self._monotonic() - self._origin) * self._factor

    def wall(self, at: float | None = None) -> datetime.datetime:
        """The UTC moment of `at` seconds on this clock (now when None)."""
        return self._start + datetime.timedelta(seconds=self.now() if at is None else at)

    def at(self, moment: datetime.datetime) -> float:
        """The clock seconds of an aware moment (negative before the clock's start)."""
        return (moment - self._start).total_seconds()

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds` (>= 0)."""
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError(f"a clock moves forward only: seconds must be >= 0, got {seconds}")
        self._elapsed += seconds

    def reset(self) -> None:
        """Back to the start (at the same speed)."""
        self._elapsed = 0.0
        self._origin = self._monotonic()


def _check_factor(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"time_factor must be a number, got {value!r}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"time_factor must be >= 0 (0: the clock stops), got {value}")
    return float(value)


# The one page that bounds a list's `limit` (orders-tanker: "от 1 до 1000"); the other lists
# take it as an assumption in strict mode only.
LIMIT_MOST: Final = 1000


def check_limit(limit: int, *, bounded: bool) -> None:
    """400 for a page `limit` below 1, or above 1000 when `bounded` (the tanker page's bound,
    or an assumption in strict mode)."""
    if limit < 1 or (bounded and limit > LIMIT_MOST):
        raise invalid("limit", f"limit must be from 1 to {LIMIT_MOST}")


def new_id() -> str:
    """A fresh record id, as the API's: 32 hex digits."""
    return uuid.uuid4().hex


def invalid(field: str, message: str) -> ApiError:
    """The 400 the API answers for a bad field."""
    return ApiError(400, "VALIDATION_ERROR", message, {"field": field})


def expect_object(body: JSONValue, what: str = "request body") -> JSONObject:
    """The body as a JSON object, or 400."""
    if not isinstance(body, dict):
        raise ApiError(400, "VALIDATION_ERROR", f"the {what} must be a JSON object")
    return body


def check_keys(body: JSONObject, allowed: Collection[str], required: Collection[str] = ()) -> None:
    """400 for a field the page does not document, or a required one left out."""
    for key in body:
        if key not in allowed:
            raise invalid(key, f"unknown field {key!r}")
    for key in required:
        if key not in body:
            raise invalid(key, f"the field {key!r} is required")


def string(field: str, value: JSONValue, *, allow_empty: bool = False) -> str:
    """A string (non-empty unless `allow_empty`)."""
    if not isinstance(value, str):
        raise invalid(field, f"{field} must be a string")
    if not allow_empty and not value.strip():
        raise invalid(field, f"{field} must not be empty")
    return value


def string_list(field: str, value: JSONValue) -> list[str]:
    """A list of non-empty strings."""
    if not isinstance(value, list):
        raise invalid(field, f"{field} must be a list of strings")
    return [string(f"{field}[{index}]", item) for index, item in enumerate(value)]


def boolean(field: str, value: JSONValue) -> bool:
    """A JSON bool (not 1, not "true")."""
    if not isinstance(value, bool):
        raise invalid(field, f"{field} must be a boolean")
    return value


def integer(field: str, value: JSONValue, *, low: int, high: int) -> int:
    """A JSON integer from `low` to `high`."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise invalid(field, f"{field} must be an integer from {low} to {high}")
    return value


def number(field: str, value: JSONValue) -> float:
    """A finite JSON number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise invalid(field, f"{field} must be a number")
    return float(value)


def lon_lat(field: str, value: JSONValue) -> tuple[float, float]:
    """A point `[longitude, latitude]` within range."""
    if not isinstance(value, list) or len(value) != 2:
        raise invalid(field, f"{field} must be [longitude, latitude]")
    lon, lat = number(field, value[0]), number(field, value[1])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise invalid(field, f"{field} is out of range: longitude first, then latitude")
    return lon, lat


def iso_datetime(field: str, value: JSONValue, *, utc_default: bool = True) -> datetime.datetime:
    """An ISO 8601 moment; without an offset it is taken as UTC when `utc_default`."""
    text = string(field, value)
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(field, f"{field} must be a date and time in ISO 8601") from None
    if moment.tzinfo is None:
        if not utc_default:
            raise invalid(field, f"{field} needs a UTC offset")
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def date(field: str, value: JSONValue) -> datetime.date:
    """A date `YYYY-MM-DD`."""
    text = string(field, value)
    if not _DATE.fullmatch(text):
        raise invalid(field, f"{field} must be a date YYYY-MM-DD")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise invalid(field, f"{field} is not a calendar date") from None


def idempotency_token(headers: object) -> str:
    """The `X-Idempotency-Token` of a create: required, a UUID."""
    getter = getattr(headers, "get", None)
    token = getter("X-Idempotency-Token") if getter is not None else None
    if not token:
        raise ApiError(
            400,
            "IDEMPOTENCY_TOKEN_REQUIRED",
            "the X-Idempotency-Token header (a UUID) is required",
            {"field": "X-Idempotency-Token"},
        )
    try:
        return str(uuid.UUID(str(token)))
    except ValueError:
        raise ApiError(
            400,
            "VALIDATION_ERROR",
            "X-Idempotency-Token must be a UUID",
            {"field": "X-Idempotency-Token"},
        ) from None


def encode_cursor(position: int) -> str:
    """The opaque cursor of the services' lists for ``position`` (what a page answers)."""
    return base64.urlsafe_b64encode(f"v1:{position}".encode()).decode()


def decode_cursor(cursor: str | None, size: int | None = None) -> int:
    """The position a cursor of :func:`encode_cursor` stands for (0 for ``None``); a 400
    for a cursor this sandbox did not give, or one past ``size`` when it is given."""
    if cursor is None:
        return 0
    try:
        tag, _, number = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        position = int(number)
    except (ValueError, UnicodeDecodeError):
        raise invalid("cursor", "unknown cursor") from None
    if tag != "v1" or position < 0 or (size is not None and position > size):
        raise invalid("cursor", "unknown cursor")
    return position
