"""The API's rules, on the state alone (no socket)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from yandex_b2b_async.sandbox import ApiError, SandboxError, State
from yandex_b2b_async.sandbox.state import JSONObject

from .conftest import CLIENT, MAIN_CC, OTHER_CLIENT, user_body


def items(page: JSONObject) -> list[dict[str, Any]]:
    """The `items` of a page, loosely typed for assertions."""
    found: Any = page["items"]
    return list(found)


def ids(page: JSONObject) -> list[str]:
    """The ids of a page's items."""
    return [item["id"] for item in items(page)]


def departments(state: State) -> list[dict[str, Any]]:
    """The client's departments as the list shows them."""
    return items(state.list_departments(CLIENT, limit=100, offset=0))


def refused(call: Any, *args: Any, **kwargs: Any) -> ApiError:
    """The ApiError `call(*args, **kwargs)` raises (the test fails when it raises none)."""
    with pytest.raises(ApiError) as info:
        call(*args, **kwargs)
    return info.value


# --- create ------------------------------------------------------------------------------------


def test_create_returns_a_32_hex_id(state: State) -> None:
    """A create answers an id shaped like the API's: 32 lowercase hex characters."""
    user_id = state.create_user(CLIENT, user_body())
    assert re.fullmatch(r"[0-9a-f]{32}", user_id)


def test_created_employee_reads_back_as_sent(state: State) -> None:
    """What was created is what GET shows, with the client id and not archived."""
    body = user_body(
        email="ilya@example.com",
        nickname="IIlya",
        limits=[{"limit_id": "lim-taxi", "service": "taxi"}],
    )
    user_id = state.create_user(CLIENT, body)
    shown = state.get_user(CLIENT, user_id)
    assert shown == {
        **body,
        "id": user_id,
        "client_id": CLIENT,
        "is_deleted": False,
        "cost_center": "Main cost center",
    }


def test_optional_fields_never_set_are_left_out(state: State) -> None:
    """An employee created without email, nickname or department shows none of them."""
    shown = state.get_user(CLIENT, state.create_user(CLIENT, user_body()))
    assert not {"email", "nickname", "department_id"} & shown.keys()


def test_fullname_may_be_empty(state: State) -> None:
    """An empty full name is accepted, as the create page says."""
    user_id = state.create_user(CLIENT, user_body(fullname=""))
    assert state.get_user(CLIENT, user_id)["fullname"] == ""


@pytest.mark.parametrize("field", ["fullname", "phone", "is_active", "cost_centers_id"])
def test_create_without_a_required_field_is_refused(state: State, field: str) -> None:
    """Each required create field missing is a 400 naming it."""
    error = refused(state.create_user, CLIENT, user_body(**{field: ...}))
    assert (error.status, error.code, error.extra) == (400, "VALIDATION_ERROR", {"field": field})


def test_unknown_field_is_refused(state: State) -> None:
    """A field the create page does not list is a 400 naming it."""
    error = refused(state.create_user, CLIENT, user_body(is_deleted=False))
    assert (error.status, error.extra) == (400, {"field": "is_deleted"})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("is_active", 1),
        ("is_active", "true"),
        ("phone", 79990000000),
        ("fullname", None),
        ("cost_centers_id", 5),
        ("email", None),
        ("nickname", 7),
        ("department_id", None),
        ("limits", {"taxi": "lim"}),
        ("limits", ["lim"]),
    ],
)
def test_wrong_json_type_is_refused(state: State, field: str, value: Any) -> None:
    """A value of the wrong JSON type (1 is not a boolean, null is not a string) is a 400."""
    error = refused(state.create_user, CLIENT, user_body(**{field: value}))
    assert (error.status, error.extra) == (400, {"field": field})


@pytest.mark.parametrize(
    "phone",
    ["89990000000", "79990000000", "+7 999 000 00 00", "+7999abc0000", "+", "", "+٧٩٩٩٠٠٠٠٠٠٠"],
)
def test_phone_not_in_international_format_is_refused(state: State, phone: str) -> None:
    """A phone must be "+" and ASCII digits with the country code."""
    error = refused(state.create_user, CLIENT, user_body(phone=phone))
    assert (error.status, error.extra) == (400, {"field": "phone"})


@pytest.mark.parametrize("email", ["", "ilya", "ilya@", "@example.com", "ilya@example", "a b@x.ru"])
def test_malformed_email_is_refused(state: State, email: str) -> None:
    """An email that is not an address is a 400."""
    error = refused(state.create_user, CLIENT, user_body(email=email))
    assert (error.status, error.extra) == (400, {"field": "email"})


