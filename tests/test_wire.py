"""Wire format: the exact method, path, query, headers and JSON body of every documented call,
and the exception every documented error answer becomes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests._recorder import Answer, Recorder
from yandex_b2b_async import (
    APIError,
    AuthenticationError,
    B2BClient,
    BadRequestError,
    ConflictError,
    CreatedUser,
    CreateOrRestoreResult,
    InvalidResponseError,
    Limit,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    Service,
    UserCreate,
    UserIsDeletedError,
    UserPatch,
    UserUpdate,
    ValidationError,
)

TOKEN = "test-token-0123456789"
API = "/integration/2.0"


@pytest.fixture
async def client(recorder: Recorder) -> AsyncIterator[B2BClient]:
    async with B2BClient(TOKEN, base_url=recorder.url, retry=None) as client:
        yield client


def full_user() -> UserCreate:
    return UserCreate(
        fullname="Ilya Ivanov",
        phone="+79990000000",
        is_active=True,
        nickname="IIlya",
        cost_centers_id="123fef",
        department_id="987ghj",
        limits=[
            Limit("abcdef_taxi", Service.TAXI),
            Limit("abcdef_eats", "eats2"),
            Limit("abcdef_drive", Service.DRIVE),
        ],
    )


DOCUMENTED_BODY = {
    "fullname": "Ilya Ivanov",
    "phone": "+79990000000",
    "is_active": True,
    "nickname": "IIlya",
    "cost_centers_id": "123fef",
    "department_id": "987ghj",
    "limits": [
        {"limit_id": "abcdef_taxi", "service": "taxi"},
        {"limit_id": "abcdef_eats", "service": "eats2"},
        {"limit_id": "abcdef_drive", "service": "drive"},
    ],
}


async def test_create_posts_the_documented_body(client: B2BClient, recorder: Recorder) -> None:
    """A create is POST /users with the documented JSON body, and returns the new id."""
    recorder.answer(Answer(body={"id": "3caa3b05e"}))
    created = await client.users.create(full_user())
    assert created == CreatedUser(id="3caa3b05e", reconciled=False)
    request = recorder.last
    assert (request.method, request.path, request.query) == ("POST", f"{API}/users", {})
    assert request.json() == DOCUMENTED_BODY
    assert request.headers["Content-Type"] == "application/json"


async def test_create_leaves_unset_optional_fields_out(
    client: B2BClient, recorder: Recorder
) -> None:
    """Optional fields the caller did not set are absent from the body, not null."""
    recorder.answer(Answer(body={"id": "u1"}))
    await client.users.create(
        UserCreate(fullname="", phone="+79990000000", is_active=False, cost_centers_id="cc")
    )
    assert recorder.last.json() == {
        "fullname": "",
        "phone": "+79990000000",
        "is_active": False,
        "cost_centers_id": "cc",
    }


async def test_headers_carry_bearer_token_and_selected_client(recorder: Recorder) -> None:
    """The token goes as Bearer authorization and client_id as the selected-client header."""
    async with B2BClient(TOKEN, client_id="client-7", base_url=recorder.url) as client:
        await client.users.archive("u1")
    headers = recorder.last.headers
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["X-YaTaxi-Selected-Corp-Client-Id"] == "client-7"


async def test_no_selected_client_header_without_client_id(
    client: B2BClient, recorder: Recorder
) -> None:
    """Without client_id, the selected-client header is not sent at all."""
    await client.users.archive("u1")
    assert "X-YaTaxi-Selected-Corp-Client-Id" not in recorder.last.headers


async def test_update_puts_the_full_record(client: B2BClient, recorder: Recorder) -> None:
    """PUT /users?user_id=… carries the full record, is_deleted included when set."""
    update = UserUpdate(
        fullname="Ilya Ivanov",
        phone="+79990000000",
        is_active=True,
        cost_centers_id="123fef",
        is_deleted=False,
        email="ilya@example.com",
    )
    await client.users.update("f65c57d", update)
    request = recorder.last
    assert (request.method, request.path, request.query) == (
        "PUT",
        f"{API}/users",
        {"user_id": "f65c57d"},
    )
    assert request.json() == {
        "fullname": "Ilya Ivanov",
        "phone": "+79990000000",
        "is_active": True,
        "cost_centers_id": "123fef",
        "is_deleted": False,
        "email": "ilya@example.com",
    }


async def test_patch_sends_exactly_the_fields_set(client: B2BClient, recorder: Recorder) -> None:
    """PATCH /users?user_id=… carries only the fields the caller set."""
    await client.users.patch("f65c57d", UserPatch(nickname="IIlya", is_active=False))
    request = recorder.last
    assert (request.method, request.query) == ("PATCH", {"user_id": "f65c57d"})
    assert request.json() == {"nickname": "IIlya", "is_active": False}


async def test_patch_with_empty_limits_sends_an_empty_list(
    client: B2BClient, recorder: Recorder
) -> None:
    """An explicitly empty limits list is sent (it clears limits); unset is not."""
    await client.users.patch("u1", UserPatch(limits=[], cost_centers_id="cc"))
    assert recorder.last.json() == {"limits": [], "cost_centers_id": "cc"}


async def test_archive_posts_the_user_id_in_the_query(
    client: B2BClient, recorder: Recorder
) -> None:
    """POST /users/archive?user_id=… has no body."""
    await client.users.archive("f65c57d")
    request = recorder.last
    assert (request.method, request.path, request.query, request.body) == (
        "POST",
        f"{API}/users/archive",
        {"user_id": "f65c57d"},
        b"",
    )


async def test_get_reads_one_employee(client: B2BClient, recorder: Recorder) -> None:
    """GET /users?user_id=… decodes the documented employee, unknown fields ignored."""
    recorder.answer(
        Answer(
            body={
                "fullname": "Иванов Илья",
                "is_active": True,
                "phone": "+79262770203",
                "id": "2eb6",
                "is_deleted": False,
                "cost_center": "",
                "cost_centers_id": "2c531",
                "department_id": "b6174",
                "limits": [
                    {"limit_id": "d4c8", "service": "taxi"},
                    {"limit_id": "df1f", "service": "hotels"},
                ],
                "nickname": "",
                "client_id": "beec",
                "documents": [{"id": "doc"}],
            }
        )
    )
    user = await client.users.get("2eb6")
    request = recorder.last
    assert (request.method, request.path, request.query) == (
        "GET",
        f"{API}/users",
        {"user_id": "2eb6"},
    )
    assert user.id == "2eb6"
    assert user.cost_centers_id == "2c531"
    assert [limit.service for limit in user.limits] == [Service.TAXI, "hotels"]


async def test_restore_keeps_the_current_cost_center(client: B2BClient, recorder: Recorder) -> None:
    """restore() without a cost center reads the employee and sends its current one."""
    recorder.answer(Answer(body={"id": "u1", "cost_centers_id": "cc-current", "is_deleted": True}))
    await client.users.restore("u1")
    get, patch = recorder.requests
    assert (get.method, get.query) == ("GET", {"user_id": "u1"})
    assert (patch.method, patch.query) == ("PATCH", {"user_id": "u1"})
    assert patch.json() == {"is_active": True, "cost_centers_id": "cc-current", "is_deleted": False}


async def test_restore_with_new_data_and_cost_center_sends_one_patch(
    client: B2BClient, recorder: Recorder
) -> None:
    """restore() given a cost center does not read first; new data goes in the same PATCH."""
    await client.users.restore(
        "u1", UserPatch(fullname="New name", cost_centers_id="cc-2", is_active=False)
    )
    assert [request.method for request in recorder.requests] == ["PATCH"]
    assert recorder.last.json() == {
        "fullname": "New name",
        "is_active": False,
        "cost_centers_id": "cc-2",
        "is_deleted": False,
    }


async def test_create_or_restore_creates_when_the_phone_is_new(
    client: B2BClient, recorder: Recorder
) -> None:
    """A create that succeeds is reported as not restored."""
    recorder.answer(Answer(body={"id": "new-id"}))
    outcome = await client.users.create_or_restore(full_user())
    assert outcome == CreateOrRestoreResult(id="new-id", restored=False)


async def test_create_or_restore_restores_an_archived_phone(
    client: B2BClient, recorder: Recorder
) -> None:
    """USER_IS_DELETED_ERROR leads to a PATCH of the archived employee with the new data."""
    recorder.answer(
        Answer(
            status=400,
            body={
                "code": "USER_IS_DELETED_ERROR",
                "message": "user is deleted",
                "extra": {"conflict_user_id": "c3ad89ad"},
            },
        )
    )
    outcome = await client.users.create_or_restore(full_user())
    assert outcome == CreateOrRestoreResult(id="c3ad89ad", restored=True)
    patch = recorder.last
    assert (patch.method, patch.query) == ("PATCH", {"user_id": "c3ad89ad"})
    assert patch.json() == {**DOCUMENTED_BODY, "is_deleted": False}


async def test_create_or_restore_never_overwrites_an_active_employee(
    client: B2BClient, recorder: Recorder
) -> None:
    """A 406 conflict with an active employee is raised, and nothing else is sent."""
    recorder.answer(
        Answer(
            status=406,
            body={
                "code": "USER_ALREADY_EXISTS",
                "message": "exists",
                "extra": {"conflict_user_id": "active-1"},
            },
        )
    )
    with pytest.raises(ConflictError) as caught:
        await client.users.create_or_restore(full_user())
    assert caught.value.conflict_user_id == "active-1"
    assert len(recorder.requests) == 1


async def test_department_archive_returns_every_deleted_id(
    client: B2BClient, recorder: Recorder
) -> None:
    """POST /departments/archive?department_id=… answers the ids of the whole subtree."""
    recorder.answer(Answer(body={"deleted_ids": ["87e8646c", "2f534bca"]}))
    removed = await client.departments.archive("87e8646c")
    assert removed.deleted_ids == ["87e8646c", "2f534bca"]
    request = recorder.last
    assert (request.method, request.path, request.query) == (
        "POST",
        f"{API}/departments/archive",
        {"department_id": "87e8646c"},
    )


async def test_find_by_phone_posts_the_phone(client: B2BClient, recorder: Recorder) -> None:
    """POST /users/by_phone carries {"phone"} and returns every match."""
    recorder.answer(Answer(body={"items": [{"id": "43ed09f0", "is_deleted": False}]}))
    matches = await client.users.find_by_phone("+79011111111")
    assert [match.id for match in matches] == ["43ed09f0"]
    assert recorder.last.path == f"{API}/users/by_phone"
    assert recorder.last.json() == {"phone": "+79011111111"}


async def test_list_follows_next_cursor(client: B2BClient, recorder: Recorder) -> None:
    """users.list() walks the cursor pages until next_cursor is absent."""
    recorder.answer(
        Answer(body={"items": [{"id": "a"}, {"id": "b"}], "limit": 2, "next_cursor": "c2"}),
        Answer(body={"items": [{"_id": "c"}], "limit": 2, "cursor": "c2"}),
    )
    ids = [user.id async for user in client.users.list(limit=2)]
    assert ids == ["a", "b", "c"]
    assert [request.query for request in recorder.requests] == [
        {"limit": "2"},
        {"limit": "2", "cursor": "c2"},
    ]


async def test_department_create_accepts_underscore_id(
    client: B2BClient, recorder: Recorder
) -> None:
    """The department create answers {"_id": …}; the id is decoded all the same."""
    recorder.answer(Answer(body={"_id": "63e8"}))
    created = await client.departments.create("Marketing")
    assert created.id == "63e8"
    assert recorder.last.json() == {"parent_id": None, "name": "Marketing"}


async def test_department_update_accepts_an_empty_answer(
    client: B2BClient, recorder: Recorder
) -> None:
    """The department edit answers an empty 200; that is a success."""
    recorder.answer(Answer(body=b""))
    await client.departments.update("87e8", name="Marketing B2B")
    assert recorder.last.json() == {"name": "Marketing B2B"}
    assert recorder.last.query == {"department_id": "87e8"}


ERROR_CASES = [
    (400, {"code": "BAD", "message": "unknown field"}, BadRequestError),
    (401, {"code": "UNAUTHORIZED", "message": "bad token"}, AuthenticationError),
    (403, {"code": "SELECT_CLIENT_HEADER_REQUIRED", "message": "m"}, PermissionDeniedError),
    (403, {"code": "SELECTED_CLIENT_ACCESS_DENIED", "message": "m"}, PermissionDeniedError),
    (404, {"code": "NOT_FOUND", "message": "no such user"}, NotFoundError),
    (406, {"code": "USER_ALREADY_EXISTS", "message": "m"}, ConflictError),
    (429, {"code": "TOO_MANY_REQUESTS", "message": "slow down"}, RateLimitError),
    (500, {"code": "INTERNAL", "message": "m"}, ServerError),
    (503, {"code": "UNAVAILABLE", "message": "m"}, ServerError),
    (418, {"code": "TEAPOT", "message": "m"}, APIError),
]


@pytest.mark.parametrize(("status", "body", "error_type"), ERROR_CASES)
async def test_error_status_maps_to_its_class(
    client: B2BClient,
    recorder: Recorder,
    status: int,
    body: dict[str, str],
    error_type: type[APIError],
) -> None:
    """Each documented error status raises its own class, carrying code and message."""
    recorder.answer(Answer(status=status, body=body))
    with pytest.raises(error_type) as caught:
        await client.users.archive("u1")
    error = caught.value
    assert type(error) is error_type
    assert (error.status, error.code, error.message) == (status, body["code"], body["message"])


async def test_user_is_deleted_body_is_decoded(client: B2BClient, recorder: Recorder) -> None:
    """The documented 400 USER_IS_DELETED_ERROR body gives code, extra and conflict_user_id."""
    body = {
        "code": "USER_IS_DELETED_ERROR",
        "message": "user is deleted",
        "extra": {"conflict_user_id": "c3ad89ad"},
    }
    recorder.answer(Answer(status=400, body=body))
    with pytest.raises(UserIsDeletedError) as caught:
        await client.users.create(full_user())
    error = caught.value
    assert isinstance(error, BadRequestError)
    assert error.conflict_user_id == "c3ad89ad"
    assert error.extra == {"conflict_user_id": "c3ad89ad"}
    assert error.message == "user is deleted"


async def test_rate_limit_error_carries_retry_after(client: B2BClient, recorder: Recorder) -> None:
    """A 429's Retry-After header is parsed into seconds."""
    recorder.answer(Answer(status=429, body={"code": "TOO_MANY"}, headers={"Retry-After": "7"}))
    with pytest.raises(RateLimitError) as caught:
        await client.users.archive("u1")
    assert caught.value.retry_after == 7.0


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body><h1>502 Bad Gateway</h1></body></html>",
        b"",
        b'{"code": "TRUNC',
        b'{"errors": [{"code": "E1", "message": "first"}]}',
        b"[1, 2, 3]",
        b'{"code": 5, "message": null, "extra": "x"}',
    ],
)
async def test_undocumented_error_bodies_still_become_api_errors(
    client: B2BClient, recorder: Recorder, body: bytes
) -> None:
    """HTML, empty, truncated, errors[] and wrong-typed bodies end in an APIError subclass."""
    recorder.answer(Answer(status=502, body=body, content_type="text/html"))
    with pytest.raises(ServerError) as caught:
        await client.users.archive("u1")
    assert caught.value.status == 502
    assert len(caught.value.body_excerpt) <= 201


