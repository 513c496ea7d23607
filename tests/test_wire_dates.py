"""Dates on the wire as the pages' examples write them: an aware datetime for a page that takes
UTC without an offset is converted to UTC, and a datetime goes out to whole seconds. Against the
recording server over loopback."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator

import pytest

from tests._recorder import Answer, Recorder
from yandex_b2b_async import B2BClient, RoutePoint

MOSCOW = datetime.timezone(datetime.timedelta(hours=3))
CHANGED = {"changed_destinations": [{"fullname": "Тверская улица, 1", "geopoint": [37.6, 55.75]}]}
POINT = RoutePoint(geopoint=(37.6, 55.75), fullname="Тверская улица, 1")


@pytest.fixture
async def client(recorder: Recorder) -> AsyncIterator[B2BClient]:
    async with B2BClient("test-token", base_url=recorder.url, retry=None) as client:
        yield client


async def test_an_aware_created_time_is_sent_in_utc_without_an_offset(
    client: B2BClient, recorder: Recorder
) -> None:
    """change_destinations(created_time=aware datetime) sends it in UTC, as the page's example."""
    recorder.answer(Answer(body=CHANGED))
    when = datetime.datetime(2022, 2, 10, 1, 50, 34, 918_000, tzinfo=MOSCOW)
    await client.orders.change_destinations("o1", [POINT], created_time=when)
    assert recorder.last.json()["created_time"] == "2022-02-09T22:50:34"


async def test_a_created_time_string_with_an_offset_is_converted_to_utc(
    client: B2BClient, recorder: Recorder
) -> None:
    """A string with an offset is accepted too, and sent in UTC without one."""
    recorder.answer(Answer(body=CHANGED))
    await client.orders.change_destinations("o1", [POINT], created_time="2022-02-10T01:50:34+03:00")
    assert recorder.last.json()["created_time"] == "2022-02-09T22:50:34"


async def test_a_naive_created_time_is_taken_as_utc(client: B2BClient, recorder: Recorder) -> None:
    """A naive datetime is UTC already: sent as it is, to the second."""
    recorder.answer(Answer(body=CHANGED))
    when = datetime.datetime(2022, 2, 9, 22, 50, 34, 5)
    await client.orders.change_destinations("o1", [POINT], created_time=when)
    assert recorder.last.json()["created_time"] == "2022-02-09T22:50:34"


async def test_an_orders_list_bound_keeps_its_offset_to_the_second(
    client: B2BClient, recorder: Recorder
) -> None:
    """orders.list_page(since=aware datetime) sends YYYY-MM-DDThh:mm:ss±hh:mm, the page's form."""
    recorder.answer(Answer(body={"orders": [], "limit": 10, "offset": 0, "total_amount": 0}))
    since = datetime.datetime(2024, 1, 1, 10, 0, 0, 123_456, tzinfo=MOSCOW)
    await client.orders.list_page(since=since)
    assert recorder.last.query["since_datetime"] == "2024-01-01T10:00:00+03:00"


async def test_a_tanker_bound_with_an_offset_is_converted_to_utc(
    client: B2BClient, recorder: Recorder
) -> None:
    """The tanker page's UTC-without-zone bound: a string with an offset is converted."""
    recorder.answer(Answer(body={"orders": [], "last_closed_at": None}))
    async for _ in client.tanker.list(since="2022-05-12T16:32:49+03:00"):
        pass
    assert recorder.last.query["since_datetime"] == "2022-05-12T13:32:49.000"
