"""Column maps: which column of an HR file holds which field, for files with headers of their own.

A :class:`ColumnMap` says, for each field the readers know (``fullname``, ``phone``, ``email``,
``is_active``, ``cost_centers_id``, ``nickname``, ``department_id``, ``limits``, and the names
``department`` and ``cost_center``; ``user_id`` for files of ids), the header of the column that
holds it, and optionally a value for a field the file has no column for (``is_active = true``).
Written on the command line::

    --columns "fullname=ФИО,phone=Телефон,department=Подразделение,cost_center=Центр затрат"

or kept in a mapping file for a layout that comes every month — TOML (the standard library reads
it, it takes comments and Cyrillic text as they are)::

    # 1C: the monthly staff export
    encoding = "cp1251"       # optional: the file's encoding
    phone_region = "RU"       # optional: read phones as written in Russia
    sheet = "Сотрудники"      # optional: the .xlsx sheet

    [columns]
    fullname = "ФИО"
    phone = "Телефон"
    department = "Подразделение"
    cost_center = "Центр затрат"

    [defaults]                # a value for every row of a field the file has no column for
    is_active = "true"

Headers are matched ignoring case and repeated spaces. This module only parses maps; the
readers in ``rows`` apply them. Nothing here touches the network.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from typing import Final

import attrs

from ..errors import ValidationError

__all__ = ["ID_FIELDS", "NAME_FIELDS", "USER_FIELDS", "ColumnMap", "header_key"]

# The fields of a users file: the API's own, then the names resolved to ids.
USER_FIELDS: Final = (
    "fullname",
    "phone",
    "email",
    "is_active",
    "cost_centers_id",
    "nickname",
    "department_id",
    "limits",
    "department",
    "cost_center",
)
NAME_FIELDS: Final = ("department", "cost_center")
# The fields of a file of employees to archive or restore.
ID_FIELDS: Final = ("user_id", "phone")
_FILE_KEYS: Final = frozenset({"columns", "defaults", "encoding", "phone_region", "sheet"})


def header_key(text: str) -> str:
    """How headers compare: case folded, runs of spaces made one, ends stripped."""
    return " ".join(text.split()).casefold()


@attrs.frozen(kw_only=True)
class ColumnMap:
    """Field name → the header of its column; field name → a value for rows of a file that has
    no such column; and, from a mapping file, the file's ``encoding``, ``phone_region`` and
    ``sheet`` (each ``None`` when not said)."""

    columns: Mapping[str, str] = attrs.field(factory=dict)
    defaults: Mapping[str, str] = attrs.field(factory=dict)
    encoding: str | None = None
    phone_region: str | None = None
    sheet: str | None = None

    @classmethod
    def parse(cls, spec: str, *, fields: tuple[str, ...] = USER_FIELDS) -> ColumnMap:
        """A map from ``"field=Header,field=Header"``; raises :class:`ValidationError`."""
        columns: dict[str, str] = {}
        for part in spec.split(","):
            if not part.strip():
                continue
            field, equals, header = part.partition("=")
            field, header = field.strip(), header.strip()
            if not equals or not field or not header:
                raise ValidationError(
                    "columns", f"each entry must be field=Header, e.g. phone=Телефон; got {part!r}"
                )
            _check_field(field, fields, "columns")
            if field in columns:
                raise ValidationError("columns", f"field {field!r} is mapped twice")
            columns[field] = header
        if not columns:
            raise ValidationError("columns", "is empty; e.g. fullname=ФИО,phone=Телефон")
        _check_headers(columns)
        return cls(columns=columns)

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], *, fields: tuple[str, ...] = USER_FIELDS
    ) -> ColumnMap:
        """A map from a TOML mapping file (see the module); raises :class:`ValidationError`
        naming the file and the key."""
        name = os.fspath(path)
        try:
            with open(name, "rb") as handle:
                data = tomllib.load(handle)
        except OSError as exc:
            raise ValidationError(
                name, f"cannot read the mapping file: {exc.strerror or exc}"
            ) from None
        except tomllib.TOMLDecodeError as exc:
            raise ValidationError(name, f"is not valid TOML: {exc}") from None
        unknown = sorted(set(data) - _FILE_KEYS)
        if unknown:
            raise ValidationError(
                name,
                f"unknown key {unknown[0]!r}; a mapping file holds "
                + ", ".join(sorted(_FILE_KEYS)),
            )
        columns = _table(name, data, "columns", fields)
        defaults = _table(name, data, "defaults", fields)
        if not columns and not defaults:
            raise ValidationError(name, "has no [columns] table")
        _check_headers(columns)
        settings: dict[str, str | None] = {}
        for key in ("encoding", "phone_region", "sheet"):
            value = data.get(key)
            if value is not None and not (isinstance(value, str) and value.strip()):
                raise ValidationError(f"{name}: {key}", "must be a non-empty string", value=value)
            settings[key] = value
        return cls(columns=columns, defaults=defaults, **settings)

    def with_defaults(
        self, specs: Iterable[str], *, fields: tuple[str, ...] = USER_FIELDS
    ) -> ColumnMap:
        """This map with more defaults, each ``"field=value"`` (``--default``), over its own;
        raises :class:`ValidationError` naming ``default``."""
        defaults = dict(self.defaults)
        for spec in specs:
            field, equals, value = spec.partition("=")
            field, value = field.strip(), value.strip()
            if not equals or not field or not value:
                # not quoted: a default without its field may be the value alone (a phone)
                raise ValidationError("default", "must be field=value, e.g. cost_center=Основной")
            _check_field(field, fields, "default")
            defaults[field] = value
        return attrs.evolve(self, defaults=defaults)

    @classmethod
    def from_option(cls, text: str, *, fields: tuple[str, ...] = USER_FIELDS) -> ColumnMap:
        """``--columns``: a mapping file when ``text`` names a ``.toml`` file, else a spec."""
        if text.strip().lower().endswith(".toml"):
            return cls.load(text.strip(), fields=fields)
        return cls.parse(text, fields=fields)


def _check_field(field: str, fields: tuple[str, ...], where: str) -> None:
    if field not in fields:
        raise ValidationError(
            where, f"unknown field {field!r}; the fields are " + ", ".join(fields)
        )


def _check_headers(columns: Mapping[str, str]) -> None:
    seen: dict[str, str] = {}
    for field, header in columns.items():
        key = header_key(header)
        if key in seen:
            raise ValidationError(
                "columns", f"fields {seen[key]!r} and {field!r} both name column {header!r}"
            )
        seen[key] = field


def _table(
    name: str, data: Mapping[str, object], key: str, fields: tuple[str, ...]
) -> dict[str, str]:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise ValidationError(f"{name}: {key}", "must be a table ([columns])")
    out: dict[str, str] = {}
    for field, value in table.items():
        _check_field(field, fields, f"{name}: [{key}]")
        if isinstance(value, bool):
            value = "true" if value else "false"
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(
                f"{name}: [{key}] {field}", "must be a non-empty string", value=value
            )
        out[field] = value.strip()
    return out
