"""The sandbox's rules for orders, zones, promocodes, vehicles and the service lists, called as
plain Python (no socket): an order's life on the manual clock, cancel rules by status, the
idempotency rule, offers, and the validation of what a client sends."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.sandbox.conftest import CLIENT, OTHER_CLIENT
from yandex_b2b_async.sandbox import ApiError, State
from yandex_b2b_async.sandbox._checks import ManualClock
from yandex_b2b_async.sandbox._services import Services, services_of

MOSCOW_A: Any = [37.593983, 55.738759]
MOSCOW_B: Any = [37.609479, 55.746943]


@pytest.fixture
def services(state: State) -> Services:
    """The services beside the shared two-client state, with one employee of CLIENT."""
    return services_of(state)


@pytest.fixture
def user_id(state: State) -> str:
    return state.add_user(CLIENT, phone="+79990000001", cost_centers_id="cc-main")


def order_body(employee: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "user_id": employee,
        "route": [{"geopoint": MOSCOW_A, "fullname": "A"}, {"geopoint": MOSCOW_B}],
        "class": "econom",
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def loose(value: object) -> Any:
    """A JSON answer, for reading nested fields in a test."""
    return value


def token() -> str:
    return str(uuid.uuid4())


def place(services: Services, user_id: str, **changes: Any) -> str:
    answer = services.taxi.create(CLIENT, token(), order_body(user_id, **changes))
    order_id = answer["order_id"]
    assert isinstance(order_id, str)
    return order_id


def status(services: Services, order_id: str) -> object:
    return services.taxi.progress(CLIENT, order_id)["status"]


# --- an order's life ------------------------------------------------------------------------


def test_an_order_goes_through_its_statuses_as_the_clock_moves(
    services: Services, user_id: str
) -> None:
    """search, driving, waiting, transporting, complete follow each other on the clock alone."""
    order_id = place(services, user_id)
    seen = []
    for seconds in (0, 30, 180, 120, 900):
        services.clock.advance(seconds)
        seen.append(status(services, order_id))
    assert seen == ["search", "driving", "waiting", "transporting", "complete"]


def test_nothing_happens_until_the_clock_moves(services: Services, user_id: str) -> None:
    """Without advance, an order stays in search however often it is read."""
    order_id = place(services, user_id)
    assert {status(services, order_id) for _ in range(5)} == {"search"}


def test_an_advance_order_is_scheduling_until_its_search_starts(
    services: Services, user_id: str
) -> None:
    """An order due in an hour is scheduling, then scheduled, then searched 10 minutes before."""
    due = services.clock.wall() + datetime.timedelta(hours=1)
    order_id = place(services, user_id, due_date=due.isoformat())
    assert status(services, order_id) == "scheduling"
    services.clock.advance(3600 - 600 - 100)
    assert status(services, order_id) == "scheduled"
    services.clock.advance(100)
    assert status(services, order_id) == "search"


def test_progress_gives_the_car_latitude_first(services: Services, user_id: str) -> None:
    """While the driver waits, the car is at the pick-up point, given as [lat, lon]."""
    order_id = place(services, user_id)
    services.clock.advance(250)
    progress = services.taxi.progress(CLIENT, order_id)
    assert progress["status"] == "waiting"
    assert progress["vehicle"] == {"location": [MOSCOW_A[1], MOSCOW_A[0]]}


def test_a_finished_order_has_a_cost_and_a_finish_date(services: Services, user_id: str) -> None:
    """Info gives cost, cost with VAT and finished_date once the ride is complete."""
    order_id = place(services, user_id)
    assert "cost" not in services.taxi.info(CLIENT, order_id)
    services.clock.advance(2000)
    info = services.taxi.info(CLIENT, order_id)
    assert info["status"] == "complete"
    assert isinstance(info["cost"], int | float)
    assert info["cost"] > 0
    assert "finished_date" in info


def test_active_lists_only_orders_under_way(services: Services, user_id: str) -> None:
    """The active list holds the employee's orders not yet over."""
    first = place(services, user_id)
    services.clock.advance(2000)
    second = place(services, user_id)
    assert services.taxi.active(CLIENT, user_id) == {"items": [{"id": second, "status": "search"}]}
    assert first != second