def test_cost_center_id_must_not_be_empty(state: State) -> None:
    """An empty cost_centers_id is refused even in lenient mode."""
    error = refused(state.create_user, CLIENT, user_body(cost_centers_id=""))
    assert (error.status, error.extra) == (400, {"field": "cost_centers_id"})


@pytest.mark.parametrize(
    "limits",
    [
        [{"limit_id": "lim", "service": "hotels"}],
        [{"limit_id": "lim"}],
        [{"service": "taxi"}],
        [{"limit_id": "", "service": "taxi"}],
        [{"limit_id": "lim", "service": "taxi", "budget": 5}],
        [{"limit_id": "a", "service": "taxi"}, {"limit_id": "b", "service": "taxi"}],
        ["taxi"],
    ],
)
def test_malformed_limits_are_refused(state: State, limits: list[Any]) -> None:
    """Limits need a known service and a limit id each, nothing else, one per service."""
    error = refused(state.create_user, CLIENT, user_body(limits=limits))
    assert (error.status, error.extra) == (400, {"field": "limits"})


def test_every_documented_service_is_accepted(state: State) -> None:
    """All eight services the pages list are accepted in limits."""
    services = ["taxi", "eats2", "grocery", "drive", "tanker", "cargo", "travel", "scooters"]
    limits = [{"limit_id": f"lim-{s}", "service": s} for s in services]
    user_id = state.create_user(CLIENT, user_body(limits=limits))
    assert state.get_user(CLIENT, user_id)["limits"] == limits


@pytest.mark.parametrize("body", [[], "text", None, 5])
def test_body_that_is_not_an_object_is_refused(state: State, body: Any) -> None:
    """A JSON body that is not an object is a 400 INVALID_JSON."""
    error = refused(state.create_user, CLIENT, body)
    assert (error.status, error.code) == (400, "INVALID_JSON")


def test_unknown_department_is_refused(state: State) -> None:
    """A department_id the client does not have is a 400."""
    error = refused(state.create_user, CLIENT, user_body(department_id="nope"))
    assert (error.status, error.extra) == (400, {"field": "department_id"})


def test_another_clients_department_is_refused(state: State) -> None:
    """A department of another client does not exist for this one."""
    department_id = state.add_department(OTHER_CLIENT, "Sales")
    error = refused(state.create_user, CLIENT, user_body(department_id=department_id))
    assert error.status == 400


def test_existing_department_is_accepted(state: State) -> None:
    """An employee may be created in one of the client's departments."""
    department_id = state.add_department(CLIENT, "Sales")
    user_id = state.create_user(CLIENT, user_body(department_id=department_id))
    assert state.get_user(CLIENT, user_id)["department_id"] == department_id


def test_lenient_mode_learns_an_unknown_cost_center(state: State) -> None:
    """By default an unknown cost_centers_id is accepted and becomes a cost center."""
    state.create_user(CLIENT, user_body(cost_centers_id="cc-from-a-sample-file"))
    listed = state.list_cost_centers(CLIENT, limit=100, offset=0)
    assert ids(listed) == [MAIN_CC, "cc-from-a-sample-file"]


def test_strict_mode_refuses_an_unknown_cost_center(state: State) -> None:
    """With strict=True an unknown cost_centers_id is a 400, as the real API answers."""
    state.strict = True
    error = refused(state.create_user, CLIENT, user_body(cost_centers_id="cc-unknown"))
    assert (error.status, error.extra) == (400, {"field": "cost_centers_id"})


def test_strict_mode_accepts_a_known_cost_center(state: State) -> None:
    """With strict=True a cost center the client has is accepted."""
    state.strict = True
    other = state.add_cost_center(CLIENT, name="Trips")
    user_id = state.create_user(CLIENT, user_body(cost_centers_id=other))
    assert state.get_user(CLIENT, user_id)["cost_centers_id"] == other


# --- uniqueness --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "first", "second"),
    [
        ("phone", {}, {}),
        ("email", {"email": "a@example.com"}, {"phone": "+79990000001", "email": "a@example.com"}),
        ("nickname", {"nickname": "IIlya"}, {"phone": "+79990000001", "nickname": "IIlya"}),
    ],
)
def test_conflict_with_an_active_employee_is_406(
    state: State, field: str, first: dict[str, str], second: dict[str, str]
) -> None:
    """A phone, email or nickname held by an active employee is a 406 naming both."""
    holder = state.create_user(CLIENT, user_body(**first))
    error = refused(state.create_user, CLIENT, user_body(**second))
    assert (error.status, error.code) == (406, "USER_ALREADY_EXISTS")
    assert error.extra == {"conflict_user_id": holder, "field": field}


