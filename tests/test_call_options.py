"""Options per call and per part of a service: ``timeout=`` on every call, ``with_options``
(timeout, retry, rate limit, language over the client's connections), ``language=`` sent as
X-Request-Language only when given, and no Content-Type on a request without a body. Against
the sandbox and the recording server over loopback sockets."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator

import pytest

from tests._recorder import Answer, Recorder
from yandex_b2b_async import (
    B2BClient,
    ClientClosedError,
    RateLimit,
    RetryPolicy,
    ServerError,
    TransportError,
    ValidationError,
)
from yandex_b2b_async.resources import APIResource
from yandex_b2b_async.sandbox import Reply, Sandbox

USERS = "/integration/2.0/users"
UNKNOWN = "0" * 32


async def no_wait(_: float) -> None:
    return None


INSTANT = RetryPolicy(max_attempts=3, sleep=no_wait)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sandbox:
        yield sandbox


def calls(sandbox: Sandbox, method: str, path: str) -> int:
    return sum(1 for e in sandbox.stats.log if (e.method, e.path) == (method, path))


# --- timeout= per call -----------------------------------------------------------------------


def _public_calls() -> dict[str, inspect.Signature]:
    found = {}
    for resource in APIResource.__subclasses__():
        for name, method in inspect.getmembers(resource, inspect.isfunction):
            signature = inspect.signature(method)
            if not name.startswith("_") and "retry" in signature.parameters:
                found[f"{resource.__name__}.{name}"] = signature
    return found


CALLS = _public_calls()


@pytest.mark.parametrize("call", sorted(CALLS))
def test_every_call_that_takes_retry_takes_a_timeout(call: str) -> None:
    """Each public call with a per-call retry has a per-call attempt timeout too."""
    name = "poll_timeout" if call == "OrdersAPI.wait" else "timeout"
    parameter = CALLS[call].parameters.get(name)
    assert parameter is not None, call
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY


async def test_a_calls_timeout_bounds_its_attempt(sandbox: Sandbox) -> None:
    """timeout= on one call ends a slow attempt in a TransportError flagged as a timeout, though
    the client's own timeout is long."""
    sandbox.faults.script("GET", USERS, [Reply.passthrough(delay=5)])
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=None, timeout=60) as client:
        with pytest.raises(TransportError) as caught:
            await client.users.get(UNKNOWN, timeout=0.05)
    assert caught.value.timeout


async def test_a_calls_timeout_applies_to_each_retry(sandbox: Sandbox) -> None:
    """The per-call timeout is per attempt: a slow first attempt times out, the retry answers."""
    user_id = sandbox.add_user(phone="+79990000001")
    sandbox.faults.script("GET", USERS, [Reply.passthrough(delay=5)])
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=INSTANT, timeout=60) as client:
        user = await client.users.get(user_id, timeout=0.05)
    assert user.id == user_id
    assert calls(sandbox, "GET", USERS) == 2


async def test_a_bad_timeout_is_refused_before_sending(sandbox: Sandbox) -> None:
    """timeout=0 is a ValidationError naming timeout, and nothing is sent."""
    async with B2BClient(sandbox.token, base_url=sandbox.url) as client:
        with pytest.raises(ValidationError) as caught:
            await client.users.get(UNKNOWN, timeout=0)
    assert caught.value.field == "timeout"
    assert sandbox.stats.requests == 0


# --- with_options ----------------------------------------------------------------------------


async def test_a_view_shares_the_clients_connections_and_pacer(sandbox: Sandbox) -> None:
    """with_options returns a client over the same transport, retry budget and pacer."""
    async with B2BClient(sandbox.token, base_url=sandbox.url) as client:
        view = client.with_options(timeout=5)
        assert view.transport is client.transport
        assert view.pacer is client.pacer
        assert view.retry_budget is client.retry_budget
        assert (view.timeout, client.timeout) == (5.0, 30.0)


async def test_a_views_timeout_bounds_its_calls(sandbox: Sandbox) -> None:
    """A view's timeout applies to its calls; the client's own calls keep theirs."""
    sandbox.faults.script("GET", USERS, [Reply.passthrough(delay=5)])
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=None, timeout=60) as client:
        with pytest.raises(TransportError) as caught:
            await client.with_options(timeout=0.05).users.get(UNKNOWN)
    assert caught.value.timeout


async def test_a_views_retry_policy_replaces_the_clients(sandbox: Sandbox) -> None:
    """with_options(retry=None): a 503 is not retried through the view."""
    sandbox.faults.script("GET", USERS, [Reply(status=503)] * 3)
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=INSTANT) as client:
        with pytest.raises(ServerError):
            await client.with_options(retry=None).users.get(UNKNOWN)
    assert calls(sandbox, "GET", USERS) == 1


