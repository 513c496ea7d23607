"""The orders' and services' request models: what they accept, what they refuse (naming the
field), and how they look on the wire."""

from __future__ import annotations

import datetime
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from yandex_b2b_async import (
    CostCenterValue,
    OrderCreate,
    PromocodeGeoRestriction,
    PromocodeOrderCreate,
    RoutePoint,
    ValidationError,
    VehicleAccess,
    VehicleCreate,
)
from yandex_b2b_async._converter import unstructure

finite = st.floats(allow_nan=False, allow_infinity=False)


@given(lon=st.floats(-180, 180), lat=st.floats(-90, 90))
def test_any_point_in_range_is_accepted_longitude_first(lon: float, lat: float) -> None:
    """Every longitude in [-180, 180] with a latitude in [-90, 90] is a point, kept in order."""
    assert RoutePoint(geopoint=(lon, lat)).geopoint == (lon, lat)


@given(lon=finite.filter(lambda value: abs(value) > 180), lat=st.floats(-90, 90))
def test_a_longitude_out_of_range_is_refused(lon: float, lat: float) -> None:
    """A longitude beyond ±180 is refused naming the longitude."""
    with pytest.raises(ValidationError) as caught:
        RoutePoint(geopoint=(lon, lat))
    assert caught.value.field == "geopoint[0] (longitude)"


@given(lat=finite.filter(lambda value: abs(value) > 90), lon=st.floats(-180, 180))
def test_a_latitude_out_of_range_is_refused(lon: float, lat: float) -> None:
    """A latitude beyond ±90 is refused naming the latitude."""
    with pytest.raises(ValidationError) as caught:
        RoutePoint(geopoint=(lon, lat))
    assert caught.value.field == "geopoint[1] (latitude)"


@pytest.mark.parametrize(
    "geopoint", [(math.nan, 55.0), (37.0,), (37.0, 55.0, 1.0), "37,55", (True, 55.0), None]
)
def test_a_geopoint_that_is_not_a_pair_of_numbers_is_refused(geopoint: object) -> None:
    """NaN, a single number, three numbers, a string, a bool: refused, naming geopoint."""
    with pytest.raises(ValidationError) as caught:
        RoutePoint(geopoint=geopoint)
    assert caught.value.field.startswith("geopoint")


def test_an_order_goes_on_the_wire_without_unset_fields() -> None:
    """Only the fields set are sent; class_ is sent as class; a datetime due date with its
    offset."""
    due = datetime.datetime(
        2030, 5, 1, 9, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=3))
    )
    order = OrderCreate(
        user_id="u1",
        route=[RoutePoint(geopoint=(37.5, 55.7), porchnumber="2")],
        class_="business",
        due_date=due,
        cost_center_values=[CostCenterValue(id="purpose", value="")],
        comment="",
    )
    assert unstructure(order) == {
        "user_id": "u1",
        "route": [{"geopoint": (37.5, 55.7), "porchnumber": "2"}],
        "class": "business",
        "due_date": "2030-05-01T09:30:00+03:00",
        "cost_center_values": [{"id": "purpose", "value": ""}],
        "comment": "",
    }


def test_a_naive_due_date_is_refused() -> None:
    """A due date without its UTC offset is ambiguous: refused naming due_date."""
    with pytest.raises(ValidationError) as caught:
        OrderCreate(
            user_id="u",
            route=[RoutePoint(geopoint=(37.5, 55.7))],
            class_="econom",
            due_date=datetime.datetime(2030, 5, 1, 9, 30),
        )
    assert caught.value.field == "due_date"


@given(value=st.integers(100, 5000), count=st.integers(5, 1000))
def test_taxi_series_inside_the_table_are_accepted(value: int, count: int) -> None:
    """Every value 100..5000 and count 5..1000 is a taxi series."""
    order = PromocodeOrderCreate(value=value, count=count, active_until="2030-01-01")
    assert (order.value, order.count) == (value, count)


@given(value=st.integers().filter(lambda v: not 100 <= v <= 5000))
def test_taxi_values_outside_the_table_are_refused(value: int) -> None:
    """A taxi code worth less than 100 or more than 5000 is refused naming value."""
    with pytest.raises(ValidationError) as caught:
        PromocodeOrderCreate(value=value, count=5, active_until="2030-01-01")
    assert caught.value.field == "value"


def test_a_geo_restriction_needs_a_zone() -> None:
    """A geographic restriction with neither a source nor a destination is refused."""
    with pytest.raises(ValidationError) as caught:
        PromocodeGeoRestriction(max_intermediate_points=1)
    assert caught.value.field == "geo_restrictions"


@pytest.mark.parametrize("date", ["2030-02-30", "01.02.2030", "2030-1-1", 20300101])
def test_a_promocode_date_must_be_a_calendar_date(date: object) -> None:
    """Dates are YYYY-MM-DD calendar dates."""
    with pytest.raises(ValidationError) as caught:
        PromocodeOrderCreate(value=220, count=5, active_until=date)
    assert caught.value.field == "active_until"


def test_access_is_for_custom_cars_only() -> None:
    """A car anyone may use takes no access list."""
    with pytest.raises(ValidationError) as caught:
        VehicleCreate(
            license_plate="A1",
            model="M",
            limit_id="l",
            access_type="anyone",
            access=[VehicleAccess(entity_type="user", entity_id="u")],
        )
    assert caught.value.field == "access"


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"access_type": "everyone"}, "access_type"), ({"license_plate": ""}, "license_plate")],
)
def test_a_bad_vehicle_is_refused(changes: dict[str, object], field: str) -> None:
    """An unknown access type or an empty plate is refused naming the field."""
    body: dict[str, object] = {
        "license_plate": "A1",
        "model": "M",
        "limit_id": "l",
        "access_type": "custom",
        **changes,
    }
    with pytest.raises(ValidationError) as caught:
        VehicleCreate(**body)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_an_access_entry_names_a_user_or_a_department() -> None:
    """entity_type is user or department."""
    with pytest.raises(ValidationError) as caught:
        VehicleAccess(entity_type="team", entity_id="t")
    assert caught.value.field == "entity_type"
