"""The administration models against the sandbox's rules: whatever a request model lets be
built, the emulated API accepts, and what the API answers decodes back (property tests on the
state alone, no socket)."""

from __future__ import annotations

import decimal
import math
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yandex_b2b_async import (
    CostCenterCreate,
    CostCenterFieldSetting,
    CostLimit,
    CountLimit,
    GeoCircle,
    GeoRestrictionCreate,
    GeoRule,
    LimitRules,
    PersonalLimit,
    Service,
    TimeRestriction,
    ValidationError,
)
from yandex_b2b_async._converter import structure, unstructure
from yandex_b2b_async.models import GeoRestrictionsPage, LimitInfo
from yandex_b2b_async.resources.departments import _check_budget
from yandex_b2b_async.sandbox import ApiError, State
from yandex_b2b_async.sandbox._admin import rules_for

CLIENT = "client-a"
PERIODS = ["day", "week", "month", "quarter", "year"]
names = st.text(
    alphabet=st.characters(categories=["L", "N", "Zs"]), min_size=1, max_size=20
).filter(str.strip)
words = st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True), max_size=4)


def wire(model: object) -> Any:
    """The JSON body the client sends for ``model``, decoded again."""
    return orjson.loads(orjson.dumps(unstructure(model)))


def fresh() -> tuple[State, str, str]:
    state = State()
    state.add_client(client_id=CLIENT)
    user = state.add_user(CLIENT, phone="+79990000001")
    area = rules_for(state).add_geo_restriction(CLIENT, "Офис")
    return state, user, area


times = st.one_of(
    st.builds(
        TimeRestriction,
        type=st.just("weekly_date"),
        days=st.lists(st.sampled_from(["mo", "tu", "we", "th", "fr", "sa", "su"]), min_size=1),
        start_time=st.from_regex(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]", fullmatch=True),
        end_time=st.from_regex(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]", fullmatch=True),
    ),
    st.builds(
        TimeRestriction,
        type=st.just("range_date"),
        start_date=st.just("2022-09-02T00:00:00"),
        end_date=st.just("2022-09-14T00:00:00"),
    ),
)


@st.composite
def personal_limits(draw: st.DrawFn, area: str) -> PersonalLimit:
    service = draw(st.sampled_from(list(Service)))
    fields: dict[str, Any] = {"title": draw(names), "service": service}
    cost = draw(
        st.one_of(
            st.none(),
            st.builds(
                CostLimit,
                value=st.one_of(
                    st.integers(0, 10**9), st.from_regex(r"[0-9]{1,7}", fullmatch=True)
                ),
                period=st.sampled_from(PERIODS),
            ),
        )
    )
    rules: dict[str, Any] = {} if cost is None else {"orders_cost": cost}
    if service in (Service.TAXI, Service.CARGO):
        fields["categories"] = draw(words)
        if draw(st.booleans()):
            rules["orders_amount"] = CountLimit(
                value=draw(st.integers(0, 1000)), period=draw(st.sampled_from(PERIODS))
            )
    if bool(rules) or draw(st.booleans()):
        fields["limits"] = LimitRules(**rules)
    if draw(st.booleans()):
        fields["time_restrictions"] = draw(st.lists(times, max_size=3))
    if service in (Service.TAXI, Service.EATS2, Service.GROCERY, Service.TANKER) and draw(
        st.booleans()
    ):
        fields["geo_restrictions"] = [
            GeoRule(source=area, prohibiting_restriction=draw(st.booleans()))
        ]
    if service is Service.TANKER:
        fields["fuel_types"] = draw(words)
    if service is Service.DRIVE:
        fields["cities"] = draw(words)
        fields["enable_toll_roads"] = draw(st.booleans())
    if service in (Service.EATS2, Service.GROCERY):
        fields["is_qr_enabled"] = draw(st.booleans())
    return PersonalLimit(**fields)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_personal_limit_the_model_allows_is_accepted(data: st.DataObject) -> None:
    """A PersonalLimit that builds is accepted by the sandbox and reads back as a LimitInfo."""
    state, user, area = fresh()
    personal = data.draw(personal_limits(area))
    limit_id = rules_for(state).update_personal_limit(CLIENT, user, wire(personal))
    shown = structure(rules_for(state).get_limit(CLIENT, limit_id), LimitInfo)
    assert (shown.title, shown.service, shown.users) == (personal.title, personal.service, 1)


budgets = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**9),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True, places=2),
    st.text(max_size=5),
)


@settings(max_examples=50)
@given(budget=budgets)
def test_a_budget_the_client_accepts_is_one_the_sandbox_accepts(budget: object) -> None:
    """The client's budget check and the sandbox's agree on every value."""
    state, _, _ = fresh()
    department = state.add_department(CLIENT, "Продажи")
    try:
        sent = _check_budget(budget)
    except ValidationError:
        accepted_by_client = False
        sent = None
    else:
        accepted_by_client = True
    if not accepted_by_client:
        # What the client refuses, the sandbox refuses too (as JSON would carry it).
        if isinstance(budget, decimal.Decimal) or (
            isinstance(budget, float) and not math.isfinite(budget)
        ):
            return  # not JSON at all: nothing to send
        with pytest.raises(ApiError):
            rules_for(state).set_taxi_budget(CLIENT, department, {"budget": budget})  # type: ignore[dict-item]
        return
    rules_for(state).set_taxi_budget(
        CLIENT, department, orjson.loads(orjson.dumps({"budget": sent}))
    )
    assert rules_for(state).taxi_budget(CLIENT, department)["budget"] == sent


@settings(max_examples=60)
@given(
    name=names,
    lon=st.floats(-180, 180),
    lat=st.floats(-90, 90),
    radius=st.integers(1, 100_000),
)
def test_every_area_the_model_allows_is_accepted(
    name: str, lon: float, lat: float, radius: int
) -> None:
    """A GeoRestrictionCreate that builds is accepted and lists back with its circle."""
    state = State()
    state.add_client(client_id=CLIENT)
    area = GeoRestrictionCreate(name=name, geo=GeoCircle(center=(lon, lat), radius=radius))
    rules_for(state).create_geo_restriction(CLIENT, wire(area))
    page = structure(
        rules_for(state).list_geo_restrictions(CLIENT, limit=10, offset=0), GeoRestrictionsPage
    )
    [shown] = page.items
    assert (shown.name, shown.geo.center, shown.geo.radius) == (name, (lon, lat), radius)


@settings(max_examples=50)
@given(
    name=names,
    default=st.booleans(),
    settings_=st.lists(
        st.builds(
            CostCenterFieldSetting,
            title=names,
            required=st.booleans(),
            services=st.lists(st.sampled_from(list(Service)), min_size=1, max_size=3),
            format=st.sampled_from(["select", "text", "mixed"]),
            values=st.lists(names, min_size=1, max_size=3),
        ),
        max_size=3,
    ),
)
def test_every_cost_center_the_model_allows_is_accepted(
    name: str, default: bool, settings_: list[CostCenterFieldSetting]
) -> None:
    """A CostCenterCreate that builds is accepted by the sandbox."""
    state = State()
    state.add_client(client_id=CLIENT)
    body = wire(CostCenterCreate(name=name, default=default, field_settings=settings_))
    cost_center = rules_for(state).create_cost_center(CLIENT, body)
    assert (state.client(CLIENT).main_cost_center_id == cost_center) is default