async def test_errors_array_gives_the_first_code(client: B2BClient, recorder: Recorder) -> None:
    """A gateway's {"errors": [...]} body yields the first error's code and message."""
    recorder.answer(Answer(status=400, body={"errors": [{"code": "E1", "message": "first"}]}))
    with pytest.raises(BadRequestError) as caught:
        await client.users.archive("u1")
    assert (caught.value.code, caught.value.message) == ("E1", "first")


@pytest.mark.parametrize(
    "body",
    [b"<html>ok</html>", b"", b'{"id": 5}', b'{"identifier": "x"}', b'{"id": "x"', b"null"],
)
async def test_malformed_success_body_is_an_invalid_response(
    client: B2BClient, recorder: Recorder, body: bytes
) -> None:
    """A 200 whose body is not the documented JSON raises InvalidResponseError, not KeyError."""
    recorder.answer(Answer(status=200, body=body))
    with pytest.raises(InvalidResponseError) as caught:
        await client.users.create(full_user())
    assert caught.value.status == 200


async def test_redirect_is_not_followed(client: B2BClient, recorder: Recorder) -> None:
    """A 3xx is an error: following it could carry the token to another host."""
    recorder.answer(Answer(status=302, body=b"", headers={"Location": "http://127.0.0.2:1/"}))
    with pytest.raises(APIError) as caught:
        await client.users.archive("u1")
    assert caught.value.status == 302
    assert len(recorder.requests) == 1


