"""Zone models: the tariffs and requirements of the zone around a point (``GET /zoneinfo``)."""

from __future__ import annotations

import attrs

from ._common import Number

__all__ = [
    "RequirementOption",
    "RequirementSelect",
    "SupportedRequirement",
    "TariffClass",
    "ZoneInfo",
]


@attrs.frozen(kw_only=True)
class RequirementOption:
    """One option of a ``select`` requirement (a child seat's kind, …)."""

    name: str | None = None
    label: str | None = None
    title: str | None = None
    weight: Number | None = None
    max_count: int | None = None
    value: Number | None = None


@attrs.frozen(kw_only=True)
class RequirementSelect:
    """The options of a ``select`` requirement."""

    type: str | None = None
    options: tuple[RequirementOption, ...] = ()


@attrs.frozen(kw_only=True)
class SupportedRequirement:
    """A requirement an order of this tariff may carry (``type``: ``boolean`` or ``select``)."""

    name: str
    label: str | None = None
    type: str | None = None
    glued: bool | None = None
    multiselect: bool | None = None
    max_weight: Number | None = None
    select: RequirementSelect | None = None


@attrs.frozen(kw_only=True)
class TariffClass:
    """A tariff of the zone (``name`` as the create's ``class`` takes it)."""

    name: str
    name_translate: str | None = None
    supported_requirements: tuple[SupportedRequirement, ...] = ()

    def requirement(self, name: str) -> SupportedRequirement | None:
        """The requirement called ``name``, if this tariff supports it."""
        return next((item for item in self.supported_requirements if item.name == name), None)


@attrs.frozen(kw_only=True)
class ZoneInfo:
    """The answer to ``GET /zoneinfo``: the tariffs of the zone."""

    tariff_classes: tuple[TariffClass, ...] = ()

    def tariff(self, name: str) -> TariffClass | None:
        """The tariff called ``name``, if the zone has it."""
        return next((item for item in self.tariff_classes if item.name == name), None)
