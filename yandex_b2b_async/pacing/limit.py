"""RateLimit: the pacing configuration a user passes to a client."""

from __future__ import annotations

import attrs

from .._constants import DEFAULT_REDIS_TIMEOUT
from ..errors import ValidationError
from .shared_options import (
    OnRedisDown,
    check_on_down,
    check_quota_key,
    check_redis_url,
    redis_url_repr,
)

__all__ = ["RateLimit"]


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1e12:
        raise ValidationError(f"RateLimit.{attribute.name}", "must be a number > 0", value=value)


def _positive_int(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(f"RateLimit.{attribute.name}", "must be an integer >= 1", value=value)


def _boolean(_: object, attribute: attrs.Attribute[bool], value: bool) -> None:
    if not isinstance(value, bool):
        raise ValidationError(f"RateLimit.{attribute.name}", "must be True or False", value=value)


@attrs.frozen(kw_only=True)
class RateLimit:
    """At most ``rate`` calls per ``per`` seconds, with bursts of up to ``burst`` calls.

    ``burst`` is the bucket's capacity: how many calls may start back to back after a quiet
    spell, so any window of ``per`` seconds holds at most ``rate + burst`` calls. Every attempt
    counts, retries included. ``adaptive=True`` cuts the rate once per congestion event — to 90%
    of the rate the server let through when that is known, else to 70%, and from the second
    event on to 97% of a token bucket's rate fitted from the two — and grows it
    back to the configured rate within seconds (see :class:`Pacer`). A negative or zero rate,
    period or burst is refused with :class:`ValidationError`.

    ``redis_url`` shares the bucket, the pause after a 429 and the adaptive rate with every
    process (on any host) whose rate limit names the same Redis and ``key`` (default: derived
    from the base URL, the client id and a hash of the token, never the token). While Redis
    does not answer within ``redis_timeout`` seconds, ``on_redis_down="local"`` paces this
    process alone (saying so once in the log) until it answers again; ``"fail"`` fails every
    call with :class:`SharedPacingError` instead. See docs/workers.md.
    """

    rate: float = attrs.field(validator=_positive)
    per: float = attrs.field(default=1.0, validator=_positive)
    burst: int = attrs.field(default=1, validator=_positive_int)
    adaptive: bool = attrs.field(default=False, validator=_boolean)
    #: Share this quota with every process using the same Redis and ``key`` (extra ``redis``).
    redis_url: str | None = attrs.field(
        default=None, validator=check_redis_url, repr=redis_url_repr
    )
    #: The shared quota's name; None: derived from the base URL, client id and token's hash.
    key: str | None = attrs.field(default=None, validator=check_quota_key)
    #: While Redis does not answer: "local" paces this process alone, "fail" fails each call.
    on_redis_down: OnRedisDown = attrs.field(default="local", validator=check_on_down)
    #: Seconds one Redis round trip may take before Redis counts as down.
    redis_timeout: float = attrs.field(default=DEFAULT_REDIS_TIMEOUT, validator=_positive)
