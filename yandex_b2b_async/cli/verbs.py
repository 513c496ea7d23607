"""The API's calls as verbs: one :class:`Verb` declares a command (its help, examples,
arguments, the call it makes and what it prints), and :func:`add_verbs` registers it.

A verb checks its input before it connects (a bad ``--data`` or date exits 2, nothing sent),
makes its call on the client the global options describe, and prints the answer through
:mod:`.formats`. An API error is one line on stderr and exit 1.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import inspect
import json
import sys
import types
import typing
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import attrs

from .. import B2BClient
from ..errors import B2BError, ValidationError
from .formats import Shows, add_output_options, output_of, plain
from .output import LogCap
from .parser import EXIT_OK, Commands, Parser, UsageError
from .runner import open_session, run_async

__all__ = [
    "NotListedError",
    "Verb",
    "add_verbs",
    "body_of",
    "data_argument",
    "listed",
    "model_of",
    "moment",
    "named_columns",
    "names_argument",
    "read_data",
    "updated",
    "with_names",
]

_T = TypeVar("_T")

# A verb's call: the client and the parsed options; a listing's answers an async iterator (or a
# list), a record's a model, an id verb's a model, a dict or the id itself.
Call = Callable[[B2BClient, argparse.Namespace], Any]


@attrs.frozen(kw_only=True)
class Verb:
    """One ``GROUP VERB`` command.

    ``arguments`` adds its own arguments to its parser; ``prepare`` checks them before
    anything is sent (raise :class:`UsageError` or :class:`ValidationError`) and may set
    parsed values on the namespace; ``call`` makes the call; ``shows`` says what it prints;
    ``columns`` are a listing's table columns (every field when empty), or a function of
    the parsed options giving them (a flag that adds a column).
    """

    group: str
    name: str
    help: str
    description: str
    examples: tuple[str, ...]
    call: Call
    shows: Shows = "record"
    arguments: Callable[[argparse.ArgumentParser], object] = lambda _: None
    prepare: Callable[[argparse.Namespace], None] = lambda _: None
    columns: tuple[str, ...] | Callable[[argparse.Namespace], tuple[str, ...]] = ()


def add_verbs(commands: Commands, verbs: Sequence[Verb]) -> None:
    """Register each verb's parser."""
    for verb in verbs:
        parser = commands.add(
            verb.group,
            verb.name,
            help=verb.help,
            description=verb.description,
            examples=verb.examples,
            job_options=False,
        )
        verb.arguments(parser)
        add_output_options(parser, shows=verb.shows)
        parser.set_defaults(run=functools.partial(_run, verb))


def _run(verb: Verb, args: argparse.Namespace) -> int:
    async def body() -> int:
        try:
            verb.prepare(args)
        except ValidationError as exc:
            raise UsageError(str(exc)) from None
        output = output_of(args, verb.shows)
        # The library's warnings, a few at most, and no retry or give-up line: a failure is
        # the one error line run_async prints.
        logs = LogCap(Parser.secrets, enabled=args.log_level is None and not args.log_json)
        logs.install()
        try:
            async with open_session(args) as session:
                try:
                    answer = verb.call(session.client, args)
                    if verb.shows == "list":
                        rows = [plain(item) for item in await _all(answer)]
                    else:
                        result = plain(await answer)
                except ValidationError as exc:  # refused by the library: nothing was sent
                    raise UsageError(str(exc)) from None
        finally:
            logs.remove()
        if verb.shows == "list":
            columns = verb.columns(args) if callable(verb.columns) else verb.columns
            output.listing(rows, columns)  # type: ignore[arg-type]
        elif verb.shows == "record":
            output.record(_as_record(result))
        else:
            output.ident(_as_record(result))
        sys.stdout.flush()
        return EXIT_OK

    return run_async(args, body)


async def _all(answer: object) -> list[object]:
    if inspect.isawaitable(answer):
        answer = await answer
    if isinstance(answer, AsyncIterator):
        return [item async for item in answer]
    assert isinstance(answer, Iterable)
    return list(answer)


def _as_record(result: object) -> Mapping[str, object]:
    if isinstance(result, Mapping):
        return result
    return {"id": result}


# -- arguments ----------------------------------------------------------------------------


