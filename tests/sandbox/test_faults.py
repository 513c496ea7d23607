"""Fault injection: the decisions on their own, then what a real client sees over loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import aiohttp
import pytest

from yandex_b2b_async.sandbox import Faults, Reply
from yandex_b2b_async.sandbox.app import ROUTES
from yandex_b2b_async.sandbox.faults import TokenBucket

from .conftest import Api, user_body

USERS = "/integration/2.0/users"


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


# --- Reply and configuration refused when they make no sense -----------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: Reply(status=42),
        lambda: Reply(status=503, delay=-1),
        lambda: Reply(delay=float("nan")),
        lambda: Reply(drop=True, status=503),
        lambda: Reply(body={"id": "x"}),
        lambda: Reply(headers={"Retry-After": "1"}),
    ],
)
def test_nonsensical_reply_is_refused(make: object) -> None:
    """A reply with a bad status or delay, or a dropped one with a status, is a ValueError."""
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        make()  # type: ignore[operator]


def test_script_for_a_path_the_sandbox_does_not_serve_is_refused() -> None:
    """A script that would never match names what the sandbox serves instead."""
    faults = Faults(routes=ROUTES)
    with pytest.raises(ValueError, match=r"does not serve DELETE /integration/2\.0/users"):
        faults.script("DELETE", USERS, [Reply(status=503)])
    with pytest.raises(ValueError, match="without the query"):
        faults.script("POST", USERS + "?x=1", [Reply(status=503)])
    with pytest.raises(ValueError, match="starts with '/'"):
        faults.script("POST", "http://127.0.0.1" + USERS, [Reply(status=503)])


def test_script_of_something_else_than_replies_is_refused() -> None:
    """A script holds Reply objects only."""
    with pytest.raises(ValueError, match="Reply objects"):
        Faults().script("POST", USERS, [503])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("configure", "message"),
    [
        (lambda faults: faults.random(error_rate=-0.1), "error_rate"),
        (lambda faults: faults.random(drop_before_rate=1.5), "drop_before_rate"),
        (lambda faults: faults.random(error_rate=0.6, drop_after_rate=0.6), "more than 1"),
        (lambda faults: faults.random(error_rate=0.5, statuses=[]), "at least one status"),
    ],
)
def test_random_rates_out_of_range_are_refused(
    configure: Callable[[Faults], None], message: str
) -> None:
    """Rates are probabilities that add up to at most 1, and errors need a status."""
    with pytest.raises(ValueError, match=message):
        configure(Faults())


def test_random_faults_on_an_unknown_path_are_refused() -> None:
    """random(paths=...) names a path the sandbox does not serve."""
    with pytest.raises(ValueError, match=r"/integration/2\.0/orders"):
        Faults(routes=ROUTES).random(error_rate=0.5, paths=["/integration/2.0/orders"])


@pytest.mark.parametrize(("rate", "burst"), [(0, None), (-5, None), (float("inf"), None), (10, 0)])
def test_rate_limit_out_of_range_is_refused(rate: float, burst: int | None) -> None:
    """A rate must be positive and finite, a burst at least 1."""
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        Faults().rate_limit(rate, burst=burst)


@pytest.mark.parametrize("latency", [-1.0, (0.5, 0.1), (float("nan"), 1.0)])
def test_bad_latency_is_refused(latency: float | tuple[float, float]) -> None:
    """Latency is seconds >= 0, and a range low..high."""
    with pytest.raises(ValueError, match="latency"):
        Faults().latency(latency)


# --- decisions ---------------------------------------------------------------------------------


def test_script_is_used_in_order_then_normal_behaviour_resumes() -> None:
    """Scripted replies are used one per request, then requests are answered normally."""
    faults = Faults()
    first, second = Reply(status=503), Reply.drop_before()
    faults.script("POST", USERS, [first, second])
    assert faults.pending("POST", USERS) == 2
    assert [faults.plan("POST", USERS) for _ in range(3)] == [first, second, None]
    assert faults.pending("POST", USERS) == 0


def test_script_applies_to_its_method_and_path_only() -> None:
    """A script for POST /users leaves GET /users and other paths alone."""
    faults = Faults()
    faults.script("POST", USERS, [Reply(status=503)])
    assert faults.plan("GET", USERS) is None
    assert faults.plan("POST", USERS + "/archive") is None


def test_random_faults_are_reproducible_with_a_seed() -> None:
    """Two Faults with the same seed decide the same for the same requests."""
    decisions = []
    for _ in range(2):
        faults = Faults()
        faults.random(error_rate=0.3, drop_before_rate=0.1, drop_after_rate=0.1, seed=7)
        decisions.append([faults.plan("POST", USERS) for _ in range(200)])
    assert decisions[0] == decisions[1]
    for expected in (None, Reply.drop_before(), Reply.drop_after()):
        assert expected in decisions[0]


def test_random_rates_are_honoured_roughly() -> None:
    """An error rate of 0.25 fails about a quarter of requests, with the statuses given."""
    faults = Faults()
    faults.random(error_rate=0.25, statuses=[502], seed=1)
    plans = [faults.plan("POST", USERS) for _ in range(4000)]
    failed = [p for p in plans if p is not None]
    assert 0.22 < len(failed) / len(plans) < 0.28
    assert {p.status for p in failed} == {502}


def test_random_faults_limited_to_paths_leave_others_alone() -> None:
    """random(paths=[...]) touches only those paths."""
    faults = Faults()
    faults.random(error_rate=1.0, paths=[USERS])
    assert faults.plan("GET", "/integration/2.0/departments/list") is None
    assert faults.plan("GET", USERS) is not None


def test_token_bucket_grants_a_burst_then_says_how_long_to_wait() -> None:
    """A full bucket grants `burst` at once, then the wait until the next token."""
    clock = FakeClock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    assert [bucket.take() for _ in range(3)] == [None, None, None]
    assert bucket.take() == pytest.approx(0.5)
    clock.now += 0.5
    assert bucket.take() is None


def test_rate_limit_answers_429_with_retry_after_in_whole_seconds() -> None:
    """Beyond the rate, the plan is a 429 whose Retry-After rounds up to at least 1 second."""
    clock = FakeClock()
    faults = Faults(clock=clock)
    faults.rate_limit(0.25, burst=1)
    assert faults.plan("GET", USERS) is None
    throttled = faults.plan("GET", USERS)
    assert throttled is not None
    assert (throttled.status, throttled.headers) == (429, {"Retry-After": "4"})


def test_outage_answers_everything_until_lifted() -> None:
    """In an outage every request is answered 503; lifting it restores normal answers."""
    faults = Faults()
    faults.outage()
    assert faults.plan("GET", USERS) == Reply(status=503)
    faults.outage(False)
    assert faults.plan("GET", USERS) is None


def test_latency_adds_to_every_request() -> None:
    """Latency shows as a delay on a pass-through reply, within the range given."""
    faults = Faults(seed=3)
    faults.latency((0.01, 0.02))
    plans = [faults.plan("GET", USERS) for _ in range(50)]
    assert all(p is not None and p.status is None and 0.01 <= p.delay <= 0.02 for p in plans)


def test_clear_removes_every_fault() -> None:
    """clear() leaves nothing configured."""
    faults = Faults()
    faults.script("POST", USERS, [Reply(status=503)])
    faults.random(error_rate=1.0)
    faults.latency(1.0)
    faults.rate_limit(1)
    faults.outage()
    faults.clear()
    assert faults.plan("POST", USERS) is None


# --- over loopback -----------------------------------------------------------------------------


async def test_drop_before_means_nothing_happened(api: Api) -> None:
    """A connection closed before processing: the client sees a disconnect and no write."""
    api.sandbox.faults.script("POST", USERS, [Reply.drop_before()])
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.call("POST", "/users", json=user_body())
    assert api.sandbox.users() == []
    assert api.sandbox.stats.dropped_before == 1


async def test_drop_after_means_the_write_happened(api: Api) -> None:
    """A connection closed after processing: the client sees a disconnect, the employee exists."""
    api.sandbox.faults.script("POST", USERS, [Reply.drop_after()])
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.call("POST", "/users", json=user_body())
    assert [u["phone"] for u in api.sandbox.users()] == ["+79990000000"]
    retry = await api.call("POST", "/users", json=user_body())
    assert (retry.status, retry.body["extra"]["conflict_user_id"]) == (
        406,
        api.sandbox.users()[0]["id"],
    )


async def test_scripted_error_does_not_process_the_request(api: Api) -> None:
    """A scripted 503 is answered instead of the request: nothing is written."""
    api.sandbox.faults.script("POST", USERS, [Reply(status=503)])
    answer = await api.call("POST", "/users", json=user_body())
    assert (answer.status, answer.body["code"]) == (503, "SERVICE_UNAVAILABLE")
    assert api.sandbox.users() == []


async def test_processed_error_writes_and_answers_the_error(api: Api) -> None:
    """Reply(status=500, process=True): the write happens, the client gets a 500."""
    api.sandbox.faults.script("POST", USERS, [Reply(status=500, process=True)])
    answer = await api.call("POST", "/users", json=user_body())
    assert answer.status == 500
    assert len(api.sandbox.users()) == 1


async def test_html_error_page(api: Api) -> None:
    """Reply.html(502) answers an HTML page, not JSON."""
    api.sandbox.faults.script("GET", USERS, [Reply.html(502)])
    answer = await api.call("GET", "/users")
    assert (answer.status, answer.content_type) == (502, "text/html")
    assert "502 Bad Gateway" in answer.text


async def test_truncated_json(api: Api) -> None:
    """Reply.truncated_json() claims JSON and sends half of it."""
    api.sandbox.faults.script("GET", USERS, [Reply.truncated_json()])
    async with api.session.get(
        api.sandbox.url + USERS, headers={"Authorization": f"Bearer {api.sandbox.token}"}
    ) as resp:
        assert resp.content_type == "application/json"
        with pytest.raises(ValueError, match="Unterminated string"):
            await resp.json()


async def test_custom_reply_body_and_headers(api: Api) -> None:
    """A scripted reply sends the status, JSON body and headers given."""
    api.sandbox.faults.script(
        "GET", USERS, [Reply(status=418, body={"code": "TEAPOT"}, headers={"X-Why": "test"})]
    )
    answer = await api.call("GET", "/users")
    assert (answer.status, answer.body, answer.headers["X-Why"]) == (
        418,
        {"code": "TEAPOT"},
        "test",
    )


async def test_after_the_script_the_request_is_answered_normally(api: Api) -> None:
    """Once the script runs out, the same request succeeds."""
    api.sandbox.faults.script("POST", USERS, [Reply(status=503), Reply.html(502)])
    statuses = [(await api.call("POST", "/users", json=user_body())).status for _ in range(3)]
    assert statuses == [503, 502, 200]


async def test_rate_limit_over_http_sends_429_with_retry_after(api: Api) -> None:
    """Beyond the burst, the client gets 429 with Retry-After and the JSON error body."""
    api.sandbox.faults.rate_limit(1, burst=2)
    answers = [await api.call("GET", "/users") for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 429]
    assert answers[2].headers["Retry-After"] == "1"
    assert answers[2].body["code"] == "TOO_MANY_REQUESTS"
    assert api.sandbox.stats.throttled == 1


async def test_outage_over_http(api: Api) -> None:
    """In an outage, every endpoint answers 503 JSON."""
    api.sandbox.faults.outage()
    answers = [await api.call("GET", "/users"), await api.call("GET", "/auth/list")]
    assert [(a.status, a.content_type) for a in answers] == [(503, "application/json")] * 2


async def test_latency_delays_the_answer(api: Api) -> None:
    """A fixed latency delays the answer by at least that much."""
    api.sandbox.faults.latency(0.1)
    started = time.monotonic()
    await api.call("GET", "/users")
    assert time.monotonic() - started >= 0.1


async def test_random_drops_over_http_are_reproducible(api: Api) -> None:
    """With drop rates of 1, every create is dropped: before (no write) or after (write)."""
    api.sandbox.faults.random(drop_after_rate=1.0, seed=5)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.call("POST", "/users", json=user_body())
    assert len(api.sandbox.users()) == 1


async def test_stats_count_requests_in_flight_and_per_path(api: Api) -> None:
    """Stats count requests, the most in flight at once, and requests per path."""
    api.sandbox.faults.latency(0.05)
    await asyncio.gather(*(api.call("GET", "/users") for _ in range(5)))
    await api.call("GET", "/auth/list")
    stats = api.sandbox.stats
    assert (stats.requests, stats.in_flight, stats.max_in_flight) == (6, 0, 5)
    assert stats.count("GET", USERS) == 5
    assert stats.by_status[200] == 6


async def test_request_log_never_holds_the_token(api: Api) -> None:
    """The log keeps method, path, query, body and the client header, never the token."""
    await api.call(
        "PATCH",
        "/users",
        params={"user_id": "u1"},
        json={"fullname": "A"},
        client_id=api.sandbox.client_id,
    )
    (entry,) = api.sandbox.stats.log
    assert (entry.method, entry.path, entry.query, entry.body) == (
        "PATCH",
        USERS,
        {"user_id": "u1"},
        {"fullname": "A"},
    )
    assert (entry.client_id_header, entry.status) == (api.sandbox.client_id, 404)
    assert api.sandbox.token not in repr(api.sandbox.stats.log)


async def test_reset_stats_zeroes_the_counters(api: Api) -> None:
    """reset_stats() zeroes counters and empties the log."""
    await api.call("GET", "/users")
    api.sandbox.reset_stats()
    stats = api.sandbox.stats
    assert (stats.requests, stats.max_in_flight, len(stats.log), stats.count("GET", USERS)) == (
        0,
        0,
        0,
        0,
    )
