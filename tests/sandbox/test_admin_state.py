"""The sandbox's administration rules on the state alone (no socket): limits, cost centers,
taxi budgets, manager roles, geo restrictions and spending."""

from __future__ import annotations

from typing import Any

import pytest

from yandex_b2b_async.sandbox import ApiError, SandboxError, State
from yandex_b2b_async.sandbox._admin import AdminRules, rules_for

from .conftest import CLIENT, MAIN_CC, user_body


@pytest.fixture
def rules(state: State) -> AdminRules:
    return rules_for(state)


@pytest.fixture
def strict_rules(strict_state: State) -> AdminRules:
    return rules_for(strict_state)


def refused(call: Any, *args: Any, **kwargs: Any) -> ApiError:
    """The ApiError `call(*args, **kwargs)` raises (the test fails when it raises none)."""
    with pytest.raises(ApiError) as info:
        call(*args, **kwargs)
    return info.value


def taxi_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"title": "Личный", "service": "taxi", "categories": ["econom"]}
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


AREA: dict[str, Any] = {
    "name": "Офис",
    "geo_type": "circle",
    "geo": {"center": [37.6, 55.7], "radius": 200},
}


# --- limits --------------------------------------------------------------------------------------


def test_a_limit_counts_its_active_employees(state: State, rules: AdminRules) -> None:
    """counters.users counts the active employees holding the limit, not archived ones."""
    limit_id = rules.add_limit(CLIENT, "Такси", "taxi")
    state.add_user(CLIENT, phone="+79990000001", limits=[("taxi", limit_id)])
    state.add_user(CLIENT, phone="+79990000002", limits=[("taxi", limit_id)])
    state.add_user(CLIENT, phone="+79990000003", limits=[("taxi", limit_id)], is_deleted=True)
    assert rules.get_limit(CLIENT, limit_id)["counters"] == {"users": 2}


def test_search_filters_by_department_user_service_and_exact_title(
    state: State, rules: AdminRules
) -> None:
    """Each filter narrows the search; the title must match exactly."""
    department = state.add_department(CLIENT, "Продажи")
    a = rules.add_limit(CLIENT, "Такси - 5000", "taxi", department_id=department)
    b = rules.add_limit(CLIENT, "Такси - 5000", "eats2")
    c = rules.add_limit(CLIENT, "Такси", "taxi")
    user = state.add_user(CLIENT, phone="+79990000001", limits=[("eats2", b)])

    def ids(**filters: Any) -> list[str]:
        page: Any = rules.search_limits(CLIENT, limit=100, offset=0, **filters)
        return [item["id"] for item in page["items"]]

    assert ids() == [a, b, c]
    assert ids(department_id=department) == [a]
    assert ids(user_id=user) == [b]
    assert ids(service="taxi") == [a, c]
    assert ids(search="Такси") == [c]


def test_an_unknown_limit_is_404(rules: AdminRules) -> None:
    """A limit id the client does not have is 404."""
    assert refused(rules.get_limit, CLIENT, "missing").status == 404


def test_a_personal_limit_is_given_to_the_employee(state: State, rules: AdminRules) -> None:
    """The employee's limits hold the personal limit for its service, replacing the old one."""
    shared = rules.add_limit(CLIENT, "Такси", "taxi")
    user = state.add_user(CLIENT, phone="+79990000001", limits=[("taxi", shared)])
    limit_id = rules.update_personal_limit(CLIENT, user, taxi_body())
    assert state.get_user(CLIENT, user)["limits"] == [{"limit_id": limit_id, "service": "taxi"}]


def test_setting_a_personal_limit_again_keeps_its_id(state: State, rules: AdminRules) -> None:
    """One personal limit per employee and service: a second PUT replaces it in place."""
    user = state.add_user(CLIENT, phone="+79990000001")
    first = rules.update_personal_limit(CLIENT, user, taxi_body(title="A"))
    second = rules.update_personal_limit(CLIENT, user, taxi_body(title="B"))
    assert first == second
    assert rules.get_limit(CLIENT, first)["title"] == "B"


