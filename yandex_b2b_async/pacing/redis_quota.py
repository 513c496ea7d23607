"""One quota in Redis: the token bucket, the pause and the adaptive rate that processes share.

:class:`RedisQuota` talks to Redis and nothing else: every acquire is one atomic Lua script
(GCRA, one round trip) that takes a start or says how long to wait; every throttle is another
that sets the shared pause and, in adaptive mode, cuts the shared rate. It neither queues nor
sleeps (the pacer does), and knows nothing about falling back when Redis is away
(:mod:`.redis_backend` does).

**The bucket as GCRA.** The state is the theoretical arrival time ``tat``: with ``T = 1/rate``,
the bucket holds ``burst - (tat - now) / T`` tokens. A take moves ``tat`` on by ``T``; it is
allowed when that leaves the bucket at or above zero, so any window of ``w`` seconds holds at
most ``rate * w + burst`` starts, summed over every process. A waiter that wakes late passes
the time its token was due (``due``) and is accounted then, as the local bucket does, never
beyond a full bucket.

**Clocks.** The scripts never read ``TIME``: the caller passes its clock, so a script is a pure
function of its arguments and the state. That clock is the process's wall clock, checked against
Redis's ``TIME`` when it connects (and every ``REDIS_CLOCK_RESYNC`` seconds; the reading with
the shortest of three round trips, the offset taken at its midpoint). A host whose clock agrees
with Redis's within that reading's precision (half its round trip, plus 1 ms) keeps its own
clock — processes of one host then agree exactly, and NTP keeps hosts closer than a busy round
trip could tell; a host whose clock is further off uses Redis's instead, to within half a round
trip. The skew bound: with processes' clocks at most ``d`` seconds apart (``d`` <= 1 ms plus half
a round trip, or NTP's error when smaller), any window of ``w`` seconds holds at most
``rate * (w + d) + burst`` grants, and a pause ends up to ``d`` early for the process whose clock
runs ahead. What reaches the server is further spread by the time each grant's reply takes to
come back (a busy host may take milliseconds), which shifts a start later, never earlier.

**Keys.** ``yandex_b2b:{QUOTA}:bucket`` (a hash: ``tat``, the adaptive curve, the rate meter;
it expires after ``REDIS_STATE_TTL`` unused) and ``yandex_b2b:{QUOTA}:pause`` (the time the
pause ends; it expires with the pause). The braces are a cluster hash tag, so that behind a
cluster-aware proxy both keys live on one node, as a script needs (the client itself talks to
one Redis server). ``QUOTA`` never holds the token (see :func:`quota_name`).

**Cancellation.** redis-py's asyncio client swallows a cancellation that lands during a command
(redis/redis-py#2028, #2551; seen in most trials with redis-py 8.1): each command therefore runs
in a task of its own that the caller awaits through :func:`asyncio.shield`, so a cancelled
caller leaves at once and the command ends behind it, within the timeout (a start it may still
take is lost, which errs on the slow side). A command's task is made only once its connection
is free (a lock per connection, held until the command ends), so that a caller cancelled while
it waits sends nothing: at most one command per connection runs without a caller, instead of
every cancelled caller's piling up behind it (each taking a start nobody uses, and holding up
the next caller past its timeout).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from typing import Final, NamedTuple, TypeVar

from .._constants import (
    ADAPTIVE_DECREASE,
    ADAPTIVE_MIN_RATE,
    ADAPTIVE_RECOVERY_SECONDS,
    DEFAULT_REDIS_TIMEOUT,
    GOODPUT_CUT,
    GOODPUT_LONG_SECONDS,
    GOODPUT_MIN_SECONDS,
    GOODPUT_WINDOW,
    LIMIT_FIT_CUT,
    PROBE_MIN_SECONDS,
    PROBE_SPREAD,
    RECOVERY_MAX_SECONDS,
    RECOVERY_PER_PAUSE_SECOND,
    REDIS_CLOCK_RESYNC,
    REDIS_CONNECT_TIMEOUT,
    REDIS_KEY_PREFIX,
    REDIS_STATE_TTL,
)

__all__ = ["Grant", "RedisQuota", "RedisUnavailable", "quota_keys", "quota_name"]

_T = TypeVar("_T")

# Readings of Redis's clock per synchronisation (at connect, then every REDIS_CLOCK_RESYNC s).
_CLOCK_SAMPLES: Final = 3
# Below this (seconds, beyond half the round trip) an offset is measurement noise, not skew.
_CLOCK_TOLERANCE: Final = 0.001

# Shared by both scripts: the state's load and save, the CUBIC curve, the count of successful
# answers and the goodput read from it — the same formulas as :mod:`.state` and :mod:`.cubic`
# (LocalPacing), with their constants passed in so that they live in one place.
_COMMON: Final = r"""
local now = tonumber(ARGV[1])
local configured = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local adaptive = ARGV[4] == '1'
local ttl = tonumber(ARGV[5])
local K = tonumber(ARGV[6])
local decrease = tonumber(ARGV[7])
local min_rate = tonumber(ARGV[8])
local goodput_cut = tonumber(ARGV[9])
local near_limit = tonumber(ARGV[10])
local goodput_window = tonumber(ARGV[11])
local goodput_min = tonumber(ARGV[12])
local goodput_long = tonumber(ARGV[13])
local probe_min = tonumber(ARGV[14])
local per_pause = tonumber(ARGV[15])
local recovery_max = tonumber(ARGV[16])
local spread = tonumber(ARGV[17])
local FIELDS = {'tat', 'fill', 'cut_at', 'cut', 'peak', 'last_peak', 'rec', 'm_start',
                'm_count', 'm_rate', 'succ', 'mark', 'mark_at', 'earlier', 'earlier_at',
                'resumed', 'resumed_at', 'probing', 'pause_from', 'pause_mark', 'probe_at',
                'gap', 'probes', 'pause_len', 'refused', 'lifted_at', 'window_seen'}

