"""Wire format of the orders and services calls: the exact method, path, query, headers and JSON
body each sends, and what each documented answer (and error) becomes."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import AsyncIterator

import pytest

from tests._recorder import Answer, Recorder
from yandex_b2b_async import (
    B2BClient,
    BankName,
    ConflictError,
    CostCenterValue,
    GoneError,
    NotFoundError,
    OrderCreate,
    OrderInfo,
    OrderStatusError,
    PromocodeGeoRestriction,
    PromocodeOrderCreate,
    PromocodeZone,
    RetryPolicy,
    RoutePoint,
    ServerError,
    StateConflictError,
    ValidationError,
    VehicleAccess,
    VehicleCreate,
    VehicleUpdate,
)

TOKEN = "test-token-0123456789"
API = "/integration/2.0"
IDEMPOTENCY = "X-Idempotency-Token"


async def _instant(_: float) -> None:
    return None


@pytest.fixture
async def client(recorder: Recorder) -> AsyncIterator[B2BClient]:
    async with B2BClient(TOKEN, base_url=recorder.url, retry=None) as client:
        yield client


@pytest.fixture
async def retrying(recorder: Recorder) -> AsyncIterator[B2BClient]:
    policy = RetryPolicy(max_attempts=4, sleep=_instant)
    async with B2BClient(TOKEN, base_url=recorder.url, retry=policy) as client:
        yield client


def documented_order() -> OrderCreate:
    """The create page's example request, as a model."""
    return OrderCreate(
        route=[
            RoutePoint(geopoint=(37.562394, 55.792993), fullname="Москва"),
            RoutePoint(geopoint=(37.609479, 55.746943), fullname="Москва"),
        ],
        user_id="035c71",
        class_="econom",
        cost_center_values=[CostCenterValue(id="9af12a", title="Цель поездки", value="по делам")],
        offer="edd234",
        requirements={"conditioner": True, "yellowcarnumber": True},
    )


DOCUMENTED_ORDER_BODY = {
    "route": [
        {"geopoint": [37.562394, 55.792993], "fullname": "Москва"},
        {"geopoint": [37.609479, 55.746943], "fullname": "Москва"},
    ],
    "user_id": "035c71",
    "class": "econom",
    "cost_center_values": [{"id": "9af12a", "title": "Цель поездки", "value": "по делам"}],
    "offer": "edd234",
    "requirements": {"conditioner": True, "yellowcarnumber": True},
}


# --- orders/create and its idempotency token ---------------------------------------------------


async def test_order_create_posts_the_documented_body(
    client: B2BClient, recorder: Recorder
) -> None:
    """A create is POST /orders/create with the page's JSON body (`class_` sent as `class`)."""
    recorder.answer(Answer(body={"order_id": "33db06"}))
    created = await client.orders.create(documented_order())
    request = recorder.last
    assert (request.method, request.path) == ("POST", f"{API}/orders/create")
    assert request.json() == DOCUMENTED_ORDER_BODY
    assert request.headers["Content-Type"] == "application/json"
    assert created.order_id == "33db06"


async def test_order_create_sends_a_fresh_uuid_token_per_call(
    client: B2BClient, recorder: Recorder
) -> None:
    """Each create without a token carries a new UUID as X-Idempotency-Token, returned with it."""
    recorder.answer(Answer(body={"order_id": "a"}), Answer(body={"order_id": "b"}))
    first = await client.orders.create(documented_order())
    second = await client.orders.create(documented_order())
    tokens = [request.headers[IDEMPOTENCY] for request in recorder.requests]
    assert tokens == [first.idempotency_token, second.idempotency_token]
    assert tokens[0] != tokens[1]
    for token in tokens:
        assert str(uuid.UUID(token)) == token