def test_the_cyrillic_categories_key_is_accepted(state: State, rules: AdminRules) -> None:
    """The table's "\u0441ategories" (Cyrillic first letter) is read as categories."""
    user = state.add_user(CLIENT, phone="+79990000001")
    body = taxi_body(categories=...)
    body["\u0441ategories"] = ["vip"]
    limit_id = rules.update_personal_limit(CLIENT, user, body)
    assert rules.get_limit(CLIENT, limit_id)["categories"] == ["vip"]


def test_a_cost_value_may_be_a_string_or_a_number(state: State, rules: AdminRules) -> None:
    """orders_cost.value is a string in the pages and a number from Yandex's SDK; both store
    as a string."""
    user = state.add_user(CLIENT, phone="+79990000001")
    limits = {"orders_cost": {"value": 5000.0, "period": "month"}}
    limit_id = rules.update_personal_limit(CLIENT, user, taxi_body(limits=limits))
    stored: Any = rules.get_limit(CLIENT, limit_id)["limits"]
    assert stored["orders_cost"] == {"value": "5000", "period": "month"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"categories": ...}, "categories"),
        ({"fuel_types": ["a92"]}, "fuel_types"),
        ({"client_id": "another"}, "client_id"),
        (
            {"limits": {"orders_cost": {"value": "-5", "period": "month"}}},
            "limits.orders_cost.value",
        ),
        (
            {"limits": {"orders_cost": {"value": "5", "period": "decade"}}},
            "limits.orders_cost.period",
        ),
        ({"geo_restrictions": [{"source": "no-such-area"}]}, "geo_restrictions[0]"),
        (
            {
                "time_restrictions": [
                    {
                        "type": "weekly_date",
                        "days": ["xx"],
                        "start_time": "00:00:00",
                        "end_time": "01:00:00",
                    }
                ]
            },
            "time_restrictions[0]",
        ),
        (
            {"limits": {"orders_cost": {"value": "1e5", "period": "month"}}},
            "limits.orders_cost.value",
        ),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_a_bad_personal_limit_is_400_naming_the_field(
    state: State, rules: AdminRules, changes: dict[str, Any], field: str
) -> None:
    """Each broken rule of the personal-limit page is a 400 naming the field."""
    user = state.add_user(CLIENT, phone="+79990000001")
    error = refused(rules.update_personal_limit, CLIENT, user, taxi_body(**changes))
    assert (error.status, error.extra) == (400, {"field": field})


def test_a_personal_limit_of_an_unknown_employee_is_404(rules: AdminRules) -> None:
    """PUT /limits/personal for a user the client does not have is 404."""
    assert refused(rules.update_personal_limit, CLIENT, "missing", taxi_body()).status == 404


# --- geo restrictions ----------------------------------------------------------------------------


def test_strict_mode_refuses_to_delete_an_area_a_limit_uses(
    strict_state: State, strict_rules: AdminRules
) -> None:
    """Strict: deleting an area named by a limit's geo rule is refused; once unused, it goes."""
    rules = strict_rules
    area = rules.create_geo_restriction(CLIENT, AREA)
    user = strict_state.add_user(CLIENT, phone="+79990000001")
    limit_id = rules.update_personal_limit(
        CLIENT, user, taxi_body(geo_restrictions=[{"destination": area}])
    )
    error = refused(rules.delete_geo_restriction, CLIENT, area)
    assert (error.status, error.code, error.extra) == (400, "GEO_RESTRICTION_IN_USE", None)
    assert limit_id in error.message
    rules.update_personal_limit(CLIENT, user, taxi_body())
    assert rules.delete_geo_restriction(CLIENT, area) == area


def test_an_area_a_limit_uses_is_deleted_by_default(state: State, rules: AdminRules) -> None:
    """By default an area in use is deleted: the delete page lists no refusal for it."""
    area = rules.create_geo_restriction(CLIENT, AREA)
    user = state.add_user(CLIENT, phone="+79990000001")
    rules.update_personal_limit(CLIENT, user, taxi_body(geo_restrictions=[{"destination": area}]))
    assert rules.delete_geo_restriction(CLIENT, area) == area


