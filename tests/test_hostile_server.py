"""Response-side fuzzing: whatever a server answers, every call ends in a result or a B2BError.

A hypothesis strategy picks, per example, the call, the status, the body (random JSON, HTML,
nothing, truncated JSON, deep nesting, binary, wrong types), and the headers (absurd
``Retry-After``, duplicates, odd content types and encodings). A real aiohttp.web server on
loopback answers exactly that; a raw TCP server covers what no HTTP library would send.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from yandex_b2b_async import (
    APIError,
    B2BClient,
    B2BError,
    ClientInfo,
    CostCenter,
    CostCentersPage,
    CreatedDepartment,
    CreatedUser,
    CreateOrRestoreResult,
    Department,
    DepartmentArchiveResult,
    DepartmentsPage,
    InvalidResponseError,
    TransportError,
    User,
    UserCreate,
    UserPatch,
    UsersPage,
)
from yandex_b2b_async.errors import error_from_response, parse_retry_after

from ._hostile import TOKEN, Answer, HostileServer, RawServer, Sleeps, instant_policy

# --------------------------------------------------------------------------------------------
# What a call is, and what it may return.

NEW_USER = UserCreate(
    fullname="Ilya Ivanov", phone="+79990000000", is_active=True, cost_centers_id="cc-1"
)
Call = Callable[[B2BClient], Awaitable[object]]


async def _list_all(client: B2BClient) -> list[User]:
    return [user async for user in client.users.list(limit=10)]


CALLS: dict[str, tuple[Call, type, bytes]] = {
    # name: (the call, the type it returns on success, a body it accepts with a 200)
    "create": (lambda c: c.users.create(NEW_USER), CreatedUser, b'{"id":"u-1"}'),
    "create_or_restore": (
        lambda c: c.users.create_or_restore(NEW_USER),
        CreateOrRestoreResult,
        b'{"id":"u-1"}',
    ),
    "get": (lambda c: c.users.get("u-1"), User, b'{"id":"u-1","phone":"+79990000000"}'),
    "patch": (lambda c: c.users.patch("u-1", UserPatch(nickname="n")), type(None), b"{}"),
    "restore": (
        lambda c: c.users.restore("u-1"),
        type(None),
        b'{"id":"u-1","cost_centers_id":"cc-1"}',
    ),
    "archive_department": (
        lambda c: c.departments.archive("d-1"),
        DepartmentArchiveResult,
        b'{"deleted_ids":["d-1"]}',
    ),
    "list_page": (lambda c: c.users.list_page(), UsersPage, b'{"items":[],"next_cursor":null}'),
    "list_all": (_list_all, list, b'{"items":[{"id":"u-1"}],"next_cursor":null}'),
    "auth_clients": (lambda c: c.auth.clients(), list, b'{"clients":[]}'),
}

# --------------------------------------------------------------------------------------------
# Strategies for what a hostile server answers.

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# Objects that use the API's own keys, with values of any type, to reach the decoders' branches.
api_shaped = st.fixed_dictionaries(
    {},
    optional=dict.fromkeys(
        (
            "id",
            "_id",
            "items",
            "next_cursor",
            "cursor",
            "code",
            "message",
            "extra",
            "deleted_ids",
            "clients",
            "errors",
            "limits",
            "phone",
            "cost_centers_id",
        ),
        json_values,
    ),
)
error_bodies = st.fixed_dictionaries(
    {"code": st.sampled_from(["USER_IS_DELETED_ERROR", "X", ""]) | st.text(max_size=10)},
    optional={
        "message": st.text(max_size=30),
        "extra": st.dictionaries(st.just("conflict_user_id"), json_values | st.text(max_size=8)),
    },
)


def _dump(value: object) -> bytes:
    return json.dumps(value).encode()


bodies = st.one_of(
    st.just(b""),
    json_values.map(_dump),
    api_shaped.map(_dump),
    error_bodies.map(_dump),
    st.builds(lambda body, cut: body[:cut], api_shaped.map(_dump), st.integers(0, 40)),
    st.just(b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    st.binary(max_size=64),
    st.just(b"[" * 100_000 + b"]" * 100_000),  # nesting deeper than json's recursion limit
    st.just(b'{"id": "' + b"x" * 300_000 + b'"}'),
    st.just(b"\xef\xbb\xbf" + b'{"id":"u-1"}'),  # a UTF-8 byte order mark before JSON
    st.just(b'{"id":"u-1"}'.decode().encode("utf-16")),
    st.just(b"null"),
    st.just(b'{"id": NaN}'),
)


def _http_date(offset: float) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=offset), usegmt=True)


retry_after_values = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["nan", "inf", "-inf", "1e308", "1e999", "", " ", "0", "soon", "-0"]),
    st.floats(min_value=-1e6, max_value=1e9).map(_http_date),
    st.just("Fri, 31 Dec 9999 23:59:59 GMT"),
    st.just("Thu, 01 Jan 1970 00:00:00 GMT"),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=30),
)
header_values = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
headers = st.lists(
    st.one_of(
        st.tuples(st.just("Retry-After"), retry_after_values),
        st.tuples(
            st.just("Content-Type"),
            st.sampled_from(
                [
                    "application/json",
                    "text/html; charset=utf-8",
                    "application/json; charset=koi8-r",
                    "application/octet-stream",
                    "",
                ]
            )
            | header_values,
        ),
        st.tuples(st.sampled_from(["Content-Encoding"]), st.sampled_from(["gzip", "br", "x"])),
        st.tuples(st.sampled_from(["X-Request-Id", "Set-Cookie", "Location"]), header_values),
    ),
    max_size=4,
)
# 1xx answers are not final answers; aiohttp.web cannot send them as one.
statuses = st.one_of(
    st.sampled_from([200, 201, 204, 301, 302, 400, 401, 403, 404, 406, 409, 429, 500, 502, 503]),
    st.integers(min_value=200, max_value=599),
)
answers = st.builds(
    lambda status, body, hdrs: Answer(status=status, body=body, headers=tuple(hdrs)),
    statuses,
    bodies,
    headers,
)


@st.composite
def scripts(draw: st.DrawFn) -> tuple[str, list[Answer]]:
    """A call and the answers its attempts get (sometimes the documented success answer)."""
    name = draw(st.sampled_from(sorted(CALLS)))
    good = Answer(status=200, body=CALLS[name][2], headers=(("Content-Type", "application/json"),))
    script = draw(st.lists(answers | st.just(good), min_size=1, max_size=4))
    return name, script


# --------------------------------------------------------------------------------------------

# Small, so that a Retry-After within it (which also pauses the client's pacer, in real time)
# costs an example at most this long, and every larger one must fail at once.
MAX_RETRY_AFTER = 0.05
# A guard against hangs, far above what any example needs (waits are instant, nothing sleeps).
CALL_GUARD_SECONDS = 20.0


async def _settle(call: Awaitable[object]) -> tuple[object, B2BError | None]:
    """The call's result, or the B2BError it ended in; anything else propagates."""
    try:
        async with asyncio.timeout(CALL_GUARD_SECONDS):
            return await call, None
    except B2BError as error:
        return None, error