def test_strict_mode_takes_emails_differing_in_case_as_one(strict_state: State) -> None:
    """Strict: an email held by an active employee in another case is a 406 too."""
    holder = strict_state.create_user(CLIENT, user_body(email="a@example.com"))
    second = user_body(phone="+79990000001", email="A@Example.com")
    error = refused(strict_state.create_user, CLIENT, second)
    assert error.extra == {"conflict_user_id": holder, "field": "email"}


def test_emails_differing_in_case_are_two_by_default(state: State) -> None:
    """By default an email in another case is another address: the page compares them as sent."""
    state.create_user(CLIENT, user_body(email="a@example.com"))
    second = state.create_user(CLIENT, user_body(phone="+79990000001", email="A@Example.com"))
    assert state.get_user(CLIENT, second)["email"] == "A@Example.com"


def test_phone_of_an_archived_employee_is_user_is_deleted_error(state: State) -> None:
    """A create with an archived employee's phone is the documented 400 USER_IS_DELETED_ERROR."""
    holder = state.create_user(CLIENT, user_body())
    state.archive_user(CLIENT, holder)
    error = refused(state.create_user, CLIENT, user_body(fullname="Someone else"))
    assert error.status == 400
    assert error.body() == {
        "code": "USER_IS_DELETED_ERROR",
        "message": "user is deleted",
        "extra": {"conflict_user_id": holder},
    }


@pytest.mark.parametrize("field", [{"email": "a@example.com"}, {"nickname": "IIlya"}])
def test_email_or_nickname_of_an_archived_employee_does_not_block(
    state: State, field: dict[str, str]
) -> None:
    """Only active employees hold an email or nickname."""
    state.archive_user(CLIENT, state.create_user(CLIENT, user_body(**field)))
    state.create_user(CLIENT, user_body(phone="+79990000001", **field))


def test_uniqueness_is_per_client(state: State) -> None:
    """The same phone, email and nickname may exist in two clients."""
    body = user_body(email="a@example.com", nickname="IIlya")
    state.create_user(CLIENT, body)
    state.create_user(OTHER_CLIENT, body)


def test_empty_nickname_is_no_nickname(state: State) -> None:
    """Two employees with an empty nickname do not collide."""
    state.create_user(CLIENT, user_body(nickname=""))
    state.create_user(CLIENT, user_body(phone="+79990000001", nickname=""))


# --- archive and restore -----------------------------------------------------------------------


def test_archive_marks_the_employee_deleted_and_inactive(state: State) -> None:
    """An archived employee reads back is_deleted and, being deleted, not active."""
    user_id = state.create_user(CLIENT, user_body())
    state.archive_user(CLIENT, user_id)
    shown = state.get_user(CLIENT, user_id)
    assert (shown["is_deleted"], shown["is_active"]) == (True, False)


def test_archiving_twice_is_a_no_op(state: State) -> None:
    """Archiving an archived employee succeeds and changes nothing (safe to retry)."""
    user_id = state.create_user(CLIENT, user_body())
    state.archive_user(CLIENT, user_id)
    before = state.get_user(CLIENT, user_id)
    state.archive_user(CLIENT, user_id)
    assert state.get_user(CLIENT, user_id) == before


def test_unknown_user_is_404(state: State) -> None:
    """Archiving, reading or editing an unknown id is a 404 NOT_FOUND."""
    for call in (state.archive_user, state.get_user):
        error = refused(call, CLIENT, "0" * 32)
        assert (error.status, error.code) == (404, "NOT_FOUND")
    assert refused(state.patch_user, CLIENT, "0" * 32, {}).status == 404
    assert refused(state.put_user, CLIENT, "0" * 32, user_body()).status == 404


def test_another_clients_user_is_404(state: State) -> None:
    """An employee of another client is not found."""
    user_id = state.create_user(OTHER_CLIENT, user_body())
    assert refused(state.get_user, CLIENT, user_id).status == 404
    assert refused(state.archive_user, CLIENT, user_id).status == 404


@pytest.mark.parametrize("method", ["put", "patch"])
def test_edit_with_is_deleted_false_restores(state: State, method: str) -> None:
    """PUT or PATCH with is_deleted: false brings an archived employee back."""
    user_id = state.create_user(CLIENT, user_body())
    state.archive_user(CLIENT, user_id)
    body = user_body(is_deleted=False) if method == "put" else {"is_deleted": False}
    getattr(state, f"{method}_user")(CLIENT, user_id, body)
    assert state.get_user(CLIENT, user_id)["is_deleted"] is False