def data_argument(parser: argparse.ArgumentParser, what: str, *, required: bool = True) -> None:
    """``--data JSON|@FILE|-``: a request body as the API page spells it."""
    parser.add_argument(
        "--data",
        metavar="JSON",
        required=required,
        help=f"{what} as JSON, as the API page spells it: inline, @FILE to read a file, or - "
        "for stdin",
    )


def read_data(text: str) -> object:
    """The JSON of a ``--data`` argument (inline, ``@FILE`` or ``-``)."""
    what = "not JSON"  # inline: the text is the option's value
    if text == "-":
        text = sys.stdin.read()
        what = "stdin is not JSON"
    elif text.startswith("@"):
        path = text[1:]
        try:
            with open(path, encoding="utf-8-sig") as file:
                text = file.read()
        except OSError as exc:
            raise UsageError(f"--data: cannot read {path}: {exc.strerror or exc}") from None
        what = f"{path} is not JSON"
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"--data: {what} ({exc.msg}, line {exc.lineno} column {exc.colno})"
        ) from None


# -- --names: who an order is for, by name --------------------------------------------------


def names_argument(parser: argparse.ArgumentParser) -> None:
    """``--names``: a listing keyed by ``user_id`` gains ``user_fullname``."""
    parser.add_argument(
        "--names",
        action="store_true",
        help="add each employee's name after user_id (user_fullname), for accounting: one "
        "more read, of the employee list",
    )


async def with_names(client: B2BClient, records: Iterable[object]) -> list[dict[str, object]]:
    """``records`` as the API spells them, each with ``user_fullname`` after its ``user_id``
    (archived employees named too; None for an id the account does not list)."""
    names = {user.id: user.fullname async for user in client.users.list()}
    rows = []
    for item in records:
        record = plain(item)
        assert isinstance(record, dict)
        row: dict[str, object] = {}
        for key, value in record.items():
            row[key] = value
            if key == "user_id":
                row["user_fullname"] = names.get(str(value))
        rows.append(row)
    return rows


def named_columns(*columns: str) -> Callable[[argparse.Namespace], tuple[str, ...]]:
    """A table's columns, with user_fullname after user_id when --names is given."""

    def chosen(args: argparse.Namespace) -> tuple[str, ...]:
        if not args.names:
            return columns
        at = columns.index("user_id") + 1
        return (*columns[:at], "user_fullname", *columns[at:])

    return chosen


def _json_kind(value: object) -> str:
    """What a JSON value is, in JSON's words (an array, null), not Python's (list, NoneType)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def body_of(args: argparse.Namespace, **flags: object) -> dict[str, object]:
    """A request body: ``--data`` (when given), with the fields given as flags (not None)
    on top."""
    data = read_data(args.data) if getattr(args, "data", None) else {}
    if not isinstance(data, dict):
        raise UsageError(f"--data: expected a JSON object {{...}}, got {_json_kind(data)}")
    data.update({name: value for name, value in flags.items() if value is not None})
    return data


def model_of(data: object, cls: type[_T], *, extra: Mapping[str, object] | None = None) -> _T:
    """``data`` (a JSON object as the API page spells it, with ``extra`` fields added) as the
    request model ``cls``, nested objects built as their models; a missing or bad field is a
    :class:`UsageError` naming it."""
    if not isinstance(data, dict):
        raise UsageError(f"--data: expected a JSON object {{...}}, got {_json_kind(data)}")
    try:
        return _build(cls, {**data, **(extra or {})}, "")
    except ValidationError as exc:
        raise UsageError(f"{exc} (nothing was sent)") from None


class NotListedError(B2BError):
    """The record an update names is not in the account's listing (exit 1, as a 404)."""


async def listed(records: object, record_id: str, *, what: str, key: str = "id") -> dict[str, Any]:
    """The record whose ``key`` is ``record_id`` among ``records`` (a listing's answers), as
    the API spells it; :class:`NotListedError` when none is."""
    for record in await _all(records):
        row = plain(record)
        if isinstance(row, dict) and row.get(key) == record_id:
            return row
    raise NotListedError(f"{what} {record_id}: not found in the account (nothing was changed)")