async def test_per_call_retry_override(recorder: Recorder) -> None:
    """retry=RetryPolicy.none() on a call makes one attempt even if the client retries."""
    policy = RetryPolicy(backoff_initial=0, backoff_max=0)
    async with B2BClient(TOKEN, base_url=recorder.url, retry=policy) as client:
        recorder.answer(Answer(status=503, body={}), Answer(status=503, body={}))
        with pytest.raises(ServerError):
            await client.users.archive("u1", retry=RetryPolicy.none())
        assert len(recorder.requests) == 1
        await client.users.archive("u1")
        assert len(recorder.requests) == 3


async def test_retry_zero_means_one_attempt(recorder: Recorder) -> None:
    """retry=0 on a call is the same as RetryPolicy.none(): one attempt, no retry."""
    policy = RetryPolicy(backoff_initial=0, backoff_max=0)
    async with B2BClient(TOKEN, base_url=recorder.url, retry=policy) as client:
        recorder.answer(Answer(status=503, body={}))
        with pytest.raises(ServerError) as caught:
            await client.users.archive("u1", retry=0)
    assert len(recorder.requests) == 1
    assert caught.value.attempts == 1


async def test_retry_false_is_refused(client: B2BClient, recorder: Recorder) -> None:
    """retry=False is not a policy: refused before anything is sent."""
    with pytest.raises(ValidationError):
        await client.users.archive("u1", retry=False)  # type: ignore[arg-type]
    assert recorder.requests == []