# --- idempotency -------------------------------------------------------------------------------


def test_the_same_token_answers_the_same_order(services: Services, user_id: str) -> None:
    """A create repeated with its token is answered with the order it made, no new one."""
    same = token()
    first = services.taxi.create(CLIENT, same, order_body(user_id))
    again = services.taxi.create(CLIENT, same, order_body(user_id))
    assert first == again
    assert len(services.taxi.census(CLIENT)) == 1


def test_a_token_reused_with_another_body_answers_its_order(
    services: Services, user_id: str
) -> None:
    """By default the same token with a different body answers the token's order again."""
    same = token()
    first = services.taxi.create(CLIENT, same, order_body(user_id))
    again = services.taxi.create(CLIENT, same, order_body(user_id, comment="other"))
    assert (first, len(services.taxi.census(CLIENT))) == (again, 1)


def test_strict_mode_refuses_a_token_reused_with_another_body(
    state: State, services: Services, user_id: str
) -> None:
    """Strict: the same token with a different body is a 409, not a second order."""
    state.strict = True
    same = token()
    services.taxi.create(CLIENT, same, order_body(user_id))
    with pytest.raises(ApiError) as caught:
        services.taxi.create(CLIENT, same, order_body(user_id, comment="other"))
    assert caught.value.status == 409


def test_tokens_belong_to_one_client(state: State, services: Services, user_id: str) -> None:
    """Another client's create with the same token is its own order."""
    other_user = state.add_user(OTHER_CLIENT, phone="+79990000002", cost_centers_id="cc-x")
    same = token()
    first = services.taxi.create(CLIENT, same, order_body(user_id))
    second = services.taxi.create(OTHER_CLIENT, same, order_body(other_user))
    assert first != second


# --- cancel rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(("seconds", "rule"), [(0, "free"), (40, "free"), (250, "paid")])
def test_cancel_follows_the_rule_of_the_status(
    services: Services, user_id: str, seconds: float, rule: str
) -> None:
    """A cancel with the rule info reports for the status succeeds."""
    order_id = place(services, user_id)
    services.clock.advance(seconds)
    info = services.taxi.info(CLIENT, order_id)
    assert loose(info)["cancel_rules"]["state"] == rule
    assert services.taxi.cancel(CLIENT, order_id, {"state": rule}) == {"status": "cancelled"}
    assert status(services, order_id) == "cancelled"


def test_cancel_with_a_stale_rule_is_a_conflict(services: Services, user_id: str) -> None:
    """A free cancel once the driver waits (the rule is paid now) is a 409."""
    order_id = place(services, user_id)
    services.clock.advance(250)
    with pytest.raises(ApiError) as caught:
        services.taxi.cancel(CLIENT, order_id, {"state": "free"})
    assert caught.value.status == 409


@pytest.mark.parametrize("seconds", [400, 2000])
def test_no_cancel_in_the_car_or_after(services: Services, user_id: str, seconds: float) -> None:
    """An order in transporting or complete cannot be cancelled: 409, and can_cancel false."""
    order_id = place(services, user_id)
    services.clock.advance(seconds)
    rules = loose(services.taxi.info(CLIENT, order_id))["cancel_rules"]
    assert rules["can_cancel"] is False
    with pytest.raises(ApiError) as caught:
        services.taxi.cancel(CLIENT, order_id, {"state": "paid"})
    assert caught.value.status == 409


def test_a_paid_cancel_costs_the_fee(services: Services, user_id: str) -> None:
    """A cancel while the driver waits costs the fee; a free one costs nothing."""
    paid = place(services, user_id)
    services.clock.advance(250)
    services.taxi.cancel(CLIENT, paid, {"state": "paid"})
    free = place(services, user_id)
    services.taxi.cancel(CLIENT, free, {"state": "free"})
    assert services.taxi.info(CLIENT, paid)["cost"] == 99.0
    assert services.taxi.info(CLIENT, free)["cost"] == 0.0


