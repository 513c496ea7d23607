"""The HTTP face of the sandbox, with a plain aiohttp session over loopback."""

from __future__ import annotations

import aiohttp
import pytest

from yandex_b2b_async.sandbox import Sandbox

from .conftest import Api, user_body


async def test_create_answers_the_id_as_json(api: Api) -> None:
    """POST /users answers 200 {"id": ...} as application/json."""
    answer = await api.call("POST", "/users", json=user_body())
    assert (answer.status, answer.content_type) == (200, "application/json")
    assert answer.body == {"id": api.sandbox.users()[0]["id"]}


async def test_missing_token_is_401(api: Api) -> None:
    """No Authorization header is a 401 with the JSON error body."""
    answer = await api.call("POST", "/users", json=user_body(), token=None)
    assert (answer.status, answer.body["code"]) == (401, "UNAUTHORIZED")


@pytest.mark.parametrize("header", ["sandbox-token-wrong", "OAuth {token}", "{token}"])
async def test_bad_authorization_is_401(api: Api, header: str) -> None:
    """An unknown token, or a right one without the Bearer scheme, is a 401."""
    raw = header.format(token=api.sandbox.token)
    async with api.session.get(
        f"{api.sandbox.url}/integration/2.0/users", headers={"Authorization": raw}
    ) as resp:
        assert resp.status == 401


async def test_multi_client_token_without_header_is_403(api: Api) -> None:
    """A token reaching two clients without the header: 403 SELECT_CLIENT_HEADER_REQUIRED."""
    other = api.sandbox.add_client("Other")
    token = api.sandbox.add_token([api.sandbox.client_id, other])
    answer = await api.call("GET", "/users", token=token)
    assert (answer.status, answer.body["code"]) == (403, "SELECT_CLIENT_HEADER_REQUIRED")


async def test_multi_client_token_with_header_acts_for_that_client(api: Api) -> None:
    """With the header, the create lands in the client it names."""
    other = api.sandbox.add_client("Other")
    token = api.sandbox.add_token([api.sandbox.client_id, other])
    answer = await api.call("POST", "/users", json=user_body(), token=token, client_id=other)
    assert answer.status == 200
    assert [u["id"] for u in api.sandbox.users(other)] == [answer.body["id"]]
    assert api.sandbox.users() == []


async def test_header_naming_an_unreachable_client_is_403(api: Api) -> None:
    """A header naming another client: 403 SELECTED_CLIENT_ACCESS_DENIED."""
    other = api.sandbox.add_client("Other")
    answer = await api.call("GET", "/users", client_id=other)
    assert (answer.status, answer.body["code"]) == (403, "SELECTED_CLIENT_ACCESS_DENIED")


async def test_header_naming_the_tokens_only_client_is_fine(api: Api) -> None:
    """The header may name the single client the token reaches."""
    answer = await api.call("GET", "/users", client_id=api.sandbox.client_id)
    assert answer.status == 200


@pytest.mark.parametrize("raw", [b"", b"{", b"not json", b'{"a": NaN}', b"\xff\xfe"])
async def test_body_that_is_not_json_is_400(api: Api, raw: bytes) -> None:
    """An empty, truncated or non-JSON body is a 400 INVALID_JSON."""
    answer = await api.call("POST", "/users", data=raw)
    assert (answer.status, answer.body["code"]) == (400, "INVALID_JSON")


async def test_json_array_body_is_400(api: Api) -> None:
    """A JSON body that is not an object is a 400."""
    answer = await api.call("POST", "/users", json=[user_body()])
    assert (answer.status, answer.body["code"]) == (400, "INVALID_JSON")


async def test_validation_error_names_the_field(api: Api) -> None:
    """A bad value is a 400 whose extra names the field."""
    answer = await api.call("POST", "/users", json=user_body(is_active=1))
    assert answer.status == 400
    assert answer.body["extra"] == {"field": "is_active"}
    assert set(answer.body) == {"code", "message", "extra"}


async def test_conflict_is_406_with_the_conflicting_user(api: Api) -> None:
    """A phone held by an active employee is a 406 USER_ALREADY_EXISTS naming that employee."""
    first = await api.call("POST", "/users", json=user_body())
    answer = await api.call("POST", "/users", json=user_body())
    assert answer.status == 406
    assert answer.body == {
        "code": "USER_ALREADY_EXISTS",
        "message": "an active employee already has this phone",
        "extra": {"conflict_user_id": first.body["id"], "field": "phone"},
    }


