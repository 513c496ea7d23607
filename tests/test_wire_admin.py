"""Wire format of the administration calls: the exact method, path, query and JSON body each
sends, what each answer decodes to, and that bad input is refused before anything is sent."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests._recorder import Answer, Recorder
from yandex_b2b_async import (
    B2BClient,
    ConflictError,
    CostCenterCreate,
    CostCenterFieldSetting,
    CostCenterUpdate,
    CostLimit,
    CountLimit,
    GeoCircle,
    GeoRestrictionCreate,
    GeoRule,
    LimitRules,
    ManagerCreate,
    ManagerRole,
    ManagerUpdate,
    NotFoundError,
    PersonalLimit,
    RetryPolicy,
    Service,
    TimeRestriction,
    ValidationError,
)

TOKEN = "test-token-0123456789"
API = "/integration/2.0"


@pytest.fixture
async def client(recorder: Recorder) -> AsyncIterator[B2BClient]:
    async with B2BClient(TOKEN, base_url=recorder.url, retry=None) as client:
        yield client


def sent(recorder: Recorder) -> tuple[str, str, dict[str, str]]:
    request = recorder.last
    return request.method, request.path, request.query


EMPTY_PAGE = {"items": [], "limit": 100, "offset": 0, "total_amount": 0}

# The limits search page's example answer, verbatim but for the trailing space after "]".
LIMIT_ITEM = {
    "geo_restrictions": [
        {
            "source": "50d17034e0eb\u0430\u0430\u0430d952d2dad4bbbabcf",
            "destination": "62b9160b33\u0430\u0430\u04304548e11bbb736bde8b",
        }
    ],
    "id": "9acfdf0a7c9a4dbb85c0601e422f25d9",
    "client_id": "9acfdf0a7c9a4dbb85c0601e422f25d9",
    "categories": ["econom", "business"],
    "limits": {
        "orders_amount": {"value": 50, "period": "month"},
        "orders_cost": {"value": "5000", "period": "month"},
    },
    "title": "Такси - 5000",
    "time_restrictions": [
        {
            "type": "weekly_date",
            "start_time": "00:59:00",
            "end_time": "02:00:00",
            "days": ["mo", "tu", "we", "th", "fr", "sa", "su"],
        }
    ],
    "can_edit": True,
    "counters": {"users": 3},
    "service": "taxi",
}


# --- limits --------------------------------------------------------------------------------------


async def test_limit_search_sends_the_filters(client: B2BClient, recorder: Recorder) -> None:
    """GET /limits/search carries limit, offset and each filter given (the title as search)."""
    recorder.answer(Answer(body=EMPTY_PAGE))
    await client.limits.search_page(
        department_id="dep-1", user_id="u-1", service=Service.EATS2, title="Обеды", limit=20
    )
    assert sent(recorder) == (
        "GET",
        f"{API}/limits/search",
        {
            "limit": "20",
            "offset": "0",
            "department_id": "dep-1",
            "user_id": "u-1",
            "service": "eats2",
            "search": "Обеды",
        },
    )


async def test_limit_search_decodes_the_documented_answer(
    client: B2BClient, recorder: Recorder
) -> None:
    """The search page's example decodes: Cyrillic ids, a string cost and a number count."""
    recorder.answer(
        Answer(body={"items": [LIMIT_ITEM], "limit": 100, "offset": 0, "total_amount": 1})
    )
    [limit] = [item async for item in client.limits.search()]
    assert (limit.title, limit.service, limit.users) == ("Такси - 5000", Service.TAXI, 3)
    cost, amount = limit.limits.orders_cost, limit.limits.orders_amount
    assert cost is not None
    assert amount is not None
    assert (cost.value, amount.value) == ("5000", 50)
    assert limit.geo_restrictions[0].source == "50d17034e0eb\u0430\u0430\u0430d952d2dad4bbbabcf"
    assert limit.time_restrictions[0].days[0] == "mo"