def test_strict_mode_refuses_to_rename_an_area_to_a_taken_name(strict_rules: AdminRules) -> None:
    """Strict: an update giving an area another area's name is a 400."""
    strict_rules.create_geo_restriction(CLIENT, AREA)
    second = strict_rules.create_geo_restriction(CLIENT, {**AREA, "name": "Склад"})
    assert refused(strict_rules.update_geo_restriction, CLIENT, second, AREA).status == 400


def test_an_area_takes_a_taken_name_on_update_by_default(rules: AdminRules) -> None:
    """By default an update may repeat another area's name (only the create page refuses)."""
    rules.create_geo_restriction(CLIENT, AREA)
    second = rules.create_geo_restriction(CLIENT, {**AREA, "name": "Склад"})
    assert rules.update_geo_restriction(CLIENT, second, AREA) == second


def test_an_area_already_there_is_refused(rules: AdminRules) -> None:
    """A second area with the same name and circle is a 400 ("the record already exists")."""
    rules.create_geo_restriction(CLIENT, AREA)
    assert refused(rules.create_geo_restriction, CLIENT, AREA).status == 400


def test_an_area_may_repeat_a_name_elsewhere_by_default(rules: AdminRules) -> None:
    """By default a taken name with another circle is another record, and is made."""
    rules.create_geo_restriction(CLIENT, AREA)
    elsewhere = {**AREA, "geo": {"center": [30.3, 59.9], "radius": 200}}
    assert rules.create_geo_restriction(CLIENT, elsewhere)


def test_strict_mode_keeps_area_names_unique(strict_rules: AdminRules) -> None:
    """Strict: a taken name is a 400 whatever the circle."""
    strict_rules.create_geo_restriction(CLIENT, AREA)
    elsewhere = {**AREA, "geo": {"center": [30.3, 59.9], "radius": 200}}
    assert refused(strict_rules.create_geo_restriction, CLIENT, elsewhere).status == 400


@pytest.mark.parametrize(
    "geo",
    [
        {"center": [200, 55.7], "radius": 200},
        {"center": [37.6], "radius": 200},
        {"center": [37.6, 55.7], "radius": 0},
        {"center": [37.6, 55.7], "radius": 2.5},
    ],
)
def test_a_bad_circle_is_400(rules: AdminRules, geo: dict[str, Any]) -> None:
    """The center is [longitude, latitude] in range; the radius whole metres > 0."""
    assert refused(rules.create_geo_restriction, CLIENT, {**AREA, "geo": geo}).status == 400


def test_areas_list_the_latest_update_first(rules: AdminRules) -> None:
    """The list page: sorted by the time of the last update."""
    first = rules.create_geo_restriction(CLIENT, AREA)
    second = rules.create_geo_restriction(CLIENT, {**AREA, "name": "Склад"})
    rules.update_geo_restriction(CLIENT, first, {**AREA, "name": "Офис 1"})
    page: Any = rules.list_geo_restrictions(CLIENT, limit=100, offset=0)
    assert [item["id"] for item in page["items"]] == [first, second]
    assert page["amount"] == 2


def test_unknown_areas_are_404(rules: AdminRules) -> None:
    """update and delete of an unknown area are 404."""
    assert refused(rules.update_geo_restriction, CLIENT, "missing", AREA).status == 404
    assert refused(rules.delete_geo_restriction, CLIENT, "missing").status == 404


# --- cost centers --------------------------------------------------------------------------------

CC: dict[str, Any] = {"name": "Проект", "default": False, "field_settings": []}


def test_a_created_cost_center_is_listed(state: State, rules: AdminRules) -> None:
    """A created cost center appears in the list with its field settings."""
    setting: dict[str, Any] = {
        "title": "Цель",
        "required": True,
        "services": ["taxi"],
        "format": "text",
        "values": [],
    }
    cost_center = rules.create_cost_center(CLIENT, {**CC, "field_settings": [setting]})
    page: Any = state.list_cost_centers(CLIENT, limit=100, offset=0)
    [shown] = [item for item in page["items"] if item["id"] == cost_center]
    assert (shown["name"], shown["field_settings"][0]["title"]) == ("Проект", "Цель")