async def test_order_create_sends_the_callers_token(client: B2BClient, recorder: Recorder) -> None:
    """A caller's idempotency token (str or UUID) is sent as given, in canonical form."""
    token = uuid.uuid4()
    recorder.answer(Answer(body={"order_id": "a"}))
    created = await client.orders.create(documented_order(), idempotency_token=token)
    assert recorder.last.headers[IDEMPOTENCY] == str(token) == created.idempotency_token


async def test_order_create_retries_a_500_with_the_same_token(
    retrying: B2BClient, recorder: Recorder
) -> None:
    """A 500 ("the order may have been created") is retried with the same token, so it is safe."""
    recorder.answer(Answer(status=500, body={"code": "x", "message": "y"}))
    recorder.answer(Answer(body={"order_id": "33db06"}))
    created = await retrying.orders.create(documented_order())
    assert created.order_id == "33db06"
    tokens = {request.headers[IDEMPOTENCY] for request in recorder.requests}
    assert len(recorder.requests) == 2
    assert tokens == {created.idempotency_token}


async def test_order_create_refuses_a_token_that_is_not_a_uuid(
    client: B2BClient, recorder: Recorder
) -> None:
    """An idempotency token that is not a UUID is refused before sending."""
    with pytest.raises(ValidationError) as caught:
        await client.orders.create(documented_order(), idempotency_token="order-1")
    assert caught.value.field == "idempotency_token"
    assert recorder.requests == []


async def test_a_stale_offer_is_a_conflict_error(client: B2BClient, recorder: Recorder) -> None:
    """The page's 406 PRICE_CHANGED answer is a ConflictError with its code, not retried."""
    recorder.answer(
        Answer(
            status=406,
            body={
                "code": "PRICE_CHANGED",
                "message": "Cannot commit order. Price has been changed",
            },
        )
    )
    with pytest.raises(ConflictError) as caught:
        await client.orders.create(documented_order())
    assert caught.value.code == "PRICE_CHANGED"


async def test_a_410_is_a_gone_error(retrying: B2BClient, recorder: Recorder) -> None:
    """410 (the order was handled already) is a GoneError and is not retried."""
    recorder.answer(Answer(status=410, body={"code": "GONE", "message": "expired"}))
    with pytest.raises(GoneError):
        await retrying.orders.create(documented_order())
    assert len(recorder.requests) == 1


# --- routestats, progress, info, list, active, report ------------------------------------------


async def test_routestats_sends_bare_lon_lat_pairs(client: B2BClient, recorder: Recorder) -> None:
    """Routestats sends the route as bare [lon, lat] pairs with the page's other fields."""
    recorder.answer(
        Answer(
            body={
                "offer": "06ff7da",
                "service_levels": [
                    {
                        "class": "econom",
                        "is_fixed_price": True,
                        "price": "250 руб.",
                        "estimated_waiting": {"seconds": 240, "message": "4 мин"},
                        "details_tariff": [{"type": "price", "value": "от 166 руб."}],
                    }
                ],
                "toll_roads": {"has_tolls": True, "auto_payment": False},
            }
        )
    )
    stats = await client.orders.routestats(
        [(37.593983, 55.738759), RoutePoint(geopoint=(37.609479, 55.746943))],
        user_id="0353c71",
        use_toll_roads=True,
        requirements={"conditioner": True, "yellowcarnumber": True},
    )
    assert recorder.last.path == f"{API}/orders/routestats"
    assert recorder.last.json() == {
        "route": [[37.593983, 55.738759], [37.609479, 55.746943]],
        "user_id": "0353c71",
        "use_toll_roads": True,
        "requirements": {"conditioner": True, "yellowcarnumber": True},
    }
    assert stats.offer == "06ff7da"
    level = stats.level("econom")
    assert level is not None
    assert level.estimated_waiting is not None
    assert level.estimated_waiting.seconds == 240.0
    assert stats.toll_roads is not None
    assert stats.toll_roads.has_tolls is True