# --- destinations, feedback -------------------------------------------------------------------


def test_a_route_change_dated_earlier_than_the_last_is_refused(
    services: Services, user_id: str
) -> None:
    """A change with a created_time before the last change's is a 409."""
    order_id = place(services, user_id)
    point = {"geopoint": MOSCOW_B, "fullname": "B"}
    services.taxi.change_destinations(
        CLIENT, order_id, {"created_time": "2030-01-01T10:00:00", "destinations": [point]}
    )
    with pytest.raises(ApiError) as caught:
        services.taxi.change_destinations(
            CLIENT, order_id, {"created_time": "2030-01-01T09:00:00", "destinations": [point]}
        )
    assert caught.value.status == 409


def test_feedback_is_for_an_order_made_within_a_day(services: Services, user_id: str) -> None:
    """Feedback within a day of the order is 200 `{}`, a day after it is 410 (the page)."""
    order_id = place(services, user_id)
    services.clock.advance(2000)
    assert services.taxi.feedback(CLIENT, order_id, {"rating": 5, "msg": "ok"}) == {}
    services.clock.advance(86_400 - 2000)
    with pytest.raises(ApiError) as late:
        services.taxi.feedback(CLIENT, order_id, {"rating": 4})
    assert (late.value.status, late.value.message) == (410, "Feedback has expired")


def test_an_unfinished_ride_is_rated_by_default(services: Services, user_id: str) -> None:
    """By default a ride under way is rated: the feedback page does not wait for its end."""
    order_id = place(services, user_id)
    assert services.taxi.feedback(CLIENT, order_id, {"rating": 5}) == {}


def test_strict_mode_rates_finished_rides_only(
    state: State, services: Services, user_id: str
) -> None:
    """Strict: feedback on a ride not over yet is 409 ORDER_NOT_FINISHED."""
    state.strict = True
    order_id = place(services, user_id)
    with pytest.raises(ApiError) as early:
        services.taxi.feedback(CLIENT, order_id, {"rating": 5})
    assert (early.value.status, early.value.code) == (409, "ORDER_NOT_FINISHED")


# --- validation of a create -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"class": "spaceship"}, "class"),
        ({"route": []}, "route"),
        ({"route": [{"geopoint": [55.7, 37.6]}]}, "route"),
        ({"route": [{"geopoint": [200, 55]}]}, "route[0].geopoint"),
        ({"requirements": {"teleport": True}}, "requirements.teleport"),
        ({"surprise": 1}, "surprise"),
        ({"user_id": ...}, "user_id"),
    ],
)
def test_a_create_the_api_would_refuse_is_a_400_naming_the_field(
    services: Services, user_id: str, changes: dict[str, Any], field: str
) -> None:
    """Bad tariffs, routes (latitude first lands outside every zone), requirements, fields."""
    with pytest.raises(ApiError) as caught:
        services.taxi.create(CLIENT, token(), order_body(user_id, **changes))
    assert caught.value.status == 400
    assert caught.value.extra == {"field": field}


def test_an_order_for_an_unknown_employee_is_not_found(services: Services) -> None:
    """The create page's 404: no such employee."""
    with pytest.raises(ApiError) as caught:
        services.taxi.create(CLIENT, token(), order_body("nobody"))
    assert caught.value.status == 404


def test_an_expired_offer_is_price_changed(services: Services, user_id: str) -> None:
    """An offer older than ten minutes makes the create a 406 PRICE_CHANGED."""
    offer = services.taxi.routestats(CLIENT, {"route": [MOSCOW_A, MOSCOW_B], "user_id": user_id})
    services.clock.advance(601)
    with pytest.raises(ApiError) as caught:
        services.taxi.create(CLIENT, token(), order_body(user_id, offer=offer["offer"]))
    assert (caught.value.status, caught.value.code) == (406, "PRICE_CHANGED")


