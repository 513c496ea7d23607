"""Sync: the changes that make an account match a list of desired employees.

:func:`build_plan` is pure: it compares the desired records with the employees read from the
account and returns a :class:`SyncPlan` (creates, restores, updates, archives). It sends
nothing. :func:`apply_plan` carries a plan out through the bulk engine, one item per action.
``client.users.plan_sync`` / ``client.users.apply`` are the usual way in; the command line's
``users sync`` (:mod:`yandex_b2b_async.cli.users`) prints plans and reports; this module prints
nothing.

Matching is by a key — the phone, or the nickname (the "ID in the external system" of the
Dashboard). Only the fields a desired record sets are compared; an update is a PATCH of the
fields that differ plus ``cost_centers_id`` always, because the PATCH page (Russian) says a
PATCH without it assigns the client's main cost center. Limits compare as sets of
``(service, limit_id)``. A plan never holds the token, so printing one cannot leak it.

Clearing a field is never implied by its absence: ``clear`` names the fields (of
:data:`CLEARABLE`) that a record leaving them unset must have empty. A nickname is cleared by a
PATCH with ``""`` (how the API shows no nickname) and limits by ``[]``. The PATCH page gives
no way to remove an email or a department (both are strings there), so an action that clears
either is a PUT of the whole record (the employee as read, with the changes) that leaves the
field out: a PUT replaces the record, and a field it leaves out is gone (the sandbox does the
same; no page says it in words — an assumption).
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterable, Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Final, Literal, TypeAlias, Unpack

import attrs

from .._constants import SYNC_ARCHIVE_CAP
from .._converter import unstructure
from .._personal import (
    looks_like_phone,
    mask_email,
    mask_name,
    mask_phone,
    name_repr,
    phone_repr,
)
from ..bulk import (
    BulkItem,
    BulkOperation,
    BulkOptions,
    BulkProgress,
    BulkReport,
    BulkStop,
    NotAttemptedError,
    input_key,
)
from ..errors import B2BError, ValidationError
from ..events import Event
from ..models import UNSET, AssignedLimit, Limit, User, UserCreate, UserPatch, UserUpdate

if TYPE_CHECKING:
    from ..resources.users import UsersAPI

__all__ = [
    "CLEARABLE",
    "ArchiveCapError",
    "FieldChange",
    "SyncAction",
    "SyncArchive",
    "SyncCreate",
    "SyncKey",
    "SyncPlan",
    "SyncReport",
    "SyncRestore",
    "SyncUpdate",
    "SyncWarning",
    "action_name",
    "action_outcome",
    "apply_plan",
    "build_plan",
    "check_desired",
    "collect",
    "describe_action",
    "describe_action_data",
    "diff",
    "read_account",
    "sync_operation",
]

SyncKey: TypeAlias = Literal["phone", "nickname"]
_KEYS: Final = ("phone", "nickname")

# The fields a desired record may set, in the order a diff shows them.
_COMPARED: Final = (
    "fullname",
    "phone",
    "email",
    "is_active",
    "cost_centers_id",
    "nickname",
    "department_id",
    "limits",
)
# The fields a sync may clear (`clear=`); the others are required or cannot be empty.
CLEARABLE: Final = ("email", "nickname", "department_id", "limits")
# Those a PATCH cannot clear: their clearing is a PUT of the whole record.
_CLEARED_BY_PUT: Final = frozenset({"email", "department_id"})
# The id fields a plan may show by name (describe's label).
_LABELLED: Final = frozenset({"department_id", "cost_centers_id"})
# The fields that hold personal data, and how each is masked (see ``_personal.py``).
_MASKS: Final = {"fullname": mask_name, "phone": mask_phone, "email": mask_email}
# How many offending rows an error about the input names before it says "and N more".
_ROWS_NAMED: Final = 10

FieldValue: TypeAlias = str | bool | frozenset[tuple[str, str]] | None
# How a plan names an id: (field, id) -> a department's path, a cost center's name.
IdLabel: TypeAlias = Callable[[str, str], str]


class ArchiveCapError(B2BError):
    """The plan would archive more than the safety cap of the active employees.

    ``planned`` employees would be archived out of ``active``; ``cap`` is the fraction allowed
    without ``force=True``. Nothing was sent.
    """

    def __init__(self, *, planned: int, active: int, cap: float) -> None:
        self.planned = planned
        self.active = active
        self.cap = cap
        super().__init__(
            f"the plan would archive {planned} of {active} active employees, more than "
            f"{cap:.0%}; check the file and the key, then pass force=True (--force) "
            "if this is intended"
        )


def _key_repr(value: object) -> str:
    """A sync key's repr: a phone is masked, a nickname (an id of the HR system) is shown."""
    return phone_repr(value) if isinstance(value, str) and looks_like_phone(value) else repr(value)


