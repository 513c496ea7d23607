"""Orders and services as a user meets them: the real client against the sandbox over loopback,
with the sandbox's clock moving an order through its life."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator

import pytest

from yandex_b2b_async import (
    B2BClient,
    CancelState,
    NotFoundError,
    OrderCreate,
    OrderProgress,
    OrderStatus,
    OrderStatusError,
    OrderWaitTimeout,
    PromocodeOrderCreate,
    RetryPolicy,
    RoutePoint,
    StateConflictError,
    TransportError,
    ValidationError,
    VehicleCreate,
    VehicleUpdate,
)
from yandex_b2b_async.sandbox import Reply, Sandbox

ROUTE = [
    RoutePoint(geopoint=(37.593983, 55.738759), fullname="Зубовский бульвар"),
    RoutePoint(geopoint=(37.609479, 55.746943), fullname="Кремль"),
]


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sandbox:
        yield sandbox


class SandboxTime:
    """A retry policy's clock and sleep that are the sandbox's clock: sleeping moves it."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.sandbox.clock.now()

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.sandbox.advance(seconds)


@pytest.fixture
def time(sandbox: Sandbox) -> SandboxTime:
    return SandboxTime(sandbox)


@pytest.fixture
async def client(sandbox: Sandbox, time: SandboxTime) -> AsyncIterator[B2BClient]:
    policy = RetryPolicy(sleep=time.sleep, clock=time.clock)
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=policy) as client:
        yield client


@pytest.fixture
def user_id(sandbox: Sandbox) -> str:
    return sandbox.add_user(phone="+79990000020", fullname="Ilya Ivanov")


def econom(user_id: str, **changes: object) -> OrderCreate:
    return OrderCreate(user_id=user_id, route=ROUTE, class_="econom", **changes)  # type: ignore[arg-type]


# --- placing an order ------------------------------------------------------------------------


async def test_an_order_placed_with_a_routestats_offer(client: B2BClient, user_id: str) -> None:
    """Routestats gives an offer and prices; an order placed with the offer is searching."""
    stats = await client.orders.routestats([point.geopoint for point in ROUTE], user_id=user_id)
    assert stats.offer is not None
    assert stats.level("econom") is not None
    created = await client.orders.create(econom(user_id, offer=stats.offer))
    progress = await client.orders.progress(created.order_id)
    assert progress.status == OrderStatus.SEARCH


async def test_the_same_token_twice_is_one_order(
    client: B2BClient, sandbox: Sandbox, user_id: str
) -> None:
    """A create repeated with its idempotency token returns the same order; none is added."""
    first = await client.orders.create(econom(user_id))
    again = await client.orders.create(econom(user_id), idempotency_token=first.idempotency_token)
    assert again.order_id == first.order_id
    assert len(sandbox.taxi_orders()) == 1


async def test_an_order_for_an_unknown_employee_is_not_found(client: B2BClient) -> None:
    """The create page's 404 for an unknown employee is a NotFoundError."""
    with pytest.raises(NotFoundError):
        await client.orders.create(econom("nobody"))


async def test_a_requirement_the_zone_lists_is_accepted(client: B2BClient, user_id: str) -> None:
    """An order asks for a requirement that zone info lists for its tariff."""
    zone = await client.zones.info(lat=55.7558, lon=37.6173)
    tariff = zone.tariff("econom")
    assert tariff is not None
    assert tariff.requirement("conditioner") is not None
    created = await client.orders.create(econom(user_id, requirements={"conditioner": True}))
    assert created.order_id