def _check_error(error: B2BError) -> None:
    text = f"{error!s} {error!r}"
    assert TOKEN not in text
    assert error.attempts >= 1
    if isinstance(error, APIError):
        assert isinstance(error.status, int)
        assert error.retry_after is None or (
            math.isfinite(error.retry_after) and error.retry_after >= 0
        )


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(case=scripts())
async def test_any_answer_ends_in_a_result_or_a_b2b_error(
    hostile: HostileServer, case: tuple[str, list[Answer]]
) -> None:
    """Any status, body and headers end every call in its result type or a B2BError."""
    name, script = case
    call, result_type, _ = CALLS[name]
    hostile.answer(*script)
    sleeps = Sleeps()
    policy = instant_policy(
        sleeps,
        max_attempts=3,
        backoff_initial=0.0,
        backoff_max=0.0,
        max_retry_after=MAX_RETRY_AFTER,
    )
    async with B2BClient(TOKEN, base_url=hostile.url, timeout=5.0, retry=policy) as client:
        result, error = await _settle(call(client))
    if error is None:
        assert isinstance(result, result_type)
    else:
        _check_error(error)
        if isinstance(error, APIError) and not isinstance(error, InvalidResponseError):
            assert error.status in hostile.statuses
    # No wait asked of the policy is negative, infinite or beyond its bound.
    assert all(0 <= wait <= MAX_RETRY_AFTER for wait in sleeps.waits)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.sampled_from(sorted(CALLS)))
async def test_the_documented_answer_is_decoded(hostile: HostileServer, name: str) -> None:
    """The control case: a 200 with the documented body gives the call's result."""
    call, result_type, good = CALLS[name]
    hostile.answer(Answer(status=200, body=good))
    async with B2BClient(TOKEN, base_url=hostile.url, retry=None) as client:
        result = await call(client)
    assert isinstance(result, result_type)


# --------------------------------------------------------------------------------------------
# Wire-level junk from a raw socket.

