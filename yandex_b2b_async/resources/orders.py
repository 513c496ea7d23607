"""OrdersAPI: the taxi order calls of the API 2.0 (``/integration/2.0/orders``).

Each method is a declaration over :meth:`B2BClient.request`. Three carry rules of their own:

* :meth:`OrdersAPI.create` sends an ``X-Idempotency-Token`` — one UUID per call unless the
  caller gives one, the same on every retry of that call — so a create whose reply was lost is
  retried safely: the API answers the order the token already made, never a second one.
* :meth:`OrdersAPI.cancel` and :meth:`OrdersAPI.change_destinations` follow the order's
  status: given an :class:`OrderInfo` (or, for a cancel, nothing but the id, in which case the
  order is read first) a call the status rules out raises :class:`OrderStatusError` before
  anything is sent; the server's own refusal is a :class:`StateConflictError` (409), not retried.
* :meth:`OrdersAPI.wait` polls ``orders/progress`` through the client's pacer, backing off,
  until a status is reached or its timeout passes.
"""

from __future__ import annotations

import asyncio
import builtins
import datetime
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Final

from .._constants import (
    DEFAULT_PAGE_LIMIT,
    DEFAULT_WAIT_POLL_INITIAL,
    DEFAULT_WAIT_POLL_MAX,
    DEFAULT_WAIT_TIMEOUT,
    TAXI_REPORT_MAX_IDS,
)
from .._converter import unstructure
from .._pagination import offset_items
from .._types import NOT_GIVEN, NotGiven
from .._validators import (
    check_datetime,
    check_id,
    check_ids,
    check_limit,
    check_number,
    check_offset,
    require,
)
from ..errors import (
    APIError,
    OrderStatusError,
    OrderWaitTimeout,
    StateConflictError,
    ValidationError,
)
from ..models import (
    CANCELLABLE_STATUSES,
    FINAL_STATUSES,
    ROUTE_CHANGE_STATUSES,
    ActiveOrder,
    ActiveOrders,
    CancelState,
    ChangedDestinations,
    CreatedOrder,
    OrderCancelResult,
    OrderCreate,
    OrderInfo,
    OrderPoint,
    OrderProgress,
    OrdersPage,
    OrderStatus,
    RoutePoint,
    Routestats,
    SortingDirection,
    SortingField,
    TaxiReport,
    TaxiReportOrder,
)
from ..models.orders import route_pairs
from ._base import APIResource

if TYPE_CHECKING:
    from ..retries import RetryOption

__all__ = ["OrdersAPI"]

logger: Final = logging.getLogger("yandex_b2b_async")

_ORDERS: Final = "/orders"
_STATUSES: Final = ", ".join(status.value for status in OrderStatus)
_CANCEL_STATES: Final = ", ".join(state.value for state in CancelState)


def _status(field: str, value: object) -> OrderStatus:
    if isinstance(value, OrderStatus):
        return value
    if isinstance(value, str):
        try:
            return OrderStatus(value)
        except ValueError:
            pass
    raise ValidationError(field, f"must be an order status: {_STATUSES}", value=value)


def _statuses(value: object) -> frozenset[OrderStatus]:
    if isinstance(value, str):
        return frozenset({_status("until", value)})
    if not isinstance(value, Iterable):
        raise ValidationError("until", "must be a status or a collection of statuses", value=value)
    statuses = frozenset(_status("until", item) for item in value)
    if not statuses:
        raise ValidationError("until", "must name at least one status")
    return statuses


def _cancel_state(value: object) -> CancelState:
    if isinstance(value, CancelState):
        return value
    if isinstance(value, str):
        try:
            return CancelState(value)
        except ValueError:
            pass
    raise ValidationError("state", f"must be one of: {_CANCEL_STATES}", value=value)


def _destinations(value: object) -> list[RoutePoint]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError("destinations", "must be a list of RoutePoint", value=value)
    points = list(value)
    if not points:
        raise ValidationError("destinations", "must hold at least one point")
    for index, point in enumerate(points):
        if not isinstance(point, RoutePoint):
            raise ValidationError(f"destinations[{index}]", "must be a RoutePoint", value=point)
    return points