@pytest.mark.parametrize(
    ("point", "field"),
    [((55.73, 37.59), "route"), ((181.0, 55.0), "geopoint[0] (longitude)")],
)
def test_a_point_is_longitude_first_and_in_range(point: tuple[float, float], field: str) -> None:
    """A route point out of range is refused naming the coordinate; latitude first lands in the
    sea, which the sandbox refuses as outside every zone (see the state tests)."""
    if field == "route":
        assert RoutePoint(geopoint=point).geopoint == point
        return
    with pytest.raises(ValidationError) as caught:
        RoutePoint(geopoint=point)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"route": []}, "route"),
        ({"class_": ""}, "class_"),
        ({"due_date": "2030-01-01T10:00:00"}, "due_date"),
        ({"due_date": "tomorrow"}, "due_date"),
        ({"requirements": {"childchair": 1.5}}, "requirements['childchair']"),
    ],
)
def test_a_bad_order_is_refused_naming_the_field(changes: dict[str, object], field: str) -> None:
    """An empty route or tariff, a due date without its offset, a bad requirement value."""
    body: dict[str, object] = {"user_id": "u", "route": ROUTE, "class_": "econom", **changes}
    with pytest.raises(ValidationError) as caught:
        OrderCreate(**body)  # type: ignore[arg-type]
    assert caught.value.field == field


# --- an order's life and wait -----------------------------------------------------------------


async def test_wait_follows_the_order_to_its_end(
    client: B2BClient, user_id: str, time: SandboxTime
) -> None:
    """wait() polls, backing off while the status stands still, until the order is complete."""
    created = await client.orders.create(econom(user_id))
    seen: list[str] = []
    done = await client.orders.wait(
        created.order_id, on_progress=lambda progress: seen.append(progress.status)
    )
    assert done.status == OrderStatus.COMPLETE
    assert list(dict.fromkeys(seen)) == ["search", "driving", "waiting", "transporting", "complete"]
    assert time.slept[0] == 2.0
    assert max(time.slept) == 15.0
    assert sum(time.slept) < 1230 + 15


async def test_wait_until_a_status_stops_there(
    client: B2BClient, user_id: str, time: SandboxTime
) -> None:
    """wait(until="waiting") returns once the driver waits."""
    created = await client.orders.create(econom(user_id))
    progress = await client.orders.wait(created.order_id, until="waiting")
    assert progress.status == "waiting"
    assert 210 <= time.clock() <= 210 + 15


async def test_wait_ends_with_a_timeout_error(
    client: B2BClient, user_id: str, time: SandboxTime
) -> None:
    """A wait past its timeout raises OrderWaitTimeout with the last status seen."""
    created = await client.orders.create(econom(user_id))
    with pytest.raises(OrderWaitTimeout) as caught:
        await client.orders.wait(created.order_id, until=OrderStatus.COMPLETE, timeout=100)
    assert caught.value.status in ("search", "driving")
    assert time.clock() == pytest.approx(100)


async def test_wait_for_a_status_the_order_can_no_longer_reach(
    client: B2BClient, sandbox: Sandbox, user_id: str
) -> None:
    """An order given up by the company ends a wait for `transporting` with OrderStatusError."""
    created = await client.orders.create(econom(user_id))
    sandbox.fail_order(created.order_id)
    with pytest.raises(OrderStatusError) as caught:
        await client.orders.wait(created.order_id, until="transporting")
    assert caught.value.status == "failed"


async def test_wait_polls_through_the_pacer(sandbox: Sandbox, user_id: str) -> None:
    """Each poll is a call of the client: it goes through the pacer and is counted."""
    time = SandboxTime(sandbox)
    policy = RetryPolicy(sleep=time.sleep, clock=time.clock)
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=policy) as client:
        created = await client.orders.create(econom(user_id))
        sandbox.reset_stats()
        await client.orders.wait(created.order_id, until="driving")
        polls = sandbox.stats.by_path["GET /integration/2.0/orders/progress"]
    assert polls == len(time.slept) + 1


async def test_wait_refuses_an_unknown_status(client: B2BClient) -> None:
    """until= must name order statuses."""
    with pytest.raises(ValidationError) as caught:
        await client.orders.wait("o1", until="arrived")
    assert caught.value.field == "until"


# --- cancel and change destinations follow the status ------------------------------------------


async def test_cancel_reads_the_rule_and_cancels(
    client: B2BClient, sandbox: Sandbox, user_id: str
) -> None:
    """A cancel without a state uses the rule in force: paid once the driver waits."""
    created = await client.orders.create(econom(user_id))
    sandbox.advance(250)
    result = await client.orders.cancel(created.order_id)
    info = await client.orders.info(created.order_id)
    assert result.status == "cancelled"
    assert info.status == "cancelled"
    assert info.cost == 99.0