def test_strict_mode_keeps_cost_center_names_unique(strict_rules: AdminRules) -> None:
    """Strict: a second cost center with a taken name is a 406 naming the other."""
    first = strict_rules.create_cost_center(CLIENT, CC)
    error = refused(strict_rules.create_cost_center, CLIENT, CC)
    assert (error.status, error.code) == (406, "COST_CENTER_ALREADY_EXISTS")
    assert first in error.message


def test_cost_centers_may_share_a_name_by_default(rules: AdminRules) -> None:
    """By default a second cost center with a taken name is made: no page refuses it."""
    first = rules.create_cost_center(CLIENT, CC)
    assert rules.create_cost_center(CLIENT, CC) != first


def test_a_default_cost_center_becomes_the_main_one(state: State, rules: AdminRules) -> None:
    """default: true moves the main cost center: a PATCH without one now assigns it."""
    new_main = rules.create_cost_center(CLIENT, {**CC, "default": True})
    user = state.create_user(CLIENT, user_body())
    state.patch_user(CLIENT, user, {"fullname": "Новое имя"})
    assert state.get_user(CLIENT, user)["cost_centers_id"] == new_main


def test_strict_mode_keeps_the_main_cost_center_default(strict_rules: AdminRules) -> None:
    """Strict: taking default away from the main cost center is a 406 (make another default)."""
    body = {"name": "Main cost center", "default": False, "field_settings": []}
    assert refused(strict_rules.update_cost_center, CLIENT, MAIN_CC, body).status == 406


def test_the_main_cost_center_loses_default_by_default(state: State, rules: AdminRules) -> None:
    """By default the main cost center's default may be taken away, as the update asks."""
    body: Any = {"name": "Main cost center", "default": False, "field_settings": []}
    assert rules.update_cost_center(CLIENT, MAIN_CC, body) == MAIN_CC
    assert state.client(CLIENT).cost_centers[MAIN_CC].default is False


def test_an_unknown_cost_center_update_is_404(rules: AdminRules) -> None:
    """Updating a cost center the client does not have is 404."""
    assert refused(rules.update_cost_center, CLIENT, "missing", CC).status == 404


@pytest.mark.parametrize("missing", ["name", "default", "field_settings"])
def test_every_cost_center_field_is_required(rules: AdminRules, missing: str) -> None:
    """The pages mark name, default and field_settings required."""
    body = {key: value for key, value in CC.items() if key != missing}
    assert refused(rules.create_cost_center, CLIENT, body).extra == {"field": missing}


# --- taxi budget ---------------------------------------------------------------------------------


def test_a_budget_is_set_read_and_cleared(state: State, rules: AdminRules) -> None:
    """A budget reads back (and shows in the department list); null removes it."""
    department = state.add_department(CLIENT, "Продажи")
    assert rules.taxi_budget(CLIENT, department) == {"budget": None}
    rules.set_taxi_budget(CLIENT, department, {"budget": 1000, "period": "quarter"})
    assert rules.taxi_budget(CLIENT, department) == {"budget": 1000, "period": "quarter"}
    listed: Any = state.list_departments(CLIENT, limit=100, offset=0)
    assert listed["items"][0]["limits"]["taxi"] == {"budget": 1000, "period": "quarter"}
    rules.set_taxi_budget(CLIENT, department, {"budget": None})
    assert rules.taxi_budget(CLIENT, department) == {"budget": None}


@pytest.mark.parametrize(
    "body",
    [
        {"budget": -1},
        {"budget": "1000"},
        {"budget": True},
        {},
        {"budget": None, "period": "month"},
        {"budget": 5, "period": "year"},
    ],
)
def test_a_bad_budget_is_400(state: State, rules: AdminRules, body: dict[str, Any]) -> None:
    """budget is a number >= 0 or null; period month or quarter, only with a budget."""
    department = state.add_department(CLIENT, "Продажи")
    assert refused(rules.set_taxi_budget, CLIENT, department, body).status == 400