async def test_progress_reads_the_documented_answer(client: B2BClient, recorder: Recorder) -> None:
    """Progress is GET /orders/progress?order_id=; the car's location is latitude first."""
    recorder.answer(Answer(body={"status": "finished", "vehicle": {"location": [55.75, 37.59]}}))
    progress = await client.orders.progress("191280")
    assert (recorder.last.method, recorder.last.path) == ("GET", f"{API}/orders/progress")
    assert recorder.last.query == {"order_id": "191280"}
    assert progress.status == "finished"
    assert progress.vehicle is not None
    assert progress.vehicle.location == (55.75, 37.59)


ORDER_INFO = {
    "id": "885e440dc70acc3bb6ce0cc5c67d7f2e",
    "user_id": "5769a1d0ed084122a5ff50d67941edc8",
    "class": "econom",
    "status": "complete",
    "due_date": "2023-02-10T10:54:55+03:00",
    "finished_date": "2023-02-10T11:14:16.037000+03:00",
    "performer": {
        "vehicle": {"model": "Nissan Qashqai", "number": "В746УО777", "color": "зеленый"},
        "fullname": "Сазонов Станимир Матвеевич",
    },
    "source": {"fullname": "Москва, Зоологическая улица, 28с1", "geopoint": [37.585, 55.766]},
    "destination": {"fullname": "Москва, улица Годовикова, 9с1", "geopoint": [37.625, 55.807]},
    "cost": 2188,
    "cost_with_vat": 2625.6,
    "cost_center_values": [{"id": "cost_center", "title": "Цель поездки", "value": ""}],
    "toll_roads": {"user_chose_toll_road": True, "user_had_choice": True, "auto_payment": True},
}


async def test_info_reads_the_documented_finished_order(
    client: B2BClient, recorder: Recorder
) -> None:
    """Info decodes the page's finished-order example: integer and fractional costs alike."""
    recorder.answer(Answer(body=ORDER_INFO))
    info = await client.orders.info("885e440dc70acc3bb6ce0cc5c67d7f2e")
    assert recorder.last.query == {"order_id": "885e440dc70acc3bb6ce0cc5c67d7f2e"}
    assert (info.class_, info.status, info.cost, info.cost_with_vat) == (
        "econom",
        "complete",
        2188.0,
        2625.6,
    )
    assert info.destination is not None
    assert info.destination.geopoint == (37.625, 55.807)
    assert "Сазонов" not in repr(info)


async def test_list_sends_the_filters_and_offset(client: B2BClient, recorder: Recorder) -> None:
    """The list page's filters go in the query: limit, offset, user, sorting, dates."""
    recorder.answer(Answer(body={"items": [], "limit": 5, "offset": 0, "total_amount": 0}))
    await client.orders.list_page(
        limit=5,
        offset=10,
        user_id="035c71",
        since=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        till="2024-02-01T00:00:00+03:00",
        sorting_field="finished_date",
        sorting_direction=1,
    )
    assert recorder.last.path == f"{API}/orders/list"
    assert recorder.last.query == {
        "limit": "5",
        "offset": "10",
        "user_id": "035c71",
        "since_datetime": "2024-01-01T00:00:00+00:00",
        "till_datetime": "2024-02-01T00:00:00+03:00",
        "sorting_field": "finished_date",
        "sorting_direction": "1",
    }


async def test_list_follows_offsets_to_the_total(client: B2BClient, recorder: Recorder) -> None:
    """The order list iterator asks for the next offset until the total is reached."""
    item = {"id": "a", "status": "complete"}
    recorder.answer(
        Answer(body={"items": [item, item], "limit": 2, "offset": 0, "total_amount": 3}),
        Answer(body={"items": [item], "limit": 2, "offset": 2, "total_amount": 3}),
    )
    orders = [order async for order in client.orders.list(limit=2)]
    assert len(orders) == 3
    assert [request.query["offset"] for request in recorder.requests] == ["0", "2"]