raw_replies = st.one_of(
    st.sampled_from(
        [
            b"",
            b"garbage\r\n\r\n",
            b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"id":',  # body cut short
            b'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{"id":"u-1"}',  # body longer
            b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n{}",
            b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n{}",
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
            b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"id"',
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}",
            b"HTTP/1.1 999 Weird\r\nContent-Length: 2\r\n\r\n{}",
            b"HTTP/1.1 100 Continue\r\n\r\n",
            b"HTTP/1.1 abc OK\r\n\r\n",
            b"HTTP/9.9 200 OK\r\nContent-Length: 2\r\n\r\n{}",
            b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 20_000 + b"\r\n\r\n",
            b"HTTP/1.1 200 OK\r\n" + b"X-Many: 1\r\n" * 500 + b"\r\n",
            b"HTTP/1.1 429 Too Many\r\nRetry-After: 99999999999999999999999\r\n"
            b"Content-Length: 0\r\n\r\n",
            b"HTTP/1.1 503 Down\r\nRetry-After: 1\r\nRetry-After: 9999\r\n"
            b"Content-Length: 0\r\n\r\n",
        ]
    ),
    st.binary(max_size=200),
    st.builds(
        lambda status, body: (
            b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n\r\n" % (status, len(body)) + body
        ),
        st.integers(min_value=100, max_value=999),
        bodies.filter(lambda body: len(body) < 5000),
    ),
)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(reply=raw_replies, name=st.sampled_from(sorted(CALLS)))
async def test_wire_level_junk_ends_in_a_result_or_a_b2b_error(
    raw: RawServer, reply: bytes, name: str
) -> None:
    """Broken status lines, lying lengths and bad chunking end in a result or a B2BError."""
    call, result_type, _ = CALLS[name]
    raw.reply = reply
    policy = instant_policy(
        Sleeps(),
        max_attempts=2,
        backoff_initial=0.0,
        backoff_max=0.0,
        max_retry_after=MAX_RETRY_AFTER,
    )
    async with B2BClient(TOKEN, base_url=raw.url, timeout=2.0, retry=policy) as client:
        result, error = await _settle(call(client))
    if error is None:
        assert isinstance(result, result_type)
    else:
        _check_error(error)


# --------------------------------------------------------------------------------------------
# Deadlines: a server that never answers, or answers forever, is cut off.


async def test_a_server_that_never_answers_is_cut_off_at_the_timeout(raw: RawServer) -> None:
    """A server that accepts and then says nothing ends in TransportError after the timeout."""

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(3600)

    raw.reply = hang
    policy = instant_policy(Sleeps(), max_attempts=2)
    async with B2BClient(TOKEN, base_url=raw.url, timeout=0.2, retry=policy) as client:
        async with asyncio.timeout(CALL_GUARD_SECONDS):
            with pytest.raises(TransportError) as caught:
                await client.users.get("u-1")
    assert caught.value.sent is True
    assert caught.value.attempts == 2


async def test_a_body_that_drips_forever_is_cut_off_at_the_timeout(raw: RawServer) -> None:
    """Headers followed by a body that never ends ends in TransportError, not a hang."""

    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        while True:
            writer.write(b"1\r\n \r\n")
            await writer.drain()
            await asyncio.sleep(0.01)

    raw.reply = drip
    async with B2BClient(TOKEN, base_url=raw.url, timeout=0.3, retry=None) as client:
        async with asyncio.timeout(CALL_GUARD_SECONDS):
            with pytest.raises(TransportError):
                await client.users.get("u-1")


async def test_an_absurd_retry_after_fails_at_once_instead_of_sleeping(
    hostile: HostileServer,
) -> None:
    """A Retry-After beyond max_retry_after is not slept: the 429 is raised at once."""
    hostile.answer(Answer(status=429, headers=(("Retry-After", "31536000"),)))
    sleeps = Sleeps()
    policy = instant_policy(sleeps, max_attempts=5, max_retry_after=60.0)
    async with B2BClient(TOKEN, base_url=hostile.url, retry=policy) as client:
        with pytest.raises(APIError) as caught:
            await client.users.get("u-1")
    assert caught.value.status == 429
    assert sleeps.waits == []
    assert len(hostile.statuses) == 1


async def test_a_declared_oversized_body_is_refused_without_reading_it(raw: RawServer) -> None:
    """A Content-Length beyond the client's bound ends in InvalidResponseError."""
    raw.reply = b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n{}"
    async with B2BClient(TOKEN, base_url=raw.url, retry=None) as client:
        with pytest.raises(InvalidResponseError, match="too large"):
            await client.users.get("u-1")