def test_an_unknown_department_budget_is_404(rules: AdminRules) -> None:
    """Both budget calls answer 404 for an unknown department."""
    assert refused(rules.taxi_budget, CLIENT, "missing").status == 404
    assert refused(rules.set_taxi_budget, CLIENT, "missing", {"budget": 1}).status == 404


# --- manager roles -------------------------------------------------------------------------------


def manager(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "fullname": "Иванов Илья",
        "email": "boss@example.com",
        "phone": "+79990000001",
        "yandex_login": "boss",
        "role": "department_manager",
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def test_a_manager_blocks_archiving_the_department_until_deleted(
    state: State, rules: AdminRules
) -> None:
    """A role attached to a department blocks its archive; deleting the role frees it."""
    department = state.add_department(CLIENT, "Продажи")
    state.add_user(CLIENT, phone="+79990000001")
    role = rules.create_manager(CLIENT, manager(department_id=department))
    assert refused(state.archive_department, CLIENT, department).code == "DEPARTMENT_HAS_ROLES"
    rules.delete_manager(CLIENT, role)
    assert state.archive_department(CLIENT, department) == [department]


def test_a_moved_manager_moves_its_count(state: State, rules: AdminRules) -> None:
    """Updating a role to another department frees the first one."""
    first = state.add_department(CLIENT, "A")
    second = state.add_department(CLIENT, "B")
    state.add_user(CLIENT, phone="+79990000001")
    role = rules.create_manager(CLIENT, manager(department_id=first))
    rules.update_manager(CLIENT, role, manager(department_id=second))
    assert state.archive_department(CLIENT, first) == [first]


def test_a_manager_needs_an_existing_department(state: State, rules: AdminRules) -> None:
    """A department_id the client does not have is 404."""
    assert refused(rules.create_manager, CLIENT, manager(department_id="missing")).status == 404


def test_strict_mode_gives_a_department_role_a_department(
    strict_state: State, strict_rules: AdminRules
) -> None:
    """Strict: a department manager without a department_id is a 400 naming the field."""
    strict_state.add_user(CLIENT, phone="+79990000001")
    error = refused(strict_rules.create_manager, CLIENT, manager())
    assert error.extra == {"field": "department_id"}


def test_a_department_role_without_a_department_is_made_by_default(rules: AdminRules) -> None:
    """By default department_id stays optional, as the create page marks it."""
    role = rules.create_manager(CLIENT, manager())
    assert rules.manager_records(CLIENT)[0].id == role


def test_a_client_manager_needs_no_department(state: State, rules: AdminRules) -> None:
    """A client manager acts for the whole account."""
    state.add_user(CLIENT, phone="+79990000001")
    role = rules.create_manager(CLIENT, manager(role="client_manager"))
    assert rules.manager_records(CLIENT)[0].id == role


def test_strict_mode_gives_roles_to_active_employees_only(
    strict_state: State, strict_rules: AdminRules
) -> None:
    """Strict: no active employee with the role's phone is a 400 EMPLOYEE_NOT_FOUND."""
    department = strict_state.add_department(CLIENT, "Продажи")
    strict_state.add_user(CLIENT, phone="+79990000001", is_deleted=True)
    error = refused(strict_rules.create_manager, CLIENT, manager(department_id=department))
    assert (error.status, error.code) == (400, "EMPLOYEE_NOT_FOUND")


def test_a_role_is_given_to_anyone_by_default(state: State, rules: AdminRules) -> None:
    """By default a role goes to a person who is not an employee: the page does not ask it."""
    department = state.add_department(CLIENT, "Продажи")
    role = rules.create_manager(CLIENT, manager(department_id=department))
    assert rules.manager_records(CLIENT)[0].id == role


def test_strict_mode_gives_a_login_one_role(strict_state: State, strict_rules: AdminRules) -> None:
    """Strict: a second role for the same yandex_login is a 406 naming the first."""
    strict_state.add_user(CLIENT, phone="+79990000001")
    first = strict_rules.create_manager(CLIENT, manager(role="client_manager"))
    error = refused(strict_rules.create_manager, CLIENT, manager(role="client_manager"))
    assert (error.status, error.code) == (406, "MANAGER_ALREADY_EXISTS")
    assert first in error.message


def test_a_login_may_hold_two_roles_by_default(rules: AdminRules) -> None:
    """By default a second role for the same yandex_login is made."""
    first = rules.create_manager(CLIENT, manager(role="client_manager"))
    assert rules.create_manager(CLIENT, manager(role="client_manager")) != first


def test_unknown_managers_are_404(rules: AdminRules) -> None:
    """update and delete of an unknown role are 404."""
    assert refused(rules.update_manager, CLIENT, "missing", manager()).status == 404
    assert refused(rules.delete_manager, CLIENT, "missing").status == 404


def test_the_manager_list_pages_with_a_cursor_and_filters(state: State, rules: AdminRules) -> None:
    """Pages follow next_cursor; roles and department filter; an empty page has no cursor."""
    department = state.add_department(CLIENT, "Продажи")
    for index, role in enumerate(["department_manager", "department_secretary", "client_manager"]):
        phone = f"+7999000001{index}"
        state.add_user(CLIENT, phone=phone)
        extra = {} if role == "client_manager" else {"department_id": department}
        rules.create_manager(
            CLIENT, manager(yandex_login=f"m{index}", role=role, phone=phone, **extra)
        )
    first: Any = rules.list_managers(CLIENT, limit=2, cursor=None)
    second: Any = rules.list_managers(CLIENT, limit=2, cursor=first["next_cursor"])
    last: Any = rules.list_managers(CLIENT, limit=2, cursor=second["next_cursor"])
    logins = [item["yandex_login"] for item in first["items"] + second["items"]]
    assert (logins, last["items"], "next_cursor" in last) == (["m0", "m1", "m2"], [], False)
    only: Any = rules.list_managers(
        CLIENT, limit=10, cursor=None, department_id=department, roles="department_secretary"
    )
    assert [item["yandex_login"] for item in only["items"]] == ["m1"]
    assert refused(rules.list_managers, CLIENT, limit=10, cursor=None, roles="boss").status == 400
    assert refused(rules.list_managers, CLIENT, limit=101, cursor=None).status == 400


# --- spending ------------------------------------------------------------------------------------


def test_spending_reports_each_limit_of_each_known_employee(
    state: State, rules: AdminRules
) -> None:
    """Each employee's limits with what was spent; unknown ids are left out."""
    limit_id = rules.add_limit(CLIENT, "Такси", "taxi", orders_cost="10000")
    user = state.add_user(CLIENT, phone="+79990000001", limits=[("taxi", limit_id)])
    rules.set_spending(CLIENT, user, limit_id, spent="3894", orders_spent=2)
    answer = rules.spending_details(CLIENT, {"user_ids": [user, "missing"]})
    assert answer == {
        "users": [
            {
                "user_id": user,
                "limits": [
                    {
                        "limit_id": limit_id,
                        "service": "taxi",
                        "spending_details": {
                            "spent": "3894",
                            "orders_spent": 2,
                            "orders_cost": "10000",
                        },
                    }
                ],
            }
        ]
    }


def test_spending_takes_at_most_100_ids(rules: AdminRules) -> None:
    """More than 100 ids in one request is a 400."""
    error = refused(rules.spending_details, CLIENT, {"user_ids": [f"u{i}" for i in range(101)]})
    assert error.status == 400


# --- seeding and isolation -----------------------------------------------------------------------


def test_rules_belong_to_one_state(state: State) -> None:
    """Each State has its own rules; clear() forgets the limits."""
    rules = rules_for(state)
    assert rules_for(state) is rules
    assert rules_for(State()) is not rules
    rules.add_limit(CLIENT, "Такси", "taxi")
    rules.clear()
    assert rules.limit_records(CLIENT) == []


def test_seeding_refuses_what_the_api_would(rules: AdminRules) -> None:
    """Seeding a role with a phone not in international format raises SandboxError."""
    with pytest.raises(SandboxError):
        rules.add_manager(CLIENT, yandex_login="x", role="client_manager", phone="89990000009")