@attrs.frozen(kw_only=True, repr=False)
class FieldChange:
    """One field an action changes: its value in the account and the desired one.

    Limits are shown as sets of ``(service, limit_id)``. The repr masks the values of a name,
    phone or email.
    """

    field: str
    before: FieldValue
    after: FieldValue

    def __repr__(self) -> str:
        before, after = _masked(self.before, self.field), _masked(self.after, self.field)
        return f"FieldChange(field={self.field!r}, before={before!r}, after={after!r})"


@attrs.frozen(kw_only=True)
class SyncCreate:
    """A desired employee with no match in the account: created (or, if the API says the
    phone belongs to an archived employee, restored — see ``create_or_restore``)."""

    key: str = attrs.field(repr=_key_repr)
    user: UserCreate
    index: int  # position of the record in the desired input


@attrs.frozen(kw_only=True)
class SyncRestore:
    """An archived employee the desired input lists: restored with every field the record
    sets (a restore may change fields on its own); ``changes`` are the differences seen."""

    key: str = attrs.field(repr=_key_repr)
    user_id: str
    patch: UserPatch  # sent with is_deleted: false; always carries cost_centers_id
    changes: tuple[FieldChange, ...]
    index: int
    # A PUT of the whole record (is_deleted: false) instead, when an email or department is cleared.
    replace: UserUpdate | None = None


@attrs.frozen(kw_only=True)
class SyncUpdate:
    """An active employee whose fields differ: a PATCH of those fields plus the cost center."""

    key: str = attrs.field(repr=_key_repr)
    user_id: str
    patch: UserPatch
    changes: tuple[FieldChange, ...]
    index: int
    # A PUT of the whole record instead of the PATCH, when an email or department is cleared.
    replace: UserUpdate | None = None


@attrs.frozen(kw_only=True)
class SyncArchive:
    """An active employee absent from the desired input (only with ``archive_missing``)."""

    key: str = attrs.field(repr=_key_repr)
    user_id: str
    fullname: str | None = attrs.field(repr=name_repr)


SyncAction: TypeAlias = SyncCreate | SyncRestore | SyncUpdate | SyncArchive


@attrs.frozen(kw_only=True)
class SyncWarning:
    """Something a plan does that is probably not what was meant; nothing stops the plan.

    ``kind`` says what: ``"phone_changed"`` — a sync by phone would create an employee (the
    desired record at ``index``, on the file's ``line`` when known) whose full name is that of
    the active employee ``user_id``, whom the plan archives (or leaves, without
    ``archive_missing``): probably one person whose phone changed, who would end up twice.
    """

    kind: Literal["phone_changed"]
    user_id: str
    index: int
    line: int | None = None
    archived: bool = False

    def describe(self) -> str:
        """One line for people, naming the row and the employee by id (no personal data)."""
        where = f"line {self.line}" if self.line is not None else f"desired[{self.index}]"
        fate = "would archive" if self.archived else "leaves as they are"
        return (
            f"warning: {where}: probably a changed phone: this new employee has the full name "
            f"of employee {self.user_id}, whom the plan {fate}; the person would be in the "
            "account twice. Check the row, or match by another key (--key nickname)"
        )


SyncReport: TypeAlias = BulkReport[SyncAction, str]
"""The report of :func:`apply_plan`: one item per action; ``result`` and ``id`` are the id of
the employee the action created or changed."""


