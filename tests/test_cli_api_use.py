"""The API verbs as an administrator meets them: piped into ``head``, copied from their own
help, pointed at one employee, written to a workbook for accounting. Run through the real entry
point against the sandbox over loopback sockets (a subprocess where the pipe itself matters)."""

from __future__ import annotations

import datetime
import functools
import json
import os
import shlex
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from yandex_b2b_async.cli import build_parser, main
from yandex_b2b_async.cli.reference import commands_of
from yandex_b2b_async.cli.verbs import Verb
from yandex_b2b_async.sandbox import Sandbox

from .test_cli_api import cli

ZONE = ["zones", "info", "--lat", "55.73", "--lon", "37.64"]


@pytest.fixture
def sandbox(b2b_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The session's sandbox, reached by the token and URL in the environment."""
    for name in ("YANDEX_B2B_CLIENT_ID", "YANDEX_B2B_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("YANDEX_B2B_TOKEN", b2b_sandbox.token)
    monkeypatch.setenv("YANDEX_B2B_BASE_URL", b2b_sandbox.url)
    return b2b_sandbox


def test_a_listing_into_a_closed_pipe_ends_quietly() -> None:
    """A reader that stops early (`| head`) ends the command with exit 0 and nothing on stderr."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line
    try:
        process = subprocess.run(
            [sys.executable, "-m", "yandex_b2b_async", "--sandbox", *ZONE, "--format", "jsonl"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert (process.returncode, process.stderr) == (0, "")


def _examples() -> list[str]:
    """Every example line of every verb's help (its words after ``yandex-b2b``)."""
    lines = []
    for group, verb, parser in commands_of(build_parser()):
        text = parser.format_help().partition("examples:\n")[2]
        lines += [
            line.strip().removeprefix("yandex-b2b ")
            for line in text.splitlines()
            if line.startswith("  yandex-b2b ")
        ]
        assert lines, f"{group} {verb} has no example"
    return lines


# An example reading its body from a file or stdin cannot be checked without that file.
INLINE = [line for line in _examples() if "@" not in line and "--data -" not in line]


@pytest.mark.parametrize("example", INLINE, ids=INLINE)
def test_an_example_in_help_passes_its_own_checks(example: str) -> None:
    """Each help example, copied as it stands, parses and passes the verb's checks (its --data
    is a body the request models accept): an admin's first try is not refused."""
    args = build_parser().parse_args(shlex.split(example))
    run = args.run
    if isinstance(run, functools.partial) and isinstance(run.args[0], Verb):
        run.args[0].prepare(args)  # raises UsageError naming the field


def _refusal(capsys: pytest.CaptureFixture[str], *words: str) -> str:
    """Run ``yandex-b2b --sandbox WORDS``, expect exit 2, return its one stderr line."""
    capsys.readouterr()
    assert main(["--sandbox", *words]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    return line


def test_bad_inline_data_is_named_once(capsys: pytest.CaptureFixture[str]) -> None:
    """An inline --data that is not JSON names the option once and where the JSON breaks."""
    line = _refusal(capsys, "cost-centers", "create", "X", "--data", "{bad")
    assert line == (
        "yandex-b2b: error: --data: not JSON "
        "(Expecting property name enclosed in double quotes, line 1 column 2)"
    )


def test_bad_data_from_a_file_names_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A --data @FILE that is not JSON names the file."""
    body = tmp_path / "center.json"
    body.write_text("name: X\n", encoding="utf-8")
    line = _refusal(capsys, "cost-centers", "create", "--data", f"@{body}")
    assert line.startswith(f"yandex-b2b: error: --data: {body} is not JSON (")


def test_several_missing_fields_are_listed_as_also_required(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A body missing several fields names the first and lists the rest as also required."""
    line = _refusal(capsys, "managers", "create", "--fullname", "X", "--role", "client_manager")
    assert line == (
        "yandex-b2b: error: email: is required (also required: phone, yandex_login) "
        "(nothing was sent)"
    )


# --- users archive/restore --id ------------------------------------------------------------


def test_users_archive_takes_ids_without_a_file(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """users archive --id A --id B archives those two employees and exits 0."""
    first = sandbox.add_user(phone="+79990000031")
    second = sandbox.add_user(phone="+79990000032")
    kept = sandbox.add_user(phone="+79990000033")
    run = cli(capsys, "users", "archive", "--id", first, "--id", second)
    assert run.code == 0, run.err
    assert [sandbox.user(user_id)["is_deleted"] for user_id in (first, second, kept)] == [
        True,
        True,
        False,
    ]


def test_users_restore_takes_an_id_and_reports_its_position(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """users restore --id restores the employee; the report's line is the id's position."""
    user_id = sandbox.add_user(phone="+79990000034", is_deleted=True)
    report = tmp_path / "report.jsonl"
    run = cli(capsys, "users", "restore", "--id", user_id, "--report", str(report))
    assert run.code == 0, run.err
    assert sandbox.user(user_id)["is_deleted"] is False
    [row] = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert (row["line"], row["ok"], row["id"]) == (1, True, user_id)


def test_users_archive_id_with_a_file_option_is_refused(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """--id beside FILE or a file option (--by phone) exits 2, naming the clash."""
    user_id = sandbox.add_user(phone="+79990000035")
    both = cli(capsys, "users", "archive", "leavers.txt", "--id", user_id)
    by_phone = cli(capsys, "users", "archive", "--id", user_id, "--by", "phone")
    neither = cli(capsys, "users", "archive")
    assert [(run.code, run.err.strip()) for run in (both, by_phone, neither)] == [
        (2, "yandex-b2b: error: users archive: give FILE or --id, not both"),
        (2, "yandex-b2b: error: users archive: --by reads a file; --id takes user ids"),
        (2, "yandex-b2b: error: users archive: give FILE or --id USER_ID"),
    ]
    assert sandbox.user(user_id)["is_deleted"] is False


# --- the month's rides for accounting ------------------------------------------------------


def test_a_workbook_holds_dates_as_dates_under_a_frozen_header(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """orders list -o trips.xlsx writes due_date as an Excel date (sortable, not text), under
    a bold, frozen header with a filter, on a sheet named after the file."""
    user_id = sandbox.add_user(phone="+79990000036")
    body = json.dumps({"route": [[37.59, 55.73], [37.61, 55.75]], "class": "econom"})
    made = cli(capsys, "orders", "create", "--user-id", user_id, "--data", body)
    assert made.code == 0, made.err
    path = tmp_path / "trips.xlsx"
    written = cli(capsys, "orders", "list", "--user-id", user_id, "-o", str(path))
    assert written.code == 0, written.err
    sheet = openpyxl.load_workbook(path).active
    assert sheet.title == "trips"
    header = [cell.value for cell in sheet[1]]
    due = sheet.cell(row=2, column=header.index("due_date") + 1)
    assert isinstance(due.value, datetime.datetime)
    assert due.is_date
    assert (sheet.freeze_panes, sheet.auto_filter.ref[:3], sheet["A1"].font.b) == (
        "A2",
        "A1:",
        True,
    )


# --- an update changes what it is given, and keeps the rest ---------------------------------


def test_renaming_a_cost_center_keeps_its_field_settings_and_main_mark(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """cost-centers update ID --name renames the main cost center and nothing else (the API
    replaces the record whole: a rename used to clear its field settings and main mark)."""
    main_id = sandbox.cost_center_id
    setting = {"title": "Проект", "required": True, "services": ["taxi"], "format": "text"}
    record = {"name": "Основной", "default": True, "field_settings": [setting]}
    set_up = cli(capsys, "cost-centers", "update", main_id, "--data", json.dumps(record))
    assert set_up.code == 0, set_up.err
    renamed = cli(capsys, "cost-centers", "update", main_id, "--name", "Главный")
    assert (renamed.code, renamed.out.strip()) == (0, main_id)
    centers: list[Any] = [c for c in sandbox.cost_centers() if c["id"] == main_id]
    [center] = centers
    assert (center["name"], center["default"]) == ("Главный", True)
    assert [field["title"] for field in center["field_settings"]] == ["Проект"]


def test_changing_a_managers_role_keeps_the_person(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """managers update ID --role changes the role and keeps the name, email, phone, login and
    department."""
    department = sandbox.add_department("Продажи")
    person = ["--fullname", "Иван Петров", "--email", "ivan@example.com", "--phone"]
    person += ["+79990000037", "--yandex-login", "ivan", "--department-id", department]
    made = cli(capsys, "managers", "create", *person, "--role", "department_manager")
    assert made.code == 0, made.err
    role_id = made.out.strip()
    changed = cli(capsys, "managers", "update", role_id, "--role", "department_secretary")
    assert changed.code == 0, changed.err
    [role] = [m for m in sandbox.managers() if m["id"] == role_id]
    assert (role["role"], role["fullname"], role["email"], role["department_id"]) == (
        "department_secretary",
        "Иван Петров",
        "ivan@example.com",
        department,
    )


def test_a_ride_areas_radius_changes_alone(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """geo-restrictions update ID --radius changes the radius and keeps the name and centre."""
    area = sandbox.add_geo_restriction("Офис", center=(37.64, 55.73), radius=300)
    changed = cli(capsys, "geo-restrictions", "update", area, "--radius", "800")
    assert changed.code == 0, changed.err
    areas: list[Any] = [g for g in sandbox.geo_restrictions() if g["id"] == area]
    [record] = areas
    assert (record["name"], record["geo"]["center"], record["geo"]["radius"]) == (
        "Офис",
        [37.64, 55.73],
        800,
    )


def test_updating_an_unknown_record_exits_1_naming_it(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """An update of an id the account does not list exits 1 in one line naming the id."""
    run = cli(capsys, "geo-restrictions", "update", "0" * 32, "--radius", "800")
    assert (run.code, run.out) == (1, "")
    assert run.err == (
        f"yandex-b2b: error: ride area {'0' * 32}: not found in the account (nothing was changed)\n"
    )


# --- a wrong token --------------------------------------------------------------------------


def test_a_refused_token_says_where_it_came_from(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A verb answered 401 exits 1 in one line naming the token's source (never the token)."""
    monkeypatch.setenv("YANDEX_B2B_TOKEN", "sandbox-token-not-registered")
    run = cli(capsys, "users", "list")
    assert (run.code, run.out) == (1, "")
    [line] = run.err.splitlines()
    assert line.startswith("yandex-b2b: error: GET /users answered HTTP 401 (")
    assert line.endswith("): fix the token (YANDEX_B2B_TOKEN)")
    assert "not-registered" not in line


def test_a_token_for_another_client_points_at_client_id(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """A verb answered 403 for --client-id names the token's source and --client-id."""
    run = cli(capsys, "users", "list", "--client-id", "0" * 31 + "1")
    assert (run.code, run.out) == (1, "")
    assert run.err.rstrip().endswith(
        "the token (YANDEX_B2B_TOKEN) does not reach this client; check --client-id"
    )


def test_an_unreachable_api_is_one_error_line() -> None:
    """A verb that cannot connect, after its retries, prints one error line and no warning
    repeating it."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    command = ["users", "list", "--base-url", url, "--token", "sandbox-token-x"]
    process = subprocess.run(
        [sys.executable, "-m", "yandex_b2b_async", *command],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "YANDEX_B2B_CLIENT_ID": "", "YANDEX_B2B_REDIS_URL": ""},
    )
    assert (process.returncode, process.stdout) == (1, "")
    [line] = process.stderr.splitlines()
    assert line.startswith(f"yandex-b2b: error: GET /users: cannot connect to {url}")


@pytest.mark.parametrize(
    "words",
    [["users", "get"], ["nosuch"], ["orders", "feedback", "ORDER_ID", "--rating", "9"]],
    ids=["missing argument", "unknown group", "bad choice"],
)
def test_a_usage_error_is_one_line_pointing_at_help(
    words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A line argparse refuses exits 2 with one line: what is wrong, and which --help to read
    (not the multi-line usage above it)."""
    with pytest.raises(SystemExit) as done:
        main(words)
    assert done.value.code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("yandex-b2b")
    assert " error: " in line
    assert line.endswith(" --help)")


def test_a_bad_travel_date_names_its_option(capsys: pytest.CaptureFixture[str]) -> None:
    """travels list --date-from with a non-date exits 2 naming --date-from, as --since does."""
    line = _refusal(capsys, "travels", "list", "--date-from", "tomorrow")
    assert line == "yandex-b2b: error: --date-from: 'tomorrow' is not a date (2026-11-01)"


def _ride(sandbox: Sandbox, capsys: pytest.CaptureFixture[str], phone: str) -> str:
    """An order placed through the command line for a new employee; its id."""
    user_id = sandbox.add_user(phone=phone)
    body = json.dumps({"route": [[37.59, 55.73], [37.61, 55.75]], "class": "econom"})
    made = cli(capsys, "orders", "create", "--user-id", user_id, "--data", body)
    assert made.code == 0, made.err
    return made.out.strip()


def test_orders_report_of_a_period_reports_every_order_in_it(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """orders report --since --till reports each order of the period (VAT, cost center, ...),
    with no order id typed."""
    order_id = _ride(sandbox, capsys, "+79990000038")
    today = datetime.date.today()
    since, till = today - datetime.timedelta(days=1), today + datetime.timedelta(days=2)
    period = ("--since", since.isoformat(), "--till", till.isoformat())
    rows = cli(capsys, "orders", "report", *period, "--format", "json").json()
    assert order_id in [row["id"] for row in rows]
    [row] = [row for row in rows if row["id"] == order_id]
    assert {"vat", "cost_center", "total_cost", "department"} <= set(row)


def test_orders_report_table_shows_the_ride_status(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """orders report's table has the ride's status in its third column (it was left empty)."""
    order_id = _ride(sandbox, capsys, "+79990000039")
    sandbox.fail_order(order_id)  # a final status: the report names it
    [record] = cli(capsys, "orders", "report", order_id, "--format", "json").json()
    run = cli(capsys, "orders", "report", order_id)
    assert run.code == 0, run.err
    [line] = run.out.splitlines()
    assert line.split("\t")[2] == record["ride_status"]["value"] != ""


def test_orders_report_needs_ids_or_a_period(capsys: pytest.CaptureFixture[str]) -> None:
    """orders report with neither order ids nor a period exits 2 saying what to give."""
    line = _refusal(capsys, "orders", "report")
    assert line == (
        "yandex-b2b: error: orders report: give ORDER_IDs, or a period: --since DATE --till DATE"
    )


def test_a_budget_that_is_not_a_sum_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """departments budget --set abc exits 2 with one line naming --set (it was a traceback)."""
    with pytest.raises(SystemExit) as done:
        main(["--sandbox", "departments", "budget", "DEPARTMENT_ID", "--set", "abc"])
    assert done.value.code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "argument --set: must be a sum like 50000 or 12500.50, got 'abc'" in line


@pytest.mark.parametrize(("data", "kind"), [("null", "null"), ("[1]", "an array")])
def test_data_that_is_not_an_object_is_named_in_jsons_words(
    data: str, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --data that is JSON but not an object says what it is as JSON says it (not NoneType)."""
    line = _refusal(capsys, "cost-centers", "create", "--data", data)
    assert line == f"yandex-b2b: error: --data: expected a JSON object {{...}}, got {kind}"


def test_a_wait_timeout_that_is_not_positive_names_its_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """orders wait --timeout -1 exits 2 naming --timeout (it named the library's 'timeout')."""
    with pytest.raises(SystemExit) as done:
        main(["--sandbox", "orders", "wait", "ORDER_ID", "--timeout", "-1"])
    assert done.value.code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "argument --timeout: must be a number of seconds > 0, got '-1'" in line


def test_a_workbook_keeps_text_starting_with_equals_as_text(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A name an employee typed as '=1+1' is written as that text, never as a formula Excel
    would run."""
    sandbox.add_user(phone="+79990000040", fullname='=HYPERLINK("http://example.com","x")')
    path = tmp_path / "employees.xlsx"
    written = cli(capsys, "users", "list", "-o", str(path))
    assert written.code == 0, written.err
    sheet = openpyxl.load_workbook(path).active
    header = [cell.value for cell in sheet[1]]
    names = [row[header.index("fullname")] for row in sheet.iter_rows(min_row=2)]
    [cell] = [cell for cell in names if str(cell.value).startswith("=")]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("http://example.com","x")', "s")


def test_orders_report_names_adds_each_employees_name(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """orders report --names puts user_fullname right after user_id, so accounting reads who
    rode; without --names the record is the API's alone."""
    order_id = _ride(sandbox, capsys, "+79990000041")
    [order] = [o for o in sandbox.taxi_orders() if o["id"] == order_id]
    sandbox_user_id = str(order["user_id"])
    name = "Анна Кузнецова"
    assert cli(capsys, "users", "update", sandbox_user_id, "--fullname", name).code == 0
    [named] = cli(capsys, "orders", "report", order_id, "--names", "--format", "json").json()
    keys = list(named)
    assert keys[keys.index("user_id") + 1] == "user_fullname"
    assert named["user_fullname"] == name
    [plain] = cli(capsys, "orders", "report", order_id, "--format", "json").json()
    assert "user_fullname" not in plain


def test_orders_list_names_shows_the_name_in_the_table(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """orders list --names adds the employee's name as the table's column after user_id."""
    user_id = sandbox.add_user(phone="+79990000042", fullname="Пётр Сидоров")
    body = json.dumps({"route": [[37.59, 55.73], [37.61, 55.75]], "class": "econom"})
    assert cli(capsys, "orders", "create", "--user-id", user_id, "--data", body).code == 0
    run = cli(capsys, "orders", "list", "--user-id", user_id, "--names")
    assert run.code == 0, run.err
    [line] = run.out.splitlines()
    assert line.split("\t")[3:5] == [user_id, "Пётр Сидоров"]


def test_a_cars_model_changes_alone(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    """vehicles update VEHICLE_ID --model changes the model and keeps plate, limit and access."""
    car = ["--license-plate", "B777BB77", "--model", "Lada", "--limit-id", "lim-fuel"]
    made = cli(capsys, "vehicles", "create", *car, "--access-type", "anyone")
    assert made.code == 0, made.err
    vehicle_id = made.out.strip()
    changed = cli(capsys, "vehicles", "update", vehicle_id, "--model", "Lada Vesta")
    assert (changed.code, changed.out.strip()) == (0, vehicle_id), changed.err
    cars: list[Any] = [v for v in sandbox.vehicles() if v["vehicle_id"] == vehicle_id]
    [record] = cars
    assert (record["license_plate"], record["model"], record["access_type"]) == (
        "B777BB77",
        "Lada Vesta",
        "anyone",
    )
    assert record["limit"]["limit_id"] == "lim-fuel"


def test_a_car_turned_custom_needs_its_access_list(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """vehicles update --access-type custom without an access list exits 2, nothing changed:
    the listing cannot give the list back."""
    car = ["--license-plate", "C555CC77", "--model", "Lada", "--limit-id", "lim-fuel"]
    vehicle_id = cli(capsys, "vehicles", "create", *car, "--access-type", "anyone").out.strip()
    run = cli(capsys, "vehicles", "update", vehicle_id, "--access-type", "custom")
    assert run.code == 2
    assert "give the list in --data (access)" in run.err
    cars: list[Any] = [v for v in sandbox.vehicles() if v["vehicle_id"] == vehicle_id]
    assert cars[0]["access_type"] == "anyone"


@pytest.mark.parametrize("group", ["tanker", "eats"])
def test_fuel_and_food_orders_take_names_too(
    group: str, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """tanker list --names and eats list --names name the employee after user_id, as orders
    list does: one flag, one meaning, in every group keyed by employee."""
    user_id = sandbox.add_user(phone="+79990000043", fullname="Ольга Иванова")
    made = (sandbox.add_tanker_order if group == "tanker" else sandbox.add_eats_order)(
        user_id=user_id
    )
    rows = cli(capsys, group, "list", "--names", "--format", "json").json()
    [row] = [row for row in rows if row["id"] == made]
    assert (row["user_id"], row["user_fullname"]) == (user_id, "Ольга Иванова")
