"""B2BClient: configuration checks, session lifecycle, transport failures, and secrecy of the
token in reprs and errors."""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
import traceback
from collections.abc import Iterator

import aiohttp
import pytest

from tests._hostile import Answer as HostileAnswer
from tests._hostile import HostileServer
from tests._recorder import Answer, Recorder
from yandex_b2b_async import (
    B2BClient,
    B2BError,
    ClientClosedError,
    NotFoundError,
    RetryPolicy,
    TransportError,
    UserPatch,
    ValidationError,
)
from yandex_b2b_async.sandbox import Reply, Sandbox

TOKEN = "fake-token-SECRET-7f3a9c"


@pytest.fixture
def sandbox_in_thread() -> Iterator[Sandbox]:
    """A sandbox serving from its own thread (usable from any event loop)."""
    with Sandbox() as sandbox:
        yield sandbox


@pytest.mark.parametrize(
    "base_url",
    ["http://b2b-api.go.yandex.ru", "http://10.0.0.1:8080", "ftp://example.com", "not a url"],
)
def test_plain_http_is_refused_except_on_loopback(base_url: str) -> None:
    """A base URL that is not https (or http to a loopback host) is refused."""
    with pytest.raises(ValidationError) as caught:
        B2BClient(TOKEN, base_url=base_url)
    assert caught.value.field == "base_url"


@pytest.mark.parametrize(
    "base_url", ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9", "https://x.ru"]
)
def test_https_and_loopback_http_are_accepted(base_url: str) -> None:
    """https anywhere, and http to loopback (the sandbox), are accepted."""
    assert B2BClient(TOKEN, base_url=base_url).base_url == base_url.rstrip("/")


@pytest.mark.parametrize("token", ["", "   ", "tok\nen", " padded"])
def test_malformed_token_is_refused_without_echoing_it(token: str) -> None:
    """An empty or header-breaking token is refused, and the message does not contain it."""
    with pytest.raises(ValidationError) as caught:
        B2BClient(token)
    assert caught.value.field == "token"
    if token.strip():
        assert token.strip() not in str(caught.value)


@pytest.mark.parametrize("token", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"OAuth {TOKEN}"])
def test_a_token_with_its_scheme_is_refused_saying_to_drop_it(token: str) -> None:
    """A token given with "Bearer " (or "OAuth ") in front is refused at construction, and the
    message says to drop the scheme without echoing the token."""
    with pytest.raises(ValidationError) as caught:
        B2BClient(token)
    assert caught.value.field == "token"
    assert "drop the leading" in str(caught.value)
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    "base_url",
    [
        "https://b2b-api.go.yandex.ru/integration/2.0",
        "https://b2b-api.go.yandex.ru/integration/2.0/",
        "https://b2b-api.go.yandex.ru/",
    ],
)
def test_a_base_url_copied_with_the_api_prefix_means_the_host(base_url: str) -> None:
    """A base_url ending in /integration/2.0 (with or without a slash) is the same host."""
    assert B2BClient(TOKEN, base_url=base_url).base_url == "https://b2b-api.go.yandex.ru"


async def test_a_base_url_with_the_api_prefix_reaches_the_api(recorder: Recorder) -> None:
    """Calls of a client given the full API URL go to /integration/2.0/..., not a doubled one."""
    async with B2BClient(TOKEN, base_url=f"{recorder.url}/integration/2.0/") as client:
        await client.users.archive("u1")
    assert recorder.last.path == "/integration/2.0/users/archive"


def test_a_deadline_shorter_than_the_timeout_is_accepted() -> None:
    """RetryPolicy(deadline=5) with the default 30 s timeout is a valid configuration."""
    client = B2BClient(TOKEN, retry=RetryPolicy(deadline=5))
    assert client.retry is not None
    assert client.retry.deadline == 5