async def test_active_returns_the_items(client: B2BClient, recorder: Recorder) -> None:
    """Active is GET /orders/active?user_id= and returns its items."""
    recorder.answer(
        Answer(
            body={
                "items": [
                    {"id": "8f7", "status": "driving"},
                    {"id": "71e", "status": "transporting"},
                ]
            }
        )
    )
    active = await client.orders.active("0354c71")
    assert recorder.last.query == {"user_id": "0354c71"}
    assert [(order.id, order.status) for order in active] == [
        ("8f7", "driving"),
        ("71e", "transporting"),
    ]


async def test_taxi_report_sends_ids_in_hundreds(client: B2BClient, recorder: Recorder) -> None:
    """More than 100 ids go in requests of 100 at most, and the answers are joined in order."""
    ids = [f"order-{index}" for index in range(250)]
    recorder.answer(
        Answer(body={"orders": [{"id": "first"}]}),
        Answer(body={"orders": [{"id": "second"}]}),
        Answer(
            body={"orders": [{"id": "third", "cost": 0.0, "ride_status": {"value": "complete"}}]}
        ),
    )
    report = await client.orders.taxi_report(ids)
    assert [len(request.json()["ids"]) for request in recorder.requests] == [100, 100, 50]
    assert recorder.requests[2].json()["ids"] == ids[200:]
    assert [order.id for order in report] == ["first", "second", "third"]


# --- cancel, change-destinations, feedback ------------------------------------------------------


async def test_cancel_with_a_state_sends_it(client: B2BClient, recorder: Recorder) -> None:
    """A cancel with a given state is POST /orders/cancel?order_id= with {"state": …}."""
    recorder.answer(Answer(body={"status": "cancelled"}))
    result = await client.orders.cancel("191280", state="free")
    assert (recorder.last.method, recorder.last.path) == ("POST", f"{API}/orders/cancel")
    assert recorder.last.query == {"order_id": "191280"}
    assert recorder.last.json() == {"state": "free"}
    assert result.status == "cancelled"


async def test_cancel_without_a_state_reads_the_rule_first(
    client: B2BClient, recorder: Recorder
) -> None:
    """A cancel without a state reads orders/info and sends the rule in force."""
    recorder.answer(
        Answer(
            body={
                "id": "o1",
                "status": "waiting",
                "cancel_rules": {"can_cancel": True, "state": "paid"},
            }
        ),
        Answer(body={"status": "cancelled"}),
    )
    await client.orders.cancel("o1")
    assert [request.path for request in recorder.requests] == [
        f"{API}/orders/info",
        f"{API}/orders/cancel",
    ]
    assert recorder.last.json() == {"state": "paid"}


async def test_cancel_of_a_finished_order_is_refused_before_sending(
    client: B2BClient, recorder: Recorder
) -> None:
    """Cancelling an order known to be complete raises OrderStatusError and sends nothing."""
    info = OrderInfo(id="o1", status="complete")
    with pytest.raises(OrderStatusError) as caught:
        await client.orders.cancel(info)
    assert (caught.value.status, caught.value.action) == ("complete", "cancel")
    assert recorder.requests == []


async def test_a_409_refusal_is_a_state_conflict_not_a_retry(
    retrying: B2BClient, recorder: Recorder
) -> None:
    """The server's 409 refusal of a cancel is a StateConflictError after one attempt."""
    recorder.answer(Answer(status=409, body={"code": "CONFLICT", "message": "cannot cancel"}))
    with pytest.raises(StateConflictError):
        await retrying.orders.cancel("o1", state="free")
    assert len(recorder.requests) == 1