def test_restore_with_new_data_applies_it(state: State) -> None:
    """A restore may carry new data, which the restored employee then has."""
    user_id = state.create_user(CLIENT, user_body())
    state.archive_user(CLIENT, user_id)
    state.patch_user(
        CLIENT, user_id, {"is_deleted": False, "fullname": "New name", "is_active": True}
    )
    shown = state.get_user(CLIENT, user_id)
    assert (shown["fullname"], shown["is_active"], shown["is_deleted"]) == ("New name", True, False)


def test_restore_without_is_active_leaves_the_employee_inactive(state: State) -> None:
    """Archiving made the employee inactive; a restore that does not say is_active keeps that."""
    user_id = state.create_user(CLIENT, user_body())
    state.archive_user(CLIENT, user_id)
    state.patch_user(CLIENT, user_id, {"is_deleted": False})
    assert state.get_user(CLIENT, user_id)["is_active"] is False


def test_restored_employee_holds_its_phone_again(state: State) -> None:
    """After a restore, a create with the phone is a 406 again, not USER_IS_DELETED_ERROR."""
    user_id = state.create_user(CLIENT, user_body())
    state.archive_user(CLIENT, user_id)
    state.patch_user(CLIENT, user_id, {"is_deleted": False})
    assert refused(state.create_user, CLIENT, user_body()).status == 406


def test_restore_colliding_with_an_active_employee_is_406(state: State) -> None:
    """A restore is refused when another active employee now holds the phone."""
    archived = state.add_user(CLIENT, phone="+79990000000", is_deleted=True)
    active = state.add_user(CLIENT, phone="+79990000000")
    error = refused(state.patch_user, CLIENT, archived, {"is_deleted": False})
    assert (error.status, error.extra) == (406, {"conflict_user_id": active, "field": "phone"})
    assert state.get_user(CLIENT, archived)["is_deleted"] is True


@pytest.mark.parametrize("method", ["put", "patch"])
def test_edit_with_is_deleted_true_archives(state: State, method: str) -> None:
    """PUT or PATCH with is_deleted: true archives the employee."""
    user_id = state.create_user(CLIENT, user_body())
    body = user_body(is_deleted=True) if method == "put" else {"is_deleted": True}
    getattr(state, f"{method}_user")(CLIENT, user_id, body)
    assert state.get_user(CLIENT, user_id)["is_deleted"] is True
    with pytest.raises(ApiError, match="USER_IS_DELETED_ERROR"):
        state.create_user(CLIENT, user_body())


# --- PUT and PATCH -----------------------------------------------------------------------------


def test_put_replaces_the_record_and_clears_optional_fields_left_out(state: State) -> None:
    """PUT is a full update: optional fields it leaves out are gone afterwards."""
    department_id = state.add_department(CLIENT, "Sales")
    user_id = state.create_user(
        CLIENT,
        user_body(
            email="a@example.com",
            nickname="IIlya",
            department_id=department_id,
            limits=[{"limit_id": "lim", "service": "taxi"}],
        ),
    )
    state.put_user(CLIENT, user_id, user_body(fullname="Renamed", is_active=False))
    shown = state.get_user(CLIENT, user_id)
    assert (shown["fullname"], shown["is_active"], shown["limits"]) == ("Renamed", False, [])
    assert not {"email", "nickname", "department_id"} & shown.keys()


@pytest.mark.parametrize("field", ["fullname", "phone", "is_active", "cost_centers_id"])
def test_put_without_a_required_field_is_refused(state: State, field: str) -> None:
    """PUT requires the same fields as create."""
    user_id = state.create_user(CLIENT, user_body())
    error = refused(state.put_user, CLIENT, user_id, user_body(**{field: ...}))
    assert (error.status, error.extra) == (400, {"field": field})


def test_put_leaves_is_deleted_alone_when_not_given(state: State) -> None:
    """A PUT without is_deleted does not restore an archived employee."""
    user_id = state.create_user(CLIENT, user_body())
    state.archive_user(CLIENT, user_id)
    state.put_user(CLIENT, user_id, user_body(fullname="Still archived"))
    assert state.get_user(CLIENT, user_id)["is_deleted"] is True


def test_patch_changes_only_the_fields_given(state: State) -> None:
    """PATCH keeps every field it does not name (cost center aside, see below)."""
    user_id = state.create_user(CLIENT, user_body(email="a@example.com", nickname="IIlya"))
    state.patch_user(CLIENT, user_id, {"nickname": "Ilya2", "cost_centers_id": MAIN_CC})
    shown = state.get_user(CLIENT, user_id)
    assert (shown["nickname"], shown["email"], shown["fullname"]) == (
        "Ilya2",
        "a@example.com",
        "Ilya Ivanov",
    )


