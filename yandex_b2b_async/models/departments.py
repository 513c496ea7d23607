"""Department models: a department, its pages, its taxi budget, and the answers to create and
archive."""

from __future__ import annotations

import attrs

__all__ = [
    "CreatedDepartment",
    "Department",
    "DepartmentArchiveResult",
    "DepartmentBudget",
    "DepartmentsPage",
]


@attrs.frozen(kw_only=True)
class DepartmentArchiveResult:
    """The ids of every department removed: the one asked for and its whole subtree."""

    deleted_ids: list[str] = attrs.field(factory=list)


@attrs.frozen(kw_only=True)
class Department:
    """A department; ``parent_id`` is None for one attached to the root.

    ``limits`` is the raw per-service budget object of the departments page.
    """

    id: str
    name: str | None = None
    parent_id: str | None = None
    limits: dict[str, object] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class DepartmentsPage:
    """One page of ``GET /integration/2.0/departments/list`` (offset pages)."""

    items: tuple[Department, ...] = ()
    limit: int | None = None
    offset: int | None = None
    total_amount: int | None = None


@attrs.frozen(kw_only=True)
class CreatedDepartment:
    """The answer to a department create (the page names the id ``_id``).

    ``reconciled`` is True when the create's answer was lost and the department was found by
    its name and parent instead of being created again.
    """

    id: str
    reconciled: bool = False


@attrs.frozen(kw_only=True)
class DepartmentBudget:
    """A department's taxi budget (``GET /integration/2.0/departments/limits/taxi``).

    ``budget`` is what the department may spend per ``period`` (``month`` or ``quarter``) on
    taxi rides; None means no limit (and then ``period`` is None too).
    """

    budget: int | float | None = None
    period: str | None = None

    @property
    def unlimited(self) -> bool:
        """True when the department has no taxi budget (``budget`` is null)."""
        return self.budget is None