async def test_cancel_in_the_car_is_refused_before_sending(
    client: B2BClient, sandbox: Sandbox, user_id: str
) -> None:
    """An order in transporting is refused locally after the info read; no cancel is sent."""
    created = await client.orders.create(econom(user_id))
    sandbox.advance(400)
    sandbox.reset_stats()
    with pytest.raises(OrderStatusError) as caught:
        await client.orders.cancel(created.order_id)
    assert caught.value.status == "transporting"
    assert "POST /integration/2.0/orders/cancel" not in sandbox.stats.by_path


async def test_a_stale_cancel_rule_is_a_state_conflict(
    client: B2BClient, sandbox: Sandbox, user_id: str
) -> None:
    """A free cancel sent after the rule became paid is the server's 409, not retried."""
    created = await client.orders.create(econom(user_id))
    info = await client.orders.info(created.order_id)
    sandbox.advance(250)
    sandbox.reset_stats()
    with pytest.raises(StateConflictError) as caught:
        await client.orders.cancel(info, state=CancelState.FREE)
    assert caught.value.code == "CANCEL_STATE_CHANGED"
    assert sandbox.stats.by_path["POST /integration/2.0/orders/cancel"] == 1


async def test_destinations_change_while_the_ride_lasts(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """The route changes during the ride; once it is over, a strict sandbox refuses (409)."""
    sandbox.reset(strict=True)
    user_id = sandbox.add_user(phone="+79990000020", fullname="Ilya Ivanov")
    created = await client.orders.create(econom(user_id))
    sandbox.advance(400)
    new = [RoutePoint(geopoint=(37.600296, 55.750379), fullname="Гоголевский бульвар, 31с1")]
    changed = await client.orders.change_destinations(created.order_id, new)
    info = await client.orders.info(created.order_id)
    assert changed[0].locality == "Москва"
    assert info.destination is not None
    assert info.destination.geopoint == (37.600296, 55.750379)
    sandbox.advance(2000)
    with pytest.raises(StateConflictError):
        await client.orders.change_destinations(created.order_id, new)


async def test_feedback_after_the_ride(client: B2BClient, sandbox: Sandbox, user_id: str) -> None:
    """A finished ride is rated (the sandbox answers {} for the empty 200)."""
    created = await client.orders.create(econom(user_id))
    sandbox.advance(2000)
    await client.orders.feedback(created.order_id, 5, msg="хороший водитель")
    assert sandbox.services.taxi.orders[created.order_id].rating == 5


# --- reading orders ---------------------------------------------------------------------------


async def test_list_active_and_report(client: B2BClient, sandbox: Sandbox, user_id: str) -> None:
    """The list pages through every order, active lists those under way, the report them all."""
    ids = [(await client.orders.create(econom(user_id))).order_id for _ in range(5)]
    sandbox.advance(2000)
    ids.append((await client.orders.create(econom(user_id))).order_id)
    listed = [order.id async for order in client.orders.list(limit=2, user_id=user_id)]
    active = await client.orders.active(user_id)
    report = await client.orders.taxi_report(ids)
    assert sorted(listed) == sorted(ids)
    assert [order.id for order in active] == [ids[-1]]
    assert [row.id for row in report] == ids
    assert report[0].ride_status is not None
    assert report[0].ride_status.value == "complete"


async def test_progress_of_an_unknown_order_is_not_found(client: B2BClient) -> None:
    """An unknown order id is a NotFoundError."""
    with pytest.raises(NotFoundError):
        await client.orders.progress("no-such-order")


async def test_progress_has_the_car_once_a_driver_comes(
    client: B2BClient, sandbox: Sandbox, user_id: str
) -> None:
    """The car's location appears once a driver is on the way (latitude first)."""
    created = await client.orders.create(econom(user_id))
    first = await client.orders.progress(created.order_id)
    sandbox.advance(40)
    second = await client.orders.progress(created.order_id)
    assert isinstance(second, OrderProgress)
    assert first.vehicle is None
    assert second.vehicle is not None
    latitude, longitude = second.vehicle.location
    assert 55 < latitude < 56
    assert 37 < longitude < 38


# --- promocodes ------------------------------------------------------------------------------


async def test_a_promocode_series_from_order_to_cancel(client: B2BClient, sandbox: Sandbox) -> None:
    """A series is ordered, read, listed with its codes, and cancelled while none is used."""
    until = datetime.date.today() + datetime.timedelta(days=30)
    created = await client.promocodes.create_order(
        PromocodeOrderCreate(name="Welcome", value=300, count=12, active_until=until)
    )
    order = await client.promocodes.get_order(created.order_id)
    codes = [code async for code in client.promocodes.list_codes(created.order_id, limit=5)]
    series = [item.order_id async for item in client.promocodes.list_orders(limit=1)]
    assert (order.value, order.count, order.status) == (300.0, 12, "creation_success")
    assert len(codes) == 12
    assert series == [created.order_id]
    assert await client.promocodes.cancel_order(created.order_id) == "cancelled"


async def test_a_used_series_cannot_be_cancelled(client: B2BClient, sandbox: Sandbox) -> None:
    """Once a code is used, the cancel is the server's 409."""
    until = datetime.date.today() + datetime.timedelta(days=30)
    created = await client.promocodes.create_order(
        PromocodeOrderCreate(value=300, count=5, active_until=until)
    )
    sandbox.use_promocode(created.order_id)
    with pytest.raises(StateConflictError):
        await client.promocodes.cancel_order(created.order_id)
    codes = [code async for code in client.promocodes.list_codes(created.order_id)]
    assert sum(1 for code in codes if code.status == "used") == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"value": 50}, "value"),
        ({"value": 6000}, "value"),
        ({"count": 2000}, "count"),
        ({"service": "drive"}, "service"),
        ({"name": "x" * 257}, "name"),
        ({"active_from": "2030-02-01", "active_until": "2030-01-01"}, "active_until"),
        ({"bin_ranges": [("123499", "123400")]}, "bin_ranges[0]"),
    ],
)
def test_a_series_outside_the_limits_is_refused(changes: dict[str, object], field: str) -> None:
    """The create page's table is checked when the model is built."""
    body: dict[str, object] = {"value": 220, "count": 31, "active_until": "2030-01-01", **changes}
    with pytest.raises(ValidationError) as caught:
        PromocodeOrderCreate(**body)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_grocery_promocodes_may_be_worth_30000() -> None:
    """Grocery and eats codes take values up to 30,000."""
    order = PromocodeOrderCreate(
        value=30_000, count=5, service="grocery", active_until="2030-01-01"
    )
    assert order.value == 30_000


