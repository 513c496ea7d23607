"""Input-side fuzzing: any value in any field of a request model works or is refused by name.

"Works" means the model is built and its wire body encodes to JSON that gives the value back;
"refused" means a ValidationError whose ``field`` names the field (``limits[1]`` for an item).
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from yandex_b2b_async import Limit, Service, UserCreate, UserPatch, UserUpdate, ValidationError
from yandex_b2b_async._request import _encode
from yandex_b2b_async.hr.rows import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    InputFileError,
    read_users_csv,
)

BASE: dict[type, dict[str, object]] = {
    UserCreate: {
        "fullname": "Ilya Ivanov",
        "phone": "+79990000000",
        "is_active": True,
        "cost_centers_id": "cc-1",
    },
    UserUpdate: {
        "fullname": "Ilya Ivanov",
        "phone": "+79990000000",
        "is_active": True,
        "cost_centers_id": "cc-1",
    },
    UserPatch: {},
}
MODEL_FIELDS = [(model, field.name) for model in BASE for field in attrs.fields(model)]

# Unicode of every category (surrogates included), control characters, very long values.
texts = st.one_of(
    st.text(max_size=30),
    # Surrogates, controls, format characters and line separators: what a bad file holds.
    st.text(alphabet=st.characters(categories=["Cs", "Cc", "Cf", "Zl", "Zp", "Co"]), max_size=10),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x9F), max_size=10),
    st.sampled_from(
        [
            "",
            " ",
            "\ufeffIlya",
            "Ilya\r\n",
            "a\x00b",
            "\ud800",
            "\u202eRTL",
            "Ünïcødé 名前 🚀",
            "+79990000000",
            "+7 999 000 00 00",
            "name@example.com",
            "a@b",
            "taxi",
            "x" * 100_000,
        ]
    ),
)
anything = st.one_of(
    texts,
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.builds(Limit, st.sampled_from(["lim-1", "lim-2"]), st.sampled_from(list(Service))),
    st.lists(
        st.builds(Limit, st.sampled_from(["lim-1", "lim-2"]), st.sampled_from(list(Service))),
        max_size=3,
    ),
)


def _build(model: type, **fields: object) -> object:
    """The built model, or the ValidationError that refused it."""
    try:
        return model(**fields)
    except ValidationError as error:
        return error


def _wire(model: object) -> dict[str, Any]:
    wire: dict[str, Any] = json.loads(_encode(model).decode("utf-8"))
    return wire


@settings(max_examples=600, deadline=None)
@given(target=st.sampled_from(MODEL_FIELDS), value=anything)
def test_any_value_in_any_field_is_accepted_or_refused_by_name(
    target: tuple[type, str], value: object
) -> None:
    """Each field takes a fuzzed value into the wire body or refuses it naming that field."""
    model, field = target
    built = _build(model, **{**BASE[model], field: value})
    if isinstance(built, ValidationError):
        assert built.field == field or built.field.startswith(f"{field}["), built.field
        assert built.field in str(built)
        return
    wire = _wire(built)
    if field == "limits":
        assert wire[field] == [
            {"limit_id": item.limit_id, "service": item.service.value}
            for item in value  # type: ignore[attr-defined]
        ]
    else:
        assert wire[field] == value


@settings(max_examples=200, deadline=None)
@given(limit_id=anything, service=anything)
def test_a_limit_is_accepted_or_refused_by_name(limit_id: object, service: object) -> None:
    """Limit takes any value or refuses it naming limit_id or service."""
    limit = _build(Limit, limit_id=limit_id, service=service)
    if isinstance(limit, ValidationError):
        assert limit.field in ("limit_id", "service")
    else:
        assert isinstance(limit, Limit)
        assert limit.service in set(Service)


@pytest.mark.parametrize("model", list(BASE))
def test_a_lone_surrogate_is_refused_before_sending(model: type) -> None:
    """Text that cannot be encoded as UTF-8 is refused at build time, not at send time."""
    with pytest.raises(ValidationError) as caught:
        model(**{**BASE[model], "fullname": "Ilya \udcff"})
    assert caught.value.field == "fullname"


def test_a_very_long_value_round_trips() -> None:
    """A 100 000-character name is sent whole (the API, not the client, sets any limit)."""
    name = "Я" * 100_000
    user = UserCreate(fullname=name, phone="+79990000000", is_active=True, cost_centers_id="cc")
    assert _wire(user)["fullname"] == name


# --------------------------------------------------------------------------------------------
# The CSV reader: any file of rows gives one entry per non-blank row, named by its line.

cell_texts = st.one_of(
    # What a UTF-8 file can hold: anything but surrogates.
    st.text(max_size=30),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Co"]), max_size=10),
    st.sampled_from(
        ["\ufeffIlya", "Ilya\r\n", "a\x00b", "\u202eRTL", "Ünïcødé 名前 🚀", "x" * 5000]
    ),
    st.sampled_from(["true", "no", "YES", "maybe", "taxi:lim-1;eats2:lim-2", "taxi", "x;y"]),
    st.sampled_from(['a "quoted" name', "semi;colon", "com,ma", "new\nline", "cr\rlf\r\n"]),
)


def _mostly(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Valid cells five times in six, so that rows are accepted as well as refused."""
    return st.integers(0, 5).flatmap(lambda n: cell_texts if n == 0 else valid)


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[str, list[str], list[dict[str, str]], str]:
    """A users file: its text, its columns, its rows' cells and its line terminator."""
    optional = draw(st.lists(st.sampled_from(OPTIONAL_COLUMNS), unique=True, max_size=4))
    columns = draw(st.permutations([*REQUIRED_COLUMNS, *optional]))
    valid = {
        "fullname": st.text(max_size=10),
        "phone": st.integers(10**9, 10**12 - 1).map(lambda n: f"+7{n}"),
        "is_active": st.sampled_from(["true", "false", "1", "0", "yes", "no", " True "]),
        "cost_centers_id": st.just("cc-1"),
        "email": st.just("a@example.com"),
        "nickname": st.text(max_size=5),
        "department_id": st.just("d-1"),
        "limits": st.just("taxi:lim-1;eats2:lim-2"),
    }
    rows = draw(
        st.lists(
            st.fixed_dictionaries({column: _mostly(valid[column]) for column in columns}),
            max_size=8,
        )
    )
    delimiter = draw(st.sampled_from([",", ";"]))
    terminator = draw(st.sampled_from(["\n", "\r\n"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=terminator)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row[column] for column in columns])
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return bom + buffer.getvalue(), list(columns), rows, terminator