async def test_the_deadline_cuts_the_first_attempts_timeout(hostile: HostileServer) -> None:
    """Under a deadline shorter than the timeout, the first attempt times out at the deadline."""
    hostile.answer(HostileAnswer(delay=30.0))
    policy = RetryPolicy(deadline=0.2, backoff_initial=0, backoff_max=0)
    async with B2BClient(TOKEN, base_url=hostile.url, timeout=30, retry=policy) as client:
        with pytest.raises(TransportError) as caught:
            await client.users.archive("u1")
    assert caught.value.sent
    assert "no answer within 0.2s" in str(caught.value)
    assert caught.value.attempts == 1


@pytest.mark.parametrize("timeout", [0, -1, float("nan")])
def test_bad_timeout_is_refused(timeout: float) -> None:
    """A timeout that is not a positive number is refused."""
    with pytest.raises(ValidationError):
        B2BClient(TOKEN, timeout=timeout)


def test_repr_hides_the_token() -> None:
    """The client's repr names the host and hides the token."""
    text = repr(B2BClient(TOKEN, client_id="c-1"))
    assert TOKEN not in text
    assert "c-1" in text


async def test_use_after_close_raises_a_clear_error(recorder: Recorder) -> None:
    """A call after close() raises ClientClosedError, and nothing is sent."""
    client = B2BClient(TOKEN, base_url=recorder.url)
    await client.users.archive("u1")
    await client.close()
    await client.close()  # idempotent
    with pytest.raises(ClientClosedError):
        await client.users.archive("u1")
    assert len(recorder.requests) == 1


async def test_borrowed_session_is_not_closed(recorder: Recorder) -> None:
    """A session passed in is used and left open when the client closes."""
    async with aiohttp.ClientSession() as session:
        async with B2BClient(TOKEN, base_url=recorder.url, session=session) as client:
            await client.users.archive("u1")
        assert not session.closed
        assert recorder.last.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_borrowed_session_closed_by_its_owner_is_reported(recorder: Recorder) -> None:
    """A borrowed session closed underneath the client gives ClientClosedError."""
    session = aiohttp.ClientSession()
    client = B2BClient(TOKEN, base_url=recorder.url, session=session)
    await session.close()
    with pytest.raises(ClientClosedError):
        await client.users.archive("u1")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_connection_refused_is_a_transport_error_not_sent() -> None:
    """A refused connection becomes TransportError(sent=False), chained to the OS error."""
    async with B2BClient(TOKEN, base_url=f"http://127.0.0.1:{free_port()}", retry=None) as client:
        with pytest.raises(TransportError) as caught:
            await client.users.archive("u1")
    assert caught.value.sent is False
    assert isinstance(caught.value.__cause__, aiohttp.ClientError)


async def test_timeout_is_a_transport_error(recorder: Recorder) -> None:
    """No answer within the timeout becomes TransportError(sent=True)."""
    import asyncio

    from aiohttp import web

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        async with B2BClient(
            TOKEN, base_url=f"http://127.0.0.1:{port}", timeout=0.2, retry=None
        ) as client:
            with pytest.raises(TransportError) as caught:
                await client.users.archive("u1")
        assert caught.value.sent is True
    finally:
        await runner.cleanup()