def test_routestats_gives_an_offer_only_for_a_user_and_two_points(services: Services) -> None:
    """No user or a single point: prices without an offer."""
    one_point = services.taxi.routestats(CLIENT, {"route": [MOSCOW_A], "user_id": "u"})
    no_user = services.taxi.routestats(CLIENT, {"route": [MOSCOW_A, MOSCOW_B]})
    assert "offer" not in one_point
    assert "offer" not in no_user
    assert one_point["service_levels"]


# --- zones ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat", "lon", "tariff"),
    [
        ("55.75", "37.61", "maybach"),
        ("59.93", "30.33", "vip"),
        ("32.093320", "34.798363", "business"),
    ],
)
def test_zone_info_knows_a_few_cities(services: Services, lat: str, lon: str, tariff: str) -> None:
    """Moscow, Saint Petersburg and Tel Aviv (the page's example point) answer their tariffs."""
    names = [item["name"] for item in loose(services.taxi.zoneinfo(lat, lon))["tariff_classes"]]
    assert tariff in names


def test_a_point_outside_every_zone_is_not_found(services: Services) -> None:
    """The middle of the ocean: 404 Zone not found."""
    with pytest.raises(ApiError) as caught:
        services.taxi.zoneinfo("0", "0")
    assert caught.value.status == 404


# --- promocodes -------------------------------------------------------------------------------


def promo_body(clock: ManualClock, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "value": 220,
        "count": 5,
        "active_until": (clock.wall().date() + datetime.timedelta(days=30)).isoformat(),
    }
    body.update(changes)
    return body


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"value": 99}, "value"),
        ({"value": 5001}, "value"),
        ({"count": 4}, "count"),
        ({"name": ""}, "name"),
        ({"service": "drive"}, "service"),
    ],
)
def test_a_series_outside_the_pages_limits_is_refused(
    services: Services, changes: dict[str, Any], field: str
) -> None:
    """The create page's table: value 100-5000 for taxi, count 5-1000, a name, a known service."""
    with pytest.raises(ApiError) as caught:
        services.promocodes.create(CLIENT, token(), promo_body(services.clock, **changes))
    assert caught.value.extra == {"field": field}


def test_eats_promocodes_may_be_worth_more(services: Services) -> None:
    """Grocery and eats codes may be worth up to 30,000."""
    answer = services.promocodes.create(
        CLIENT, token(), promo_body(services.clock, value=30_000, service="eats")
    )
    assert "order_id" in answer


def test_active_until_beyond_90_days_is_refused(services: Services) -> None:
    """A series valid 91 days after the request is refused."""
    late = (services.clock.wall().date() + datetime.timedelta(days=91)).isoformat()
    with pytest.raises(ApiError) as caught:
        services.promocodes.create(CLIENT, token(), promo_body(services.clock, active_until=late))
    assert caught.value.extra == {"field": "active_until"}


def test_a_series_with_a_used_code_cannot_be_cancelled(services: Services) -> None:
    """Cancel works while no code is used, and is a 409 once one is."""
    used = services.promocodes.create(CLIENT, token(), promo_body(services.clock))["order_id"]
    fresh = services.promocodes.create(CLIENT, token(), promo_body(services.clock))["order_id"]
    assert isinstance(used, str)
    assert isinstance(fresh, str)
    services.promocodes.use(CLIENT, used)
    with pytest.raises(ApiError) as caught:
        services.promocodes.cancel(CLIENT, used)
    assert caught.value.status == 409
    assert services.promocodes.cancel(CLIENT, fresh) == {"status": "cancelled"}
    assert services.promocodes.info(CLIENT, fresh)["revoke_count"] == 5


def test_a_series_create_repeated_with_its_token_is_one_series(services: Services) -> None:
    """The same token answers the same series."""
    same = token()
    first = services.promocodes.create(CLIENT, same, promo_body(services.clock))
    again = services.promocodes.create(CLIENT, same, promo_body(services.clock))
    assert first == again
    assert len(services.promocodes.series) == 1


def test_the_series_list_needs_a_limit(services: Services) -> None:
    """The list page says limit is required."""
    with pytest.raises(ApiError) as caught:
        services.promocodes.list_series(CLIENT, limit=None, cursor=None)
    assert caught.value.extra == {"field": "limit"}