@attrs.frozen(kw_only=True)
class SyncPlan:
    """What a sync would do. ``len(plan)`` counts the actions; an empty plan is falsy.

    Iterating yields the actions in the order :func:`apply_plan` runs them: archives first
    (freeing phones and nicknames), then updates, restores and creates. ``unchanged`` counts the
    desired records that already match; ``unkeyed`` the active employees without a key value
    (no nickname when syncing by nickname), which a sync never touches; ``active`` the
    employees not archived when the account was read; ``kept`` the active employees left as
    they are because ``keep`` names their key (an invalid row of the file gives it).
    ``warnings`` are the :class:`SyncWarning` of what is probably a mistake (a changed phone).
    """

    key: SyncKey
    creates: list[SyncCreate] = attrs.field(factory=list)
    restores: list[SyncRestore] = attrs.field(factory=list)
    updates: list[SyncUpdate] = attrs.field(factory=list)
    archives: list[SyncArchive] = attrs.field(factory=list)
    unchanged: int = 0
    unkeyed: int = 0
    active: int = 0
    warnings: list[SyncWarning] = attrs.field(factory=list)
    kept: int = 0

    def __len__(self) -> int:
        return len(self.creates) + len(self.restores) + len(self.updates) + len(self.archives)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[SyncAction]:
        yield from self.archives
        yield from self.updates
        yield from self.restores
        yield from self.creates

    def summary(self) -> str:
        """One line of counts."""
        return (
            f"sync by {self.key}: {len(self.creates)} to create, {len(self.restores)} to restore, "
            f"{len(self.updates)} to update, {len(self.archives)} to archive, "
            f"{self.unchanged} unchanged"
            + (f", {self.unkeyed} without a {self.key} (left alone)" if self.unkeyed else "")
            + (f", {self.kept} kept for their invalid rows" if self.kept else "")
        )

    def describe(
        self,
        *,
        max_lines: int | None = None,
        label: IdLabel | None = None,
        hide_personal: bool = False,
    ) -> str:
        """The counts and a readable diff, one line per action (at most ``max_lines`` of them).

        Shows keys, ids and the changed values — names, phones and emails included, unless
        ``hide_personal`` masks them (``+7••••••4567``); a plan holds no token, so none can
        appear. ``label(field, id)`` names the ids of ``department_id`` and ``cost_centers_id``
        (a department's path, a cost center's name) where it knows them.
        """
        lines = [self.summary()]
        total = len(self)
        for shown, action in enumerate(self):
            if max_lines is not None and shown >= max_lines:
                lines.append(f"  … and {total - shown} more")
                break
            lines.append("  " + describe_action(action, label=label, hide_personal=hide_personal))
        lines.extend(warning.describe() for warning in self.warnings)
        return "\n".join(lines)

    def __str__(self) -> str:
        """The plan described with personal data masked: ``describe()`` shows it."""
        return self.describe(hide_personal=True)


def describe_action(
    action: SyncAction, *, label: IdLabel | None = None, hide_personal: bool = False
) -> str:
    """One readable line for an action: its sign, key, employee id and changes (ids named by
    ``label``, personal data masked by ``hide_personal``: see :meth:`SyncPlan.describe`)."""
    hide = hide_personal
    key = _masked(action.key, "phone") if hide else action.key
    if isinstance(action, SyncCreate):
        fields = ", ".join(
            f"{name}={_show(_desired_value(action.user, name), name, label, hide)}"
            for name in _COMPARED
            if name != "phone" and getattr(action.user, name) is not UNSET
        )
        phone = _masked(action.user.phone, "phone") if hide else action.user.phone
        return f"+ create  {phone}  {fields}"
    if isinstance(action, SyncArchive):
        name = f"  {_show(action.fullname, 'fullname', None, hide)}" if action.fullname else ""
        return f"- archive {key}  (id {action.user_id}){name}"
    sign, verb = ("^", "restore") if isinstance(action, SyncRestore) else ("~", "update ")
    changes = "; ".join(
        f"{change.field}: {_show(change.before, change.field, label, hide)} -> "
        f"{_show(change.after, change.field, label, hide)}"
        for change in action.changes
    )
    return f"{sign} {verb} {key}  (id {action.user_id})  {changes or 'no field changes'}"