async def test_a_views_rate_limit_is_its_own_pacer(sandbox: Sandbox) -> None:
    """with_options(rate_limit=...) paces the view with a pacer of its own."""
    async with B2BClient(sandbox.token, base_url=sandbox.url) as client:
        view = client.with_options(rate_limit=RateLimit(rate=100))
        assert view.pacer is not client.pacer
        assert view.pacer.current_rate == 100


async def test_a_view_cannot_share_a_quota_through_redis(sandbox: Sandbox) -> None:
    """A Redis-shared rate limit belongs to a client: a view's is refused, naming rate_limit."""
    async with B2BClient(sandbox.token, base_url=sandbox.url) as client:
        with pytest.raises(ValidationError) as caught:
            client.with_options(rate_limit=RateLimit(rate=5, redis_url="redis://127.0.0.1:1/0"))
    assert caught.value.field == "rate_limit"


async def test_closing_a_view_leaves_the_client_working(sandbox: Sandbox) -> None:
    """A view closed (async with) ends only the view; the client's calls go on."""
    user_id = sandbox.add_user(phone="+79990000001")
    async with B2BClient(sandbox.token, base_url=sandbox.url) as client:
        async with client.with_options(timeout=5) as view:
            await view.users.get(user_id)
        with pytest.raises(ClientClosedError):
            await view.users.get(user_id)
        assert (await client.users.get(user_id)).id == user_id


async def test_closing_the_client_ends_its_views(sandbox: Sandbox) -> None:
    """After the client is closed, a view of it raises ClientClosedError, sending nothing."""
    client = B2BClient(sandbox.token, base_url=sandbox.url)
    view = client.with_options(timeout=5)
    await client.close()
    with pytest.raises(ClientClosedError):
        await view.users.get(UNKNOWN)
    assert view.closed


# --- language and Content-Type on the wire ---------------------------------------------------


async def test_no_language_header_unless_given(recorder: Recorder) -> None:
    """A client without language= sends no X-Request-Language."""
    recorder.answer(Answer(body={"tariffs": []}))
    async with B2BClient("t", base_url=recorder.url, retry=None) as client:
        await client.zones.info(lat=55.7, lon=37.6)
    assert "X-Request-Language" not in recorder.last.headers


async def test_the_clients_language_is_sent_with_every_call(recorder: Recorder) -> None:
    """B2BClient(language="en") sends X-Request-Language: en."""
    recorder.answer(Answer(body={"tariffs": []}))
    async with B2BClient("t", base_url=recorder.url, retry=None, language="en") as client:
        await client.zones.info(lat=55.7, lon=37.6)
    assert recorder.last.headers["X-Request-Language"] == "en"


async def test_a_views_language_replaces_or_removes_the_clients(recorder: Recorder) -> None:
    """with_options(language="ru") sends ru; with_options(language=None) sends none."""
    recorder.answer(Answer(body={"tariffs": []}), Answer(body={"tariffs": []}))
    async with B2BClient("t", base_url=recorder.url, retry=None, language="en") as client:
        await client.with_options(language="ru").zones.info(lat=55.7, lon=37.6)
        assert recorder.last.headers["X-Request-Language"] == "ru"
        await client.with_options(language=None).zones.info(lat=55.7, lon=37.6)
    assert "X-Request-Language" not in recorder.last.headers


def test_a_language_with_a_line_break_is_refused() -> None:
    """language= goes into a header: a line break in it is a ValidationError naming it."""
    with pytest.raises(ValidationError) as caught:
        B2BClient("t", language="en\r\nX-Evil: 1")
    assert caught.value.field == "language"


async def test_a_post_without_a_body_sends_no_content_type(recorder: Recorder) -> None:
    """users.archive (a POST with no body) goes out without Content-Type and with no body."""
    async with B2BClient("t", base_url=recorder.url, retry=None) as client:
        await client.users.archive("u1")
    assert recorder.last.method == "POST"
    assert "Content-Type" not in recorder.last.headers
    assert recorder.last.body == b""


async def test_a_post_with_a_body_is_json(recorder: Recorder) -> None:
    """A POST with a body still says Content-Type: application/json."""
    recorder.answer(Answer(body={"items": []}))
    async with B2BClient("t", base_url=recorder.url, retry=None) as client:
        await client.users.find_by_phone("+79990000001")
    assert recorder.last.headers["Content-Type"] == "application/json"


async def test_closing_the_client_ends_views_of_its_views(sandbox: Sandbox) -> None:
    """A view made from a view is ended by the client's close too."""
    client = B2BClient(sandbox.token, base_url=sandbox.url)
    inner = client.with_options(timeout=5).with_options(retry=None)
    await client.close()
    with pytest.raises(ClientClosedError):
        await inner.users.get(UNKNOWN)
    assert sandbox.stats.requests == 0
