"""Cost center models: a cost center with its field settings, and its pages."""

from __future__ import annotations

import attrs

__all__ = ["CostCenter", "CostCenterField", "CostCentersPage"]


@attrs.frozen(kw_only=True)
class CostCenterField:
    """One field setting of a cost center (what an employee fills in when ordering)."""

    id: str
    title: str | None = None
    hidden: bool | None = None
    required: bool | None = None
    services: tuple[str, ...] = ()
    format: str | None = None
    values: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class CostCenter:
    """A cost center of the client; ``default`` marks the main one."""

    id: str
    name: str | None = None
    default: bool | None = None
    field_settings: tuple[CostCenterField, ...] = ()


@attrs.frozen(kw_only=True)
class CostCentersPage:
    """One page of ``GET /integration/2.0/cost_centers/list``."""

    items: tuple[CostCenter, ...] = ()
    limit: int | None = None
    offset: int | None = None
    total_amount: int | None = None
