"""`Sandbox`: the emulator on a real socket, in the caller's event loop or in a thread of its own.

It wires the state, the faults and the stats to the aiohttp app, seeds one client reachable by
one token, and offers the helpers tests use to seed and read data. Helpers may be called from any
thread: state and stats are guarded by one lock the request handler takes too.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import signal
import sys
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import IO, Self

from aiohttp import web

from ._admin import rules_for
from ._checks import ManualClock
from ._control import control_routes
from ._services import Services, services_of
from .app import ROUTES, build_app
from .faults import Faults
from .memory import MemoryTransport
from .state import JSONObject, SandboxError, State
from .stats import Stats

__all__ = ["Sandbox", "serve"]

# Enough to see what a test did without a 100,000-request benchmark holding every body.
DEFAULT_LOG_LIMIT = 10_000
# How long closing waits for requests in flight before cancelling them: aiohttp's default (60 s)
# would hold a test's teardown hostage to a scripted delay.
SHUTDOWN_GRACE = 0.25
SEEDED_CLIENT_NAME = "Sandbox client"


class Sandbox:
    """An in-memory Yandex Go for Business API 2.0 on `http://host:port`.

    `sandbox.transport()` serves a client in memory, with no socket and no need to start it:
    `B2BClient(sandbox.token, transport=sandbox.transport())`. Or start it with
    `async with Sandbox() as sandbox:` (it serves from the caller's loop) or
    `with Sandbox() as sandbox:` (it serves from a background thread with its own loop, usable from
    synchronous code and from any event loop). `port=0` picks a free port.

    One client is seeded: `client_id`, its main `cost_center_id`, and `token` reaching it alone.
    By default the sandbox refuses only what the API pages refuse; `strict=True` applies too the
    assumptions that refuse more (docs/sandbox.md lists them: a `cost_centers_id` the client
    does not have, a manager role for a non-employee, feedback on an unfinished ride, …).
    `seed` makes random faults and latency reproducible. `time_factor` is the speed of the
    services' clock in clock seconds per real second: 0 (the default) stops it, so orders move
    only with `advance`; 1 is real time (a ride then takes 20 min 30 s); 60 runs it in 20.5 s.

    Served over HTTP, it also answers its control API under `/_sandbox` (seeding, faults, the
    clock, stats, reset: `SandboxControl` is its client), for a test in another process.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        strict: bool = False,
        seed: int | None = None,
        token: str | None = None,
        log_limit: int | None = DEFAULT_LOG_LIMIT,
        time_factor: float = 0.0,
    ) -> None:
        if not 0 <= port <= 65535:
            raise ValueError(f"port must be 0..65535 (0: a free one), got {port}")
        if log_limit is not None and log_limit < 0:
            raise ValueError(f"log_limit must be >= 0 or None (unbounded), got {log_limit}")
        self.host = host
        self.port = port
        self.state = State(strict=strict)
        self.faults = Faults(seed=seed, routes=ROUTES)
        self.stats = Stats(log=deque(maxlen=log_limit))
        self._lock = threading.Lock()
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None
        self.client_id = self.state.add_client(name=SEEDED_CLIENT_NAME)
        self.cost_center_id = self.state.client(self.client_id).main_cost_center_id
        self.token = self.state.add_token([self.client_id], token=token)
        self.services.clock.factor = time_factor

    # --- lifecycle -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL to give a client, e.g. "http://127.0.0.1:54321" (no trailing slash)."""
        if self._url is None:
            raise SandboxError("the sandbox is not running: start it first")
        return self._url

    async def start(self) -> None:
        """Listen on `host:port` in the running loop; `SandboxError` when the port is taken."""
        if self._runner is not None:
            raise SandboxError("the sandbox is already running")
        app = build_app(
            self.state, self.faults, self.stats, lock=self._lock, control=control_routes(self)
        )
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_GRACE
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
        except OSError as exc:
            await runner.cleanup()
            raise SandboxError(
                f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}"
            ) from exc
        host, port = runner.addresses[0][:2]
        self._runner = runner
        self._url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    async def close(self) -> None:
        """Stop listening and close open connections, cancelling requests still in flight after
        a short grace; the data stays readable."""
        runner, self._runner = self._runner, None
        self._url = None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def start_in_thread(self) -> None:
        """Serve from a new daemon thread with its own event loop; returns once listening."""
        if self._thread is not None or self._runner is not None:
            raise SandboxError("the sandbox is already running")
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:
                failure.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self.close())

        thread = threading.Thread(target=run, name="yandex-b2b-sandbox", daemon=True)
        thread.start()
        started.wait()
        if failure:
            thread.join()
            loop.close()
            raise failure[0]
        self._thread, self._thread_loop = thread, loop

    def stop_thread(self) -> None:
        """Stop a sandbox started with `start_in_thread` and wait for its thread to end."""
        thread, loop = self._thread, self._thread_loop
        if thread is None or loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
        self._thread = self._thread_loop = None

    def __enter__(self) -> Self:
        self.start_in_thread()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop_thread()

    def transport(self) -> MemoryTransport:
        """An in-memory transport serving this sandbox without a socket, for fast tests:
        ``B2BClient(sandbox.token, transport=sandbox.transport())``. The sandbox need not be
        started; the same rules, faults and stats apply as over HTTP."""
        return MemoryTransport(self.state, self.faults, self.stats, self._lock)

    # --- seeding and reading -----------------------------------------------------------------

    def add_client(self, name: str = "Another client") -> str:
        """Create another client with its own main cost center; returns its id. The sandbox's
        `token` does not reach it: make one with `add_token`."""
        with self._lock:
            return self.state.add_client(name=name)

    def add_token(self, client_ids: Iterable[str]) -> str:
        """A new token reaching these clients; with several, requests must name one in
        X-YaTaxi-Selected-Corp-Client-Id."""
        with self._lock:
            return self.state.add_token(client_ids)

    def add_cost_center(self, *, name: str = "Cost center", client_id: str | None = None) -> str:
        """A new (non-main) cost center of the client (the sandbox's own by default)."""
        with self._lock:
            return self.state.add_cost_center(client_id or self.client_id, name=name)

    def add_department(
        self,
        name: str,
        *,
        parent_id: str | None = None,
        with_roles: bool = False,
        client_id: str | None = None,
    ) -> str:
        """A new department, under `parent_id` or at the root; `with_roles` attaches a manager
        (which blocks archiving it). Returns its id."""
        with self._lock:
            return self.state.add_department(
                client_id or self.client_id, name, parent_id=parent_id, roles=int(with_roles)
            )

    def set_department_roles(
        self, department_id: str, roles: int, *, client_id: str | None = None
    ) -> None:
        """Attach `roles` managers/secretaries to a department; 0 detaches them."""
        with self._lock:
            self.state.set_department_roles(client_id or self.client_id, department_id, roles)

    def add_user(
        self,
        *,
        phone: str,
        fullname: str = "",
        is_active: bool = True,
        is_deleted: bool = False,
        email: str | None = None,
        nickname: str | None = None,
        cost_centers_id: str | None = None,
        department_id: str | None = None,
        limits: Sequence[tuple[str, str]] = (),
        client_id: str | None = None,
    ) -> str:
        """Seed an employee directly (active, or archived with `is_deleted=True`) under the API's
        validation and uniqueness rules; `limits` are `(service, limit_id)` pairs.

        Returns the id; a broken rule raises `SandboxError` naming it.
        """
        with self._lock:
            return self.state.add_user(
                client_id or self.client_id,
                phone=phone,
                fullname=fullname,
                is_active=is_active,
                is_deleted=is_deleted,
                email=email,
                nickname=nickname,
                cost_centers_id=cost_centers_id,
                department_id=department_id,
                limits=limits,
            )

    def users(self, client_id: str | None = None) -> list[JSONObject]:
        """Every employee of the client, archived too, in creation order, as the API shows them."""
        with self._lock:
            client_id = client_id or self.client_id
            client = self.state.client(client_id)
            return [self.state.get_user(client_id, user_id) for user_id in client.order]

    def user(self, user_id: str, *, client_id: str | None = None) -> JSONObject:
        """One employee as `GET /users?user_id=` shows it; `SandboxError` when unknown."""
        with self._lock:
            client_id = client_id or self.client_id
            if user_id not in self.state.client(client_id).users:
                raise SandboxError(f"unknown user {user_id!r}")
            return self.state.get_user(client_id, user_id)

    def departments(self, client_id: str | None = None) -> list[JSONObject]:
        """The client's live departments in creation order, as the list endpoint shows them."""
        with self._lock:
            client = self.state.client(client_id or self.client_id)
            return [department.to_json() for department in client.departments.values()]

    # --- seeding and reading: the account's administration (limits, roles, areas) ------------

    def add_limit(
        self,
        title: str,
        service: str = "taxi",
        *,
        department_id: str | None = None,
        orders_cost: str | None = None,
        geo_restrictions: Sequence[Mapping[str, str]] = (),
        is_default: bool = False,
        client_id: str | None = None,
    ) -> str:
        """A limit as made in the Dashboard (give it to employees with `add_user(limits=…)`);
        `orders_cost` ("5000") caps monthly spending. Returns its id."""
        with self._lock:
            return rules_for(self.state).add_limit(
                client_id or self.client_id,
                title,
                service,
                department_id=department_id,
                orders_cost=orders_cost,
                geo_restrictions=geo_restrictions,
                is_default=is_default,
            )

    def add_geo_restriction(
        self,
        name: str,
        *,
        center: tuple[float, float] = (37.642639, 55.734894),
        radius: int = 500,
        client_id: str | None = None,
    ) -> str:
        """A ride area (`center` is longitude, latitude; `radius` in metres). Returns its id."""
        with self._lock:
            return rules_for(self.state).add_geo_restriction(
                client_id or self.client_id, name, center=center, radius=radius
            )

    def add_manager(
        self,
        *,
        yandex_login: str,
        role: str,
        phone: str,
        department_id: str | None = None,
        client_id: str | None = None,
    ) -> str:
        """A manager role for the person with `phone` (in strict mode an active employee's:
        seed one first). Returns its id; a broken rule raises `SandboxError`."""
        with self._lock:
            return rules_for(self.state).add_manager(
                client_id or self.client_id,
                yandex_login=yandex_login,
                role=role,
                phone=phone,
                department_id=department_id,
            )

    def set_spending(
        self,
        user_id: str,
        limit_id: str,
        *,
        spent: str,
        orders_spent: int = 0,
        client_id: str | None = None,
    ) -> None:
        """What an employee spent within a limit this period (`users.spending_details`)."""
        with self._lock:
            rules_for(self.state).set_spending(
                client_id or self.client_id,
                user_id,
                limit_id,
                spent=spent,
                orders_spent=orders_spent,
            )

    def limits(self, client_id: str | None = None) -> list[JSONObject]:
        """The client's limits (personal ones too) as `GET /limits?limit_id=` shows them."""
        with self._lock:
            client_id = client_id or self.client_id
            rules = rules_for(self.state)
            return [
                rules.get_limit(client_id, record.id) for record in rules.limit_records(client_id)
            ]

    def managers(self, client_id: str | None = None) -> list[JSONObject]:
        """The client's manager roles in creation order, as the list shows them."""
        with self._lock:
            records = rules_for(self.state).manager_records(client_id or self.client_id)
            return [record.to_json() for record in records]

    def geo_restrictions(self, client_id: str | None = None) -> list[JSONObject]:
        """The client's ride areas in creation order, as the list shows them."""
        with self._lock:
            records = rules_for(self.state).area_records(client_id or self.client_id)
            return [record.to_json() for record in records]

    def cost_centers(self, client_id: str | None = None) -> list[JSONObject]:
        """The client's cost centers, as the list shows them."""
        with self._lock:
            client = self.state.client(client_id or self.client_id)
            return [cost_center.to_json() for cost_center in client.cost_centers.values()]

    def taxi_budget(self, department_id: str, *, client_id: str | None = None) -> JSONObject:
        """A department's taxi budget as `GET /departments/limits/taxi` shows it."""
        with self._lock:
            return rules_for(self.state).taxi_budget(client_id or self.client_id, department_id)

    def reset(self, *, strict: bool | None = None) -> None:
        """Back to a fresh start: only the seeded client, with the same ids and token; faults
        cleared, stats zeroed, the clock at its start (at the same speed). `strict` switches
        strict mode, the assumptions that refuse what the pages allow (None keeps it)."""
        with self._lock:
            if strict is not None:
                self.state.strict = strict
            self.state.clear()
            rules_for(self.state).clear()
            self.state.add_client(
                name=SEEDED_CLIENT_NAME,
                client_id=self.client_id,
                cost_center_id=self.cost_center_id,
            )
            self.state.add_token([self.client_id], token=self.token)
            services_of(self.state).clear()
            self.stats.reset()
        self.faults.clear()

    def reset_stats(self) -> None:
        """Zero the counters and empty the request log."""
        with self._lock:
            self.stats.reset()

    # --- orders and services: the clock, and seeding ---------------------------------------------
    # Taxi orders live on a manual clock: nothing happens to them until `advance` is called.

    @property
    def services(self) -> Services:
        """The orders', promocodes', vehicles' and other services' data (take `lock` to touch
        it from another thread while the sandbox serves)."""
        return services_of(self.state)

    @property
    def lock(self) -> threading.Lock:
        """The lock the request handler holds while it reads or changes the data."""
        return self._lock

    @property
    def clock(self) -> ManualClock:
        """The services' manual clock (`now()`, `wall()`, `advance(seconds)`)."""
        return self.services.clock

    def advance(self, seconds: float) -> None:
        """Move the services' clock forward: an order created now is `driving` after 30 s,
        `waiting` after 210 s, `transporting` after 330 s and `complete` after 1230 s."""
        with self._lock:
            self.services.clock.advance(seconds)

    @property
    def time_factor(self) -> float:
        """The speed of the services' clock: clock seconds per real second (0: stopped)."""
        return self.services.clock.factor

    @time_factor.setter
    def time_factor(self, value: float) -> None:
        with self._lock:
            self.services.clock.factor = value

    def taxi_orders(self, client_id: str | None = None) -> list[JSONObject]:
        """Every taxi order of the client, in creation order, as `orders/info` shows them."""
        with self._lock:
            client_id = client_id or self.client_id
            taxi = self.services.taxi
            return [taxi.info(client_id, order.id) for order in taxi.census(client_id)]

    def fail_order(self, order_id: str, *, client_id: str | None = None) -> None:
        """Make the taxi company give an order up: its status becomes `failed`."""
        with self._lock:
            self.services.taxi.fail(client_id or self.client_id, order_id)

    def promocode_orders(self, client_id: str | None = None) -> list[JSONObject]:
        """Every promocode series of the client, as `promocodes/orders/info` shows them."""
        with self._lock:
            client_id = client_id or self.client_id
            return [
                series.to_json()
                for series in self.services.promocodes.series.values()
                if series.client_id == client_id
            ]

    def use_promocode(self, order_id: str, *, client_id: str | None = None) -> str:
        """Use one code of a series (as a rider would: the series can no longer be
        cancelled); returns the code's id."""
        with self._lock:
            return self.services.promocodes.use(client_id or self.client_id, order_id)

    def vehicles(self, client_id: str | None = None) -> list[JSONObject]:
        """Every car of the client, archived ones too, as `vehicles/list` shows them."""
        with self._lock:
            client_id = client_id or self.client_id
            fleet = self.services.fleet
            return fleet.list_vehicles(
                client_id, limit=1000, cursor=None, user_id=None, include_deleted=True
            )["items"]  # type: ignore[return-value]

    def add_tanker_order(
        self,
        *,
        user_id: str,
        closed_at: datetime.datetime | None = None,
        fuel_type: str = "a95",
        liters: float = 30.0,
        price: float = 1650.0,
        client_id: str | None = None,
    ) -> str:
        """Seed a refuelling closed at `closed_at` (aware; the clock's now by default)."""
        with self._lock:
            return self.services.reports.add_tanker(
                client_id or self.client_id,
                user_id=user_id,
                closed_at=closed_at or self.services.clock.wall(),
                fuel_type=fuel_type,
                liters=liters,
                price=price,
            )

    def add_eats_order(
        self,
        *,
        user_id: str,
        created_at: datetime.datetime | None = None,
        restaurant: str = "Sandbox Pizza",
        client_id: str | None = None,
    ) -> str:
        """Seed a food order made at `created_at` (aware; the clock's now by default)."""
        with self._lock:
            return self.services.reports.add_eats(
                client_id or self.client_id,
                user_id=user_id,
                created_at=created_at or self.services.clock.wall(),
                restaurant=restaurant,
            )

    def add_travel(
        self,
        *,
        name: str,
        traveller_id: str,
        date_from: datetime.date | None = None,
        date_to: datetime.date | None = None,
        client_id: str | None = None,
    ) -> str:
        """Seed a business trip with a hotel booking (dates: from today, two days)."""
        with self._lock:
            now = self.services.clock.wall()
            first = date_from or now.date()
            return self.services.reports.add_travel(
                client_id or self.client_id,
                name=name,
                date_from=first,
                date_to=date_to or first + datetime.timedelta(days=2),
                traveller_id=traveller_id,
                created_at=now,
            )


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    strict: bool = False,
    seed: int | None = None,
    token: str | None = None,
    rate_limit: float | None = None,
    burst: int | None = None,
    latency: float | tuple[float, float] | None = None,
    error_rate: float = 0.0,
    drop_before_rate: float = 0.0,
    drop_after_rate: float = 0.0,
    outage: bool = False,
    time_factor: float = 1.0,
    out: IO[str] | None = None,
) -> None:
    """Run a sandbox until SIGINT or SIGTERM (blocking), for the command line and benchmarks.

    Its services' clock runs at `time_factor` clock seconds per real second: 1 (the default)
    is real time, so a taxi ride takes its 20 min 30 s; 60 runs one in 20.5 s; 0 stops the
    clock, to move it from another process with the control API (`POST
    /_sandbox/clock/advance`).

    Once listening it prints, one per line and flushed, `YANDEX_B2B_BASE_URL=<url>`,
    `YANDEX_B2B_TOKEN=<token>`, `YANDEX_B2B_CLIENT_ID=<id>` and
    `YANDEX_B2B_COST_CENTER_ID=<id>` to `out` (stdout): the URL line first, and the names are
    those the CLI reads from the environment. Bad options raise `ValueError`, a taken port
    `SandboxError`, before anything is printed.
    """
    sandbox = Sandbox(
        host=host, port=port, strict=strict, seed=seed, token=token, time_factor=time_factor
    )
    if rate_limit is not None:
        sandbox.faults.rate_limit(rate_limit, burst=burst)
    elif burst is not None:
        raise ValueError("burst needs rate_limit")
    sandbox.faults.latency(latency)
    if error_rate or drop_before_rate or drop_after_rate:
        sandbox.faults.random(
            error_rate=error_rate,
            drop_before_rate=drop_before_rate,
            drop_after_rate=drop_after_rate,
        )
    sandbox.faults.outage(outage)
    asyncio.run(_serve(sandbox, out or sys.stdout))


async def _serve(sandbox: Sandbox, out: IO[str]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not every platform lets a loop own signals (Windows); Ctrl-C still ends asyncio.run.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    async with sandbox:
        print(f"YANDEX_B2B_BASE_URL={sandbox.url}", file=out)
        print(f"YANDEX_B2B_TOKEN={sandbox.token}", file=out)
        print(f"YANDEX_B2B_CLIENT_ID={sandbox.client_id}", file=out)
        print(f"YANDEX_B2B_COST_CENTER_ID={sandbox.cost_center_id}", file=out, flush=True)
        await stop.wait()
