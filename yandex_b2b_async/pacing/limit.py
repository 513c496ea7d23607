"""RateLimit: the pacing configuration a user passes to a client."""

from __future__ import annotations

import attrs

from ..errors import ValidationError

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
    counts, retries included. ``adaptive=True`` cuts the rate to 70% on each 429 and grows it
    back to the configured rate within seconds (see :class:`Pacer`). A negative or zero rate,
    period or burst is refused with :class:`ValidationError`.
    """

    rate: float = attrs.field(validator=_positive)
    per: float = attrs.field(default=1.0, validator=_positive)
    burst: int = attrs.field(default=1, validator=_positive_int)
    adaptive: bool = attrs.field(default=False, validator=_boolean)