def _masked(value: FieldValue, field: str) -> FieldValue:
    """``value`` masked when ``field`` holds personal data (a phone-shaped key too)."""
    mask = _MASKS.get(field)
    if mask is None or not isinstance(value, str):
        return value
    if field == "phone" and not looks_like_phone(value):
        return value  # a nickname key, or an empty phone: not a phone number
    return mask(value)


def _show(
    value: FieldValue, field: str = "", label: IdLabel | None = None, hide: bool = False
) -> str:
    if hide:
        value = _masked(value, field)
    if label is not None and isinstance(value, str) and field in _LABELLED:
        return repr(label(field, value))
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, frozenset):
        return "{" + ", ".join(f"{s}:{lim}" for s, lim in sorted(value)) + "}"
    return repr(value)


# ---------------------------------------------------------------------------------------------
# Planning (pure)


def build_plan(
    desired: Iterable[UserCreate],
    account: Iterable[User],
    *,
    key: SyncKey = "phone",
    archive_missing: bool = False,
    force: bool = False,
    row_name: Callable[[int], str] | None = None,
    clear: Iterable[str] = (),
    keep: Iterable[str] = (),
    lines: Sequence[int] | None = None,
) -> SyncPlan:
    """The plan that makes ``account`` (every employee, archived ones too) match ``desired``.

    ``clear`` names fields of :data:`CLEARABLE` that a desired record leaving them unset wants
    empty (by default an unset field is left as it is). ``keep`` names key values whose
    employees are left as they are — never archived (the keys of a file's invalid rows).
    ``lines`` (the file line of each desired record) names the rows in ``warnings``.

    Raises :class:`ValidationError` for a bad key, a record that is not a :class:`UserCreate`,
    a key value given twice, or (by nickname) a record without a nickname — naming the rows
    (``row_name(i)``, by default ``desired[i]``); :class:`B2BError` when several *active*
    employees share a key value; :class:`ArchiveCapError` when ``archive_missing`` would archive
    more than the safety cap of the active employees and ``force`` is not set.
    """
    if key not in _KEYS:
        raise ValidationError("key", "must be 'phone' or 'nickname'", value=key)
    name_row = row_name or (lambda index: f"desired[{index}]")
    cleared = check_clear(clear)
    wanted = _index_desired(desired, key, name_row)
    matches, unkeyed, active = _index_account(account, key)

    creates: list[SyncCreate] = []
    restores: list[SyncRestore] = []
    updates: list[SyncUpdate] = []
    archives: list[SyncArchive] = []
    unchanged = 0
    for value, (index, user) in wanted.items():
        current = matches.get(value)
        if current is None:
            creates.append(SyncCreate(key=value, user=user, index=index))
            continue
        changes = diff(user, current, clear=cleared)
        replace = _replacement(user, current, changes)
        if current.is_deleted:
            restores.append(
                SyncRestore(
                    key=value,
                    user_id=current.id,
                    patch=_restore_patch(user, changes),
                    changes=(FieldChange(field="is_deleted", before=True, after=False), *changes),
                    index=index,
                    replace=None if replace is None else attrs.evolve(replace, is_deleted=False),
                )
            )
        elif changes:
            updates.append(
                SyncUpdate(
                    key=value,
                    user_id=current.id,
                    patch=_patch_for(user, changes),
                    changes=changes,
                    index=index,
                    replace=replace,
                )
            )
        else:
            unchanged += 1

    kept = frozenset(value.strip() for value in keep if isinstance(value, str))
    absent = [
        (value, employee)
        for value, employee in matches.items()
        if not employee.is_deleted and value not in wanted
    ]
    if archive_missing:
        archives = [
            SyncArchive(key=value, user_id=employee.id, fullname=employee.fullname)
            for value, employee in absent
            if value not in kept
        ]
        if len(archives) > SYNC_ARCHIVE_CAP * active and not force:
            raise ArchiveCapError(planned=len(archives), active=active, cap=SYNC_ARCHIVE_CAP)
    warnings = (
        _phone_changes(creates, [e for v, e in absent if v not in kept], archive_missing, lines)
        if key == "phone"
        else []
    )
    return SyncPlan(
        key=key,
        creates=creates,
        restores=restores,
        updates=updates,
        archives=archives,
        unchanged=unchanged,
        unkeyed=unkeyed,
        active=active,
        warnings=warnings,
        kept=sum(1 for value, _ in absent if value in kept),
    )