local function fmt(x) return string.format('%.17g', x) end

local function load()
  local values = redis.call('HMGET', KEYS[1], unpack(FIELDS))
  local st = {}
  for i, name in ipairs(FIELDS) do
    if values[i] then st[name] = tonumber(values[i]) end
  end
  if not st.fill then st.fill = configured end
  st.succ = st.succ or 0
  if not st.mark_at then
    st.mark, st.mark_at, st.resumed, st.resumed_at = st.succ, now, st.succ, now
  end
  return st
end

local function save(st)
  local set, gone = {}, {}
  for _, name in ipairs(FIELDS) do
    if st[name] then
      set[#set + 1] = name
      set[#set + 1] = fmt(st[name])
    else
      gone[#gone + 1] = name
    end
  end
  if #set > 0 then redis.call('HSET', KEYS[1], unpack(set)) end
  if #gone > 0 then redis.call('HDEL', KEYS[1], unpack(gone)) end
  redis.call('PEXPIRE', KEYS[1], ttl)
end

local function rate_at(st, t)
  if not st.cut_at then return st.fill end
  local elapsed = t - st.cut_at
  if elapsed <= 0 then return st.cut end
  local k = st.rec or K
  local scale = (st.peak - st.cut) / (k * k * k)
  local rate = st.peak + scale * (elapsed - k) ^ 3
  return math.min(configured, math.max(rate, st.cut))
end

local function paused_until()
  return tonumber(redis.call('GET', KEYS[2]) or '0')
end

-- Sending resumes at ``at``: count the answers and the sending rate from there.
local function resume(st, at)
  st.m_start = at
  st.m_count = 0
  st.mark, st.resumed = st.succ, st.succ
  st.mark_at, st.resumed_at = at, at
  st.earlier, st.earlier_at = nil, nil
end

-- Successful answers a second since sending resumed (LocalPacing._goodput), or nil.
local function goodput(st, t)
  local mark, since
  if st.earlier_at and st.earlier_at > st.resumed_at then
    mark, since = st.earlier, st.earlier_at
  elseif t - st.resumed_at >= goodput_long then
    mark, since = st.resumed, st.resumed_at
  elseif st.earlier_at then
    mark, since = st.earlier, st.earlier_at
  else
    mark, since = st.mark, st.mark_at
  end
  local span = t - since
  local answered = st.succ - mark
  if span < goodput_min or answered <= 0 then return nil end
  return answered / span
end

-- End a probing pause at ``t`` (LocalPacing._lift): sending resumes at the rate in force, the
-- bucket empty less what the probes took.
local function lift(st, t)
  redis.call('DEL', KEYS[2])
  st.probing = nil
  st.lifted_at = t
  if (st.refused or 0) > 0 then st.window_seen = 1 else st.window_seen = nil end
  if st.cut_at and st.cut_at > t then
    st.cut_at = t
    st.rec = math.min(recovery_max, math.max(K, per_pause * (t - st.pause_from)))
    resume(st, t)
  end
  st.tat = t + (burst + (st.probes or 0)) / rate_at(st, t)
end
"""

# ARGV[18] = due (<= now), ARGV[19] = successful answers since this process last told.
# Returns {granted, wait, rate, pause_left, probing} (numbers as strings: a Lua number would
# reach the caller truncated to an integer); during a probing pause (probing 1) the wait is
# when to ask again, not the pause's end.
_ACQUIRE: Final = (
    _COMMON
    + r"""
local due = tonumber(ARGV[18])
local told = tonumber(ARGV[19])
if told > 0 then redis.call('HINCRBY', KEYS[1], 'succ', told) end
local st = load()
local pause = paused_until()
if pause > now then
  if not st.probing then
    return {0, fmt(pause - now), fmt(rate_at(st, now)), fmt(pause - now), '0'}
  end
  if st.succ > st.pause_mark then
    lift(st, now)
    save(st)
  elseif now >= st.probe_at then
    st.gap = math.max(st.gap, math.min(st.gap * 2, (pause - st.pause_from) / spread))
    st.probe_at = now + st.gap
    st.probes = (st.probes or 0) + 1
    save(st)
    return {1, '0', fmt(rate_at(st, now)), fmt(pause - now), '1'}
  else
    local ask = math.min(st.probe_at, pause, now + math.max(probe_min, st.gap / 8))
    return {0, fmt(ask - now), fmt(rate_at(st, now)), fmt(pause - now), '1'}
  end
end
local rate = rate_at(st, now)
if st.cut_at and rate >= configured then
  st.cut_at = nil
  st.fill = configured
end
local T = 1 / rate
local base = math.max(st.tat or 0, due)
local tat = math.max(base + T, now)
local wait = tat - burst * T - now
-- A microsecond short counts as whole: shared-clock readings near 1.7e9 s resolve only to
-- about 0.2 us, and a wait too small to move the clock would send the caller straight back.
if wait > 1e-6 then
  return {0, fmt(wait), fmt(rate), '0', '0'}
end
st.tat = tat
if adaptive then
  local count = (st.m_count or 0) + 1
  local start = st.m_start or now
  local elapsed = now - start
  if elapsed > 2.0 then
    st.m_rate = nil
    start = now
    count = 0
  elseif elapsed >= 0.5 then
    local sent = count / elapsed
    if st.m_rate then sent = 0.8 * sent + 0.2 * st.m_rate end
    st.m_rate = sent
    start = now
    count = 0
  end
  st.m_start = start
  st.m_count = count
  if now - st.mark_at >= goodput_window then
    st.earlier, st.earlier_at = st.mark, st.mark_at
    st.mark, st.mark_at = st.succ, now
  end
end
save(st)
return {1, '0', fmt(rate), '0', '0'}
"""
)

# ARGV[18] = pause (s), ARGV[19] = rate_limited (1/0), ARGV[20] = sent_at (-1: unknown),
# ARGV[21] = successful answers since this process last told. Returns {rate, pause_left,
# probing} (probing 1: the acquires say when to ask again).
_THROTTLE: Final = (
    _COMMON
    + r"""
local pause = tonumber(ARGV[18])
local rate_limited = ARGV[19] == '1'
local sent_at = tonumber(ARGV[20])
local told = tonumber(ARGV[21])
if told > 0 then redis.call('HINCRBY', KEYS[1], 'succ', told) end
local st = load()
local ends = now + pause
local until_ = paused_until()
local paused = until_ > now
local function set_pause()
  if ends > until_ then
    redis.call('SET', KEYS[2], fmt(ends), 'PX', math.max(1, math.ceil(pause * 1000)))
    until_ = ends
  end
end
if paused and st.probing and sent_at >= 0 and sent_at >= st.pause_from then
  -- A probe's 429: the pause stands, the rate is not cut again; after a pause that outlasted
  -- its probes too (a window), the next probe goes when the window should have reset.
  set_pause()
  st.refused = (st.refused or 0) + 1
  if st.window_seen and st.lifted_at then
    local period = st.pause_len
    local due = st.lifted_at + math.ceil((now - st.lifted_at) / period) * period
    if now < due and due <= until_ then st.probe_at = due end
  end
  save(st)
  return {fmt(rate_at(st, now)), fmt(until_ - now), '1'}
end
set_pause()
if not rate_limited then st.probing = nil end
if adaptive and rate_limited and not (sent_at >= 0 and st.cut_at and sent_at < st.cut_at) then
  local in_force = rate_at(st, now)
  local current = in_force
  if st.m_rate and st.m_rate < current then current = st.m_rate end
  local floor = math.min(min_rate, configured)
  local got = goodput(st, now)
  if got then
    -- What the server let through since sending resumed is its limit, as near as can be told.
    local limit = got
    if got >= in_force then limit = in_force * near_limit end
    st.last_peak = limit
    st.cut = math.max(floor, limit * goodput_cut)
    st.peak = limit
  else
    local cut = math.max(floor, current * decrease)
    local peak = current
    if current < (st.last_peak or 0) then peak = current * (1 + decrease) / 2 end
    if cut > current * decrease then peak = math.max(peak, cut / decrease) end
    st.last_peak = current
    st.cut = cut
    st.peak = peak
  end
  st.cut_at = math.max(now, until_)
  st.fill = st.cut
  st.rec = math.min(recovery_max, math.max(K, per_pause * pause))
  resume(st, st.cut_at)
end
-- No burst right after a throttle: the bucket is empty when the pause ends.
local rate = rate_at(st, ends)
st.tat = math.max(st.tat or 0, ends + burst / rate)
if rate_limited and until_ > now and not (paused and st.probing) then
  st.probing = 1
  st.pause_from = now
  st.pause_len = until_ - now
  st.pause_mark = st.succ
  st.probes = 0
  st.refused = 0
  st.gap = math.max(probe_min, 1 / rate_at(st, now))
  st.probe_at = now + st.gap
end
save(st)
return {fmt(rate_at(st, now)), fmt(math.max(0, until_ - now)), st.probing and '1' or '0'}
"""
)


class RedisUnavailable(Exception):
    """Redis did not answer in time, refused the connection, or answered with an error."""


class Grant(NamedTuple):
    """One acquire's answer: a start (``granted``), or how long to wait (``wait`` seconds).

    ``rate`` is the shared rate in force (calls/s); ``paused_for`` the shared pause left;
    ``probing`` whether that pause is a 429's, probed (``wait`` is then when to ask again).
    """

    granted: bool
    wait: float
    rate: float
    paused_for: float
    probing: bool = False


def quota_name(*, base_url: str, client_id: str | None, token: str) -> str:
    """The default name of a quota: the API host, the client id and a hash of the token.

    ``b2b-api.go.yandex.ru/CLIENT/1f2e…`` (``-`` without a client id). The token itself is
    never part of it: a 16-hex-digit SHA-256 prefix tells accounts apart without revealing it.
    """
    host = base_url.split("://", 1)[-1].rstrip("/")
    digest = hashlib.sha256(b"yandex_b2b_async quota\0" + token.encode()).hexdigest()[:16]
    return _clean(f"{host}/{client_id or '-'}/{digest}")


def quota_keys(name: str) -> tuple[str, str]:
    """The Redis keys of quota ``name``: its bucket (a hash) and its pause."""
    tag = f"{REDIS_KEY_PREFIX}:{{{_clean(name)}}}"
    return f"{tag}:bucket", f"{tag}:pause"


def _clean(name: str) -> str:
    # Braces would end the cluster hash tag early; control characters make keys unreadable.
    return "".join("_" if ch in "{}" or not ch.isprintable() else ch for ch in name)


class RedisQuota:
    """One shared quota (``rate`` calls/s, ``burst``, ``adaptive``) kept in Redis at ``url``.

    Every method is one round trip (plus, now and then, one to read Redis's clock) bounded by
    ``timeout`` seconds; any failure — no connection, a timeout, an error reply — raises
    :class:`RedisUnavailable`. Times are this process's wall clock set against Redis's
    (:meth:`now`; ``sync_clock=False`` takes ``wall`` as the shared clock as is, for tests that
    drive time). Create it inside the event loop that will use it; :meth:`aclose` ends the
    connections and any command still running.
    """

    def __init__(
        self,
        url: str,
        name: str,
        *,
        rate: float,
        burst: int,
        adaptive: bool,
        timeout: float = DEFAULT_REDIS_TIMEOUT,
        wall: Callable[[], float] = time.time,
        sync_clock: bool = True,
    ) -> None:
        import redis.asyncio
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        self.name: Final = name
        self.keys: Final = quota_keys(name)
        self.timeout: Final = timeout
        self._wall = wall
        self._offset = 0.0
        self._synced_at: float | None = None
        self._sync = sync_clock
        self._publisher_ready = False
        self._connected = False

        # redis-py's own retries would multiply the time an outage costs each call; the
        # backend above decides what a failure means. Two connections, each kept open and used
        # one command at a time: one for the acquires (only the head of the pacer's queue
        # acquires, so they come one at a time anyway) and one for the throttles, so that a
        # pause is published without waiting behind an acquire. A new connection would cost a
        # handshake of several round trips (tens of milliseconds on a busy host).
        self._connect_timeout = max(timeout, REDIS_CONNECT_TIMEOUT)

        def connect() -> redis.asyncio.Redis:
            return redis.asyncio.Redis.from_url(
                url,
                # Each command is bounded by ``timeout`` above redis-py (see _run); its own
                # bounds are the connect's, so that opening a connection is not cut short.
                socket_timeout=self._connect_timeout,
                socket_connect_timeout=self._connect_timeout,
                retry=Retry(NoBackoff(), 0),
                health_check_interval=0,
                single_connection_client=True,
            )

        self._redis: Final = connect()
        self._publisher: Final = connect()
        # One command at a time per connection, taken before its task is made (see _run).
        self._free: Final = {id(self._redis): asyncio.Lock(), id(self._publisher): asyncio.Lock()}
        self._acquire: Final = self._redis.register_script(_ACQUIRE)
        self._throttle: Final = self._publisher.register_script(_THROTTLE)
        ttl_ms = str(int(REDIS_STATE_TTL * 1000))
        self._params: Final = (
            repr(float(rate)),
            str(int(burst)),
            "1" if adaptive else "0",
            ttl_ms,
            repr(ADAPTIVE_RECOVERY_SECONDS),
            repr(ADAPTIVE_DECREASE),
            repr(ADAPTIVE_MIN_RATE),
            repr(GOODPUT_CUT),
            repr(LIMIT_FIT_CUT),
            repr(GOODPUT_WINDOW),
            repr(GOODPUT_MIN_SECONDS),
            repr(GOODPUT_LONG_SECONDS),
            repr(PROBE_MIN_SECONDS),
            repr(RECOVERY_PER_PAUSE_SECOND),
            repr(RECOVERY_MAX_SECONDS),
            repr(PROBE_SPREAD),
        )
        self._commands: set[asyncio.Task[object]] = set()
        self._closed = False

    @property
    def clock_offset(self) -> float:
        """Seconds to add to this host's wall clock to read Redis's (0.0 before connecting)."""
        return self._offset

    def now(self) -> float:
        """This process's reading of the shared clock (wall clock set against Redis's)."""
        return self._wall() + self._offset

    async def acquire(self, *, due: float | None = None, answered: int = 0) -> Grant:
        """Take a start now, or learn how long to wait; ``due`` (shared clock, <= now) is when
        the caller's token was due, for a waiter that woke late; ``answered`` the successful
        answers this process counted since it last told (the shared goodput, and the answer
        that ends a probing pause)."""
        await self._sync_clock()
        now = self.now()
        due = now if due is None or due > now else due
        reply = await self._run(
            self._redis,
            lambda: self._acquire(
                keys=self.keys, args=[repr(now), *self._params, repr(due), str(answered)]
            ),
        )
        granted, wait, rate, pause, probing = _strings(reply, 5)
        return Grant(granted == "1", float(wait), float(rate), float(pause), probing == "1")

    async def throttle(
        self, *, pause: float, rate_limited: bool, sent_at: float | None = None, answered: int = 0
    ) -> tuple[float, float, bool]:
        """Pause every process for ``pause`` seconds from now; in adaptive mode a 429
        (``rate_limited``) sent at ``sent_at`` (shared clock) after the last cut cuts the rate.
        A 429's pause is probed, as :class:`~.state.LocalPacing`'s: one start at a time goes
        during it (:meth:`acquire` grants them) and the first answer ends it. ``answered`` is
        as for :meth:`acquire`. Returns the shared rate, the pause left, and whether it is
        probed."""
        await self._sync_clock()
        now = self.now()
        sent = -1.0 if sent_at is None else sent_at
        reply = await self._run(
            self._publisher,
            lambda: self._throttle(
                keys=self.keys,
                args=[
                    repr(now),
                    *self._params,
                    repr(max(0.0, pause)),
                    "1" if rate_limited else "0",
                    repr(sent),
                    str(answered),
                ],
            ),
        )
        rate, left, probing = _strings(reply, 3)
        return float(rate), float(left), probing == "1"

    async def ping(self) -> None:
        """One round trip; raises :class:`RedisUnavailable` if Redis does not answer."""
        await self._run(self._redis, self._redis.ping)

    async def forget(self) -> None:
        """Delete this quota's keys (its bucket, curve and pause)."""
        await self._run(self._redis, lambda: self._redis.delete(*self.keys))

    async def aclose(self) -> None:
        """Cancel the commands in flight and close the connections, without waiting on Redis."""
        self._closed = True
        for task in list(self._commands):
            task.cancel()
        for client in (self._redis, self._publisher):
            try:
                async with asyncio.timeout(self.timeout):
                    await client.connection_pool.disconnect(inuse_connections=True)
            except (TimeoutError, OSError):
                pass
            await client.aclose(close_connection_pool=False)

    async def _sync_clock(self) -> None:
        if not self._sync:
            return
        if self._synced_at is not None and self._wall() - self._synced_at < REDIS_CLOCK_RESYNC:
            return
        # The reading with the shortest round trip bounds the offset's error best (NTP's
        # minimum filter): a busy host may take milliseconds to run the loop between the two
        # halves of one trip.
        best: tuple[float, float] | None = None
        for sample_number in range(_CLOCK_SAMPLES):
            before = self._wall()
            # The first reading may open the connection: it gets the connect's budget.
            budget = self._connect_timeout if sample_number == 0 else self.timeout
            seconds, micros = await self._run(self._redis, self._redis.time, within=budget)
            after = self._wall()
            sample = (after - before, seconds + micros / 1e6 - (before + after) / 2)
            if best is None or sample[0] < best[0]:
                best = sample
        assert best is not None
        trip, offset = best
        # An offset within what one reading can tell (half its round trip) says the clocks
        # agree as well as we can measure: this host's clock is then the better one (processes
        # of one host share it exactly; NTP keeps hosts closer than a busy round trip can).
        self._offset = offset if abs(offset) > trip / 2 + _CLOCK_TOLERANCE else 0.0
        self._synced_at = self._wall()
        if not self._publisher_ready:
            # Connect the throttle connection and load its script in the background, so that
            # the first pause is published in one round trip: a handshake, and redis-py's
            # NOSCRIPT-then-load path, took about 100 ms on a busy host. Best effort: if it
            # fails, the first throttle pays for it.
            self._publisher_ready = True
            warm = asyncio.ensure_future(self._publisher.script_load(_THROTTLE))
            self._commands.add(warm)
            warm.add_done_callback(self._settled)

    async def _run(
        self,
        connection: object,
        command: Callable[[], Awaitable[_T]],
        *,
        within: float | None = None,
    ) -> _T:
        """Run one command on ``connection`` in its own task, bounded by the timeout; the
        caller's cancellation reaches the caller at once even when redis-py would swallow it,
        and a command not yet sent when its caller leaves is never sent (see the module doc)."""
        if self._closed:
            raise RedisUnavailable("the shared quota is closed")
        if within is not None:
            limit = within
        else:
            # A command on a connection not yet open (or one dropped by a failure) opens it:
            # it gets the connect's budget.
            limit = self.timeout if self._connected else self._connect_timeout
        free = self._free[id(connection)]
        task: asyncio.Task[_T] | None = None
        try:
            async with asyncio.timeout(limit):
                # Cancelled or out of time while the connection is busy: nothing was sent.
                await free.acquire()
                if self._closed:
                    free.release()
                    raise RedisUnavailable("the shared quota is closed")
                try:
                    task = asyncio.ensure_future(command())
                except BaseException:
                    free.release()
                    raise
                task.add_done_callback(lambda _: free.release())
                self._commands.add(task)
                task.add_done_callback(self._settled)
                result = await asyncio.shield(task)
        except TimeoutError:
            if task is None:
                raise RedisUnavailable(f"the connection was busy for {limit:g}s") from None
            task.cancel()
            self._connected = False
            raise RedisUnavailable(f"no answer within {limit:g}s") from None
        except asyncio.CancelledError:
            # The caller leaves now; the command ends by itself within the timeout (cancelling
            # it would make redis-py drop the connection, and the next command pay a new one).
            # A start it takes is lost, which errs on the slow side. aclose() cancels it.
            raise
        except RedisUnavailable:
            raise
        except Exception as exc:
            self._connected = False
            raise RedisUnavailable(f"{type(exc).__name__}: {exc}") from exc
        self._connected = True
        return result

    def _settled(self, task: asyncio.Task[object]) -> None:
        self._commands.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: a failure nobody awaits any more is not reported


def _strings(reply: object, count: int) -> list[str]:
    if not isinstance(reply, list) or len(reply) != count:
        raise RedisUnavailable(f"unexpected reply from the pacing script: {reply!r}")
    return [item.decode() if isinstance(item, bytes) else str(item) for item in reply]
