"""The control API (`/_sandbox/...`) and its client `SandboxControl`, over real sockets: a served
sandbox is seeded, faulted, timed and read from outside its process or thread."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from yandex_b2b_async.sandbox import Sandbox, SandboxControl, SandboxError

API = "/integration/2.0"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A sandbox serving from its own thread, as another process would see it."""
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def control(sandbox: Sandbox) -> SandboxControl:
    return SandboxControl(sandbox.url)


def api(sandbox: Sandbox, method: str, path: str, body: object = None) -> tuple[int, Any]:
    """One API request with the sandbox's token: (status, decoded JSON body)."""
    request = urllib.request.Request(
        f"{sandbox.url}{API}{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {sandbox.token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.load(exc)


def test_info_names_the_seeded_client_and_the_mode(
    sandbox: Sandbox, control: SandboxControl
) -> None:
    """GET /_sandbox gives the seeded client, cost center, strict mode and the clock."""
    info: Any = control.info()
    assert (info["client_id"], info["cost_center_id"]) == (
        sandbox.client_id,
        sandbox.cost_center_id,
    )
    assert (info["strict"], info["clock"]["time_factor"]) == (False, 0.0)


def test_seeded_departments_cost_centers_limits_and_employees_are_served(
    sandbox: Sandbox, control: SandboxControl
) -> None:
    """What the control API seeds, the API lists."""
    department = control.add_department("Продажи")
    control.add_department("Москва", parent_id=department)
    cost_center = control.add_cost_center("Проект")
    limit = control.add_limit("Такси", orders_cost="5000")
    user = control.add_user(
        phone="+79990000001",
        fullname="Ilya Ivanov",
        department_id=department,
        cost_centers_id=cost_center,
        limits=[("taxi", limit)],
    )
    _, departments = api(sandbox, "GET", "/departments/list")
    _, employee = api(sandbox, "GET", f"/users?user_id={user}")
    assert [item["name"] for item in departments["items"]] == ["Продажи", "Москва"]
    assert (employee["department_id"], employee["cost_centers_id"]) == (department, cost_center)
    assert employee["limits"] == [{"limit_id": limit, "service": "taxi"}]


def test_a_seeding_refusal_is_a_sandbox_error_naming_it(control: SandboxControl) -> None:
    """A phone the API would refuse is a 400 from the control API, a SandboxError here."""
    with pytest.raises(SandboxError, match="phone"):
        control.add_user(phone="89990000001")


def test_an_unknown_field_is_refused_with_the_fields_allowed(sandbox: Sandbox) -> None:
    """A control body with an unknown field is 400 CONTROL_ERROR naming it."""
    request = urllib.request.Request(
        f"{sandbox.url}/_sandbox/departments",
        data=json.dumps({"name": "A", "colour": "red"}).encode(),
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    with caught.value as error:
        answer = json.load(error)
    assert (error.code, answer["code"]) == (400, "CONTROL_ERROR")
    assert "'colour'" in answer["message"]


def test_an_unknown_control_route_is_404(sandbox: Sandbox) -> None:
    """A path under /_sandbox that is no control route is a 404 of the control API."""
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{sandbox.url}/_sandbox/teleport", timeout=10)
    with caught.value as error:
        assert (error.code, json.load(error)["code"]) == (404, "CONTROL_ERROR")


def test_advance_moves_the_orders_clock(sandbox: Sandbox, control: SandboxControl) -> None:
    """An order made now is complete once the control API advances the clock 1230 s."""
    user = control.add_user(phone="+79990000001")
    route = [{"geopoint": [37.593983, 55.738759]}, {"geopoint": [37.609479, 55.746943]}]
    request = urllib.request.Request(
        f"{sandbox.url}{API}/orders/create",
        data=json.dumps({"user_id": user, "route": route, "class": "econom"}).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {sandbox.token}",
            "X-Idempotency-Token": "0f8fad5b-d9cb-469f-a165-70867728950e",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        order_id = json.load(answer)["order_id"]
    clock: Any = control.advance(1230)
    _, progress = api(sandbox, "GET", f"/orders/progress?order_id={order_id}")
    assert (clock["now"], progress["status"]) == (1230.0, "complete")


def test_the_time_factor_is_set_through_the_control_api(
    sandbox: Sandbox, control: SandboxControl
) -> None:
    """POST /_sandbox/clock/time-factor changes the speed of the served sandbox's clock."""
    assert control.set_time_factor(60)["time_factor"] == 60.0
    assert sandbox.time_factor == 60.0


def test_a_scripted_fault_answers_the_next_api_request(
    sandbox: Sandbox, control: SandboxControl
) -> None:
    """A 503 scripted through the control API answers the next request of that route, once."""
    pending = control.script("GET", f"{API}/departments/list", [{"status": 503}])
    first, _ = api(sandbox, "GET", "/departments/list")
    second, _ = api(sandbox, "GET", "/departments/list")
    assert (pending, first, second) == (1, 503, 200)


def test_a_reply_kind_names_a_canned_fault(sandbox: Sandbox, control: SandboxControl) -> None:
    """{"kind": "rate_limited", "retry_after": 2} is a 429 with Retry-After: 2."""
    control.script("GET", f"{API}/departments/list", [{"kind": "rate_limited", "retry_after": 2}])
    request = urllib.request.Request(
        f"{sandbox.url}{API}/departments/list",
        headers={"Authorization": f"Bearer {sandbox.token}"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    with caught.value as error:
        assert (error.code, error.headers["Retry-After"]) == (429, "2")


def test_a_bad_reply_is_refused_naming_its_place(control: SandboxControl) -> None:
    """A reply with a status outside 100..599 is refused, naming replies[0]."""
    with pytest.raises(SandboxError, match=r"replies\[0\]"):
        control.script("GET", f"{API}/departments/list", [{"status": 42}])


def test_the_control_api_works_through_an_outage(sandbox: Sandbox, control: SandboxControl) -> None:
    """An outage answers the API 503, while the control API still ends it."""
    control.outage()
    during, _ = api(sandbox, "GET", "/departments/list")
    control.outage(enabled=False)
    after, _ = api(sandbox, "GET", "/departments/list")
    assert (during, after) == (503, 200)


def test_a_rate_limit_set_through_the_control_api_throttles(
    sandbox: Sandbox, control: SandboxControl
) -> None:
    """A bucket of one request answers the second at once with 429; clearing faults ends it."""
    control.rate_limit(0.001, burst=1)
    statuses = [api(sandbox, "GET", "/departments/list")[0] for _ in range(2)]
    control.clear_faults()
    assert [*statuses, api(sandbox, "GET", "/departments/list")[0]] == [200, 429, 200]


def test_stats_count_api_requests_and_not_control_requests(
    sandbox: Sandbox, control: SandboxControl
) -> None:
    """The stats see the API requests by path and status; control calls are not counted."""
    api(sandbox, "GET", "/departments/list")
    api(sandbox, "GET", "/users?user_id=missing")
    control.info()
    stats: Any = control.stats()
    assert stats["requests"] == 2
    assert stats["by_status"] == {"200": 1, "404": 1}
    assert stats["by_path"][f"GET {API}/departments/list"] == 1
    control.reset_stats()
    assert control.stats()["requests"] == 0


def test_reset_forgets_the_seeded_data_and_may_switch_strict_mode(
    sandbox: Sandbox, control: SandboxControl
) -> None:
    """POST /_sandbox/reset keeps the client and token, forgets the rest, and sets strict."""
    control.add_department("Продажи")
    info: Any = control.reset(strict=True)
    _, departments = api(sandbox, "GET", "/departments/list")
    assert (info["strict"], departments["items"]) == (True, [])


def test_a_sandbox_served_by_another_process_is_driven_from_here() -> None:
    """`serve --strict --time-factor 0` in a subprocess: seeded, advanced and read from here."""
    command = ["serve", "--port", "0", "--strict", "--time-factor", "0"]
    process = subprocess.Popen(
        [sys.executable, "-m", "yandex_b2b_async.sandbox", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().split("=", 1)[1]
        control = SandboxControl(url)
        info: Any = control.info()
        department = control.add_department("Продажи")
        clock: Any = control.advance(90)
        assert (info["strict"], info["clock"]["time_factor"]) == (True, 0.0)
        assert len(department) == 32
        assert clock["now"] == 90.0
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