# How full names compare: the letter yo is often written as ye.
_YO: Final = str.maketrans({"\u0451": "\u0435", "\u0401": "\u0415"})


def _same_name(name: str | None) -> str:
    return " ".join((name or "").translate(_YO).split()).casefold()


def _phone_changes(
    creates: Sequence[SyncCreate],
    absent: Sequence[User],
    archived: bool,
    lines: Sequence[int] | None,
) -> list[SyncWarning]:
    """A warning for each create whose full name is that of an active employee the file does
    not list (archived or left by the plan): a phone that changed, most likely."""
    by_name: dict[str, list[User]] = {}
    for employee in absent:
        name = _same_name(employee.fullname)
        if name:
            by_name.setdefault(name, []).append(employee)
    warnings = []
    for create in creates:
        for employee in by_name.get(_same_name(create.user.fullname), ()):
            warnings.append(
                SyncWarning(
                    kind="phone_changed",
                    user_id=employee.id,
                    index=create.index,
                    line=lines[create.index] if lines is not None else None,
                    archived=archived,
                )
            )
    return warnings


def check_desired(
    desired: Sequence[UserCreate],
    *,
    key: SyncKey = "phone",
    row_name: Callable[[int], str] | None = None,
) -> None:
    """Refuse desired records :func:`build_plan` would refuse, before the account is read.

    Raises :class:`ValidationError` for a bad key, a record that is not a :class:`UserCreate`,
    a repeated key value, or (by nickname) a record without a nickname.
    """
    if key not in _KEYS:
        raise ValidationError("key", "must be 'phone' or 'nickname'", value=key)
    _index_desired(desired, key, row_name or (lambda index: f"desired[{index}]"))


def check_clear(clear: Iterable[str]) -> frozenset[str]:
    """``clear`` as a set of field names, each one of :data:`CLEARABLE`."""
    if isinstance(clear, str):
        raise ValidationError("clear", "must be a collection of field names", value=clear)
    cleared = frozenset(clear)
    for name in sorted(cleared):
        if name not in CLEARABLE:
            raise ValidationError(
                "clear",
                "names a field that cannot be cleared; these can: " + ", ".join(CLEARABLE),
                value=name,
            )
    return cleared


def diff(
    desired: UserCreate, current: User, *, clear: frozenset[str] = frozenset()
) -> tuple[FieldChange, ...]:
    """The fields ``desired`` sets whose value differs from ``current``'s, and the fields of
    ``clear`` it leaves unset that ``current`` has (changed to ``None``, limits to no limits).

    A missing text field and an empty one are the same (the API shows an unset nickname as
    ``""``); limits compare as sets of ``(service, limit_id)``.
    """
    changes: list[FieldChange] = []
    for name in _COMPARED:
        before = _current_value(current, name)
        if getattr(desired, name) is UNSET:
            if name in clear and before:
                after: FieldValue = frozenset() if name == "limits" else None
                changes.append(FieldChange(field=name, before=before, after=after))
            continue
        after = _desired_value(desired, name)
        if isinstance(after, str) and (before or "") == after:
            continue
        if before != after:
            changes.append(FieldChange(field=name, before=before, after=after))
    return tuple(changes)


def _desired_value(user: UserCreate, name: str) -> FieldValue:
    value: object = getattr(user, name)
    if name == "limits":
        assert isinstance(value, tuple)
        return _limit_set(value)
    assert isinstance(value, str | bool)
    return value


def _current_value(user: User, name: str) -> FieldValue:
    value: object = getattr(user, name)
    if name == "limits":
        assert isinstance(value, tuple)
        return _limit_set(value)
    assert value is None or isinstance(value, str | bool)
    return value


def _limit_set(limits: Iterable[Limit | AssignedLimit]) -> frozenset[tuple[str, str]]:
    return frozenset(
        (
            limit.service.value if isinstance(limit.service, enum.Enum) else limit.service,
            limit.limit_id,
        )
        for limit in limits
    )


def _cleared_value(name: str) -> object:
    """What a PATCH sends to clear ``name`` (email and department_id go by PUT instead)."""
    return () if name == "limits" else "" if name == "nickname" else UNSET