def test_patch_without_cost_center_assigns_the_main_one(state: State) -> None:
    """As the PATCH page says, a PATCH without cost_centers_id resets it to the main one."""
    other = state.add_cost_center(CLIENT, name="Trips")
    user_id = state.create_user(CLIENT, user_body(cost_centers_id=other))
    state.patch_user(CLIENT, user_id, {"fullname": "Renamed"})
    assert state.get_user(CLIENT, user_id)["cost_centers_id"] == MAIN_CC


def test_patch_with_cost_center_keeps_it(state: State) -> None:
    """A PATCH naming the cost center keeps it."""
    other = state.add_cost_center(CLIENT, name="Trips")
    user_id = state.create_user(CLIENT, user_body(cost_centers_id=other))
    state.patch_user(CLIENT, user_id, {"fullname": "Renamed", "cost_centers_id": other})
    assert state.get_user(CLIENT, user_id)["cost_centers_id"] == other


def test_patch_validates_what_it_is_given(state: State) -> None:
    """PATCH refuses unknown fields and bad values like create does."""
    user_id = state.create_user(CLIENT, user_body())
    assert refused(state.patch_user, CLIENT, user_id, {"phone": "8999"}).status == 400
    assert refused(state.patch_user, CLIENT, user_id, {"login": "x"}).status == 400
    assert refused(state.patch_user, CLIENT, user_id, {"is_deleted": 0}).status == 400


def test_edit_colliding_with_another_active_employee_is_406(state: State) -> None:
    """Taking another active employee's nickname by PATCH is a 406."""
    holder = state.create_user(CLIENT, user_body(nickname="taken"))
    user_id = state.create_user(CLIENT, user_body(phone="+79990000001"))
    error = refused(state.patch_user, CLIENT, user_id, {"nickname": "taken"})
    assert error.extra == {"conflict_user_id": holder, "field": "nickname"}


def test_edit_keeping_its_own_values_is_no_conflict(state: State) -> None:
    """An employee does not collide with itself."""
    user_id = state.create_user(CLIENT, user_body(email="a@example.com", nickname="IIlya"))
    state.put_user(CLIENT, user_id, user_body(email="a@example.com", nickname="IIlya"))


def test_phone_changed_away_is_free_for_others(state: State) -> None:
    """After an employee's phone changes, the old one may be used by a new employee."""
    user_id = state.create_user(CLIENT, user_body())
    state.patch_user(CLIENT, user_id, {"phone": "+79990000009"})
    state.create_user(CLIENT, user_body())
    assert ids(state.users_by_phone(CLIENT, {"phone": "+79990000009"})) == [user_id]


def test_failed_edit_changes_nothing(state: State) -> None:
    """An edit refused for a conflict leaves the employee as it was."""
    state.create_user(CLIENT, user_body(nickname="taken"))
    user_id = state.create_user(CLIENT, user_body(phone="+79990000001"))
    before = state.get_user(CLIENT, user_id)
    refused(state.patch_user, CLIENT, user_id, {"fullname": "X", "nickname": "taken"})
    assert state.get_user(CLIENT, user_id) == before


# --- reading -----------------------------------------------------------------------------------


def test_list_pages_follow_creation_order_with_cursors(state: State) -> None:
    """Pages come in creation order, and next_cursor leads through all, archived included."""
    created = [state.create_user(CLIENT, user_body(phone=f"+7999000000{i}")) for i in range(5)]
    state.archive_user(CLIENT, created[1])
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = state.list_users(CLIENT, limit=2, cursor=cursor)
        assert page["total_amount"] == 5
        seen += ids(page)
        if "next_cursor" not in page:
            assert page["items"] == []
            break
        cursor = str(page["next_cursor"])
    assert seen == created


def test_list_page_names_its_own_cursor_and_limit(state: State) -> None:
    """A page carries the cursor it was asked with and its limit."""
    state.create_user(CLIENT, user_body())
    first = state.list_users(CLIENT, limit=1, cursor=None)
    second = state.list_users(CLIENT, limit=1, cursor=str(first["next_cursor"]))
    assert (second["cursor"], second["limit"]) == (first["next_cursor"], 1)


def test_empty_client_lists_an_empty_page_without_next_cursor(state: State) -> None:
    """No employees: no items, total 0, no next_cursor."""
    page = state.list_users(CLIENT, limit=100, cursor=None)
    assert (page["items"], page["total_amount"], "next_cursor" in page) == ([], 0, False)