# --- vehicles ---------------------------------------------------------------------------------


def car(plate: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "license_plate": plate,
        "model": "Haval",
        "limit_id": "lim",
        "access_type": "anyone",
    }
    body.update(changes)
    return body


def test_a_plate_belongs_to_one_live_car(services: Services) -> None:
    """A second car with a live car's plate is a 409; once archived, the plate is free."""
    ids = services.fleet.bulk_create(CLIENT, token(), {"vehicles": [car("A1")]})["ids"]
    with pytest.raises(ApiError) as caught:
        services.fleet.bulk_create(CLIENT, token(), {"vehicles": [car("A1")]})
    assert caught.value.status == 409
    services.fleet.bulk_archive(CLIENT, token(), {"vehicle_ids": ids})
    assert services.fleet.bulk_create(CLIENT, token(), {"vehicles": [car("A1")]})["ids"]


def test_a_bulk_create_repeated_with_its_token_adds_nothing(services: Services) -> None:
    """The same token answers the same ids and adds no car."""
    same = token()
    first = services.fleet.bulk_create(CLIENT, same, {"vehicles": [car("A1"), car("B2")]})
    again = services.fleet.bulk_create(CLIENT, same, {"vehicles": [car("A1"), car("B2")]})
    assert first == again
    assert len(services.fleet.vehicles) == 2


def test_updating_an_unknown_car_is_not_found(services: Services) -> None:
    """A bulk update naming no car of the client is a 404, and changes nothing."""
    with pytest.raises(ApiError) as caught:
        services.fleet.bulk_update(CLIENT, token(), {"vehicles": [{"vehicle_id": "x", **car("Z")}]})
    assert caught.value.status == 404


@pytest.mark.parametrize("strict", [False, True])
def test_an_archived_car_is_found_unless_strict(
    state: State, services: Services, strict: bool
) -> None:
    """Archiving an archived car again is a no-op by default, and a 404 in strict mode."""
    state.strict = strict
    ids = services.fleet.bulk_create(CLIENT, token(), {"vehicles": [car("A1")]})["ids"]
    services.fleet.bulk_archive(CLIENT, token(), {"vehicle_ids": ids})
    if strict:
        with pytest.raises(ApiError) as caught:
            services.fleet.bulk_archive(CLIENT, token(), {"vehicle_ids": ids})
        assert caught.value.status == 404
    else:
        assert services.fleet.bulk_archive(CLIENT, token(), {"vehicle_ids": ids}) == {}


def test_the_fleet_list_filters_by_who_may_drive(state: State, services: Services) -> None:
    """A user's list holds cars anyone may use and cars whose access names them or their
    department."""
    department = state.add_department(CLIENT, "Drivers")
    driver = state.add_user(
        CLIENT, phone="+79990000005", cost_centers_id="cc-main", department_id=department
    )
    services.fleet.bulk_create(
        CLIENT,
        token(),
        {
            "vehicles": [
                car("ANY"),
                car(
                    "MINE",
                    access_type="custom",
                    access=[{"entity_type": "user", "entity_id": driver}],
                ),
                car(
                    "DEPT",
                    access_type="custom",
                    access=[{"entity_type": "department", "entity_id": department}],
                ),
                car("NOT", access_type="custom", access=[]),
            ]
        },
    )
    page = services.fleet.list_vehicles(
        CLIENT, limit=10, cursor=None, user_id=driver, include_deleted=False
    )
    plates = {item["license_plate"] for item in loose(page)["items"]}
    assert plates == {"ANY", "MINE", "DEPT"}


# --- the service lists --------------------------------------------------------------------------


