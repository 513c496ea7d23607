"""The whole API from the command line: every verb run through the real entry point
(``yandex_b2b_async.cli.main``) against the session's sandbox over loopback sockets, its
``--format json`` output checked against what the sandbox holds."""

from __future__ import annotations

import csv
import datetime
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from yandex_b2b_async.cli import build_parser, main
from yandex_b2b_async.cli.reference import commands_of
from yandex_b2b_async.sandbox import Sandbox

PHONE = "+79990000020"
# A point as an object, and one as [lon, lat].
ROUTE = [{"geopoint": [37.593983, 55.738759], "fullname": "Зубовский бульвар"}, [37.61, 55.75]]


@pytest.fixture
def sandbox(b2b_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    for name in ("YANDEX_B2B_CLIENT_ID", "YANDEX_B2B_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("YANDEX_B2B_TOKEN", b2b_sandbox.token)
    monkeypatch.setenv("YANDEX_B2B_BASE_URL", b2b_sandbox.url)
    return b2b_sandbox


class Run:
    """What one command line did: exit code, stdout, stderr."""

    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> Any:
        assert self.code == 0, self.err
        return json.loads(self.out)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> Run:
    """Run ``yandex-b2b ARGS`` in this process."""
    capsys.readouterr()
    try:
        code = main(list(args))
    except SystemExit as exit_:  # argparse refusing the line
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


# --- users ------------------------------------------------------------------------------------


def test_users_list_prints_every_employee_as_json(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """users list --format json is an array of the employees as the API spells them."""
    user_id = sandbox.add_user(phone=PHONE, fullname="Ilya Ivanov")
    rows = cli(capsys, "users", "list", "--format", "json").json()
    assert isinstance(rows, list)
    assert [(row["id"], row["phone"], row["fullname"]) for row in rows] == [
        (user_id, PHONE, "Ilya Ivanov")
    ]


def test_users_list_state_active_leaves_the_archived_out(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """--state active lists only employees who are not archived."""
    kept = sandbox.add_user(phone=PHONE)
    sandbox.add_user(phone="+79990000021", is_deleted=True)
    rows = cli(capsys, "users", "list", "--state", "active", "--format", "jsonl")
    assert [json.loads(line)["id"] for line in rows.out.splitlines()] == [kept]


def test_users_get_prints_the_record(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    """users get ID --format json prints that employee."""
    user_id = sandbox.add_user(phone=PHONE)
    record = cli(capsys, "users", "get", user_id, "--format", "json").json()
    assert isinstance(record, dict)
    assert (record["id"], record["phone"], record["is_deleted"]) == (user_id, PHONE, False)


def test_users_update_changes_only_the_fields_given(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """users update --email changes the email; the employee keeps their own cost center."""
    center = sandbox.add_cost_center(name="Выездные")
    user_id = sandbox.add_user(phone=PHONE, cost_centers_id=center)
    answer = cli(capsys, "users", "update", user_id, "--email", "a@example.com", "--format", "json")
    assert answer.json() == {"id": user_id}
    after = sandbox.user(user_id)
    assert (after["email"], after["cost_centers_id"]) == ("a@example.com", center)


def test_users_spending_lists_what_each_spent(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """users spending ID prints each limit's spending of the employee."""
    limit_id = sandbox.add_limit("Такси", "taxi", orders_cost="5000")
    user_id = sandbox.add_user(phone=PHONE, limits=[("taxi", limit_id)])
    sandbox.set_spending(user_id, limit_id, spent="1200", orders_spent=3)
    rows = cli(capsys, "users", "spending", user_id, "--format", "json").json()
    assert isinstance(rows, list)
    assert rows[0]["user_id"] == user_id
    assert "1200" in json.dumps(rows[0]["limits"])


# --- departments, cost centers ----------------------------------------------------------------


def test_departments_create_prints_the_new_id(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """departments create NAME --parent ID prints the id alone; the department is there."""
    parent = sandbox.add_department("Продажи")
    made = cli(capsys, "departments", "create", "Москва", "--parent", parent)
    assert made.code == 0, made.err
    new_id = made.out.strip()
    assert {"id": new_id, "name": "Москва", "parent_id": parent}.items() <= next(
        d for d in sandbox.departments() if d["id"] == new_id
    ).items()


def test_departments_list_shows_paths_as_json(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """departments list --format json gives each department's id, name, parent and path."""
    parent = sandbox.add_department("Продажи")
    child = sandbox.add_department("Москва", parent_id=parent)
    rows = cli(capsys, "departments", "list", "--format", "json").json()
    assert {"id": child, "name": "Москва", "parent_id": parent, "path": "Продажи/Москва"} in rows


def test_departments_update_renames(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    """departments update ID --name renames it and prints its id as JSON."""
    department = sandbox.add_department("Продажи")
    answer = cli(capsys, "departments", "update", department, "--name", "Сбыт", "--format", "json")
    assert answer.json() == {"id": department}
    assert sandbox.departments()[0]["name"] == "Сбыт"


def test_departments_archive_removes_the_subtree(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """departments archive ID (a bulk job) removes it; the summary says archived 1."""
    department = sandbox.add_department("Склад")
    done = cli(capsys, "departments", "archive", department)
    assert done.code == 0, done.err
    assert "archived 1" in done.out
    assert sandbox.departments() == []


def test_departments_budget_sets_and_reads_it(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """departments budget ID --set SUM --period month sets it and prints it back."""
    department = sandbox.add_department("Продажи")
    args = ("departments", "budget", department, "--set", "50000", "--period", "month")
    shown = cli(capsys, *args, "--format", "json").json()
    assert shown == {"department_id": department, "budget": 50000, "period": "month"}
    assert sandbox.taxi_budget(department)["budget"] == 50000


def test_cost_centers_create_update_and_list(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """cost-centers create prints the id, update renames it, list shows it as JSON."""
    created = cli(capsys, "cost-centers", "create", "Проект", "--format", "json").json()
    assert isinstance(created, dict)
    center = created["id"]
    renamed = cli(capsys, "cost-centers", "update", center, "--name", "Проекты", "--format", "json")
    assert renamed.json() == {"id": center}
    rows = cli(capsys, "cost-centers", "list", "--format", "json").json()
    assert {(row["id"], row["name"]) for row in rows} >= {(center, "Проекты")}


# --- limits, managers, geo restrictions --------------------------------------------------------


def test_limits_list_and_get(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    """limits list --service taxi finds the limit; limits get prints it."""
    limit_id = sandbox.add_limit("Такси 5000", "taxi", orders_cost="5000")
    sandbox.add_limit("Еда", "eats2")
    rows = cli(capsys, "limits", "list", "--service", "taxi", "--format", "json").json()
    assert [(row["id"], row["title"]) for row in rows] == [(limit_id, "Такси 5000")]
    record = cli(capsys, "limits", "get", limit_id, "--format", "json").json()
    assert isinstance(record, dict)
    assert (record["id"], record["service"]) == (limit_id, "taxi")


def test_limits_set_personal_gives_the_employee_a_limit(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """limits set-personal USER_ID --data … prints the new limit's id, found by limits get."""
    user_id = sandbox.add_user(phone=PHONE)
    data = {
        "categories": ["econom"],
        "limits": {"orders_cost": {"value": "3000", "period": "week"}},
    }
    args = ("limits", "set-personal", user_id, "--title", "Личный", "--service", "taxi")
    made = cli(capsys, *args, "--data", json.dumps(data), "--format", "json").json()
    assert isinstance(made, dict)
    record = cli(capsys, "limits", "get", str(made["id"]), "--format", "json").json()
    assert isinstance(record, dict)
    assert record["title"] == "Личный"


def test_managers_create_update_list_and_delete(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """A role made by managers create is listed, updated and deleted by the other verbs."""
    department = sandbox.add_department("Продажи")
    sandbox.add_user(phone="+79990000001", fullname="Иванов Илья")
    fields = [
        "--fullname", "Иванов Илья", "--email", "boss@example.com", "--phone", "+79990000001",
        "--yandex-login", "boss", "--role", "department_manager", "--department-id", department,
    ]  # fmt: skip
    made = cli(capsys, "managers", "create", *fields, "--format", "json").json()
    assert isinstance(made, dict)
    role = made["id"]
    listed = cli(capsys, "managers", "list", "--department-id", department, "--format", "json")
    assert [row["yandex_login"] for row in listed.json()] == ["boss"]
    fields[3] = "chief@example.com"
    updated = cli(capsys, "managers", "update", str(role), *fields, "--format", "json")
    assert updated.json() == {"id": role}
    assert sandbox.managers()[0]["email"] == "chief@example.com"
    assert cli(capsys, "managers", "delete", str(role), "--format", "json").json() == {"id": role}
    assert sandbox.managers() == []


def test_geo_restrictions_create_update_list_and_delete(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """An area made from --lat/--lon/--radius is listed as [lon, lat], replaced and deleted."""
    shape = ["--lat", "55.73", "--lon", "37.64", "--radius", "500"]
    made = cli(capsys, "geo-restrictions", "create", "--name", "Офис", *shape, "--format", "json")
    area = made.json()["id"]
    listed = cli(capsys, "geo-restrictions", "list", "--format", "json").json()
    assert [(row["id"], row["geo"]["center"]) for row in listed] == [(area, [37.64, 55.73])]
    data = json.dumps({"name": "Склад", "geo": {"center": [37.5, 55.7], "radius": 300}})
    updated = cli(capsys, "geo-restrictions", "update", area, "--data", data, "--format", "json")
    assert updated.json() == {"id": area}
    assert sandbox.geo_restrictions()[0]["name"] == "Склад"
    assert cli(capsys, "geo-restrictions", "delete", area, "--format", "json").json() == {
        "id": area
    }
    assert sandbox.geo_restrictions() == []


# --- orders -----------------------------------------------------------------------------------


def _order(capsys: pytest.CaptureFixture[str], user_id: str) -> str:
    args = ("orders", "create", "--user-id", user_id, "--class", "econom")
    made = cli(capsys, *args, "--data", json.dumps({"route": ROUTE}), "--format", "json")
    answer = made.json()
    assert isinstance(answer, dict)
    assert answer["idempotency_token"]
    return str(answer["id"])


def test_orders_create_info_and_progress(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """orders create prints the order id; info and progress print the order as JSON."""
    user_id = sandbox.add_user(phone=PHONE)
    order_id = _order(capsys, user_id)
    info = cli(capsys, "orders", "info", order_id, "--format", "json").json()
    assert isinstance(info, dict)
    assert (info["id"], info["user_id"], info["class"]) == (order_id, user_id, "econom")
    progress = cli(capsys, "orders", "progress", order_id, "--format", "json").json()
    assert isinstance(progress, dict)
    assert progress["status"] == info["status"]


def test_orders_active_and_cancel(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    """orders active lists the employee's order; orders cancel cancels it."""
    user_id = sandbox.add_user(phone=PHONE)
    order_id = _order(capsys, user_id)
    active = cli(capsys, "orders", "active", user_id, "--format", "json").json()
    assert [row["id"] for row in active] == [order_id]
    cancelled = cli(capsys, "orders", "cancel", order_id, "--format", "json").json()
    assert isinstance(cancelled, dict)
    assert cancelled["id"] == order_id
    assert sandbox.taxi_orders()[0]["status"] == "cancelled"


def test_orders_wait_returns_at_a_final_status(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """orders wait prints the progress once the order is in a final status."""
    order_id = _order(capsys, sandbox.add_user(phone=PHONE))
    sandbox.fail_order(order_id)
    waited = cli(capsys, "orders", "wait", order_id, "--format", "json")
    assert waited.json()["status"] == "failed"
    assert f"{order_id}: failed" in waited.err


def test_orders_list_writes_the_month_to_a_workbook(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """orders list --since --till -o trips.xlsx writes a row per order with its fields."""
    user_id = sandbox.add_user(phone=PHONE)
    order_id = _order(capsys, user_id)
    today = datetime.date.today()
    since, till = today - datetime.timedelta(days=31), today + datetime.timedelta(days=2)
    path = tmp_path / "trips.xlsx"
    args = ("orders", "list", "--since", since.isoformat(), "--till", till.isoformat())
    written = cli(capsys, *args, "-o", str(path))
    assert written.code == 0, written.err
    assert f"1 row written to {path}" in written.out
    sheet = openpyxl.load_workbook(path).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1
    record = dict(zip(header, rows[0], strict=True))
    assert (record["id"], record["user_id"], record["class"]) == (order_id, user_id, "econom")
    assert record["source.fullname"] == "Зубовский бульвар"


def test_orders_list_outside_the_period_is_empty(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """An order placed today is not in last year's listing."""
    _order(capsys, sandbox.add_user(phone=PHONE))
    args = ("orders", "list", "--since", "2020-01-01", "--till", "2020-02-01", "--format", "json")
    assert cli(capsys, *args).json() == []


def test_orders_report_prints_each_orders_report_data(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """orders report ID prints the taxi report row of that order."""
    order_id = _order(capsys, sandbox.add_user(phone=PHONE))
    rows = cli(capsys, "orders", "report", order_id, "--format", "json").json()
    assert [row["id"] for row in rows] == [order_id]


def test_orders_routestats_prints_each_tariffs_price(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """orders routestats --point … --user-id prints the offer and a price per tariff."""
    user_id = sandbox.add_user(phone=PHONE)
    args = ("--point", "37.59,55.73", "--point", "37.61,55.75", "--user-id", user_id)
    stats = cli(capsys, "orders", "routestats", *args, "--format", "json").json()
    assert stats["offer"]
    assert "econom" in [level["class"] for level in stats["service_levels"]]


def test_orders_change_destinations_lists_the_new_route(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """orders change-destinations ID --point … replaces the route after the pick-up."""
    order_id = _order(capsys, sandbox.add_user(phone=PHONE))
    args = ("orders", "change-destinations", order_id, "--point", "37.62,55.76")
    points = cli(capsys, *args, "--format", "json").json()
    assert [point["geopoint"] for point in points][-1] == [37.62, 55.76]


def test_orders_feedback_rates_the_ride(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """orders feedback ID --rating 5 prints the order's id; a rating of 6 is refused unsent."""
    order_id = _order(capsys, sandbox.add_user(phone=PHONE))
    rated = cli(capsys, "orders", "feedback", order_id, "--rating", "5", "--format", "json")
    assert rated.json() == {"id": order_id}
    sandbox.reset_stats()
    assert cli(capsys, "orders", "feedback", order_id, "--rating", "6").code == 2
    assert sandbox.stats.requests == 0


def test_auth_clients_lists_the_clients_the_token_reaches(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """auth clients --format json lists the seeded client with its id."""
    rows = cli(capsys, "auth", "clients", "--format", "json").json()
    assert [row["client_id"] for row in rows] == [sandbox.client_id]


# --- promocodes, vehicles, zones, services -------------------------------------------------------


def test_promocodes_create_get_codes_list_and_cancel(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """A series ordered by promocodes create is shown, listed, has its codes, and is cancelled."""
    until = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    args = ("promocodes", "create", "--value", "300", "--count", "5", "--active-until", until)
    made = cli(capsys, *args, "--format", "json").json()
    assert isinstance(made, dict)
    series = str(made["id"])
    shown = cli(capsys, "promocodes", "get", series, "--format", "json").json()
    assert isinstance(shown, dict)
    assert (shown["order_id"], shown["value"], shown["count"]) == (series, 300, 5)
    listed = cli(capsys, "promocodes", "list", "--format", "json").json()
    assert [row["order_id"] for row in listed] == [series]
    codes = cli(capsys, "promocodes", "codes", series, "--format", "json").json()
    assert isinstance(codes, list)
    assert len(codes) == 5
    cancelled = cli(capsys, "promocodes", "cancel", series, "--format", "json").json()
    assert isinstance(cancelled, dict)
    assert cancelled["id"] == series


def test_vehicles_create_update_list_and_archive(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """A car added by vehicles create is listed, updated and archived."""
    car = ["--license-plate", "A100AA77", "--model", "Haval", "--limit-id", "lim"]
    made = cli(capsys, "vehicles", "create", *car, "--access-type", "anyone", "--format", "json")
    answer = made.json()
    assert isinstance(answer, dict)
    (vehicle_id,) = answer["ids"]
    car[3] = "Kia Rio"
    updated = cli(capsys, "vehicles", "update", vehicle_id, *car, "--access-type", "anyone")
    assert updated.out.strip() == vehicle_id
    listed = cli(capsys, "vehicles", "list", "--format", "json").json()
    assert [(row["vehicle_id"], row["model"]) for row in listed] == [(vehicle_id, "Kia Rio")]
    archived = cli(capsys, "vehicles", "archive", vehicle_id, "--format", "json").json()
    assert archived == {"id": vehicle_id, "ids": [vehicle_id]}
    assert cli(capsys, "vehicles", "list", "--format", "json").json() == []


def test_zones_info_lists_the_tariffs(sandbox: Sandbox, capsys: pytest.CaptureFixture[str]) -> None:
    """zones info --lat --lon prints the zone's tariff classes with their requirements."""
    rows = cli(capsys, "zones", "info", "--lat", "55.73", "--lon", "37.64", "--format", "json")
    names = [row["name"] for row in rows.json()]
    assert "econom" in names


def test_tanker_eats_and_travels_list_their_orders(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """tanker list, eats list and travels list print each service's orders as JSON."""
    user_id = sandbox.add_user(phone=PHONE)
    fuel = sandbox.add_tanker_order(user_id=user_id)
    food = sandbox.add_eats_order(user_id=user_id)
    trip = sandbox.add_travel(name="Казань", traveller_id=user_id)
    for group, made in (("tanker", fuel), ("eats", food), ("travels", trip)):
        rows = cli(capsys, group, "list", "--format", "json").json()
        assert [row["id"] for row in rows] == [made], group


# --- output, errors, help ------------------------------------------------------------------------


def test_a_listing_on_a_pipe_is_tab_separated(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --format, a listing not on a terminal prints the table's columns split by tabs."""
    center = sandbox.add_cost_center(name="Выездные")
    lines = cli(capsys, "cost-centers", "list").out.splitlines()
    assert f"Выездные\t{center}\tfalse" in lines


def test_a_listing_writes_csv_and_jsonl_files_by_suffix(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """-o FILE.csv writes every field with a header; -o FILE.jsonl an object a line."""
    user_id = sandbox.add_user(phone=PHONE)
    assert cli(capsys, "users", "list", "-o", str(tmp_path / "u.csv")).code == 0
    with open(tmp_path / "u.csv", encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [(row["id"], row["phone"], row["is_active"]) for row in rows] == [
        (user_id, PHONE, "true")
    ]
    assert cli(capsys, "users", "list", "-o", str(tmp_path / "u.jsonl")).code == 0
    lines = (tmp_path / "u.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [user_id]


def test_an_unknown_output_suffix_is_refused_before_sending(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """-o trips.pdf exits 2 naming the suffixes, and nothing is sent."""
    done = cli(capsys, "orders", "list", "-o", str(tmp_path / "trips.pdf"))
    assert done.code == 2
    assert ".xlsx" in done.err
    assert sandbox.stats.requests == 0


def test_an_api_error_is_one_line_and_exit_1(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """users get of an unknown id prints one error line naming the status and exits 1."""
    done = cli(capsys, "users", "get", "no-such-user")
    assert done.code == 1
    assert done.err.count("\n") == 1
    assert done.err.startswith("yandex-b2b: error: ")
    assert "404" in done.err


def test_bad_data_is_refused_naming_the_field_before_sending(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """An order without a route exits 2 naming the missing field; nothing is sent."""
    done = cli(capsys, "orders", "create", "--user-id", "u1", "--class", "econom", "--data", "{}")
    assert done.code == 2
    assert "route: is required" in done.err
    assert sandbox.stats.requests == 0


def test_a_bad_phone_is_refused_without_showing_it(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """users update --phone with a malformed phone exits 2 naming the field, not the value."""
    done = cli(capsys, "users", "update", "u1", "--phone", "8-900-SECRET")
    assert done.code == 2
    assert "phone" in done.err
    assert "SECRET" not in done.err
    assert sandbox.stats.requests == 0


def test_a_group_alone_prints_its_verbs(capsys: pytest.CaptureFixture[str]) -> None:
    """yandex-b2b orders alone prints the group's help and exits 0."""
    done = cli(capsys, "orders")
    assert done.code == 0
    assert "usage: yandex-b2b orders" in done.out
    assert "wait" in done.out
    assert "report" in done.out


def test_the_embedded_sandbox_serves_a_verb(capsys: pytest.CaptureFixture[str]) -> None:
    """--sandbox anywhere on the line runs a verb against an embedded sandbox."""
    done = cli(capsys, "cost-centers", "list", "--format", "json", "--sandbox")
    assert [row["default"] for row in done.json()] == [True]


# The test of this module that runs each GROUP VERB (the file jobs and sandbox serve have their
# own modules: test_cli.py, test_hr_cli.py, test_sync_cli.py, sandbox/test_runner.py).
COVERED = {
    ("users", "list"): test_users_list_prints_every_employee_as_json,
    ("users", "get"): test_users_get_prints_the_record,
    ("users", "update"): test_users_update_changes_only_the_fields_given,
    ("users", "spending"): test_users_spending_lists_what_each_spent,
    ("departments", "list"): test_departments_list_shows_paths_as_json,
    ("departments", "create"): test_departments_create_prints_the_new_id,
    ("departments", "update"): test_departments_update_renames,
    ("departments", "archive"): test_departments_archive_removes_the_subtree,
    ("departments", "budget"): test_departments_budget_sets_and_reads_it,
    ("cost-centers", "list"): test_cost_centers_create_update_and_list,
    ("cost-centers", "create"): test_cost_centers_create_update_and_list,
    ("cost-centers", "update"): test_cost_centers_create_update_and_list,
    ("limits", "list"): test_limits_list_and_get,
    ("limits", "get"): test_limits_list_and_get,
    ("limits", "set-personal"): test_limits_set_personal_gives_the_employee_a_limit,
    ("managers", "list"): test_managers_create_update_list_and_delete,
    ("managers", "create"): test_managers_create_update_list_and_delete,
    ("managers", "update"): test_managers_create_update_list_and_delete,
    ("managers", "delete"): test_managers_create_update_list_and_delete,
    ("geo-restrictions", "list"): test_geo_restrictions_create_update_list_and_delete,
    ("geo-restrictions", "create"): test_geo_restrictions_create_update_list_and_delete,
    ("geo-restrictions", "update"): test_geo_restrictions_create_update_list_and_delete,
    ("geo-restrictions", "delete"): test_geo_restrictions_create_update_list_and_delete,
    ("orders", "routestats"): test_orders_routestats_prints_each_tariffs_price,
    ("orders", "create"): test_orders_create_info_and_progress,
    ("orders", "change-destinations"): test_orders_change_destinations_lists_the_new_route,
    ("orders", "feedback"): test_orders_feedback_rates_the_ride,
    ("orders", "info"): test_orders_create_info_and_progress,
    ("orders", "progress"): test_orders_create_info_and_progress,
    ("orders", "wait"): test_orders_wait_returns_at_a_final_status,
    ("orders", "cancel"): test_orders_active_and_cancel,
    ("orders", "active"): test_orders_active_and_cancel,
    ("orders", "list"): test_orders_list_writes_the_month_to_a_workbook,
    ("orders", "report"): test_orders_report_prints_each_orders_report_data,
    ("promocodes", "create"): test_promocodes_create_get_codes_list_and_cancel,
    ("promocodes", "list"): test_promocodes_create_get_codes_list_and_cancel,
    ("promocodes", "get"): test_promocodes_create_get_codes_list_and_cancel,
    ("promocodes", "cancel"): test_promocodes_create_get_codes_list_and_cancel,
    ("promocodes", "codes"): test_promocodes_create_get_codes_list_and_cancel,
    ("vehicles", "list"): test_vehicles_create_update_list_and_archive,
    ("vehicles", "create"): test_vehicles_create_update_list_and_archive,
    ("vehicles", "update"): test_vehicles_create_update_list_and_archive,
    ("vehicles", "archive"): test_vehicles_create_update_list_and_archive,
    ("zones", "info"): test_zones_info_lists_the_tariffs,
    ("tanker", "list"): test_tanker_eats_and_travels_list_their_orders,
    ("eats", "list"): test_tanker_eats_and_travels_list_their_orders,
    ("travels", "list"): test_tanker_eats_and_travels_list_their_orders,
    ("auth", "clients"): test_auth_clients_lists_the_clients_the_token_reaches,
}
ELSEWHERE = {
    ("users", "create"),
    ("users", "archive"),
    ("users", "restore"),
    ("users", "sync"),
    ("users", "export"),
    ("sandbox", "serve"),
}


def test_every_command_has_a_test() -> None:
    """Each GROUP VERB of the parser is run by a test of this module or of the file jobs'."""
    every = {(group, verb) for group, verb, _ in commands_of(build_parser())}
    assert every == set(COVERED) | ELSEWHERE


def test_data_is_read_from_a_file(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """--data @FILE reads the body from FILE."""
    body = tmp_path / "center.json"
    body.write_text('{"name": "Из файла"}', encoding="utf-8")
    made = cli(capsys, "cost-centers", "create", "--data", f"@{body}", "--format", "json").json()
    assert [c["id"] for c in sandbox.cost_centers() if c["name"] == "Из файла"] == [made["id"]]


def test_yandex_b2b_alone_prints_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    """yandex-b2b with no command prints the groups and the exit codes, and exits 0."""
    done = cli(capsys)
    assert done.code == 0
    assert "orders" in done.out
    assert "Exit codes: 0" in done.out


def test_a_bad_nested_field_is_named_by_its_place(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad point inside --data's route is named route[1].geopoint; nothing is sent."""
    data = json.dumps({"route": [[37.6, 55.7], {"geopoint": "here"}]})
    args = ("orders", "create", "--user-id", "u1", "--class", "econom", "--data", data)
    done = cli(capsys, *args)
    assert done.code == 2
    assert "error: route[1].geopoint: must be a pair" in done.err
    assert sandbox.stats.requests == 0