@pytest.mark.parametrize("cursor", ["", "garbage", "djEgOTk5", "!!!"])
def test_invalid_cursor_is_refused(state: State, cursor: str) -> None:
    """A cursor the sandbox did not hand out (or beyond the end) is a 400."""
    error = refused(state.list_users, CLIENT, limit=10, cursor=cursor)
    assert (error.status, error.extra) == (400, {"field": "cursor"})


def test_another_clients_cursor_is_refused(state: State) -> None:
    """A cursor is bound to the client that received it."""
    state.create_user(OTHER_CLIENT, user_body())
    cursor = state.list_users(OTHER_CLIENT, limit=1, cursor=None)["next_cursor"]
    assert refused(state.list_users, CLIENT, limit=1, cursor=cursor).status == 400


def test_list_limit_must_be_positive(state: State) -> None:
    """limit=0 is a 400."""
    assert refused(state.list_users, CLIENT, limit=0, cursor=None).status == 400


def test_search_by_phone_finds_archived_employees_too(state: State) -> None:
    """Search by phone answers every employee with it, archived ones included."""
    old = state.add_user(CLIENT, phone="+79990000000", is_deleted=True)
    new = state.add_user(CLIENT, phone="+79990000000")
    state.add_user(CLIENT, phone="+79990000001")
    found = items(state.users_by_phone(CLIENT, {"phone": "+79990000000"}))
    assert [(u["id"], u["is_deleted"]) for u in found] == [(old, True), (new, False)]


def test_search_by_phone_validates_its_body(state: State) -> None:
    """Search by phone needs exactly a phone in international format."""
    assert refused(state.users_by_phone, CLIENT, {"phone": "8999"}).status == 400
    assert refused(state.users_by_phone, CLIENT, {}).status == 400
    assert refused(state.users_by_phone, CLIENT, {"phone": "+79990000000", "x": 1}).status == 400


# --- authorization -----------------------------------------------------------------------------


def test_missing_or_unknown_token_is_401(state: State) -> None:
    """No token or a token the sandbox does not know is a 401."""
    state.add_token([CLIENT], token="sandbox-token-known")
    for token in (None, "", "sandbox-token-unknown"):
        error = refused(state.authorize, token, None)
        assert (error.status, error.code) == (401, "UNAUTHORIZED")


def test_single_client_token_needs_no_header(state: State) -> None:
    """A token reaching one client acts for it without the header."""
    token = state.add_token([CLIENT])
    assert state.authorize(token, None) == CLIENT


def test_header_naming_the_single_client_is_fine(state: State) -> None:
    """The header may name the token's only client."""
    token = state.add_token([CLIENT])
    assert state.authorize(token, CLIENT) == CLIENT


def test_multi_client_token_without_header_is_403(state: State) -> None:
    """A token reaching several clients must name one: 403 SELECT_CLIENT_HEADER_REQUIRED."""
    token = state.add_token([CLIENT, OTHER_CLIENT])
    error = refused(state.authorize, token, None)
    assert (error.status, error.code) == (403, "SELECT_CLIENT_HEADER_REQUIRED")


def test_multi_client_token_with_header_acts_for_that_client(state: State) -> None:
    """With the header, a multi-client token acts for the client it names."""
    token = state.add_token([CLIENT, OTHER_CLIENT])
    assert state.authorize(token, OTHER_CLIENT) == OTHER_CLIENT


def test_header_naming_an_unreachable_client_is_403(state: State) -> None:
    """A header naming a client the token does not reach: 403 SELECTED_CLIENT_ACCESS_DENIED."""
    token = state.add_token([CLIENT])
    error = refused(state.authorize, token, OTHER_CLIENT)
    assert (error.status, error.code) == (403, "SELECTED_CLIENT_ACCESS_DENIED")


def test_auth_list_names_the_clients_a_token_reaches(state: State) -> None:
    """auth/list answers each reachable client with its name and role."""
    token = state.add_token([CLIENT, OTHER_CLIENT])
    assert state.auth_list(token) == {
        "clients": [
            {"client_id": CLIENT, "name": "Sandbox client", "role": "client"},
            {"client_id": OTHER_CLIENT, "name": "Other client", "role": "client"},
        ]
    }


def test_tokens_never_look_like_real_oauth_tokens(state: State) -> None:
    """Generated tokens start with sandbox-token-, and y0_ tokens are refused."""
    assert state.add_token([CLIENT]).startswith("sandbox-token-")
    with pytest.raises(ValueError, match="y0_"):
        state.add_token([CLIENT], token="y0_AgAAAAAAAAAA")