async def test_limit_search_follows_offset_pages(client: B2BClient, recorder: Recorder) -> None:
    """search() asks for the next offset until it has total_amount items."""
    first = {**LIMIT_ITEM, "id": "a"}
    second = {**LIMIT_ITEM, "id": "b"}
    recorder.answer(
        Answer(body={"items": [first], "limit": 1, "offset": 0, "total_amount": 2}),
        Answer(body={"items": [second], "limit": 1, "offset": 1, "total_amount": 2}),
    )
    ids = [item.id async for item in client.limits.search(limit=1)]
    assert ids == ["a", "b"]
    assert [request.query["offset"] for request in recorder.requests] == ["0", "1"]


async def test_limit_get_reads_one_limit(client: B2BClient, recorder: Recorder) -> None:
    """GET /limits?limit_id=… decodes one limit; a drive cost given as a number is kept."""
    recorder.answer(
        Answer(
            body={
                "id": "26...40",
                "service": "drive",
                "title": "Каршеринг",
                "limits": {"orders_cost": {"value": 10000.0, "period": "month"}},
                "cities": ["msk"],
                "counters": {"users": 1},
            }
        )
    )
    limit = await client.limits.get("26...40")
    assert sent(recorder) == ("GET", f"{API}/limits", {"limit_id": "26...40"})
    assert limit.limits.orders_cost is not None
    assert limit.limits.orders_cost.value == 10000.0


async def test_an_unknown_limit_is_not_found(client: B2BClient, recorder: Recorder) -> None:
    """A 404 from the get page becomes NotFoundError."""
    recorder.answer(Answer(status=404, body={"code": "NOT_FOUND", "message": "no limit"}))
    with pytest.raises(NotFoundError):
        await client.limits.get("missing")


async def test_personal_limit_puts_the_documented_taxi_body(
    client: B2BClient, recorder: Recorder
) -> None:
    """PUT /limits/personal?user_id=… sends the taxi example's shape; categories in Latin."""
    recorder.answer(Answer(body={"id": "3caa3b05e"}))
    limit_id = await client.limits.update_personal(
        "f1387",
        PersonalLimit(
            title="Название лимита",
            client_id="client-1",
            service=Service.TAXI,
            categories=["econom", "business"],
            limits=LimitRules(
                orders_cost=CostLimit(value=818181, period="month"),
                orders_amount=CountLimit(value=2, period="day"),
            ),
            time_restrictions=[
                TimeRestriction(
                    type="range_date",
                    start_date="2022-09-02T00:00:00",
                    end_date="2022-09-14T00:00:00",
                ),
                TimeRestriction(
                    type="weekly_date",
                    start_time="00:00:00",
                    end_time="23:59:00",
                    days=["fr", "mo"],
                ),
            ],
            geo_restrictions=[
                GeoRule(source="e87d", destination="3ff4", prohibiting_restriction=True)
            ],
        ),
    )
    assert limit_id == "3caa3b05e"
    assert sent(recorder) == ("PUT", f"{API}/limits/personal", {"user_id": "f1387"})
    assert recorder.last.json() == {
        "title": "Название лимита",
        "client_id": "client-1",
        "service": "taxi",
        "categories": ["econom", "business"],
        "limits": {
            "orders_cost": {"value": "818181", "period": "month"},
            "orders_amount": {"value": 2, "period": "day"},
        },
        "time_restrictions": [
            {
                "type": "range_date",
                "start_date": "2022-09-02T00:00:00",
                "end_date": "2022-09-14T00:00:00",
            },
            {
                "type": "weekly_date",
                "days": ["fr", "mo"],
                "start_time": "00:00:00",
                "end_time": "23:59:00",
            },
        ],
        "geo_restrictions": [
            {"source": "e87d", "destination": "3ff4", "prohibiting_restriction": True}
        ],
    }


async def test_personal_limit_for_a_service_refuses_fields_of_another(
    client: B2BClient, recorder: Recorder
) -> None:
    """fuel_types on an eats2 limit is refused, naming the field, and nothing is sent."""
    with pytest.raises(ValidationError) as caught:
        PersonalLimit(title="Обеды", service="eats2", fuel_types=["a92"])
    assert caught.value.field == "fuel_types"
    assert recorder.requests == []