def _known(value: str | None) -> OrderStatus | None:
    try:
        return OrderStatus(value) if value is not None else None
    except ValueError:
        return None  # a status this library does not know: the server decides


class OrdersAPI(APIResource):
    """Taxi orders of the selected client: ``client.orders``."""

    # -- placing and changing an order -------------------------------------------------------

    async def create(
        self,
        order: OrderCreate,
        *,
        idempotency_token: str | uuid.UUID | None = None,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> CreatedOrder:
        """Place a taxi order (``POST /orders/create``) and return its id.

        The call carries ``X-Idempotency-Token``: ``idempotency_token`` when given (a UUID:
        give the same one to repeat a create safely, e.g. after a crash), else a new UUID for
        this call. Every retry of the call sends the same token, and the API answers a token it
        has seen with the order it made, so a lost reply retried is still one order (the 500
        case of the create page). The token is returned with the order id, and set on the
        error (``error.idempotency_token``) when the call fails: a create repeated with it later
        (after an outage, a crash) gets the order a lost attempt made instead of a second one.

        Raises :class:`NotFoundError` (404: no such employee), :class:`ConflictError` (406:
        the offer's price changed, or no corporate payment), :class:`GoneError` (410: the
        order was already handled), and the other :class:`APIError` subclasses.
        """
        require(order, OrderCreate, "order")
        return await self._create_once(
            _ORDERS + "/create",
            body=order,
            response=CreatedOrder,
            idempotency_token=idempotency_token,
            retry=retry,
            timeout=timeout,
        )

    async def routestats(
        self,
        route: Sequence[RoutePoint | Sequence[float]],
        *,
        user_id: str | None = None,
        requirements: Mapping[str, bool | int | str] | None = None,
        use_toll_roads: bool | None = None,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> Routestats:
        """Prices per tariff for a route (``POST /orders/routestats``).

        ``route`` holds ``(longitude, latitude)`` pairs or :class:`RoutePoint` objects. With
        ``user_id`` and two points or more the answer carries an ``offer`` for the create.
        Raises :class:`NotFoundError` (404) when the route is outside every zone.
        """
        body: dict[str, object] = {"route": route_pairs(route)}
        if user_id is not None:
            body["user_id"] = check_id("user_id", user_id)
        if requirements is not None:
            # One validation of requirements for both calls: the create's model holds it.
            checked = OrderCreate(
                user_id="-",
                route=[RoutePoint(geopoint=(0, 0))],
                class_="-",
                requirements=requirements,
            )
            body["requirements"] = checked.requirements
        if use_toll_roads is not None:
            if not isinstance(use_toll_roads, bool):
                raise ValidationError("use_toll_roads", "must be a bool", value=use_toll_roads)
            body["use_toll_roads"] = use_toll_roads
        return await self._request(
            "POST",
            _ORDERS + "/routestats",
            body=body,
            response=Routestats,
            retry=retry,
            timeout=timeout,
        )

    async def change_destinations(
        self,
        order: str | OrderInfo,
        destinations: Sequence[RoutePoint],
        *,
        created_time: datetime.datetime | str | None = None,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> builtins.list[OrderPoint]:
        """Replace every point of the route but the pick-up (``POST /orders/change-destinations``).

        ``order`` is the id, or an :class:`OrderInfo` read before: then an order whose status
        allows no change (it is over) raises :class:`OrderStatusError` without sending.
        ``created_time`` dates the change; it defaults to now. The page wants UTC, and its
        example has no offset: an aware datetime (or a string with an offset) is converted to
        UTC and sent in that form (``2022-02-09T22:50:34``); a naive one, or a string without
        an offset, is taken as UTC already. Returns the new route,
        geocoded. Raises :class:`StateConflictError` (409) when the client or the driver
        changed the route later than ``created_time``, or the order is over.
        """
        order_id = self._order_id(order)
        points = _destinations(destinations)
        if isinstance(order, OrderInfo):
            status = _known(order.status)
            if status is not None and status not in ROUTE_CHANGE_STATUSES:
                raise OrderStatusError(
                    order_id, order.status, "change_destinations", "the order is over"
                )
        if created_time is None:
            moment = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
            stamp = moment.isoformat()
        else:
            stamp = check_datetime("created_time", created_time, offset=False)
        answer = await self._request(
            "POST",
            _ORDERS + "/change-destinations",
            params={"order_id": order_id},
            body={"created_time": stamp, "destinations": [unstructure(point) for point in points]},
            response=ChangedDestinations,
            retry=retry,
            timeout=timeout,
        )
        return list(answer.changed_destinations)

    async def cancel(
        self,
        order: str | OrderInfo,
        *,
        state: CancelState | str | None = None,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> OrderCancelResult:
        """Cancel an order (``POST /orders/cancel``) under the cancel rule in force.

        The page asks for ``state``, the rule ``orders/info`` reports (free, paid, minimal).
        With ``state`` given it is sent as is. Without it the rule comes from ``order`` when
        that is an :class:`OrderInfo`, else the order is read first (``GET /orders/info``).
        An order whose status or rules allow no cancel (in the car, or over) then raises
        :class:`OrderStatusError` without sending the cancel. Raises
        :class:`StateConflictError` (409) when the server refuses, e.g. because the rule
        changed since it was read; that is not retried. A retry refused because an attempt
        whose answer was lost did cancel the order is not a failure: the order is read and
        the cancel returned.
        """
        order_id = self._order_id(order)
        if state is not None:
            chosen = _cancel_state(state)
            if isinstance(order, OrderInfo):
                self._check_cancellable(order)
        else:
            info = (
                order
                if isinstance(order, OrderInfo)
                else await self.info(order_id, retry=retry, timeout=timeout)
            )
            self._check_cancellable(info)
            rules = info.cancel_rules
            chosen = _cancel_state(rules.state if rules and rules.state else CancelState.FREE)

        async def settle(error: APIError) -> OrderCancelResult | None:
            # A retry refused because the order is cancelled: the lost attempt cancelled it.
            if not isinstance(error, StateConflictError) or not error.after_unknown_outcome:
                return None
            current = await self.info(order_id, retry=retry, timeout=timeout)
            if current.status != OrderStatus.CANCELLED:
                return None
            logger.warning(
                "POST /orders/cancel: the answer was lost and the retry found order %s "
                "cancelled by that attempt; returning it",
                order_id,
            )
            return OrderCancelResult(status=current.status)

        return await self._request(
            "POST",
            _ORDERS + "/cancel",
            params={"order_id": order_id},
            body={"state": chosen.value},
            response=OrderCancelResult,
            retry=retry,
            timeout=timeout,
            settle=settle,
        )

    async def feedback(
        self,
        order_id: str,
        rating: int,
        *,
        msg: str | None = None,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> None:
        """Rate a ride from 1 to 5, with a comment (``POST /orders/feedback``).

        Raises :class:`GoneError` (410) for an order more than a day old and
        :class:`StateConflictError` (409) when the rating cannot be saved.
        """
        check_id("order_id", order_id)
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise ValidationError("rating", "must be an integer from 1 to 5", value=rating)
        body: dict[str, object] = {"rating": rating}
        if msg is not None:
            if not isinstance(msg, str):
                raise ValidationError("msg", "must be a string", value=type(msg).__name__)
            body["msg"] = msg
        await self._request(
            "POST",
            _ORDERS + "/feedback",
            params={"order_id": order_id},
            body=body,
            retry=retry,
            timeout=timeout,
        )

    # -- reading orders -----------------------------------------------------------------------

    async def progress(
        self,
        order_id: str,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> OrderProgress:
        """The order's status and the car's position (``GET /orders/progress``)."""
        check_id("order_id", order_id)
        return await self._request(
            "GET",
            _ORDERS + "/progress",
            params={"order_id": order_id},
            response=OrderProgress,
            retry=retry,
            timeout=timeout,
        )

    async def info(
        self,
        order_id: str,
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> OrderInfo:
        """An order in full: route, driver, cancel rules, cost (``GET /orders/info``)."""
        check_id("order_id", order_id)
        return await self._request(
            "GET",
            _ORDERS + "/info",
            params={"order_id": order_id},
            response=OrderInfo,
            retry=retry,
            timeout=timeout,
        )

    async def active(
        self, user_id: str, *, retry: RetryOption = NOT_GIVEN, timeout: float | NotGiven = NOT_GIVEN
    ) -> builtins.list[ActiveOrder]:
        """An employee's orders under way, with their statuses (``GET /orders/active``)."""
        check_id("user_id", user_id)
        answer = await self._request(
            "GET",
            _ORDERS + "/active",
            params={"user_id": user_id},
            response=ActiveOrders,
            retry=retry,
            timeout=timeout,
        )
        return list(answer.items)

    async def list_page(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        offset: int = 0,
        user_id: str | None = None,
        since: datetime.datetime | str | None = None,
        till: datetime.datetime | str | None = None,
        sorting_field: SortingField | str | None = None,
        sorting_direction: SortingDirection | int | None = None,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> OrdersPage:
        """One page of the client's orders (``GET /orders/list``, offset pages).

        ``since`` and ``till`` bound the orders' times (with a UTC offset); ``sorting_field``
        is ``due_date`` (the API's default) or ``finished_date``, ``sorting_direction`` 1 or
        -1 (the default: newest first).
        """
        params = self._list_params(
            limit=limit,
            user_id=user_id,
            since=since,
            till=till,
            sorting_field=sorting_field,
            sorting_direction=sorting_direction,
        )
        params["offset"] = check_offset(offset)
        return await self._request(
            "GET",
            _ORDERS + "/list",
            params=params,
            response=OrdersPage,
            retry=retry,
            timeout=timeout,
        )

    async def list(
        self,
        *,
        limit: int = DEFAULT_PAGE_LIMIT,
        user_id: str | None = None,
        since: datetime.datetime | str | None = None,
        till: datetime.datetime | str | None = None,
        sorting_field: SortingField | str | None = None,
        sorting_direction: SortingDirection | int | None = None,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[OrderInfo]:
        """Every order of the client matching the filters, page by page, lazily."""
        self._list_params(
            limit=limit,
            user_id=user_id,
            since=since,
            till=till,
            sorting_field=sorting_field,
            sorting_direction=sorting_direction,
        )
        async for order in offset_items(
            lambda offset: self.list_page(
                limit=limit,
                offset=offset,
                user_id=user_id,
                since=since,
                till=till,
                sorting_field=sorting_field,
                sorting_direction=sorting_direction,
                retry=retry,
                timeout=timeout,
            )
        ):
            yield order

    async def taxi_report(
        self,
        ids: Iterable[str],
        *,
        retry: RetryOption = NOT_GIVEN,
        timeout: float | NotGiven = NOT_GIVEN,
    ) -> builtins.list[TaxiReportOrder]:
        """Report data of taxi orders (``POST /orders/taxi/report``).

        The page takes at most 100 ids a request; more are sent in requests of 100, one after
        another, and the answers joined in the order of the requests.
        """
        every = check_ids("ids", ids)
        orders: builtins.list[TaxiReportOrder] = []
        for start in range(0, len(every), TAXI_REPORT_MAX_IDS):
            chunk = list(every[start : start + TAXI_REPORT_MAX_IDS])
            report = await self._request(
                "POST",
                _ORDERS + "/taxi/report",
                body={"ids": chunk},
                response=TaxiReport,
                retry=retry,
                timeout=timeout,
            )
            orders.extend(report.orders)
        return orders

    # -- waiting ------------------------------------------------------------------------------

    async def wait(
        self,
        order_id: str,
        *,
        until: OrderStatus | str | Iterable[OrderStatus | str] = FINAL_STATUSES,
        # A deadline over many polls (the contract's name), not one awaitable's timeout.
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_WAIT_POLL_INITIAL,
        max_interval: float = DEFAULT_WAIT_POLL_MAX,
        on_progress: Callable[[OrderProgress], None] | None = None,
        retry: RetryOption = NOT_GIVEN,
        poll_timeout: float | NotGiven = NOT_GIVEN,
    ) -> OrderProgress:
        """Poll ``GET /orders/progress`` until the order's status is one of ``until`` (by
        default: any final status) and return that progress.

        Polls go through the client's pacer and retry policy like any call. The first comes
        at once; then the wait between polls starts at ``poll_interval`` and grows by half
        each time the status is unchanged, up to ``max_interval``, falling back to
        ``poll_interval`` when the status moves (a car's arrival is followed closely, a long
        ride is not polled every second). ``on_progress`` sees every answer. Sleeping and the
        clock come from the client's :class:`RetryPolicy` (``sleep``, ``clock``), so tests can
        make time instant.

        ``timeout`` is the whole wait's; ``poll_timeout`` each poll attempt's (the client's
        when not given), as ``timeout`` is for the other calls.

        Raises :class:`OrderWaitTimeout` when ``timeout`` seconds pass first, and
        :class:`OrderStatusError` when the order ends in a final status not in ``until``
        (it can never get there).
        """
        check_id("order_id", order_id)
        wanted = _statuses(until)
        check_number("timeout", timeout, low=0.0, high=float("inf"))
        check_number("poll_interval", poll_interval, low=0.001, high=float("inf"))
        check_number("max_interval", max_interval, low=poll_interval, high=float("inf"))
        policy = self._client._policy_for(retry)
        sleep = policy.sleep if policy is not None else asyncio.sleep
        clock = policy.clock if policy is not None else time.monotonic
        deadline = clock() + timeout
        interval = poll_interval
        last: str | None = None
        while True:
            progress = await self.progress(order_id, retry=retry, timeout=poll_timeout)
            if on_progress is not None:
                on_progress(progress)
            status = _known(progress.status)
            if status in wanted:
                return progress
            if status in FINAL_STATUSES:
                wanted_text = ", ".join(sorted(wanted))
                raise OrderStatusError(
                    order_id, progress.status, "wait", f"the order ended before {wanted_text}"
                )
            interval = (
                poll_interval if progress.status != last else min(interval * 1.5, max_interval)
            )
            last = progress.status
            left = deadline - clock()
            if left <= 0:
                raise OrderWaitTimeout(order_id, progress.status, timeout)
            await sleep(min(interval, left))

    # -- helpers ------------------------------------------------------------------------------

    @staticmethod
    def _order_id(order: str | OrderInfo) -> str:
        if isinstance(order, OrderInfo):
            return check_id("order.id", order.id)
        return check_id("order_id", order)

    @staticmethod
    def _check_cancellable(info: OrderInfo) -> None:
        status = _known(info.status)
        rules = info.cancel_rules
        if status is not None and status not in CANCELLABLE_STATUSES:
            reason = "the order is over" if status in FINAL_STATUSES else "the ride is under way"
            raise OrderStatusError(info.id, info.status, "cancel", reason)
        if rules is not None and rules.can_cancel is False:
            raise OrderStatusError(
                info.id, info.status, "cancel", "its cancel rules say it cannot be cancelled"
            )

    @staticmethod
    def _list_params(
        *,
        limit: int,
        user_id: str | None,
        since: datetime.datetime | str | None,
        till: datetime.datetime | str | None,
        sorting_field: SortingField | str | None,
        sorting_direction: SortingDirection | int | None,
    ) -> dict[str, str | int]:
        params: dict[str, str | int] = {"limit": check_limit(limit)}
        if user_id is not None:
            params["user_id"] = check_id("user_id", user_id)
        if since is not None:
            params["since_datetime"] = check_datetime("since", since)
        if till is not None:
            params["till_datetime"] = check_datetime("till", till)
        if sorting_field is not None:
            try:
                params["sorting_field"] = SortingField(sorting_field).value
            except ValueError:
                raise ValidationError(
                    "sorting_field", "must be due_date or finished_date", value=sorting_field
                ) from None
        if sorting_direction is not None:
            if isinstance(sorting_direction, bool) or sorting_direction not in (1, -1):
                raise ValidationError(
                    "sorting_direction", "must be 1 (ascending) or -1", value=sorting_direction
                )
            params["sorting_direction"] = int(sorting_direction)
        return params