async def test_archived_phone_is_the_documented_user_is_deleted_error(api: Api) -> None:
    """Creating with an archived employee's phone answers the create page's example body."""
    first = await api.call("POST", "/users", json=user_body())
    await api.call("POST", "/users/archive", params={"user_id": first.body["id"]})
    answer = await api.call("POST", "/users", json=user_body())
    assert (answer.status, answer.body) == (
        400,
        {
            "code": "USER_IS_DELETED_ERROR",
            "message": "user is deleted",
            "extra": {"conflict_user_id": first.body["id"]},
        },
    )


async def test_edits_and_archive_answer_status_ok(api: Api) -> None:
    """PUT, PATCH and archive each answer {"status": "OK"}."""
    user_id = (await api.call("POST", "/users", json=user_body())).body["id"]
    params = {"user_id": user_id}
    put = await api.call("PUT", "/users", params=params, json=user_body(fullname="B"))
    patch = await api.call("PATCH", "/users", params=params, json={"nickname": "b"})
    archive = await api.call("POST", "/users/archive", params=params)
    assert [a.body for a in (put, patch, archive)] == [{"status": "OK"}] * 3
    assert api.sandbox.user(user_id)["is_deleted"] is True


async def test_restore_over_http(api: Api) -> None:
    """PATCH with is_deleted: false restores an archived employee."""
    user_id = api.sandbox.add_user(phone="+79990000000", is_deleted=True)
    answer = await api.call(
        "PATCH", "/users", params={"user_id": user_id}, json={"is_deleted": False}
    )
    assert answer.status == 200
    assert api.sandbox.user(user_id)["is_deleted"] is False


async def test_get_one_employee(api: Api) -> None:
    """GET /users?user_id= answers the employee, archived ones too."""
    user_id = api.sandbox.add_user(phone="+79990000000", fullname="A", is_deleted=True)
    answer = await api.call("GET", "/users", params={"user_id": user_id})
    assert answer.status == 200
    assert (answer.body["id"], answer.body["fullname"], answer.body["is_deleted"]) == (
        user_id,
        "A",
        True,
    )


async def test_unknown_user_is_404(api: Api) -> None:
    """An unknown user_id is a 404 NOT_FOUND for reads, edits and archive."""
    params = {"user_id": "0" * 32}
    answers = [
        await api.call("GET", "/users", params=params),
        await api.call("PATCH", "/users", params=params, json={}),
        await api.call("POST", "/users/archive", params=params),
    ]
    assert [(a.status, a.body["code"]) for a in answers] == [(404, "NOT_FOUND")] * 3


async def test_missing_user_id_is_400(api: Api) -> None:
    """An edit without user_id is a 400 naming the parameter."""
    answer = await api.call("PATCH", "/users", json={})
    assert (answer.status, answer.body["extra"]) == (400, {"field": "user_id"})


async def test_unknown_query_parameter_is_400(api: Api) -> None:
    """A query parameter the endpoint does not take is a 400."""
    answer = await api.call("GET", "/users", params={"userId": "x"})
    assert (answer.status, answer.body["extra"]) == (400, {"field": "userId"})


async def test_list_defaults_to_100_and_follows_cursors(api: Api) -> None:
    """Without limit a page holds 100; next_cursor leads to the rest, then to an empty page."""
    for i in range(130):
        api.sandbox.add_user(phone=f"+7999{i:07d}")
    first = await api.call("GET", "/users")
    assert (len(first.body["items"]), first.body["limit"], first.body["total_amount"]) == (
        100,
        100,
        130,
    )
    second = await api.call("GET", "/users", params={"cursor": first.body["next_cursor"]})
    last = await api.call("GET", "/users", params={"cursor": second.body["next_cursor"]})
    assert len(second.body["items"]) == 30
    assert (last.body["items"], "next_cursor" in last.body) == ([], False)
    phones = [u["phone"] for u in first.body["items"] + second.body["items"]]
    assert phones == [f"+7999{i:07d}" for i in range(130)]


@pytest.mark.parametrize("params", [{"cursor": "bogus"}, {"limit": "0"}, {"limit": "-1"}])
async def test_bad_list_parameters_are_400(api: Api, params: dict[str, str]) -> None:
    """An invalid cursor or a limit that is not a positive integer is a 400."""
    assert (await api.call("GET", "/users", params=params)).status == 400


async def test_search_by_phone(api: Api) -> None:
    """POST /users/by_phone answers every employee with the phone in items."""
    archived = api.sandbox.add_user(phone="+79990000000", is_deleted=True)
    answer = await api.call("POST", "/users/by_phone", json={"phone": "+79990000000"})
    assert [u["id"] for u in answer.body["items"]] == [archived]