def test_token_must_reach_a_known_client(state: State) -> None:
    """A token reaching nobody, or an unknown client, is refused."""
    with pytest.raises(ValueError, match="at least one"):
        state.add_token([])
    with pytest.raises(SandboxError, match="unknown client"):
        state.add_token(["nobody"])


# --- departments -------------------------------------------------------------------------------


def test_department_create_and_list(state: State) -> None:
    """Created departments are listed in creation order with id, name, parent and limits."""
    root = state.create_department(CLIENT, {"parent_id": None, "name": "Sales"})
    child = state.create_department(CLIENT, {"parent_id": root, "name": "Sales EU"})
    page = state.list_departments(CLIENT, limit=100, offset=0)
    assert [(d["id"], d["name"], d["parent_id"]) for d in items(page)] == [
        (root, "Sales", None),
        (child, "Sales EU", root),
    ]
    assert (page["limit"], page["offset"], page["total_amount"]) == (100, 0, 2)


def test_department_list_honours_limit_and_offset(state: State) -> None:
    """limit and offset slice the department list; total_amount counts them all."""
    created = [state.add_department(CLIENT, f"D{i}") for i in range(5)]
    page = state.list_departments(CLIENT, limit=2, offset=3)
    assert [d["id"] for d in items(page)] == created[3:]
    assert page["total_amount"] == 5


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Sales"},
        {"parent_id": None},
        {"parent_id": None, "name": ""},
        {"parent_id": None, "name": 5},
        {"parent_id": "nope", "name": "Sales"},
        {"parent_id": None, "name": "Sales", "extra": 1},
    ],
)
def test_department_create_validates_its_body(state: State, body: dict[str, Any]) -> None:
    """Create needs parent_id (null for the root) and a non-empty name, nothing else."""
    assert refused(state.create_department, CLIENT, body).status == 400


def test_sibling_with_the_same_name_is_406(state: State) -> None:
    """Two departments of one parent may not share a name."""
    state.create_department(CLIENT, {"parent_id": None, "name": "Sales"})
    error = refused(state.create_department, CLIENT, {"parent_id": None, "name": "Sales"})
    assert (error.status, error.code) == (406, "DEPARTMENT_ALREADY_EXISTS")


def test_department_update_renames_and_moves(state: State) -> None:
    """Update changes the name and the parent given."""
    a = state.add_department(CLIENT, "A")
    b = state.add_department(CLIENT, "B")
    state.update_department(CLIENT, b, {"name": "B2", "parent_id": a})
    assert departments(state)[1] == {
        "id": b,
        "name": "B2",
        "parent_id": a,
        "limits": {
            s: {"budget": None} for s in ("taxi", "eats2", "tanker", "cargo", "travel_common")
        },
    }


def test_department_update_with_null_parent_keeps_the_parent(state: State) -> None:
    """parent_id: null means unchanged, not "move to the root"."""
    a = state.add_department(CLIENT, "A")
    b = state.add_department(CLIENT, "B", parent_id=a)
    state.update_department(CLIENT, b, {"parent_id": None, "name": "B2"})
    assert departments(state)[1]["parent_id"] == a


@pytest.mark.parametrize("target", ["self", "grandchild"])
def test_department_cycle_is_409(state: State, target: str) -> None:
    """Moving a department under itself or its descendant is a 409 and changes nothing."""
    a = state.add_department(CLIENT, "A")
    b = state.add_department(CLIENT, "B", parent_id=a)
    c = state.add_department(CLIENT, "C", parent_id=b)
    error = refused(state.update_department, CLIENT, a, {"parent_id": a if target == "self" else c})
    assert (error.status, error.code) == (409, "CYCLIC_HIERARCHY")
    assert departments(state)[0]["parent_id"] is None


def test_department_update_of_unknown_department_is_404(state: State) -> None:
    """Updating a department that does not exist is a 404."""
    assert refused(state.update_department, CLIENT, "nope", {"name": "X"}).status == 404


def test_department_archive_removes_the_subtree(state: State) -> None:
    """Archive removes the department and every descendant and answers all their ids."""
    a = state.add_department(CLIENT, "A")
    b = state.add_department(CLIENT, "B", parent_id=a)
    c = state.add_department(CLIENT, "C", parent_id=b)
    keep = state.add_department(CLIENT, "Keep")
    assert state.archive_department(CLIENT, a) == [a, b, c]
    assert [d["id"] for d in departments(state)] == [keep]


