"""The administration routes over HTTP, with a plain aiohttp caller: status codes, JSON bodies
and the query parameters each route takes."""

from __future__ import annotations

from yandex_b2b_async.sandbox.app import ROUTES

from .conftest import Api

API = "/integration/2.0"


def test_every_administration_call_is_served() -> None:
    """Each request of the administration groups in the request index has a route."""
    expected = {
        ("GET", "/limits/search"),
        ("GET", "/limits"),
        ("PUT", "/limits/personal"),
        ("POST", "/cost_centers/create"),
        ("POST", "/cost_centers/update"),
        ("GET", "/departments/limits/taxi"),
        ("POST", "/departments/limits/taxi/update"),
        ("POST", "/managers/create"),
        ("POST", "/managers/update"),
        ("POST", "/managers/delete"),
        ("GET", "/managers/list"),
        ("GET", "/geo_restrictions/list"),
        ("POST", "/geo_restrictions/create"),
        ("POST", "/geo_restrictions/update"),
        ("POST", "/geo_restrictions/delete"),
        ("POST", "/users-spending-details"),
    }
    assert {(method, API + path) for method, path in expected} <= ROUTES


async def test_a_budget_update_answers_an_empty_json_object(api: Api) -> None:
    """The page's "empty 200" is `{}` with a JSON content type."""
    department_id = api.sandbox.add_department("Продажи")
    answer = await api.call(
        "POST",
        "/departments/limits/taxi/update",
        params={"department_id": department_id},
        json={"budget": 1000},
    )
    assert (answer.status, answer.content_type, answer.body) == (200, "application/json", {})


async def test_a_budget_update_needs_a_body(api: Api) -> None:
    """The page says the request needs a body: no body is a 400."""
    department_id = api.sandbox.add_department("Продажи")
    answer = await api.call(
        "POST", "/departments/limits/taxi/update", params={"department_id": department_id}
    )
    assert answer.status == 400


async def test_an_unknown_query_parameter_is_refused(api: Api) -> None:
    """A parameter the search page does not list is a 400 naming it."""
    answer = await api.call("GET", "/limits/search", params={"sort": "title"})
    assert (answer.status, answer.body["extra"]) == (400, {"field": "sort"})


async def test_the_id_in_the_query_is_required(api: Api) -> None:
    """update and delete without ?id= are a 400."""
    answer = await api.call("POST", "/geo_restrictions/delete")
    assert (answer.status, answer.body["extra"]) == (400, {"field": "id"})


async def test_a_limit_search_without_a_limit_gives_100(api: Api) -> None:
    """Without `limit` the search returns the first 100 records."""
    for index in range(101):
        api.sandbox.add_limit(f"Лимит {index}", "taxi")
    answer = await api.call("GET", "/limits/search")
    assert (len(answer.body["items"]), answer.body["total_amount"]) == (100, 101)


async def test_a_manager_list_without_a_limit_gives_10(api: Api) -> None:
    """Without `limit` the managers list returns 10 records, with a cursor to the rest."""
    for index in range(11):
        phone = f"+799900000{index:02d}"
        api.sandbox.add_user(phone=phone)
        api.sandbox.add_manager(yandex_login=f"m{index}", role="client_manager", phone=phone)
    answer = await api.call("GET", "/managers/list")
    assert (len(answer.body["items"]), answer.body["total_amount"]) == (10, 11)
    rest = await api.call("GET", "/managers/list", params={"cursor": answer.body["next_cursor"]})
    assert [item["yandex_login"] for item in rest.body["items"]] == ["m10"]


async def test_a_geo_restriction_create_answers_its_id(api: Api) -> None:
    """POST /geo_restrictions/create answers {"id": …} of the new area."""
    body = {
        "geo": {"center": [37.642639, 55.734894], "radius": 200},
        "geo_type": "circle",
        "name": "Офис 2",
    }
    answer = await api.call("POST", "/geo_restrictions/create", json=body)
    assert answer.status == 200
    assert answer.body == {"id": api.sandbox.geo_restrictions()[0]["id"]}


async def test_reset_forgets_the_administration_data(api: Api) -> None:
    """Sandbox.reset() empties limits, areas and roles too."""
    api.sandbox.add_limit("Такси", "taxi")
    api.sandbox.add_geo_restriction("Офис")
    api.sandbox.reset()
    assert (api.sandbox.limits(), api.sandbox.geo_restrictions()) == ([], [])
