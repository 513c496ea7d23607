"""Names instead of ids: departments by name or path, cost centers by name, limits by title.

An HR file names a department (``Продажи``, or a path ``Продажи/Москва``), a cost center and a
limit the way people do; the API wants their ids. :class:`NameResolver` reads each list once
(departments, cost centers, limits — only the ones asked for, on first use) and answers from
memory after that, so a 10,000-row file costs three list reads, not 30,000 calls.

A name that matches nothing, or more than one thing, raises :class:`NameNotFoundError` or
:class:`AmbiguousNameError` (both :class:`ValidationError`), naming the value and the
candidates. Department and cost-center names are the company's structure, not personal data,
so they appear in messages; no employee data is ever read here.

Ids still read
    A text equal to the id of an existing department, cost center or limit (of the service
    asked for) is that id, so a file that already holds ids reads the same.

Department paths
    Segments are joined by ``/``; a ``/`` inside a name is written ``\\/`` and a backslash
    ``\\\\`` (``Отдел 1\\/2`` is the one department "Отдел 1/2"). A path matches a department
    whose path from the root *ends with* these segments (``Москва`` matches
    ``Продажи/Москва`` when it is the only Москва); a leading ``/`` anchors it at the root
    (``/Продажи/Москва``). Names compare exactly; when nothing matches exactly, a match
    ignoring case and repeated spaces is taken if there is exactly one.

Creating missing departments
    With ``create_missing=True``, a path whose ending is missing is created under the longest
    part of it that resolves (parents first). Each department is created once per resolver,
    even when many rows ask for it at the same time: concurrent callers wait for the same
    creation. A lost create answer is reconciled by :meth:`DepartmentsAPI.create`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Final, TypeVar

import attrs

from .._validators import check_text
from ..errors import ConflictError, ValidationError
from ..models import Department, Limit, LimitInfo, Service
from ..models._common import to_service

if TYPE_CHECKING:
    from .._client import B2BClient

__all__ = [
    "AmbiguousNameError",
    "NameNotFoundError",
    "NameResolver",
    "format_department_path",
    "split_department_path",
]

_T = TypeVar("_T")

# How many candidates a message lists before "… and N more".
_SHOWN_CANDIDATES: Final = 10


class NameNotFoundError(ValidationError):
    """No department, cost center or limit has this name.

    ``value`` is the name asked for; ``candidates`` the closest names known (may be empty).
    """

    def __init__(self, field: str, value: str, candidates: Sequence[str] = ()) -> None:
        self.value = value
        self.candidates = tuple(candidates)
        hint = f"; known: {_listing(self.candidates)}" if self.candidates else ""
        super().__init__(field, f"no {_WHAT[field]} named {value!r}{hint}")


class AmbiguousNameError(ValidationError):
    """Several departments, cost centers or limits have this name.

    ``value`` is the name asked for; ``candidates`` one ``"path-or-name (id)"`` per match.
    """

    def __init__(self, field: str, value: str, candidates: Sequence[str]) -> None:
        self.value = value
        self.candidates = tuple(candidates)
        super().__init__(
            field,
            f"{len(self.candidates)} {_WHAT[field]}s match {value!r}: {_listing(self.candidates)}"
            "; give a longer path or the id",
        )


_WHAT: Final = {"department": "department", "cost_center": "cost center", "limit": "limit"}


def _listing(names: Sequence[str]) -> str:
    shown = ", ".join(names[:_SHOWN_CANDIDATES])
    more = len(names) - _SHOWN_CANDIDATES
    return shown + (f" … and {more} more" if more > 0 else "")


def split_department_path(path: str) -> tuple[bool, tuple[str, ...]]:
    """``(anchored, segments)`` of a department path: ``\\/`` is a ``/`` inside a name,
    ``\\\\`` a backslash; a leading ``/`` anchors the path at the root.

    Raises :class:`ValidationError` (field ``department``) for an empty path or segment, or a
    backslash that escapes nothing.
    """
    check_text("department", path, allow_empty=False)
    text = path.strip()
    anchored = text.startswith("/")
    if anchored:
        text = text[1:]
    segments: list[str] = []
    current: list[str] = []
    chars = iter(text)
    for char in chars:
        if char == "\\":
            escaped = next(chars, "")
            if escaped not in ("/", "\\"):
                raise ValidationError(
                    "department",
                    "a backslash must be followed by / or \\ (write \\/ for a slash in a name)",
                    value=path,
                )
            current.append(escaped)
        elif char == "/":
            segments.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    segments.append("".join(current).strip())
    if any(not segment for segment in segments):
        raise ValidationError("department", "a path has no empty parts", value=path)
    return anchored, tuple(segments)


def format_department_path(segments: Iterable[str]) -> str:
    """The path of these names, escaping ``\\`` and ``/`` inside them (the inverse of
    :func:`split_department_path` for an unanchored path)."""
    return "/".join(name.replace("\\", "\\\\").replace("/", "\\/") for name in segments)


def _loose(name: str) -> str:
    return " ".join(name.split()).casefold()


@attrs.define
class _Tree:
    """The client's departments, with each one's path from the root."""

    by_id: dict[str, Department]
    paths: dict[str, tuple[str, ...]]

    @classmethod
    def build(cls, departments: Iterable[Department]) -> _Tree:
        by_id = {department.id: department for department in departments}
        paths: dict[str, tuple[str, ...]] = {}

        def path_of(department_id: str) -> tuple[str, ...]:
            known = paths.get(department_id)
            if known is not None:
                return known
            chain: list[Department] = []
            seen: set[str] = set()
            current: Department | None = by_id[department_id]
            while current is not None and current.id not in seen and current.id not in paths:
                seen.add(current.id)
                chain.append(current)
                current = by_id.get(current.parent_id) if current.parent_id else None
            prefix = paths[current.id] if current is not None and current.id in paths else ()
            for department in reversed(chain):
                prefix = (*prefix, department.name or "")
                paths[department.id] = prefix
            return paths[department_id]

        for department_id in by_id:
            path_of(department_id)
        return cls(by_id=by_id, paths=paths)

    def add(self, department: Department) -> None:
        self.by_id[department.id] = department
        parent = self.paths.get(department.parent_id) if department.parent_id else ()
        self.paths[department.id] = (*(parent or ()), department.name or "")

    def matches(self, anchored: bool, segments: tuple[str, ...]) -> list[str]:
        """Ids whose path ends with (or, anchored, equals) ``segments``: exact names first,
        then names compared loosely when no exact match exists."""
        for same in (lambda a, b: a == b, lambda a, b: _loose(a) == _loose(b)):
            found = [
                department_id
                for department_id, path in self.paths.items()
                if len(path) >= len(segments)
                and (not anchored or len(path) == len(segments))
                and all(same(a, b) for a, b in zip(path[-len(segments) :], segments, strict=True))
            ]
            if found:
                return found
        return []

    def label(self, department_id: str) -> str:
        return f"{format_department_path(self.paths[department_id])} ({department_id})"


class NameResolver:
    """Resolves names to ids through the list calls of ``client``, each list read once.

    ``create_missing=True`` lets :meth:`department` create the departments a path names that do
    not exist (see the module docstring). A resolver caches what it read: make one per job (a
    file), or call :meth:`refresh` to read again.
    """

    def __init__(self, client: B2BClient, *, create_missing: bool = False) -> None:
        self._client = client
        self.create_missing = create_missing
        self._tree: asyncio.Task[_Tree] | None = None
        self._cost_centers: asyncio.Task[list[tuple[str, str]]] | None = None
        self._limits: asyncio.Task[list[LimitInfo]] | None = None
        self._creating: dict[tuple[str | None, str], asyncio.Task[str]] = {}
        self._created: list[str] = []
        self._resolved: dict[tuple[bool, tuple[str, ...]], str] = {}

    def __repr__(self) -> str:
        return f"<NameResolver of {self._client!r}>"

    @property
    def created_departments(self) -> tuple[str, ...]:
        """The ids of the departments this resolver created, in creation order."""
        return tuple(self._created)

    def refresh(self) -> None:
        """Forget what was read; the next lookup reads the lists again."""
        self._tree = self._cost_centers = self._limits = None
        self._creating.clear()
        self._resolved.clear()

    # -- departments -------------------------------------------------------------------------

    async def department(self, path: str) -> str:
        """The id of the department named by ``path`` (a name, a ``/`` path, or its id).

        Raises :class:`NameNotFoundError` (unless ``create_missing``: then the missing part
        is created), :class:`AmbiguousNameError`, or :class:`ValidationError` for a malformed
        path.
        """
        anchored, segments = split_department_path(path)
        known = self._resolved.get((anchored, segments))
        if known is not None:
            return known
        tree = await self._read_tree()
        if path.strip() in tree.by_id:
            return path.strip()
        found = tree.matches(anchored, segments)
        if len(found) == 1:
            self._resolved[anchored, segments] = found[0]
            return found[0]
        if len(found) > 1:
            raise AmbiguousNameError(
                "department", path, sorted(tree.label(department_id) for department_id in found)
            )
        if not self.create_missing:
            raise NameNotFoundError("department", path, self._near(tree, segments[-1]))
        created = await self._create_path(tree, path, anchored, segments)
        self._resolved[anchored, segments] = created
        return created

    async def departments_to_create(self, path: str) -> tuple[str, ...]:
        """The paths of the departments :meth:`department` would create for ``path`` with
        ``create_missing`` (parents first; empty when it names a department already). Creates
        nothing. Raises as :meth:`department` does for a malformed or ambiguous path."""
        anchored, segments = split_department_path(path)
        tree = await self._read_tree()
        if path.strip() in tree.by_id or tree.matches(anchored, segments):
            return ()
        start = 0
        prefix: tuple[str, ...] = ()
        for length in range(len(segments) - 1, 0, -1):
            found = tree.matches(anchored, segments[:length])
            if len(found) > 1:
                raise AmbiguousNameError(
                    "department",
                    format_department_path(segments[:length]),
                    sorted(tree.label(department_id) for department_id in found),
                )
            if found:
                start, prefix = length, tree.paths[found[0]]
                break
        return tuple(
            format_department_path((*prefix, *segments[start:end]))
            for end in range(start + 1, len(segments) + 1)
        )

    async def _create_path(
        self, tree: _Tree, path: str, anchored: bool, segments: tuple[str, ...]
    ) -> str:
        # The longest leading part of the path that exists is the parent of what is created.
        parent_id: str | None = None
        start = 0
        for length in range(len(segments) - 1, 0, -1):
            found = tree.matches(anchored, segments[:length])
            if len(found) > 1:
                raise AmbiguousNameError(
                    "department",
                    format_department_path(segments[:length]),
                    sorted(tree.label(department_id) for department_id in found),
                )
            if found:
                parent_id, start = found[0], length
                break
        for name in segments[start:]:
            parent_id = await self._create_once(tree, parent_id, name)
        assert parent_id is not None
        return parent_id

    async def _create_once(self, tree: _Tree, parent_id: str | None, name: str) -> str:
        key = (parent_id, name)
        task = self._creating.get(key)
        if task is None:
            task = asyncio.ensure_future(self._create(tree, parent_id, name))
            self._creating[key] = task
        try:
            return await asyncio.shield(task)
        except BaseException:
            if task.done() and (task.cancelled() or task.exception() is not None):
                self._creating.pop(key, None)  # a later row may try again
            raise

    async def _create(self, tree: _Tree, parent_id: str | None, name: str) -> str:
        for department_id, department in tree.by_id.items():
            if department.parent_id == parent_id and department.name == name:
                return department_id  # made by an earlier path of this resolver
        try:
            created = await self._client.departments.create(name, parent_id)
            department_id = created.id
        except ConflictError:
            # Made meanwhile by someone else: read the list again and take it.
            fresh = _Tree.build([d async for d in self._client.departments.list()])
            for department_id, department in fresh.by_id.items():
                if department.parent_id == parent_id and department.name == name:
                    tree.add(department)
                    return department_id
            raise
        tree.add(Department(id=department_id, name=name, parent_id=parent_id))
        self._created.append(department_id)
        return department_id

    async def _read_tree(self) -> _Tree:
        async def read() -> _Tree:
            return _Tree.build([department async for department in self._client.departments.list()])

        self._tree = _once(self._tree, read)
        return await asyncio.shield(self._tree)

    @staticmethod
    def _near(tree: _Tree, name: str) -> list[str]:
        wanted = _loose(name)
        return sorted(
            {
                tree.label(department_id)
                for department_id, path in tree.paths.items()
                if wanted in _loose(path[-1]) or _loose(path[-1]) in wanted
            }
        )

    # -- cost centers ------------------------------------------------------------------------

    async def cost_center(self, name: str) -> str:
        """The id of the cost center with this name (exact, else ignoring case and repeated
        spaces when that leaves one), or with this id. Raises :class:`NameNotFoundError` or
        :class:`AmbiguousNameError`."""
        check_text("cost_center", name, allow_empty=False)
        wanted = name.strip()

        async def read() -> list[tuple[str, str]]:
            return [(cc.id, cc.name or "") async for cc in self._client.cost_centers.list()]

        self._cost_centers = _once(self._cost_centers, read)
        known = await asyncio.shield(self._cost_centers)
        if any(cc_id == wanted for cc_id, _ in known):
            return wanted
        for same in (lambda a, b: a == b, lambda a, b: _loose(a) == _loose(b)):
            found = [(cc_id, cc_name) for cc_id, cc_name in known if same(cc_name, wanted)]
            if len(found) == 1:
                return found[0][0]
            if found:
                raise AmbiguousNameError(
                    "cost_center", name, [f"{cc_name} ({cc_id})" for cc_id, cc_name in found]
                )
        raise NameNotFoundError("cost_center", name, sorted({cc_name for _, cc_name in known}))

    # -- limits ------------------------------------------------------------------------------

    async def limit(self, title: str, service: Service | str | None = None) -> str:
        """The id of the limit with this title or id (of ``service`` when given). A title used
        by limits of several services needs ``service``. Raises :class:`NameNotFoundError` or
        :class:`AmbiguousNameError`."""
        check_text("limit", title, allow_empty=False)
        wanted_service = None if service is None else to_service(service)
        wanted = title.strip()

        async def read() -> list[LimitInfo]:
            return [limit async for limit in self._client.limits.search()]

        self._limits = _once(self._limits, read)
        known = [
            info
            for info in await asyncio.shield(self._limits)
            if wanted_service is None or info.service == wanted_service
        ]
        if any(info.id == wanted for info in known):
            return wanted
        for same in (lambda a, b: a == b, lambda a, b: _loose(a) == _loose(b)):
            found = [info for info in known if same(info.title or "", wanted)]
            if len(found) == 1:
                return found[0].id
            if found:
                raise AmbiguousNameError(
                    "limit",
                    title,
                    [f"{info.title} [{_service_name(info)}] ({info.id})" for info in found],
                )
        raise NameNotFoundError(
            "limit", title, sorted({f"{info.title} [{_service_name(info)}]" for info in known})
        )

    async def limit_ref(self, title: str, service: Service | str) -> Limit:
        """A :class:`Limit` (for ``UserCreate.limits``) of the limit with this title."""
        return Limit(await self.limit(title, service), to_service(service))


def _service_name(info: LimitInfo) -> str:
    service = info.service
    return service.value if isinstance(service, Service) else str(service)


def _once(task: asyncio.Task[_T] | None, read: Callable[[], Awaitable[_T]]) -> asyncio.Task[_T]:
    """The task reading a list: the one already running or done, or a new one. A read that
    failed is started again by the next caller."""
    if task is not None and not (task.done() and (task.cancelled() or task.exception())):
        return task

    async def run() -> _T:
        return await read()

    return asyncio.ensure_future(run())