async def test_department_create_answers_underscore_id(api: Api) -> None:
    """POST /departments/create answers {"_id": ...} as its page says."""
    answer = await api.call("POST", "/departments/create", json={"parent_id": None, "name": "A"})
    assert answer.status == 200
    assert answer.body == {"_id": api.sandbox.departments()[0]["id"]}


async def test_department_update_answers_an_empty_200(api: Api) -> None:
    """PUT /departments/update answers the page's "empty 200" as `{}` with a JSON content type
    (Yandex's SDK reads every answer as JSON)."""
    department_id = api.sandbox.add_department("A")
    answer = await api.call(
        "PUT", "/departments/update", params={"department_id": department_id}, json={"name": "B"}
    )
    assert (answer.status, answer.content_type, answer.body) == (200, "application/json", {})
    assert api.sandbox.departments()[0]["name"] == "B"


async def test_department_cycle_is_409(api: Api) -> None:
    """Moving a department under its own child is a 409."""
    parent = api.sandbox.add_department("A")
    child = api.sandbox.add_department("B", parent_id=parent)
    answer = await api.call(
        "PUT", "/departments/update", params={"department_id": parent}, json={"parent_id": child}
    )
    assert (answer.status, answer.body["code"]) == (409, "CYCLIC_HIERARCHY")


async def test_department_archive_answers_deleted_ids(api: Api) -> None:
    """POST /departments/archive answers every removed id, and the list no longer shows them."""
    parent = api.sandbox.add_department("Sales")
    child = api.sandbox.add_department("Sales EU", parent_id=parent)
    answer = await api.call("POST", "/departments/archive", params={"department_id": parent})
    assert answer.body == {"deleted_ids": [parent, child]}
    listed = await api.call("GET", "/departments/list")
    assert listed.body == {"items": [], "limit": 100, "offset": 0, "total_amount": 0}


async def test_department_with_roles_is_not_archived(api: Api) -> None:
    """A department with a manager attached is a 400 DEPARTMENT_HAS_ROLES."""
    parent = api.sandbox.add_department("Sales")
    api.sandbox.add_department("Sales EU", parent_id=parent, with_roles=True)
    answer = await api.call("POST", "/departments/archive", params={"department_id": parent})
    assert (answer.status, answer.body["code"]) == (400, "DEPARTMENT_HAS_ROLES")
    assert len(api.sandbox.departments()) == 2


async def test_unknown_department_archive_is_404(api: Api) -> None:
    """Archiving a department that does not exist is a 404."""
    answer = await api.call("POST", "/departments/archive", params={"department_id": "nope"})
    assert answer.status == 404


async def test_department_list_pages_by_offset(api: Api) -> None:
    """limit and offset page the department list."""
    for name in "ABC":
        api.sandbox.add_department(name)
    answer = await api.call("GET", "/departments/list", params={"limit": "1", "offset": "2"})
    assert [d["name"] for d in answer.body["items"]] == ["C"]
    assert (answer.body["limit"], answer.body["offset"], answer.body["total_amount"]) == (1, 2, 3)


async def test_cost_centers_list(api: Api) -> None:
    """GET /cost_centers/list shows the main cost center as default."""
    answer = await api.call("GET", "/cost_centers/list")
    assert [(c["id"], c["default"]) for c in answer.body["items"]] == [
        (api.sandbox.cost_center_id, True)
    ]


async def test_auth_list(api: Api) -> None:
    """GET /auth/list names the token's client."""
    answer = await api.call("GET", "/auth/list")
    assert answer.body == {
        "clients": [
            {"client_id": api.sandbox.client_id, "name": "Sandbox client", "role": "client"}
        ]
    }


async def test_unknown_path_is_a_json_404(api: Api) -> None:
    """A path the API does not have is a 404 with the JSON error body."""
    answer = await api.call("GET", "/orders/list")
    assert (answer.status, answer.content_type, answer.body["code"]) == (
        404,
        "application/json",
        "NOT_FOUND",
    )


async def test_wrong_method_is_a_json_405(api: Api) -> None:
    """A known path with a method it does not take is a 405 with the JSON error body."""
    answer = await api.call("DELETE", "/users")
    assert (answer.status, answer.body["code"]) == (405, "METHOD_NOT_ALLOWED")


@pytest.mark.parametrize("strict", [False, True])
async def test_strict_mode_over_http(strict: bool) -> None:
    """Sandbox(strict=True) refuses an unknown cost center; the default learns it."""
    async with Sandbox(strict=strict) as sandbox, aiohttp.ClientSession() as session:
        api = Api(session=session, sandbox=sandbox)
        answer = await api.call("POST", "/users", json=user_body(cost_centers_id="cc-unknown"))
    assert answer.status == (400 if strict else 200)