async def test_change_destinations_sends_points_and_a_utc_time(
    client: B2BClient, recorder: Recorder
) -> None:
    """Change-destinations sends created_time (UTC, no offset) and the points as objects."""
    recorder.answer(
        Answer(
            body={
                "changed_destinations": [
                    {
                        "fullname": "Москва, Гоголевский бульвар, 31с1",
                        "geopoint": [37.600296, 55.750379],
                        "country": "Россия",
                        "locality": "Москва",
                    }
                ]
            }
        )
    )
    points = await client.orders.change_destinations(
        "31c1fc6",
        [RoutePoint(geopoint=(37.600296, 55.750379), fullname="Гоголевский бульвар, 31с1")],
        created_time="2022-02-09T22:50:34",
    )
    assert recorder.last.path == f"{API}/orders/change-destinations"
    assert recorder.last.query == {"order_id": "31c1fc6"}
    assert recorder.last.json() == {
        "created_time": "2022-02-09T22:50:34",
        "destinations": [
            {"geopoint": [37.600296, 55.750379], "fullname": "Гоголевский бульвар, 31с1"}
        ],
    }
    assert points[0].locality == "Москва"


async def test_change_destinations_of_a_finished_order_is_refused(
    client: B2BClient, recorder: Recorder
) -> None:
    """A route change of an order known to be over raises OrderStatusError, sending nothing."""
    with pytest.raises(OrderStatusError):
        await client.orders.change_destinations(
            OrderInfo(id="o1", status="cancelled"), [RoutePoint(geopoint=(37.6, 55.7))]
        )
    assert recorder.requests == []


@pytest.mark.parametrize("answer", [Answer(body={}), Answer(body=b"", content_type="text/plain")])
async def test_feedback_accepts_an_empty_200_either_way(
    client: B2BClient, recorder: Recorder, answer: Answer
) -> None:
    """Feedback's "empty 200" is accepted as `{}` JSON and as a truly empty body."""
    recorder.answer(answer)
    await client.orders.feedback("191280", 5, msg="хороший водитель")
    assert recorder.last.path == f"{API}/orders/feedback"
    assert recorder.last.query == {"order_id": "191280"}
    assert recorder.last.json() == {"rating": 5, "msg": "хороший водитель"}


@pytest.mark.parametrize("rating", [0, 6, 4.5, True, "5"])
async def test_feedback_rating_must_be_one_to_five(
    client: B2BClient, recorder: Recorder, rating: object
) -> None:
    """A rating outside 1..5 (or not an integer) is refused naming `rating`."""
    with pytest.raises(ValidationError) as caught:
        await client.orders.feedback("o1", rating)  # type: ignore[arg-type]
    assert caught.value.field == "rating"
    assert recorder.requests == []


# --- zones -------------------------------------------------------------------------------------


async def test_zone_info_sends_lat_and_lon(client: B2BClient, recorder: Recorder) -> None:
    """Zone info is GET /zoneinfo?lat=&lon= and decodes tariffs and requirements."""
    recorder.answer(
        Answer(
            body={
                "tariff_classes": [
                    {
                        "name": "business",
                        "name_translate": "Бизнес",
                        "supported_requirements": [
                            {
                                "name": "quiet_ride",
                                "label": "Тишина",
                                "glued": False,
                                "type": "boolean",
                            }
                        ],
                    }
                ]
            }
        )
    )
    zone = await client.zones.info(lat=32.09332, lon=34.798363)
    assert recorder.last.path == f"{API}/zoneinfo"
    assert recorder.last.query == {"lat": "32.09332", "lon": "34.798363"}
    tariff = zone.tariff("business")
    assert tariff is not None
    assert tariff.requirement("quiet_ride") is not None


@pytest.mark.parametrize(
    ("lat", "lon", "field"), [(91.0, 37.0, "lat"), (55.0, 181.0, "lon"), (float("nan"), 0.0, "lat")]
)
async def test_zone_info_refuses_coordinates_out_of_range(
    client: B2BClient, recorder: Recorder, lat: float, lon: float, field: str
) -> None:
    """Coordinates out of range are refused naming the field, before sending."""
    with pytest.raises(ValidationError) as caught:
        await client.zones.info(lat=lat, lon=lon)
    assert caught.value.field == field
    assert recorder.requests == []