def test_tanker_bounds_are_inclusive_then_exclusive(services: Services) -> None:
    """since <= closed_at < till, as the tanker page's warning says."""
    base = datetime.datetime(2022, 5, 12, 13, 0, tzinfo=datetime.UTC)
    for minute in range(3):
        services.reports.add_tanker(
            CLIENT, user_id="u", closed_at=base + datetime.timedelta(minutes=minute)
        )
    answer = services.reports.list_tanker(
        CLIENT,
        user_id=None,
        limit=10,
        since="2022-05-12T13:00:00.000",
        till="2022-05-12T13:02:00.000",
    )
    assert len(loose(answer)["orders"]) == 2
    assert answer["last_closed_at"] == "2022-05-12T13:01:00.000000"


def test_eats_pages_hold_a_cursor_until_the_last(services: Services) -> None:
    """Eats answers a `cursor` on every page but the last."""
    for day in range(3):
        services.reports.add_eats(
            CLIENT,
            user_id="u",
            created_at=datetime.datetime(2023, 2, 10 + day, tzinfo=datetime.UTC),
        )
    first = services.reports.list_eats(CLIENT, None, limit=2, cursor=None, sorting_order="desc")
    cursor = first["cursor"]
    assert isinstance(cursor, str)
    last = services.reports.list_eats(CLIENT, None, limit=2, cursor=cursor, sorting_order="desc")
    assert len(loose(first)["orders"]) == 2
    assert len(loose(last)["orders"]) == 1
    assert "cursor" not in last


def test_services_clear_forgets_everything(services: Services, user_id: str) -> None:
    """clear() empties every service and sets the clock back."""
    place(services, user_id)
    services.clock.advance(100)
    services.clear()
    assert services.taxi.census() == []
    assert services.clock.now() == 0.0


def test_a_realtime_clock_follows_the_wall_clock_and_still_jumps() -> None:
    """The standalone server's clock moves by itself, and advance() still jumps it ahead."""
    clock = ManualClock(realtime=True)
    first = clock.now()
    clock.advance(60)
    assert clock.now() >= first + 60
    later = clock.now()
    assert clock.now() >= later


class RealTime:
    """A stand-in for time.monotonic that a test moves by hand."""

    def __init__(self) -> None:
        self.seconds = 100.0

    def __call__(self) -> float:
        return self.seconds


def test_a_clock_runs_at_its_time_factor() -> None:
    """At factor 60, one real second is a minute of the clock, and advance() adds to it."""
    real = RealTime()
    clock = ManualClock(factor=60, monotonic=real)
    real.seconds += 2
    clock.advance(5)
    assert clock.now() == 125.0


def test_a_clock_of_factor_0_moves_only_when_advanced() -> None:
    """The default clock ignores real time."""
    real = RealTime()
    clock = ManualClock(monotonic=real)
    real.seconds += 1000
    assert clock.now() == 0.0


def test_changing_the_factor_keeps_the_time_reached() -> None:
    """A new speed applies from the moment it is set, with no jump."""
    real = RealTime()
    clock = ManualClock(factor=10, monotonic=real)
    real.seconds += 3
    clock.factor = 0
    real.seconds += 50
    assert clock.now() == 30.0


@pytest.mark.parametrize("factor", [-1.0, float("nan"), float("inf")])
def test_a_clock_refuses_a_bad_factor(factor: float) -> None:
    """A negative or non-finite time factor is a ValueError naming time_factor."""
    with pytest.raises(ValueError, match="time_factor"):
        ManualClock(factor=factor)


def test_a_manual_clock_refuses_to_go_back() -> None:
    """advance() takes only seconds >= 0."""
    with pytest.raises(ValueError, match="forward"):
        ManualClock().advance(-1)


# --- strict-only assumptions of the services ------------------------------------------------


def test_strict_mode_refuses_new_destinations_of_a_finished_order(
    state: State, services: Services, user_id: str
) -> None:
    """Strict: changing the route of an order that is over is 409 ORDER_FINISHED."""
    state.strict = True
    order_id = place(services, user_id)
    services.clock.advance(2000)
    change: Any = {
        "created_time": "2030-01-01T10:00:00+00:00",
        "destinations": [{"geopoint": MOSCOW_B}],
    }
    with pytest.raises(ApiError) as caught:
        services.taxi.change_destinations(CLIENT, order_id, change)
    assert (caught.value.status, caught.value.code) == (409, "ORDER_FINISHED")