async def test_token_never_appears_in_errors_or_logs(
    recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    """Errors, their chained causes and DEBUG logs of a retried call never hold the token."""
    caplog.set_level(logging.DEBUG)
    recorder.answer(
        Answer(status=503, body=b"<html>down</html>"), Answer(status=404, body={"code": "NF"})
    )
    policy = RetryPolicy(backoff_initial=0, backoff_max=0)
    async with B2BClient(TOKEN, base_url=recorder.url, retry=policy) as client:
        with pytest.raises(NotFoundError) as caught:
            await client.users.patch("u1", UserPatch(nickname="x"))
    rendered = "".join(traceback.format_exception(caught.value))
    assert TOKEN not in rendered
    assert TOKEN not in repr(caught.value)
    assert TOKEN not in caplog.text
    assert caught.value.attempts == 2


async def test_client_without_context_manager_creates_its_session(recorder: Recorder) -> None:
    """A client used without 'async with' opens its session on first call and closes it."""
    client = B2BClient(TOKEN, base_url=recorder.url)
    try:
        await client.users.archive("u1")
    finally:
        await client.close()
    assert client.closed


def test_one_client_serves_two_asyncio_runs_without_warnings(sandbox_in_thread: Sandbox) -> None:
    """A client used (without async with) in two asyncio.run() calls works in both, and leaves
    no unclosed session behind: each run's session closes with its loop."""
    client = B2BClient(sandbox_in_thread.token, base_url=sandbox_in_thread.url)
    asyncio.run(client.auth.clients())
    asyncio.run(client.auth.clients())
    asyncio.run(client.close())
    gc.collect()  # an unclosed session would warn here, and warnings are errors
    assert client.closed


def test_a_client_with_max_concurrency_serves_two_asyncio_runs(sandbox_in_thread: Sandbox) -> None:
    """The concurrency cap of a client works again under a second event loop."""
    client = B2BClient(sandbox_in_thread.token, base_url=sandbox_in_thread.url, max_concurrency=1)

    async def three_at_once() -> None:
        await asyncio.gather(*(client.auth.clients() for _ in range(3)))

    asyncio.run(three_at_once())
    asyncio.run(three_at_once())
    asyncio.run(client.close())
    gc.collect()


def test_concurrent_first_calls_after_a_loop_closed_unshut_share_one_new_session(
    sandbox_in_thread: Sandbox,
) -> None:
    """Calls started together on a new loop, after the last loop closed without shutting down,
    all send on one new session: none of them is left on a session another call replaced."""
    sandbox = sandbox_in_thread
    user_id = sandbox.add_user(phone="+79990000001")
    client = B2BClient(sandbox.token, base_url=sandbox.url, retry=None, timeout=0.05)
    # A first call on a loop closed without shutdown (no asyncio.run): its session is left
    # behind, with no connection in its pool (the timeout dropped it).
    sandbox.faults.script("GET", "/integration/2.0/users", [Reply.passthrough(delay=5)])
    first = asyncio.new_event_loop()
    try:
        with pytest.raises(TransportError):
            first.run_until_complete(client.users.get(user_id))
    finally:
        first.close()

    async def three_at_once() -> list[object]:
        try:
            calls = (client.users.get(user_id, timeout=5) for _ in range(3))
            return await asyncio.gather(*calls, return_exceptions=True)
        finally:
            await client.close()

    answers = asyncio.run(three_at_once())
    assert [getattr(answer, "id", answer) for answer in answers] == [user_id] * 3


def test_a_view_shares_the_concurrency_cap_under_a_second_asyncio_run(
    sandbox_in_thread: Sandbox,
) -> None:
    """A client and its with_options view keep one concurrency cap between them when used
    again under a new loop (each does not make a semaphore of its own)."""
    sandbox = sandbox_in_thread
    user_id = sandbox.add_user(phone="+79990000001")
    client = B2BClient(sandbox.token, base_url=sandbox.url, max_concurrency=1)
    view = client.with_options(timeout=5)

    async def both() -> None:
        await asyncio.gather(client.users.get(user_id), view.users.get(user_id))

    asyncio.run(both())
    sandbox.faults.script("GET", "/integration/2.0/users", [Reply.passthrough(delay=0.2)] * 2)
    asyncio.run(both())
    asyncio.run(client.close())
    assert sandbox.stats.max_in_flight == 1


def test_a_client_used_from_a_second_open_loop_says_to_make_one_per_loop(
    sandbox_in_thread: Sandbox,
) -> None:
    """A client whose connections live on another loop that is still open raises a B2BError
    saying what to do, instead of a RuntimeError from deep inside asyncio."""
    client = B2BClient(sandbox_in_thread.token, base_url=sandbox_in_thread.url)
    first = asyncio.new_event_loop()
    try:
        first.run_until_complete(client.auth.clients())
        with pytest.raises(B2BError, match="one B2BClient per event loop"):
            asyncio.run(client.auth.clients())
        first.run_until_complete(client.close())
    finally:
        first.close()
