"""The in-memory transport: a client served by the sandbox's rules, faults and stats without a
socket (``B2BClient(token, transport=sandbox.transport())``)."""

from __future__ import annotations

import pytest

from yandex_b2b_async import (
    AuthenticationError,
    B2BClient,
    NotFoundError,
    RetryPolicy,
    TransportError,
    UserCreate,
    ValidationError,
)
from yandex_b2b_async._transport import Request
from yandex_b2b_async.sandbox import Reply, Sandbox
from yandex_b2b_async.sandbox.app import ENDPOINTS, Dispatcher, Endpoint

USERS = "/integration/2.0/users"


async def _no_wait(_: float) -> None:
    return None


INSTANT = RetryPolicy(max_attempts=3, sleep=_no_wait)


def new_user(sandbox: Sandbox, phone: str = "+79990000001") -> UserCreate:
    return UserCreate(
        fullname="Ilya Ivanov", phone=phone, is_active=True, cost_centers_id=sandbox.cost_center_id
    )


async def test_a_client_creates_and_reads_an_employee_without_a_server() -> None:
    """A sandbox that was never started serves a create and a read through the transport."""
    sandbox = Sandbox()
    async with B2BClient(sandbox.token, transport=sandbox.transport()) as client:
        created = await client.users.create(new_user(sandbox))
        employee = await client.users.get(created.id)
    assert employee.phone == "+79990000001"
    assert [user["id"] for user in sandbox.users()] == [created.id]


async def test_the_sandbox_stats_count_requests_served_in_memory() -> None:
    """Requests through the transport are logged and counted as over HTTP."""
    sandbox = Sandbox()
    async with B2BClient(sandbox.token, transport=sandbox.transport()) as client:
        await client.users.create(new_user(sandbox))
    assert sandbox.stats.requests == 1
    assert sandbox.stats.log[-1].path == USERS


async def test_a_wrong_token_is_refused_by_the_sandbox_rules() -> None:
    """Authorization is the sandbox's own: an unknown token gets a 401."""
    sandbox = Sandbox()
    async with B2BClient("not-the-token", transport=sandbox.transport(), retry=None) as client:
        with pytest.raises(AuthenticationError):
            await client.users.get("u1")


async def test_an_unknown_path_answers_404_through_the_fallback_endpoint() -> None:
    """A path no endpoint declares gets the sandbox's 404, as over HTTP."""
    sandbox = Sandbox()
    async with B2BClient(sandbox.token, transport=sandbox.transport(), retry=None) as client:
        with pytest.raises(NotFoundError):
            await client.request("GET", "/no/such/endpoint")


async def test_a_scripted_503_is_retried_and_the_second_answer_returned() -> None:
    """Faults apply in memory: a 503 is retried under the client's policy."""
    sandbox = Sandbox()
    user_id = sandbox.add_user(phone="+79990000002")
    sandbox.faults.script("GET", USERS, [Reply(status=503)])
    async with B2BClient(sandbox.token, transport=sandbox.transport(), retry=INSTANT) as client:
        employee = await client.users.get(user_id)
    assert employee.id == user_id
    assert sandbox.stats.requests == 2


async def test_a_dropped_create_is_reconciled_without_a_duplicate() -> None:
    """A create processed but dropped reaches the client as a lost answer, and is reconciled."""
    sandbox = Sandbox()
    sandbox.faults.script("POST", USERS, [Reply.drop_after()])
    async with B2BClient(sandbox.token, transport=sandbox.transport(), retry=INSTANT) as client:
        created = await client.users.create(new_user(sandbox))
    assert created.reconciled
    assert len(sandbox.users()) == 1


async def test_a_dropped_request_is_a_transport_error_that_may_have_been_sent() -> None:
    """A drop without retries ends in TransportError(sent=True), like a reset connection."""
    sandbox = Sandbox()
    sandbox.faults.script("GET", USERS, [Reply.drop_before()])
    async with B2BClient(sandbox.token, transport=sandbox.transport(), retry=None) as client:
        with pytest.raises(TransportError) as caught:
            await client.users.get("u1")
    assert caught.value.sent


async def test_a_delay_past_the_timeout_is_a_timeout() -> None:
    """A scripted delay longer than the attempt's timeout ends the attempt as a timeout."""
    sandbox = Sandbox()
    sandbox.faults.script("GET", USERS, [Reply(delay=5.0)])
    client = B2BClient(sandbox.token, transport=sandbox.transport(), retry=None, timeout=0.05)
    async with client:
        with pytest.raises(TransportError, match="no answer within"):
            await client.users.get("u1")


class _Answer:
    def __init__(self, status: int, body: bytes) -> None:
        self.status = status
        self.headers: dict[str, str] = {}
        self.body = body


class _ScriptedTransport:
    """A transport of the user's own: answers from a list, or raises what the list holds."""

    def __init__(self, *outcomes: _Answer | BaseException) -> None:
        self.outcomes = list(outcomes)
        self.sent: list[str] = []
        self.closed = False

    async def send(self, request: Request) -> _Answer:
        self.sent.append(f"{request.method} {request.url}")
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def aclose(self) -> None:
        self.closed = True


async def test_any_object_with_send_and_aclose_is_a_transport() -> None:
    """A transport of one's own gets the full URL and its answer is decoded; close closes it."""
    transport = _ScriptedTransport(_Answer(200, b'{"status": "OK"}'))
    async with B2BClient("token", transport=transport) as client:
        await client.users.archive("u1")
    assert transport.sent == [
        "POST https://b2b-api.go.yandex.ru/integration/2.0/users/archive?user_id=u1"
    ]
    assert transport.closed


async def test_a_plain_os_error_of_a_transport_becomes_a_retried_transport_error() -> None:
    """ConnectionRefusedError from a transport is a never-sent TransportError, and retried."""
    transport = _ScriptedTransport(ConnectionRefusedError("refused"), _Answer(200, b"{}"))
    async with B2BClient("token", transport=transport, retry=INSTANT) as client:
        await client.users.archive("u1")
    assert len(transport.sent) == 2


async def test_a_timeout_of_a_transport_is_a_transport_error_that_may_have_been_sent() -> None:
    """TimeoutError from a transport becomes TransportError(sent=True)."""
    transport = _ScriptedTransport(TimeoutError())
    async with B2BClient("token", transport=transport, retry=None) as client:
        with pytest.raises(TransportError) as caught:
            await client.users.archive("u1")
    assert caught.value.sent
    assert isinstance(caught.value.__cause__, TimeoutError)


def test_a_transport_and_a_session_together_are_refused() -> None:
    """transport= and session= are two ways to say the same thing: giving both is an error."""
    with pytest.raises(ValidationError) as caught:
        B2BClient("token", transport=Sandbox().transport(), session=object())  # type: ignore[arg-type]
    assert caught.value.field == "transport"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
def test_every_declared_endpoint_is_served_in_memory(endpoint: Endpoint) -> None:
    """The in-memory dispatcher finds each endpoint the HTTP routes declare (exact paths)."""
    assert Dispatcher.endpoint(endpoint.method, endpoint.path) is endpoint


async def test_a_listing_follows_its_pages_in_memory() -> None:
    """Offset pages are served in memory as over HTTP."""
    sandbox = Sandbox()
    for i in range(3):
        sandbox.add_department(f"Department {i}")
    async with B2BClient(sandbox.token, transport=sandbox.transport()) as client:
        names = [department.name async for department in client.departments.list(limit=2)]
    assert names == ["Department 0", "Department 1", "Department 2"]