def _patch_for(desired: UserCreate, changes: Sequence[FieldChange]) -> UserPatch:
    """A PATCH of the changed fields, with ``cost_centers_id`` always (a PATCH without it
    resets the cost center)."""
    fields: dict[str, object] = {
        change.field: getattr(desired, change.field)
        if getattr(desired, change.field) is not UNSET
        else _cleared_value(change.field)
        for change in changes
    }
    fields["cost_centers_id"] = desired.cost_centers_id
    return UserPatch(**fields)  # type: ignore[arg-type]


def _restore_patch(desired: UserCreate, changes: Sequence[FieldChange] = ()) -> UserPatch:
    """Every field ``desired`` sets: a restore may reset fields of its own (the API makes a
    restored employee active), so all of them are sent, not only those that differed; and
    the fields cleared."""
    fields: dict[str, object] = {
        name: getattr(desired, name) for name in _COMPARED if getattr(desired, name) is not UNSET
    }
    for change in changes:
        if change.field not in fields:
            fields[change.field] = _cleared_value(change.field)
    return UserPatch(**fields)  # type: ignore[arg-type]


def _replacement(
    desired: UserCreate, current: User, changes: Sequence[FieldChange]
) -> UserUpdate | None:
    """The PUT that carries out ``changes`` when one clears a field a PATCH cannot (the whole
    record: the employee as read, with the desired values and without the cleared fields)."""
    cleared = {change.field for change in changes if getattr(desired, change.field) is UNSET}
    if not cleared & _CLEARED_BY_PUT:
        return None

    def kept(name: str) -> object:
        if name in cleared:
            return UNSET
        wanted: object = getattr(desired, name)
        if wanted is not UNSET:
            return wanted
        value: object = getattr(current, name)
        if name == "limits":
            return (
                tuple(Limit(limit_id=lim.limit_id, service=lim.service) for lim in current.limits)
                or UNSET
            )
        return UNSET if value is None or value == "" else value

    return UserUpdate(
        fullname=desired.fullname,
        phone=desired.phone,
        is_active=desired.is_active,
        cost_centers_id=desired.cost_centers_id,
        email=kept("email"),  # type: ignore[arg-type]
        nickname=kept("nickname"),  # type: ignore[arg-type]
        department_id=kept("department_id"),  # type: ignore[arg-type]
        limits=kept("limits"),  # type: ignore[arg-type]
    )


def _index_desired(
    desired: Iterable[UserCreate], key: SyncKey, row_name: Callable[[int], str]
) -> dict[str, tuple[int, UserCreate]]:
    """Desired records by key value; refuses non-records, empty keys and duplicates."""
    if isinstance(desired, str | bytes) or not isinstance(desired, Iterable):
        raise ValidationError("desired", "must be an iterable of UserCreate", value=desired)
    wanted: dict[str, tuple[int, UserCreate]] = {}
    problems: list[str] = []
    for index, user in enumerate(desired):
        if not isinstance(user, UserCreate):
            raise ValidationError(
                row_name(index), "must be a UserCreate", value=type(user).__name__
            )
        value = user.phone if key == "phone" else user.nickname
        if value is UNSET or not value.strip():
            problems.append(f"{row_name(index)} has no {key}")
            continue
        if value in wanted:
            problems.append(f"{row_name(index)} repeats the {key} of {row_name(wanted[value][0])}")
            continue
        wanted[value] = (index, user)
    if problems:
        more = len(problems) - _ROWS_NAMED
        listed = "; ".join(problems[:_ROWS_NAMED]) + (f"; and {more} more" if more > 0 else "")
        raise ValidationError(
            "desired",
            f"each employee must appear once with a non-empty {key} to sync by it: {listed}",
        )
    return wanted