# --- vehicles --------------------------------------------------------------------------------


async def test_the_fleet_from_create_to_archive(client: B2BClient, user_id: str) -> None:
    """Cars are created, updated, listed by cursor, and archived out of the default list."""
    created = await client.vehicles.bulk_create(
        [
            VehicleCreate(
                license_plate=f"А{index}00АА77", model="Haval", limit_id="lim", access_type="anyone"
            )
            for index in range(3)
        ]
    )
    await client.vehicles.bulk_update(
        [
            VehicleUpdate(
                vehicle_id=created.ids[0],
                license_plate="В900ВВ77",
                model="Haval H5",
                limit_id="lim",
                access_type="anyone",
            )
        ]
    )
    cars = [car async for car in client.vehicles.list(limit=2)]
    await client.vehicles.bulk_archive(created.ids[1:])
    live = [car.vehicle_id async for car in client.vehicles.list(limit=2)]
    every = [car async for car in client.vehicles.list(limit=2, include_deleted=True)]
    assert [car.vehicle_id for car in cars] == list(created.ids)
    assert cars[0].model == "Haval H5"
    assert live == [created.ids[0]]
    assert sum(1 for car in every if car.is_deleted) == 2


async def test_a_plate_taken_is_a_state_conflict(client: B2BClient) -> None:
    """A second car with a live car's plate is the server's 409."""
    car = VehicleCreate(license_plate="А100АА77", model="Haval", limit_id="l", access_type="anyone")
    await client.vehicles.bulk_create([car])
    with pytest.raises(StateConflictError):
        await client.vehicles.bulk_create([car])