# --- cost centers --------------------------------------------------------------------------------


async def test_cost_center_create_sends_every_required_field(
    client: B2BClient, recorder: Recorder
) -> None:
    """POST /cost_centers/create sends name, default and field_settings, even when default."""
    recorder.answer(Answer(body={"id": "cc-9"}))
    created = await client.cost_centers.create(CostCenterCreate(name="Проект"))
    assert (created.id, created.reconciled) == ("cc-9", False)
    assert sent(recorder) == ("POST", f"{API}/cost_centers/create", {})
    assert recorder.last.json() == {"name": "Проект", "default": False, "field_settings": []}


async def test_cost_center_update_posts_the_documented_body(
    client: B2BClient, recorder: Recorder
) -> None:
    """POST /cost_centers/update?id=… carries the update page's body."""
    recorder.answer(Answer(body={"id": "2983"}))
    answer = await client.cost_centers.update(
        "2983",
        CostCenterUpdate(
            name="Cost center to update",
            field_settings=[
                CostCenterFieldSetting(
                    title="Центр затрат",
                    required=True,
                    services=["taxi", "eats2", "cargo"],
                    format="select",
                    values=["По работе", "Личная поездка"],
                    id="cost_center",
                    hidden=True,
                ),
                CostCenterFieldSetting(
                    title="Номер дела", required=False, services=["taxi"], format="text"
                ),
            ],
        ),
    )
    assert answer == "2983"
    assert sent(recorder) == ("POST", f"{API}/cost_centers/update", {"id": "2983"})
    assert recorder.last.json() == {
        "name": "Cost center to update",
        "default": False,
        "field_settings": [
            {
                "title": "Центр затрат",
                "required": True,
                "services": ["taxi", "eats2", "cargo"],
                "format": "select",
                "values": ["По работе", "Личная поездка"],
                "id": "cost_center",
                "hidden": True,
            },
            {
                "title": "Номер дела",
                "required": False,
                "services": ["taxi"],
                "format": "text",
                "values": [],
            },
        ],
    }


def test_a_select_field_without_values_is_refused() -> None:
    """A select field must offer at least one value."""
    with pytest.raises(ValidationError) as caught:
        CostCenterFieldSetting(title="Цель", required=True, services=["taxi"], format="select")
    assert caught.value.field == "values"


# --- department budgets --------------------------------------------------------------------------


async def test_taxi_budget_reads_the_department_budget(
    client: B2BClient, recorder: Recorder
) -> None:
    """GET /departments/limits/taxi?department_id=… decodes {"budget": 1000}."""
    recorder.answer(Answer(body={"budget": 1000}))
    budget = await client.departments.taxi_budget("87e8")
    assert sent(recorder) == ("GET", f"{API}/departments/limits/taxi", {"department_id": "87e8"})
    assert (budget.budget, budget.unlimited) == (1000, False)


async def test_a_null_budget_means_no_limit(client: B2BClient, recorder: Recorder) -> None:
    """{"budget": null} reads as unlimited."""
    recorder.answer(Answer(body={"budget": None}))
    assert (await client.departments.taxi_budget("87e8")).unlimited


@pytest.mark.parametrize(
    "reply", [Answer(body=b"", content_type="text/plain"), Answer(body={})], ids=["empty", "{}"]
)
async def test_set_taxi_budget_posts_the_budget(
    client: B2BClient, recorder: Recorder, reply: Answer
) -> None:
    """POST …/taxi/update sends budget and period, and accepts an empty body or {}."""
    recorder.answer(reply)
    await client.departments.set_taxi_budget("87e8", 1000, period="quarter")
    assert sent(recorder) == (
        "POST",
        f"{API}/departments/limits/taxi/update",
        {"department_id": "87e8"},
    )
    assert recorder.last.json() == {"budget": 1000, "period": "quarter"}