def _index_account(account: Iterable[User], key: SyncKey) -> tuple[dict[str, User], int, int]:
    """The employee each key value matches (the active one, else the latest archived), the
    number of active employees without a key value, and the number of active employees."""
    matches: dict[str, User] = {}
    unkeyed = 0
    active = 0
    for employee in account:
        is_active = not employee.is_deleted
        active += is_active
        value = employee.phone if key == "phone" else employee.nickname
        if not value:
            unkeyed += is_active
            continue
        known = matches.get(value)
        if known is not None and not known.is_deleted:
            if is_active:
                raise B2BError(
                    f"employees {known.id} and {employee.id} are both active with the same "
                    f"{key}; resolve this in the account before syncing by {key}"
                )
            continue  # the active one wins over any archived one
        # The list is in creation order: a later archived employee is the more recent one.
        matches[value] = employee
    return matches, unkeyed, active


# ---------------------------------------------------------------------------------------------
# Reading the account and desired input


async def read_account(users: UsersAPI, *, page_size: int) -> list[User]:
    """Every employee of the account, archived ones included."""
    return [employee async for employee in users.list(limit=page_size)]


async def collect(desired: Iterable[UserCreate] | AsyncIterable[UserCreate]) -> list[UserCreate]:
    """The desired records as a list (an async iterable is drained)."""
    if isinstance(desired, AsyncIterable):
        return [user async for user in desired]
    if isinstance(desired, str | bytes) or not isinstance(desired, Iterable):
        raise ValidationError("desired", "must be an iterable of UserCreate", value=desired)
    return list(desired)


# ---------------------------------------------------------------------------------------------
# Applying

# The journal operation name of sync actions (a journal may hold several kinds of run).
_OPERATION: Final = "users.sync"


def sync_operation(
    users: UsersAPI, notify: Callable[[Event], None] | None = None
) -> BulkOperation[SyncAction, str]:
    """Sync actions as a bulk operation (journal name ``users.sync``): each action's call, and
    the id of the employee it created or changed; ``notify`` is told of each action's end."""

    async def execute(action: SyncAction) -> str:
        return await _execute(users, action)

    return BulkOperation(
        name=_OPERATION, call=execute, id_of=_id_of, key=_journal_key, notify=notify
    )


async def apply_plan(
    users: UsersAPI,
    plan: SyncPlan,
    *,
    on_item: Callable[[BulkItem[SyncAction, str]], None] | None = None,
    notify: Callable[[Event], None] | None = None,
    **options: Unpack[BulkOptions],
) -> SyncReport:
    """Carry out ``plan`` through the bulk engine and return one report item per action.

    The actions run in the plan's order in phases — archives, then updates, restores and
    creates — each phase finishing before the next starts, so a phone or nickname an archive
    frees is free for the update or create that takes it. Within a phase at most
    ``concurrency`` calls are in flight, paced and retried by the client. A create is
    ``create_or_restore``; a restore keeps the plan's ``cost_centers_id``. One failure never
    stops the others; a stop of the engine (a 401/403, an unreachable API) stops the whole
    plan, and the actions left are reported as not attempted. ``options`` are the bulk
    options (``concurrency``, ``journal``: a rerun of the same plan skips the actions it
    records as done, ``on_progress``: the whole plan's counts, …); ``on_item`` sees each
    action's item (numbered in plan order) the moment it ends; ``notify`` (the client's
    observers) gets a :class:`~yandex_b2b_async.events.BulkProgressed` for each.
    """
    if not isinstance(plan, SyncPlan):
        raise ValidationError("plan", "must be a SyncPlan (from plan_sync)", value=plan)
    total = len(plan)
    phases: tuple[Sequence[SyncAction], ...] = (
        plan.archives,
        plan.updates,
        plan.restores,
        plan.creates,
    )
    operation = sync_operation(users, notify)
    on_progress = options.pop("on_progress", None)
    options.pop("total", None)
    items: list[BulkItem[SyncAction, str]] = []
    before = BulkProgress(done=0, failed=0, skipped=0, total=total, elapsed=0.0)
    stopped: BulkStop | None = None

    def whole_run(progress: BulkProgress) -> None:
        # A phase counts from zero; the caller sees the counts of the whole plan.
        if on_progress is not None:
            on_progress(
                attrs.evolve(
                    progress,
                    done=before.done + progress.done,
                    failed=before.failed + progress.failed,
                    skipped=before.skipped + progress.skipped,
                    total=total,
                )
            )

    for phase in phases:
        if not phase:
            continue
        offset = len(items)

        def renumbered(item: BulkItem[SyncAction, str], offset: int = offset) -> None:
            if on_item is not None:
                on_item(attrs.evolve(item, index=offset + item.index))

        if stopped is not None:
            report: SyncReport = BulkReport(
                items=tuple(
                    BulkItem(index=index, input=action, error=NotAttemptedError(stopped))
                    for index, action in enumerate(phase)
                )
            )
            for item in report.items:
                renumbered(item)
        else:
            options["on_progress"] = whole_run if on_progress is not None else None
            report = await operation.run(
                phase, on_item=renumbered if on_item is not None else None, **options
            )
            stopped = report.stopped
        items.extend(attrs.evolve(item, index=offset + item.index) for item in report.items)
        before = attrs.evolve(
            before,
            done=len(items),
            failed=before.failed + report.failed,
            skipped=before.skipped + sum(item.skipped for item in report.items),
        )
    return BulkReport(items=tuple(items), stopped=stopped)