async def test_an_unknown_zone_is_not_found(client: B2BClient, recorder: Recorder) -> None:
    """A 404 "Zone not found" is a NotFoundError."""
    recorder.answer(Answer(status=404, body={"code": "NOT_FOUND", "message": "Zone not found"}))
    with pytest.raises(NotFoundError):
        await client.zones.info(lat=0.0, lon=0.0)


# --- promocodes ----------------------------------------------------------------------------------


def _promocode_order() -> PromocodeOrderCreate:
    today = datetime.date.today()
    return PromocodeOrderCreate(
        name="Новый заказ",
        value=220,
        count=31,
        service="taxi",
        active_from=today,
        active_until=today + datetime.timedelta(days=9),
        bin_ranges=[("123400", "123499"), ("555000", "555123")],
        bank_name=BankName(ru="Банк", en="The Bank"),
        geo_restrictions=[
            PromocodeGeoRestriction(
                source=PromocodeZone(geo_restriction_id="be9d4a"), max_intermediate_points=2
            )
        ],
    )


async def test_promocode_create_sends_the_body_and_a_token(
    retrying: B2BClient, recorder: Recorder
) -> None:
    """A series create posts the page's body with a token that a retried 503 repeats."""
    recorder.answer(Answer(status=503, body={"code": "x", "message": "y"}))
    recorder.answer(Answer(body={"order_id": "15c83d"}))
    created = await retrying.promocodes.create_order(_promocode_order())
    today = datetime.date.today()
    assert recorder.last.path == f"{API}/promocodes/orders/create"
    assert recorder.last.json() == {
        "name": "Новый заказ",
        "value": 220,
        "count": 31,
        "service": "taxi",
        "active_from": today.isoformat(),
        "active_until": (today + datetime.timedelta(days=9)).isoformat(),
        "bin_ranges": [["123400", "123499"], ["555000", "555123"]],
        "bank_name": {"ru": "Банк", "en": "The Bank"},
        "geo_restrictions": [
            {"source": {"geo_restriction_id": "be9d4a"}, "max_intermediate_points": 2}
        ],
    }
    tokens = {request.headers[IDEMPOTENCY] for request in recorder.requests}
    assert tokens == {created.idempotency_token}
    assert created.order_id == "15c83d"


async def test_promocode_active_until_beyond_90_days_is_refused(
    client: B2BClient, recorder: Recorder
) -> None:
    """A series valid more than 90 days after the request is refused naming active_until."""
    order = PromocodeOrderCreate(
        value=220, count=5, active_until=datetime.date.today() + datetime.timedelta(days=91)
    )
    with pytest.raises(ValidationError) as caught:
        await client.promocodes.create_order(order)
    assert caught.value.field == "active_until"
    assert recorder.requests == []


async def test_promocode_cancel_info_and_pages(client: B2BClient, recorder: Recorder) -> None:
    """Cancel, info, the orders list and the codes list hit their documented paths and queries."""
    recorder.answer(
        Answer(body={"status": "cancelled"}),
        Answer(body={"order_id": "017", "status": "creation_success", "value": 220, "count": 30}),
        Answer(body={"next_cursor": "60e602", "orders": []}),
        Answer(body={"codes": [{"code": "b2b862", "id": "e6z", "status": "used", "usages": []}]}),
    )
    assert await client.promocodes.cancel_order("0994e48") == "cancelled"
    await client.promocodes.get_order("017")
    await client.promocodes.list_orders_page(limit=4, cursor="abc")
    page = await client.promocodes.list_codes_page("fa06f3", limit=10)
    seen = [(request.method, request.path, request.query) for request in recorder.requests]
    assert seen == [
        ("POST", f"{API}/promocodes/orders/cancel", {"order_id": "0994e48"}),
        ("GET", f"{API}/promocodes/orders/info", {"order_id": "017"}),
        ("GET", f"{API}/promocodes/orders/list", {"limit": "4", "cursor": "abc"}),
        ("GET", f"{API}/promocodes/orders/codes/list", {"order_id": "fa06f3", "limit": "10"}),
    ]
    assert recorder.requests[0].body == b""
    assert "b2b862" not in repr(page)