async def test_an_undeclared_oversized_body_is_refused(raw: RawServer) -> None:
    """A chunked body beyond the client's bound (33 MiB) ends in an APIError, not in memory."""
    chunk = b"a" * (1024 * 1024)

    async def flood(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(33):
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    raw.reply = flood
    async with B2BClient(TOKEN, base_url=raw.url, retry=None) as client:
        with pytest.raises(APIError):
            await client.users.get("u-1")


async def test_a_large_answer_in_several_pieces_is_read_whole(raw: RawServer) -> None:
    """A valid page sent in several chunks decodes whole (a 1000-employee page is ~100 KB)."""
    page = {"items": [{"id": f"u-{n}", "fullname": "x" * 80} for n in range(1000)]}
    body = json.dumps(page).encode()

    async def in_pieces(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
        for start in range(0, len(body), 16_384):
            writer.write(body[start : start + 16_384])
            await writer.drain()
            await asyncio.sleep(0.002)

    raw.reply = in_pieces
    async with B2BClient(TOKEN, base_url=raw.url, retry=None) as client:
        result = await client.users.list_page(limit=1000)
    assert len(result.items) == 1000


# --------------------------------------------------------------------------------------------
# The error factory and the decoders, as pure functions.


@settings(max_examples=250, deadline=None)
@given(
    status=st.integers(min_value=0, max_value=1000),
    body=bodies | st.binary(max_size=300),
    hdrs=st.dictionaries(st.sampled_from(["Retry-After", "Content-Type"]), retry_after_values),
)
def test_error_from_response_is_total(status: int, body: bytes, hdrs: dict[str, str]) -> None:
    """error_from_response returns an APIError of the status's class for any input."""
    error = error_from_response(status, body, hdrs, method="GET", path="/users")
    assert isinstance(error, APIError)
    assert error.status == status
    assert len(error.body_excerpt) <= 201
    assert error.retry_after is None or (
        math.isfinite(error.retry_after) and error.retry_after >= 0
    )
    assert str(error).startswith("GET /users answered HTTP")
    expected = {
        400: "BadRequestError",
        401: "AuthenticationError",
        403: "PermissionDeniedError",
        404: "NotFoundError",
        406: "ConflictError",
        409: "StateConflictError",
        410: "GoneError",
        429: "RateLimitError",
    }
    if status >= 500:
        assert type(error).__name__ == "ServerError"
    elif status in expected:
        assert type(error).__name__ in (expected[status], "UserIsDeletedError")
    else:
        assert type(error) is APIError


@settings(max_examples=300, deadline=None)
@given(value=retry_after_values | st.text(max_size=40))
def test_parse_retry_after_is_total(value: str) -> None:
    """parse_retry_after gives None or a finite number of seconds >= 0 for any text."""
    seconds = parse_retry_after(value)
    assert seconds is None or (math.isfinite(seconds) and seconds >= 0)


RESPONSE_MODELS = (
    ClientInfo,
    CostCenter,
    CostCentersPage,
    CreatedDepartment,
    CreatedUser,
    Department,
    DepartmentArchiveResult,
    DepartmentsPage,
    User,
    UsersPage,
)


@settings(max_examples=150, deadline=None)
@given(
    model=st.sampled_from(RESPONSE_MODELS),
    body=bodies | api_shaped.map(_dump) | st.lists(api_shaped, max_size=3).map(_dump),
)
def test_any_body_decodes_to_the_model_or_invalid_response(model: type, body: bytes) -> None:
    """Decoding any body gives the model or InvalidResponseError, never another exception."""
    from yandex_b2b_async._request import _decode

    try:
        result: object = _decode(body, model, "GET", "/users")
    except InvalidResponseError as error:
        result = error
    if isinstance(result, InvalidResponseError):
        assert result.status == 200
        # A body that is not JSON chains the parser's error; JSON of the wrong shape chains
        # nothing, since the structuring error's traceback could quote a value of the record.
        assert result.__cause__ is None or isinstance(result.__cause__, ValueError)
    else:
        assert isinstance(result, model)


def test_a_record_of_the_wrong_shape_is_refused_without_its_values() -> None:
    """An answer that is JSON but not the documented model names the model, and neither the
    error nor anything chained to it holds the record's values (an employee's name)."""
    from yandex_b2b_async._request import _decode
    from yandex_b2b_async.models import User

    body = b'{"id": "u-1", "fullname": "Ivan Petrov", "phone": "+79991234567", "is_deleted": 7}'
    with pytest.raises(InvalidResponseError) as refused:
        _decode(body, User, "GET", "/users")
    error = refused.value
    assert "User" in str(error)
    assert error.__cause__ is None
    assert error.__suppress_context__
    shown = f"{error!s} {error!r} {error.body_excerpt}"
    assert "Ivan" not in shown
    assert "9991234567" not in shown