async def _execute(users: UsersAPI, action: SyncAction) -> str:
    """Send one action; returns the id of the employee it created or changed."""
    if isinstance(action, SyncCreate):
        outcome = await users.create_or_restore(action.user)
        return outcome.id
    if isinstance(action, SyncUpdate | SyncRestore) and action.replace is not None:
        await users.update(action.user_id, action.replace)
    elif isinstance(action, SyncUpdate):
        await users.patch(action.user_id, action.patch)
    elif isinstance(action, SyncRestore):
        await users.restore(action.user_id, action.patch)
    else:
        await users.archive(action.user_id)
    return action.user_id


def _id_of(action: SyncAction, result: str) -> str:
    return result


def _journal_key(action: SyncAction) -> str:
    """A journal key that changes when the action would send something else."""
    if isinstance(action, SyncCreate):
        return f"create:{input_key(action.user)}"  # the key's value is in the hash, not in clear
    if isinstance(action, SyncArchive):
        return f"archive:{action.user_id}"
    kind = "restore" if isinstance(action, SyncRestore) else "update"
    sent = action.patch if action.replace is None else action.replace
    return f"{kind}:{action.user_id}:{input_key(sent)}"


_ACTION_NAMES: Final = {
    SyncCreate: "create",
    SyncRestore: "restore",
    SyncUpdate: "update",
    SyncArchive: "archive",
}
_VERBS: Final = {
    SyncCreate: "created",
    SyncRestore: "restored",
    SyncUpdate: "updated",
    SyncArchive: "archived",
}


def action_name(action: SyncAction) -> str:
    """``create``, ``restore``, ``update`` or ``archive``."""
    return _ACTION_NAMES[type(action)]


def action_outcome(action: SyncAction) -> str:
    """What the action did once it succeeded: ``created``, ``restored``, ``updated``,
    ``archived``."""
    return _VERBS[type(action)]


def describe_action_data(action: SyncAction, *, hide_personal: bool = False) -> dict[str, object]:
    """The action as plain data (JSON-ready), as a plan report writes it: ``action``, ``key``,
    ``user_id`` (not for a create) and ``changes`` (``[{"field", "before", "after"}]``) or the
    created employee's fields. Holds no token; ``hide_personal`` masks names, phones and
    emails (``+7••••••4567``)."""
    hide = hide_personal
    key = _masked(action.key, "phone") if hide else action.key
    data: dict[str, object] = {"action": action_name(action), "key": key}
    if isinstance(action, SyncCreate):
        user = unstructure(action.user)
        assert isinstance(user, dict)
        data["user"] = {name: _plain(value, name, hide) for name, value in user.items()}
        return data
    data["user_id"] = action.user_id
    if isinstance(action, SyncArchive):
        data["fullname"] = _plain(action.fullname, "fullname", hide)
        return data
    data["changes"] = [
        {
            "field": change.field,
            "before": _plain(change.before, change.field, hide),
            "after": _plain(change.after, change.field, hide),
        }
        for change in action.changes
    ]
    return data


def _plain(value: object, field: str = "", hide: bool = False) -> object:
    if hide and (value is None or isinstance(value, str)):
        value = _masked(value, field)
    if isinstance(value, frozenset):
        return [f"{service}:{limit_id}" for service, limit_id in sorted(value)]
    return value