# --- vehicles ------------------------------------------------------------------------------------


async def test_vehicle_bulk_calls_send_bodies_and_tokens(
    client: B2BClient, recorder: Recorder
) -> None:
    """Bulk create, update and archive send the pages' bodies, each with its own token."""
    recorder.answer(Answer(body={"ids": ["4cd9"]}), Answer(body={}), Answer(body={}))
    created = await client.vehicles.bulk_create(
        [
            VehicleCreate(
                license_plate="Е768КК58",
                model="Haval-5",
                limit_id="7715",
                access_type="custom",
                access=[VehicleAccess(entity_type="department", entity_id="6ddf")],
            )
        ]
    )
    await client.vehicles.bulk_update(
        [
            VehicleUpdate(
                vehicle_id="7ea0",
                license_plate="М200ММ199",
                model="Газель Next5",
                limit_id="7715",
                access_type="custom",
                access=[],
            )
        ]
    )
    await client.vehicles.bulk_archive(["vehicle-abc-123", "vehicle-def-456"])
    create, update, archive = recorder.requests
    assert create.path == f"{API}/vehicles/bulk-create"
    assert create.json() == {
        "vehicles": [
            {
                "license_plate": "Е768КК58",
                "model": "Haval-5",
                "limit_id": "7715",
                "access_type": "custom",
                "access": [{"entity_type": "department", "entity_id": "6ddf"}],
            }
        ]
    }
    assert update.json()["vehicles"][0]["vehicle_id"] == "7ea0"
    assert update.json()["vehicles"][0]["access"] == []
    assert archive.json() == {"vehicle_ids": ["vehicle-abc-123", "vehicle-def-456"]}
    tokens = [request.headers[IDEMPOTENCY] for request in recorder.requests]
    assert len(set(tokens)) == 3
    assert created.ids == ("4cd9",)


async def test_vehicles_list_follows_the_cursor_field(
    client: B2BClient, recorder: Recorder
) -> None:
    """The vehicles list follows the page's `cursor` field (not next_cursor)."""
    car = {"vehicle_id": "v", "license_plate": "A", "model": "M"}
    recorder.answer(
        Answer(body={"items": [car], "limit": 1, "cursor": "c2", "total_amount": 2}),
        Answer(body={"items": [car], "limit": 1, "total_amount": 2}),
    )
    cars = [car async for car in client.vehicles.list(limit=1, include_deleted=True)]
    assert len(cars) == 2
    assert recorder.requests[0].query == {"limit": "1", "include_deleted": "true"}
    assert recorder.requests[1].query == {"limit": "1", "include_deleted": "true", "cursor": "c2"}


async def test_a_repeated_plate_in_one_call_is_refused(
    client: B2BClient, recorder: Recorder
) -> None:
    """Two cars with one plate in a bulk create are refused naming the second."""
    car = VehicleCreate(license_plate="A1", model="M", limit_id="l", access_type="anyone")
    with pytest.raises(ValidationError) as caught:
        await client.vehicles.bulk_create([car, car])
    assert caught.value.field == "vehicles[1].license_plate"
    assert recorder.requests == []


# --- tanker, eats, travels -----------------------------------------------------------------------


