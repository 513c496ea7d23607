"""How the API verbs lay out their answers: the terminal table, CSV and records."""

from __future__ import annotations

import pytest

from yandex_b2b_async.cli.formats import Output, flat

ROWS = [
    {"id": "a1", "name": "Продажи", "geo": {"center": [37.6, 55.7], "radius": 500}},
    {"id": "b2", "name": "x" * 60, "geo": {"center": [30.3, 59.9], "radius": 80}},
]


def test_a_terminal_table_has_a_header_and_cuts_long_cells(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """On a terminal the columns are aligned under upper-case names; a long cell ends in …."""
    Output(terminal=True).listing(ROWS, ("id", "name", "geo.radius"))
    header, first, second = capsys.readouterr().out.splitlines()
    assert header.split() == ["ID", "NAME", "GEO.RADIUS"]
    assert first.split() == ["a1", "Продажи", "500"]
    assert "…" in second
    assert header.index("GEO.RADIUS") == first.index("500")


def test_an_empty_terminal_table_says_none(capsys: pytest.CaptureFixture[str]) -> None:
    """An empty listing on a terminal prints the header and (none)."""
    Output(terminal=True).listing([], ("id",))
    assert capsys.readouterr().out.splitlines() == ["ID", "(none)"]


def test_csv_flattens_nested_objects_to_dotted_columns(capsys: pytest.CaptureFixture[str]) -> None:
    """--format csv writes every field, a nested object as dotted columns, a list as JSON."""
    Output(format="csv").listing(ROWS[:1], ())
    assert capsys.readouterr().out.splitlines() == [
        "id,name,geo.center,geo.radius",
        'a1,Продажи,"[37.6, 55.7]",500',
    ]


def test_a_record_prints_as_field_and_value_lines(capsys: pytest.CaptureFixture[str]) -> None:
    """A record is one aligned field/value line per field; None is empty, booleans lower-case."""
    Output().record({"id": "u1", "is_active": True, "email": None})
    assert capsys.readouterr().out.splitlines() == [
        "id         u1",
        "is_active  true",
        "email",
    ]


def test_flat_keeps_empty_objects_as_they_are() -> None:
    """An empty nested object stays one column (nothing to spread)."""
    assert flat({"a": {}, "b": {"c": 1}}) == {"a": {}, "b.c": 1}


def test_csv_writes_a_cell_a_spreadsheet_would_run_as_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--format csv guards a formula-like cell with Excel's text apostrophe; phones and
    negative amounts stay as they are."""
    rows = [{"comment": "=1+1", "phone": "+79001234567", "cost": "-12.5", "note": "@SUM(A1)"}]
    Output(format="csv").listing(rows, ())
    assert capsys.readouterr().out.splitlines() == [
        "comment,phone,cost,note",
        "'=1+1,+79001234567,-12.5,'@SUM(A1)",
    ]