async def test_archiving_an_unknown_car_is_not_found(client: B2BClient) -> None:
    """An unknown vehicle id in a bulk archive is a NotFoundError."""
    with pytest.raises(NotFoundError):
        await client.vehicles.bulk_archive(["no-such-car"])


# --- tanker, eats, travels -------------------------------------------------------------------


async def test_tanker_list_pages_by_time(client: B2BClient, sandbox: Sandbox, user_id: str) -> None:
    """Every refuelling comes once, in closing order, across pages of two."""
    base = datetime.datetime(2022, 5, 12, 13, 0, tzinfo=datetime.UTC)
    ids = [
        sandbox.add_tanker_order(user_id=user_id, closed_at=base + datetime.timedelta(minutes=i))
        for i in range(5)
    ]
    seen = [order.id async for order in client.tanker.list(user_id=user_id, limit=2)]
    assert seen == ids


async def test_eats_list_follows_its_cursor(
    client: B2BClient, sandbox: Sandbox, user_id: str
) -> None:
    """Every food order of the employee comes once, newest first."""
    base = datetime.datetime(2023, 2, 10, tzinfo=datetime.UTC)
    ids = [
        sandbox.add_eats_order(user_id=user_id, created_at=base + datetime.timedelta(days=i))
        for i in range(5)
    ]
    sandbox.add_eats_order(user_id="someone-else", created_at=base)
    seen = [order.id async for order in client.eats.list(user_ids=[user_id], limit=2)]
    assert seen == ids[::-1]


async def test_travels_list_follows_next_cursor(
    client: B2BClient, sandbox: Sandbox, user_id: str
) -> None:
    """Every trip matching the name comes once, ten at most a page."""
    ids = [sandbox.add_travel(name=f"Москва {i}", traveller_id=user_id) for i in range(12)]
    sandbox.add_travel(name="Казань", traveller_id=user_id)
    seen = [trip.id async for trip in client.travels.list(name="Москва")]
    assert seen == ids
    first = await client.travels.list_page(name="Москва")
    assert len(first.travel_items) == 10
    assert first.next_cursor is not None


async def test_a_failed_create_gives_its_token_to_repeat_it(sandbox: Sandbox, user_id: str) -> None:
    """A create whose only reply was lost raises with its token; repeating with it is the same
    order the lost attempt made, not a second one."""
    sandbox.faults.script("POST", "/integration/2.0/orders/create", [Reply.drop_after()])
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=None) as client:
        with pytest.raises(TransportError) as caught:
            await client.orders.create(econom(user_id))
        token = caught.value.idempotency_token
        assert token is not None
        again = await client.orders.create(econom(user_id), idempotency_token=token)
    assert [order["id"] for order in sandbox.taxi_orders()] == [again.order_id]


async def test_a_cancel_whose_reply_was_lost_is_not_a_conflict(
    client: B2BClient, sandbox: Sandbox, user_id: str
) -> None:
    """A cancel processed with its reply lost is retried, refused (already cancelled), and
    resolved by reading the order: the call returns the cancel, not a StateConflictError."""
    created = await client.orders.create(econom(user_id))
    sandbox.faults.script("POST", "/integration/2.0/orders/cancel", [Reply.drop_after()])
    result = await client.orders.cancel(created.order_id, state="free")
    assert result.status == "cancelled"


async def test_a_series_cancel_whose_reply_was_lost_is_not_a_conflict(
    client: B2BClient, sandbox: Sandbox
) -> None:
    """The same for a promocode series: the retry's 409 is read as the lost attempt's work."""
    until = datetime.date.today() + datetime.timedelta(days=30)
    created = await client.promocodes.create_order(
        PromocodeOrderCreate(value=300, count=5, active_until=until)
    )
    sandbox.faults.script(
        "POST", "/integration/2.0/promocodes/orders/cancel", [Reply(status=500, process=True)]
    )
    assert await client.promocodes.cancel_order(created.order_id) == "cancelled"