@pytest.mark.parametrize(
    "reply", [Answer(body=b"", content_type="text/plain"), Answer(body={})], ids=["empty", "{}"]
)
async def test_department_update_accepts_an_empty_body_or_an_empty_object(
    client: B2BClient, recorder: Recorder, reply: Answer
) -> None:
    """The department update's "empty 200" may come as no body or as {}: both succeed."""
    recorder.answer(reply)
    await client.departments.update("87e8", name="Sales")
    assert sent(recorder) == ("PUT", f"{API}/departments/update", {"department_id": "87e8"})


async def test_set_taxi_budget_none_sends_null(client: B2BClient, recorder: Recorder) -> None:
    """None removes the limit: the body is {"budget": null}."""
    await client.departments.set_taxi_budget("87e8", None)
    assert recorder.last.json() == {"budget": None}


@pytest.mark.parametrize("budget", [-1, float("nan"), True, "1000"])
async def test_a_bad_budget_is_refused_before_sending(
    client: B2BClient, recorder: Recorder, budget: object
) -> None:
    """A negative, non-finite or non-number budget is a ValidationError; nothing is sent."""
    with pytest.raises(ValidationError) as caught:
        await client.departments.set_taxi_budget("87e8", budget)  # type: ignore[arg-type]
    assert caught.value.field == "budget"
    assert recorder.requests == []


async def test_a_period_without_a_budget_is_refused(client: B2BClient, recorder: Recorder) -> None:
    """A period is set only with a budget (the pages)."""
    with pytest.raises(ValidationError) as caught:
        await client.departments.set_taxi_budget("87e8", None, period="month")
    assert caught.value.field == "period"


# --- managers ------------------------------------------------------------------------------------


def manager(**changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "yandex_login": "sample_yandex_login",
        "role": "department_manager",
        "department_id": "3648",
        "phone": "+799900000000",
        "email": "email@example.com",
        "fullname": "Иванов Илья",
    }
    fields.update(changes)
    return fields


async def test_manager_create_posts_the_documented_body(
    client: B2BClient, recorder: Recorder
) -> None:
    """POST /managers/create sends the create page's body and returns the id."""
    recorder.answer(Answer(body={"id": "07e4"}))
    created = await client.managers.create(ManagerCreate(**manager()))  # type: ignore[arg-type]
    assert created.id == "07e4"
    assert sent(recorder) == ("POST", f"{API}/managers/create", {})
    assert recorder.last.json() == manager()


async def test_manager_update_posts_the_id_in_the_query(
    client: B2BClient, recorder: Recorder
) -> None:
    """POST /managers/update?id=… carries the full record."""
    recorder.answer(Answer(body={"id": "07e4"}))
    body = manager(role="client_manager")
    del body["department_id"]
    assert await client.managers.update("07e4", ManagerUpdate(**body)) == "07e4"  # type: ignore[arg-type]
    assert sent(recorder) == ("POST", f"{API}/managers/update", {"id": "07e4"})
    assert recorder.last.json() == body


async def test_manager_delete_posts_no_body(client: B2BClient, recorder: Recorder) -> None:
    """POST /managers/delete?id=… (shaped like update: the page is not stored) has no body."""
    recorder.answer(Answer(body={"id": "07e4"}))
    assert await client.managers.delete("07e4") == "07e4"
    assert sent(recorder) == ("POST", f"{API}/managers/delete", {"id": "07e4"})
    assert recorder.last.body == b""


async def test_manager_list_sends_roles_comma_separated(
    client: B2BClient, recorder: Recorder
) -> None:
    """GET /managers/list carries department_id, the roles joined by commas and the limit."""
    recorder.answer(Answer(body={"items": [], "total_amount": 0, "limit": 20}))
    await client.managers.list_page(
        department_id="3648",
        roles=[ManagerRole.DEPARTMENT_MANAGER, "department_secretary"],
        limit=20,
    )
    assert sent(recorder) == (
        "GET",
        f"{API}/managers/list",
        {
            "limit": "20",
            "department_id": "3648",
            "roles": "department_manager,department_secretary",
        },
    )