def test_a_finished_orders_destinations_change_by_default(services: Services, user_id: str) -> None:
    """By default a finished order's route changes: the page's only 409 is a later change."""
    order_id = place(services, user_id)
    services.clock.advance(2000)
    change: Any = {
        "created_time": "2030-01-01T10:00:00+00:00",
        "destinations": [{"geopoint": MOSCOW_B}],
    }
    assert services.taxi.change_destinations(CLIENT, order_id, change)["changed_destinations"]


@pytest.mark.parametrize("strict", [False, True])
def test_a_cancelled_promocode_series_is_cancelled_again_unless_strict(
    state: State, services: Services, strict: bool
) -> None:
    """A second cancel answers "cancelled" again by default, and 409 in strict mode."""
    state.strict = strict
    order_id = services.promocodes.create(CLIENT, token(), promo_body(services.clock))["order_id"]
    assert isinstance(order_id, str)
    services.promocodes.cancel(CLIENT, order_id)
    if strict:
        with pytest.raises(ApiError) as caught:
            services.promocodes.cancel(CLIENT, order_id)
        assert caught.value.status == 409
    else:
        assert services.promocodes.cancel(CLIENT, order_id) == {"status": "cancelled"}


@pytest.mark.parametrize("strict", [False, True])
def test_a_list_limit_over_1000_is_refused_only_in_strict_mode(
    state: State, services: Services, strict: bool
) -> None:
    """Lists whose pages set no bound take limit=5000 by default; strict mode caps them at 1000."""
    state.strict = strict
    calls: list[Callable[[], object]] = [
        lambda: services.fleet.list_vehicles(
            CLIENT, limit=5000, cursor=None, user_id=None, include_deleted=False
        ),
        lambda: services.promocodes.list_series(CLIENT, limit=5000, cursor=None),
        lambda: services.reports.list_eats(
            CLIENT, {}, limit=5000, cursor=None, sorting_order="desc"
        ),
    ]
    for call in calls:
        if strict:
            with pytest.raises(ApiError):
                call()
        else:
            call()


def test_the_tanker_list_limit_is_at_most_1000_as_its_page_says(services: Services) -> None:
    """The tanker page bounds limit from 1 to 1000: 1001 is a 400 in any mode."""
    with pytest.raises(ApiError) as caught:
        services.reports.list_tanker(CLIENT, user_id=None, limit=1001, since=None, till=None)
    assert caught.value.status == 400


def test_the_taxi_report_names_the_employees_department_and_cost_center(
    state: State, services: Services
) -> None:
    """department, department_path, cost_center and old_department come from the employee."""
    parent = state.add_department(CLIENT, "Продажи")
    child = state.add_department(CLIENT, "Москва", parent_id=parent)
    cost_center = state.add_cost_center(CLIENT, name="Проект")
    employee = state.add_user(
        CLIENT, phone="+79990000077", department_id=child, cost_centers_id=cost_center
    )
    order_id = place(services, employee)
    state.update_department(CLIENT, child, {"name": "Казань"})
    [row] = loose(services.taxi.report(CLIENT, {"ids": [order_id]}))["orders"]
    assert row["department"] == "Казань"
    assert row["department_path"] == ["Продажи", "Казань"]
    assert row["old_department"] == "Москва"
    assert row["cost_center"] == "Проект"


@pytest.mark.parametrize("strict", [False, True])
def test_a_series_starting_yesterday_is_refused_only_in_strict_mode(
    state: State, services: Services, strict: bool
) -> None:
    """active_from in the past is made by default (no page bounds it) and a 400 when strict."""
    state.strict = strict
    yesterday = (services.clock.wall().date() - datetime.timedelta(days=1)).isoformat()
    body = promo_body(services.clock, active_from=yesterday)
    if strict:
        with pytest.raises(ApiError) as caught:
            services.promocodes.create(CLIENT, token(), body)
        assert caught.value.extra == {"field": "active_from"}
    else:
        assert services.promocodes.create(CLIENT, token(), body)["order_id"]