def updated(current: Mapping[str, object], given: Mapping[str, object], cls: type[_T]) -> _T:
    """The request model ``cls`` for an update that replaces the whole record: ``current``'s
    fields (those ``cls`` takes) with the ``given`` ones on top, so what was not given is kept
    rather than cleared. A missing or bad field is a :class:`UsageError` naming it."""
    fields = {_wire_name(field.name) for field in attrs.fields(cls)}  # type: ignore[arg-type]
    kept = {name: _known(value) for name, value in current.items() if name in fields}
    return model_of(
        {name: value for name, value in kept.items() if value is not None}, cls, extra=given
    )


def _known(value: object) -> object:
    """A listed value with its unknown (None) fields left out, objects in lists included."""
    if isinstance(value, dict):
        return {name: _known(item) for name, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_known(item) for item in value]
    return value


def _build(cls: type[_T], data: Mapping[str, object], path: str) -> _T:
    """A request model from its wire form: wire names (``class``) as field names
    (``class_``), nested objects and lists of objects built as their models."""
    fields = {_wire_name(field.name): field for field in attrs.fields(cls)}  # type: ignore[arg-type]
    unknown = [name for name in data if name not in fields]
    if unknown:
        raise ValidationError(
            path + unknown[0], f"is not a field of {cls.__name__} (its fields: {', '.join(fields)})"
        )
    missing = [
        name
        for name, field in fields.items()
        if field.default is attrs.NOTHING and name not in data
    ]
    if missing:
        also = f" (also required: {', '.join(missing[1:])})" if missing[1:] else ""
        raise ValidationError(path + missing[0], f"is required{also}")
    hints = typing.get_type_hints(cls)
    values: dict[str, object] = {}
    for name, value in data.items():
        field = fields[name]
        values[field.name] = _value(hints[field.name], value, f"{path}{name}")
    try:
        return cls(**values)
    except TypeError as exc:
        raise ValidationError(path or cls.__name__, str(exc)) from None
    except ValidationError as exc:  # named inside this object: name it from the top
        if not path or exc.field.startswith(path):
            raise
        said = str(exc).removeprefix(f"{exc.field}: ")  # the rule, and the value if shown
        raise ValidationError(path + exc.field, said) from None


def _value(hint: object, value: object, path: str) -> object:
    """``value`` built as the attrs model ``hint`` names (or holds a tuple of), else as is."""
    models = [kind for kind in _kinds(hint) if attrs.has(kind)]  # type: ignore[arg-type]
    if isinstance(value, dict) and models:
        return _build(models[0], value, f"{path}.")
    if isinstance(value, list):
        items = [
            item
            for kind in _kinds(hint)
            if typing.get_origin(kind) in (tuple, list)
            for item in typing.get_args(kind)
            if attrs.has(item)
        ]
        if items:
            return [_item(items[0], item, f"{path}[{index}]") for index, item in enumerate(value)]
    return value


def _item(model: type[Any], item: object, path: str) -> object:
    """An item of a list of models: an object, or the value of the model's one required field
    (a route point as ``[lon, lat]``)."""
    if isinstance(item, dict):
        return _build(model, item, f"{path}.")
    required = [field.name for field in attrs.fields(model) if field.default is attrs.NOTHING]
    if len(required) == 1 and isinstance(item, list):
        return _build(model, {_wire_name(required[0]): item}, f"{path}.")
    return item


def _kinds(hint: object) -> list[object]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return [kind for arg in typing.get_args(hint) for kind in _kinds(arg)]
    return [hint]


def _wire_name(name: str) -> str:
    return name[:-1] if name.endswith("_") and not name.startswith("_") else name


def moment(text: str, *, field: str) -> datetime.datetime:
    """A ``--since``/``--till`` value: a date (its midnight, local time) or an ISO date and
    time (local time unless it has an offset)."""
    try:
        if len(text) == 10:
            day = datetime.date.fromisoformat(text)
            value = datetime.datetime(day.year, day.month, day.day)
        else:
            value = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"{field}: {text!r} is not a date (2026-11-01) or a date and time "
            "(2026-11-01T09:00 or 2026-11-01T09:00+03:00)"
        ) from None
    return value if value.tzinfo is not None else value.astimezone()