def test_department_with_only_archived_employees_can_be_archived(state: State) -> None:
    """Archived employees do not keep a department alive."""
    a = state.add_department(CLIENT, "A")
    state.add_user(CLIENT, phone="+79990000000", department_id=a, is_deleted=True)
    assert state.archive_department(CLIENT, a) == [a]


def test_department_with_an_active_employee_in_the_subtree_is_refused(state: State) -> None:
    """An active employee anywhere below is a 400 DEPARTMENT_NOT_EMPTY, and nothing is removed."""
    a = state.add_department(CLIENT, "A")
    b = state.add_department(CLIENT, "B", parent_id=a)
    state.add_user(CLIENT, phone="+79990000000", department_id=b)
    error = refused(state.archive_department, CLIENT, a)
    assert (error.status, error.code) == (400, "DEPARTMENT_NOT_EMPTY")
    assert state.list_departments(CLIENT, limit=10, offset=0)["total_amount"] == 2


def test_department_empties_once_its_employee_is_archived(state: State) -> None:
    """Archiving the last active employee lets the department go."""
    a = state.add_department(CLIENT, "A")
    user_id = state.add_user(CLIENT, phone="+79990000000", department_id=a)
    state.archive_user(CLIENT, user_id)
    assert state.archive_department(CLIENT, a) == [a]


def test_department_empties_once_its_employee_moves_away(state: State) -> None:
    """Moving the employee to another department by PATCH frees the old one."""
    a = state.add_department(CLIENT, "A")
    b = state.add_department(CLIENT, "B")
    user_id = state.add_user(CLIENT, phone="+79990000000", department_id=a)
    state.patch_user(CLIENT, user_id, {"department_id": b})
    assert state.archive_department(CLIENT, a) == [a]
    assert refused(state.archive_department, CLIENT, b).code == "DEPARTMENT_NOT_EMPTY"


def test_department_with_roles_in_the_subtree_is_refused(state: State) -> None:
    """A manager or secretary anywhere below is a 400 DEPARTMENT_HAS_ROLES."""
    a = state.add_department(CLIENT, "A")
    state.add_department(CLIENT, "B", parent_id=a, roles=1)
    error = refused(state.archive_department, CLIENT, a)
    assert (error.status, error.code) == (400, "DEPARTMENT_HAS_ROLES")
    assert state.list_departments(CLIENT, limit=10, offset=0)["total_amount"] == 2


def test_department_without_roles_after_detaching_can_be_archived(state: State) -> None:
    """Detaching the roles lets the department go."""
    a = state.add_department(CLIENT, "A", roles=2)
    state.set_department_roles(CLIENT, a, 0)
    assert state.archive_department(CLIENT, a) == [a]


def test_archiving_an_unknown_or_removed_department_is_404(state: State) -> None:
    """A department that does not exist, or no longer does, is a 404."""
    a = state.add_department(CLIENT, "A")
    state.archive_department(CLIENT, a)
    assert refused(state.archive_department, CLIENT, a).status == 404
    assert refused(state.archive_department, CLIENT, "nope").status == 404


def test_removed_department_takes_no_new_employees(state: State) -> None:
    """A create naming a removed department is a 400."""
    a = state.add_department(CLIENT, "A")
    state.archive_department(CLIENT, a)
    assert refused(state.create_user, CLIENT, user_body(department_id=a)).status == 400


# --- cost centers and seeding ------------------------------------------------------------------


def test_cost_centers_list_shows_the_main_one_as_default(state: State) -> None:
    """Each client starts with its main cost center, marked default."""
    other = state.add_cost_center(CLIENT, name="Trips")
    page = state.list_cost_centers(CLIENT, limit=100, offset=0)
    assert page["items"] == [
        {"id": MAIN_CC, "name": "Main cost center", "default": True, "field_settings": []},
        {"id": other, "name": "Trips", "default": False, "field_settings": []},
    ]
    assert page["total_amount"] == 2


def test_seeding_a_duplicate_active_employee_is_refused(state: State) -> None:
    """add_user keeps the uniqueness rules and says which one broke."""
    state.add_user(CLIENT, phone="+79990000000")
    with pytest.raises(SandboxError, match="phone"):
        state.add_user(CLIENT, phone="+79990000000")


def test_seeded_archived_employee_is_archived(state: State) -> None:
    """add_user(is_deleted=True) seeds an archived, inactive employee."""
    user_id = state.add_user(CLIENT, phone="+79990000000", is_deleted=True)
    shown = state.get_user(CLIENT, user_id)
    assert (shown["is_deleted"], shown["is_active"]) == (True, False)