async def test_manager_list_follows_next_cursor(client: B2BClient, recorder: Recorder) -> None:
    """list() passes next_cursor back as cursor until a page comes without one."""
    item = {"id": "07e4", "yandex_login": "boss", "role": "department_manager"}
    recorder.answer(
        Answer(body={"items": [item], "total_amount": 2, "next_cursor": "djEg", "limit": 1}),
        Answer(body={"items": [{**item, "id": "08f5"}], "total_amount": 2, "limit": 1}),
    )
    ids = [found.id async for found in client.managers.list(limit=1)]
    assert ids == ["07e4", "08f5"]
    assert recorder.requests[1].query["cursor"] == "djEg"


def test_a_department_role_needs_a_department() -> None:
    """A department manager without department_id is refused (the roles page)."""
    body = manager()
    del body["department_id"]
    with pytest.raises(ValidationError) as caught:
        ManagerCreate(**body)  # type: ignore[arg-type]
    assert caught.value.field == "department_id"


def test_a_manager_repr_shows_no_personal_data() -> None:
    """A manager's name, phone and email are left out of its repr."""
    shown = repr(ManagerCreate(**manager()))  # type: ignore[arg-type]
    assert not any(secret in shown for secret in ("Иванов", "+7999", "email@"))


# --- geo restrictions ----------------------------------------------------------------------------

AREA = GeoRestrictionCreate(name="Офис 2", geo=GeoCircle(center=(37.642639, 55.734894), radius=200))
AREA_BODY = {
    "geo": {"center": [37.642639, 55.734894], "radius": 200},
    "geo_type": "circle",
    "name": "Офис 2",
}


async def test_geo_create_posts_the_documented_body(client: B2BClient, recorder: Recorder) -> None:
    """POST /geo_restrictions/create sends name, geo_type and geo as the page shows."""
    recorder.answer(Answer(body={"id": "b45e"}))
    assert (await client.geo_restrictions.create(AREA)).id == "b45e"
    assert sent(recorder) == ("POST", f"{API}/geo_restrictions/create", {})
    assert recorder.last.json() == AREA_BODY


async def test_geo_update_and_delete_send_the_id(client: B2BClient, recorder: Recorder) -> None:
    """update and delete carry ?id=…; delete has no body."""
    recorder.answer(Answer(body={"id": "b45e"}), Answer(body={"id": "b45e"}))
    assert await client.geo_restrictions.update("b45e", AREA) == "b45e"
    update = recorder.last
    assert (update.method, update.path, update.query) == (
        "POST",
        f"{API}/geo_restrictions/update",
        {"id": "b45e"},
    )
    assert update.json() == AREA_BODY
    assert await client.geo_restrictions.delete("b45e") == "b45e"
    assert sent(recorder) == ("POST", f"{API}/geo_restrictions/delete", {"id": "b45e"})
    assert recorder.last.body == b""


async def test_geo_list_reads_amount_as_the_total(client: B2BClient, recorder: Recorder) -> None:
    """The list page counts in `amount`; paging stops there."""
    item = {
        "id": "0081",
        "geo": {"center": [72.36, 54.98], "radius": 500},
        "geo_type": "circle",
        "name": "Офис 1",
    }
    recorder.answer(Answer(body={"limit": 50, "amount": 1, "offset": 0, "items": [item]}))
    areas = [area async for area in client.geo_restrictions.list(limit=50)]
    assert [(area.name, area.geo.center, area.geo.radius) for area in areas] == [
        ("Офис 1", (72.36, 54.98), 500)
    ]
    assert sent(recorder) == ("GET", f"{API}/geo_restrictions/list", {"limit": "50", "offset": "0"})
    assert len(recorder.requests) == 1


def test_a_circle_at_named_coordinates_puts_longitude_first() -> None:
    """GeoCircle.at(lat=, lon=) sends [lon, lat], as the pages want."""
    assert GeoCircle.at(lat=55.73, lon=37.64, radius=200).center == (37.64, 55.73)