def _first_lines(columns: list[str], rows: list[dict[str, str]], terminator: str) -> list[int]:
    """The line each row starts on, as an editor numbers them (the header is line 1)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=terminator)
    writer.writerow(columns)
    starts = []
    for row in rows:
        starts.append(buffer.getvalue().count("\n") + 1)
        writer.writerow([row[column] for column in columns])
    return starts


@settings(max_examples=200, deadline=None)
@given(generated=csv_files())
def test_any_users_file_gives_one_entry_per_row_named_by_line(
    generated: tuple[str, list[str], list[dict[str, str]], str],
) -> None:
    """Each non-blank row gives a UserCreate or an error naming its field, at its line."""
    text, columns, rows, terminator = generated
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "users.csv"
        path.write_bytes(text.encode("utf-8"))
        refusal: InputFileError | None = None
        try:
            read = list(read_users_csv(path))
        except InputFileError as refused:
            refusal, read = refused, []
    if refusal is not None:
        event("file refused")
        assert refusal.line is not None, refusal  # a refusal says where
        return
    kept = [
        (line, row)
        for line, row in zip(_first_lines(columns, rows, terminator), rows, strict=True)
        if any(cell.strip() for cell in row.values())
    ]
    assert [entry.line for entry in read] == [line for line, _ in kept]
    for entry, (_, row) in zip(read, kept, strict=True):
        event("row refused" if entry.error else "row accepted")
        if entry.error is None:
            assert isinstance(entry.value, UserCreate)
            assert entry.value.phone == row["phone"].strip()
            assert entry.value.fullname == row["fullname"].strip()
        else:
            field = entry.error.field
            assert field in columns or field.startswith("limits["), field
