"""What an error tells a service about the answer it came from: the request id and headers of
every APIError, and whether a TransportError was a timeout. Against the sandbox over loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from yandex_b2b_async import (
    B2BClient,
    ConflictError,
    NotFoundError,
    ServerError,
    TransportError,
    UserCreate,
)
from yandex_b2b_async.sandbox import Reply, Sandbox

USERS = "/integration/2.0/users"
UNKNOWN = "0" * 32


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[B2BClient]:
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=None) as client:
        yield client


async def test_an_error_carries_the_answers_request_id(sandbox: Sandbox, client: B2BClient) -> None:
    """The X-YaRequestId of an error answer is the error's request_id, and in its message."""
    sandbox.faults.script("GET", USERS, [Reply(status=503, headers={"X-YaRequestId": "ya-42"})])
    with pytest.raises(ServerError) as caught:
        await client.users.get(UNKNOWN)
    assert caught.value.request_id == "ya-42"
    assert "ya-42" in str(caught.value)


async def test_a_request_id_under_another_name_is_found(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """Whatever the header is called, one named like a request id is taken."""
    sandbox.faults.script(
        "GET", USERS, [Reply(status=404, headers={"X-Gateway-Request-ID": "gw-7"})]
    )
    with pytest.raises(NotFoundError) as caught:
        await client.users.get(UNKNOWN)
    assert caught.value.request_id == "gw-7"


async def test_an_error_carries_the_answers_headers(sandbox: Sandbox, client: B2BClient) -> None:
    """Every header of the error answer is on the error, looked up in any case."""
    sandbox.faults.script("GET", USERS, [Reply(status=503, headers={"X-Upstream": "node-3"})])
    with pytest.raises(ServerError) as caught:
        await client.users.get(UNKNOWN)
    assert caught.value.headers["x-upstream"] == "node-3"


async def test_an_answer_without_a_request_id_gives_none(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """The sandbox's own 406 carries no request id header: request_id is None."""
    sandbox.add_user(phone="+79990000001")
    user = UserCreate(
        fullname="A", phone="+79990000001", is_active=True, cost_centers_id=sandbox.cost_center_id
    )
    with pytest.raises(ConflictError) as caught:
        await client.users.create(user)
    assert caught.value.request_id is None
    assert "Content-Type" in caught.value.headers


async def test_a_timeout_is_a_transport_error_flagged_as_one(sandbox: Sandbox) -> None:
    """An answer slower than the timeout ends in a TransportError whose timeout is True."""
    sandbox.faults.script("GET", USERS, [Reply.passthrough(delay=5)])
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=None, timeout=0.05) as client:
        with pytest.raises(TransportError) as caught:
            await client.users.get(UNKNOWN)
    assert caught.value.timeout
    assert caught.value.sent


async def test_a_refused_connection_is_not_a_timeout(sandbox: Sandbox) -> None:
    """A connection refused is a TransportError with timeout False (and never sent)."""
    url = sandbox.url
    await sandbox.close()
    async with B2BClient(sandbox.token, base_url=url, retry=None) as client:
        with pytest.raises(TransportError) as caught:
            await client.users.get(UNKNOWN)
    assert not caught.value.timeout
    assert not caught.value.sent