async def test_tanker_pages_by_last_closed_at(client: B2BClient, recorder: Recorder) -> None:
    """The tanker list asks again from last_closed_at and skips the orders seen at the bound."""
    recorder.answer(
        Answer(
            body={
                "orders": [
                    {"id": "a", "closed_at": "2022-02-25T18:45:01+03:00"},
                    {"id": "b", "closed_at": "2022-02-25T18:46:01+03:00"},
                ],
                "last_closed_at": "2022-02-25T15:46:01.000000",
            }
        ),
        Answer(
            body={"orders": [{"id": "b"}, {"id": "c"}], "last_closed_at": "2022-02-25T15:50:00"}
        ),
        Answer(body={"orders": [{"id": "c"}], "last_closed_at": "2022-02-25T15:50:00"}),
    )
    ids = [
        order.id
        async for order in client.tanker.list(
            user_id="u1", limit=2, since=datetime.datetime(2022, 2, 1, 3, tzinfo=datetime.UTC)
        )
    ]
    assert ids == ["a", "b", "c"]
    queries = [request.query for request in recorder.requests]
    assert queries[0] == {
        "limit": "2",
        "user_id": "u1",
        "since_datetime": "2022-02-01T03:00:00.000",
    }
    assert queries[1]["since_datetime"] == "2022-02-25T15:46:01.000000"


async def test_eats_list_posts_user_ids_and_follows_cursor(
    client: B2BClient, recorder: Recorder
) -> None:
    """The eats list posts user_ids and follows the answer's `cursor` in the query."""
    order = {"id": "230218-1509473", "user_id": "b201", "status": "delivered"}
    recorder.answer(
        Answer(body={"cursor": "1676209440.0-230212", "limit": 2, "orders": [order, order]}),
        Answer(body={"limit": 2, "orders": []}),
    )
    orders = [item async for item in client.eats.list(user_ids=["b201"], limit=2)]
    assert len(orders) == 2
    first, second = recorder.requests
    assert (first.method, first.path) == ("POST", f"{API}/orders/eats/list")
    assert first.query == {"limit": "2"}
    assert first.json() == {"user_ids": ["b201"]}
    assert second.query == {"limit": "2", "cursor": "1676209440.0-230212"}


async def test_travels_list_sends_the_cursor_in_the_body(
    client: B2BClient, recorder: Recorder
) -> None:
    """The travels list is POST /travels/list with filters and the cursor in the body."""
    trip = {"id": "0507", "name": "Москва", "hotel_reservations": [], "train_trips": []}
    recorder.answer(
        Answer(body={"travel_items": [trip], "next_cursor": "n2"}),
        Answer(body={"travel_items": [trip]}),
    )
    trips = [
        trip
        async for trip in client.travels.list(
            name="Москва", date_from=datetime.date(2025, 8, 13), date_to="2025-08-14", limit=1
        )
    ]
    assert len(trips) == 2
    first, second = recorder.requests
    assert first.path == f"{API}/travels/list"
    assert first.json() == {
        "limit": 1,
        "name": "Москва",
        "date_from": "2025-08-13",
        "date_to": "2025-08-14",
    }
    assert second.json()["cursor"] == "n2"


async def test_travels_limit_is_at_most_ten(client: B2BClient, recorder: Recorder) -> None:
    """A travels page of more than 10 trips is refused naming limit."""
    with pytest.raises(ValidationError) as caught:
        await client.travels.list_page(limit=11)
    assert caught.value.field == "limit"


async def test_a_server_error_on_a_list_is_a_server_error(
    client: B2BClient, recorder: Recorder
) -> None:
    """A 5xx answer of a list is a ServerError (retried by policy, here none)."""
    recorder.answer(Answer(status=502, body=b"<html>bad gateway</html>", content_type="text/html"))
    with pytest.raises(ServerError):
        await client.eats.list_page()


async def test_an_observed_client_sends_the_same_token_on_each_attempt(
    recorder: Recorder,
) -> None:
    """With observers the create's token is still sent, the same on every retry."""
    seen: list[object] = []
    recorder.answer(Answer(status=503, body={"code": "x", "message": "y"}))
    recorder.answer(Answer(body={"order_id": "33db06"}))
    policy = RetryPolicy(max_attempts=4, sleep=_instant)
    async with B2BClient(
        TOKEN, base_url=recorder.url, retry=policy, observers=[seen.append]
    ) as client:
        created = await client.orders.create(documented_order())
    tokens = [request.headers[IDEMPOTENCY] for request in recorder.requests]
    assert tokens == [created.idempotency_token] * 2
    assert seen