@pytest.mark.parametrize("center", [(181.0, 55.0), (37.0, 91.0), (37.0,)])
def test_a_center_out_of_range_is_refused(center: tuple[float, ...]) -> None:
    """A center must be [longitude, latitude] within range."""
    with pytest.raises(ValidationError):
        GeoCircle(center=center, radius=100)


# --- spending ------------------------------------------------------------------------------------


async def test_spending_details_posts_the_user_ids(client: B2BClient, recorder: Recorder) -> None:
    """POST /users-spending-details sends user_ids and decodes the documented answer."""
    recorder.answer(
        Answer(
            body={
                "users": [
                    {
                        "limits": [
                            {
                                "limit_id": "8062",
                                "service": "taxi",
                                "spending_details": {
                                    "orders_cost": "10000",
                                    "spent": "3894",
                                    "orders_amount": 5,
                                    "orders_spent": 2,
                                },
                            }
                        ],
                        "user_id": "5758",
                    }
                ]
            }
        )
    )
    [user] = await client.users.spending_details(["5758", "26e8"])
    assert sent(recorder) == ("POST", f"{API}/users-spending-details", {})
    assert recorder.last.json() == {"user_ids": ["5758", "26e8"]}
    details = user.limits[0].spending_details
    assert (details.orders_cost, details.spent, details.orders_amount) == ("10000", "3894", 5)


async def test_spending_details_asks_100_ids_at_a_time(
    client: B2BClient, recorder: Recorder
) -> None:
    """250 ids go as three requests of at most 100, in order."""
    recorder.answer(*(Answer(body={"users": []}) for _ in range(3)))
    await client.users.spending_details([f"u{index}" for index in range(250)])
    sizes = [len(request.json()["user_ids"]) for request in recorder.requests]
    assert sizes == [100, 100, 50]


async def test_spending_details_of_no_one_sends_nothing(
    client: B2BClient, recorder: Recorder
) -> None:
    """No ids: no request, an empty list."""
    assert await client.users.spending_details([]) == []
    assert recorder.requests == []


async def test_a_duplicate_after_a_lost_answer_is_the_lost_attempts_work(
    recorder: Recorder,
) -> None:
    """503, nothing listed yet, then the retry is refused as a duplicate: the list is read
    again and the cost center the lost attempt made is returned, reconciled."""

    async def no_wait(_: float) -> None:
        return None

    made = {"id": "cc-7", "name": "Проект", "default": False, "field_settings": []}
    recorder.answer(
        Answer(status=503, body={"code": "UNAVAILABLE", "message": "try again"}),
        Answer(body={"items": [], "limit": 100, "offset": 0, "total_amount": 0}),
        Answer(status=406, body={"code": "COST_CENTER_ALREADY_EXISTS", "message": "exists"}),
        Answer(body={"items": [made], "limit": 100, "offset": 0, "total_amount": 1}),
    )
    policy = RetryPolicy(max_attempts=3, backoff_initial=0.01, backoff_max=0.01, sleep=no_wait)
    async with B2BClient(TOKEN, base_url=recorder.url, retry=policy) as client:
        created = await client.cost_centers.create(CostCenterCreate(name="Проект"))
    assert (created.id, created.reconciled) == ("cc-7", True)
    assert [request.path for request in recorder.requests] == [
        f"{API}/cost_centers/create",
        f"{API}/cost_centers/list",
        f"{API}/cost_centers/create",
        f"{API}/cost_centers/list",
    ]


async def test_a_duplicate_on_the_first_attempt_is_a_conflict(
    client: B2BClient, recorder: Recorder
) -> None:
    """Without a lost answer before it, a 406 is the caller's ConflictError; nothing is read."""
    recorder.answer(Answer(status=406, body={"code": "COST_CENTER_ALREADY_EXISTS", "message": "x"}))
    with pytest.raises(ConflictError):
        await client.cost_centers.create(CostCenterCreate(name="Проект"))
    assert len(recorder.requests) == 1
