"""What every group of models shares: the services, and a limit as sent and as read."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Final, NewType

import attrs

from .._types import UNSET, Unset
from .._validators import text
from ..errors import ValidationError

__all__ = ["AssignedLimit", "Limit", "Number", "Service", "to_limits", "to_service"]

Number = NewType("Number", float)
"""A JSON number in an answer: an integer or a fraction alike (``"cost": 2188`` and
``"cost_with_vat": 2625.6`` on one page), read as a float."""


class Service(enum.StrEnum):
    """The services a limit can be assigned for (the create, PUT and PATCH pages)."""

    TAXI = "taxi"
    EATS2 = "eats2"
    GROCERY = "grocery"  # the documents call it outdated: use EATS2
    DRIVE = "drive"
    TANKER = "tanker"
    CARGO = "cargo"
    TRAVEL = "travel"
    SCOOTERS = "scooters"


_SERVICES: Final = ", ".join(service.value for service in Service)


def to_service(value: object) -> Service:
    if isinstance(value, Service):
        return value
    if isinstance(value, str):
        try:
            return Service(value)
        except ValueError:
            pass
    raise ValidationError("service", f"must be one of: {_SERVICES}", value=value)


def to_limits(value: Sequence[Limit] | Unset) -> tuple[Limit, ...] | Unset:
    if value is UNSET:
        return UNSET
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ValidationError("limits", "must be a list of Limit", value=value)
    for index, item in enumerate(value):
        if not isinstance(item, Limit):
            raise ValidationError(f"limits[{index}]", "must be a Limit", value=item)
    services = [item.service for item in value]
    for index, service in enumerate(services):
        if service in services[:index]:
            raise ValidationError(
                f"limits[{index}].service", f"{service.value!r} is given twice: one limit a service"
            )
    return tuple(value)


@attrs.frozen
class Limit:
    """A previously created spending limit assigned to an employee for one service."""

    limit_id: str = attrs.field(validator=text(allow_empty=False))
    service: Service = attrs.field(converter=to_service)


@attrs.frozen
class AssignedLimit:
    """A limit as the API reports it: ``service`` is a :class:`Service`, or the raw string
    for a service this library does not know yet (the API grows)."""

    limit_id: str
    service: Service | str
