"""Fault injection: scripted replies, random faults, latency, a rate limit and an outage.

`Faults.plan` decides, for one request, whether anything unusual happens to it; it knows nothing of
aiohttp (the app carries the decision out) nor of the API's rules (the state does those). Random
choices come from `random.Random` instances seeded by the caller, so a run is reproducible for a
given order of requests. All methods are thread-safe: a test thread may configure faults while
the sandbox serves from its own thread.

In what order a request meets them: an outage answers everything; else the rate limit may answer
429; else the next scripted reply for its method and path; else a random fault. Latency is
added on top of whatever was decided.
"""

from __future__ import annotations

import http
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from random import Random
from typing import Final

import attrs

from .state import JSONValue

__all__ = ["DEFAULT_ERROR_STATUSES", "Faults", "Reply", "TokenBucket", "error_body"]

# The statuses a client's retry policy is expected to treat as transient (minus 429, which the
# rate limit produces on its own).
DEFAULT_ERROR_STATUSES: Final = (500, 502, 503, 504)
_HTML_PAGE: Final = (
    "<html><head><title>{status} {phrase}</title></head>"
    "<body><h1>{status} {phrase}</h1></body></html>"
)


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown status"


def error_body(status: int) -> dict[str, JSONValue]:
    """The JSON error body an injected `status` carries when the reply names none, e.g.
    `{"code": "BAD_GATEWAY", "message": "Bad Gateway (injected by the sandbox)"}`."""
    phrase = _phrase(status)
    code = "".join(ch if ch.isalnum() else "_" for ch in phrase.upper())
    return {"code": code, "message": f"{phrase} (injected by the sandbox)"}


def _require_status(status: int) -> None:
    if not 100 <= status <= 599:
        raise ValueError(f"status must be an HTTP status 100..599, got {status}")


def _check_delay(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{attribute.name} must be a finite number of seconds >= 0, got {value}")


def _check_status(
    instance: object, attribute: attrs.Attribute[int | None], value: int | None
) -> None:
    if value is not None:
        _require_status(value)


def _copy_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return dict(headers)


@attrs.frozen(kw_only=True)
class Reply:
    """What happens to one request, for `Faults.script`.

    - `status` set: answer it with `body` and `headers` (bytes are sent as they are; anything
      else as JSON; no body for a status >= 400 means the sandbox's JSON error body).
    - `status` None and `drop` False: the real answer (after `delay`).
    - `drop`: close the connection instead of answering.
    - `process`: run the real request first, so its write happens even though the client sees
      `status` or a dropped connection: the lost-reply case.
    """

    status: int | None = attrs.field(default=None, validator=_check_status)
    body: bytes | JSONValue = None
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=_copy_headers)
    delay: float = attrs.field(default=0.0, validator=_check_delay)
    process: bool = False
    drop: bool = False

    def __attrs_post_init__(self) -> None:
        if self.drop and (self.status is not None or self.body is not None or self.headers):
            raise ValueError("a dropped connection carries no status, body or headers")
        if self.status is None and (self.body is not None or self.headers):
            raise ValueError("a reply with a body or headers needs a status")

    @classmethod
    def passthrough(cls, *, delay: float = 0.0) -> Reply:
        """The real answer, after `delay` seconds."""
        return cls(delay=delay)

    @classmethod
    def drop_before(cls, *, delay: float = 0.0) -> Reply:
        """Close the connection without processing the request: nothing happened."""
        return cls(drop=True, delay=delay)

    @classmethod
    def drop_after(cls, *, delay: float = 0.0) -> Reply:
        """Process the request, then close the connection: the write happened, the reply is lost."""
        return cls(drop=True, process=True, delay=delay)

    @classmethod
    def html(cls, status: int = 502, *, text: str | None = None, delay: float = 0.0) -> Reply:
        """An HTML error page, as a proxy in front of the API would answer."""
        page = _HTML_PAGE.format(status=status, phrase=_phrase(status)) if text is None else text
        return cls(
            status=status,
            body=page.encode(),
            headers={"Content-Type": "text/html; charset=utf-8"},
            delay=delay,
        )

    @classmethod
    def truncated_json(cls, status: int = 200, *, delay: float = 0.0) -> Reply:
        """A JSON content type with a body cut short."""
        return cls(
            status=status,
            body=b'{"id": "0123456789abcdef',
            headers={"Content-Type": "application/json"},
            delay=delay,
        )

    @classmethod
    def rate_limited(cls, retry_after: float | None = 1, *, delay: float = 0.0) -> Reply:
        """429 with `Retry-After: retry_after` (left out when None) and the JSON error body."""
        headers = {} if retry_after is None else {"Retry-After": _format_seconds(retry_after)}
        return cls(status=429, body=error_body(429), headers=headers, delay=delay)


def _format_seconds(seconds: float) -> str:
    # Retry-After is delay-seconds, an integer; a fraction is sent only when asked for one.
    return str(int(seconds)) if float(seconds).is_integer() else repr(float(seconds))


class TokenBucket:
    """A token bucket: `rate` tokens a second, holding at most `burst`; starts full."""

    def __init__(
        self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if not (math.isfinite(rate) and rate > 0):
            raise ValueError(f"rate must be a number of requests a second > 0, got {rate}")
        if burst < 1:
            raise ValueError(f"burst must be >= 1, got {burst}")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()

    def take(self) -> float | None:
        """Take a token: None when one was there, else the seconds until one will be."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens >= 1:
            self._tokens -= 1
            return None
        return (1 - self._tokens) / self.rate


@attrs.frozen(kw_only=True)
class _RandomFaults:
    error_rate: float
    drop_before_rate: float
    drop_after_rate: float
    statuses: tuple[int, ...]
    paths: frozenset[str] | None
    rng: Random


@attrs.frozen(kw_only=True)
class _RateLimit:
    bucket: TokenBucket
    retry_after: float | None


class Faults:
    """The faults a sandbox injects; empty (everything answered normally) until configured."""

    def __init__(
        self,
        *,
        seed: int | None = None,
        routes: Collection[tuple[str, str]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`seed` is the default for random faults and latency; `routes`, the (method, path)
        pairs the server answers, lets `script` refuse a path that would never match."""
        self._seed = seed
        self._routes = frozenset(routes) if routes is not None else None
        self._clock = clock
        self._lock = threading.Lock()
        self._scripts: dict[tuple[str, str], deque[Reply]] = {}
        self._random: _RandomFaults | None = None
        self._latency: tuple[float, float] | None = None
        self._latency_rng = Random(seed)
        self._rate_limit: _RateLimit | None = None
        self._outage: int | None = None
        self._idle = True

    # --- configuration -------------------------------------------------------------------------

    def script(self, method: str, path: str, replies: Iterable[Reply]) -> None:
        """Queue replies for requests to `method path` (query left out), used one per request in
        order after any already queued; once they run out, requests are answered normally."""
        key = (method.upper(), path)
        queued = list(replies)
        for reply in queued:
            if not isinstance(reply, Reply):
                raise ValueError(f"a script holds Reply objects, got {reply!r}")
        self._check_route(key)
        with self._lock:
            self._scripts.setdefault(key, deque()).extend(queued)
            self._update_idle()

    def pending(self, method: str, path: str) -> int:
        """How many scripted replies for `method path` are still to be used."""
        with self._lock:
            return len(self._scripts.get((method.upper(), path), ()))

    def random(
        self,
        *,
        error_rate: float = 0.0,
        drop_before_rate: float = 0.0,
        drop_after_rate: float = 0.0,
        statuses: Iterable[int] = DEFAULT_ERROR_STATUSES,
        paths: Iterable[str] | None = None,
        seed: int | None = None,
    ) -> None:
        """Fail a share of requests at random (replacing earlier random settings).

        Each rate is a probability per request; together at most 1. An error answers one of
        `statuses` (picked at random) without processing; the drops are as `Reply.drop_before`
        and `Reply.drop_after`. `paths` limits them to those paths (every method); `seed`
        defaults to the sandbox's.
        """
        rates = {
            "error_rate": error_rate,
            "drop_before_rate": drop_before_rate,
            "drop_after_rate": drop_after_rate,
        }
        for name, rate in rates.items():
            if not (math.isfinite(rate) and 0 <= rate <= 1):
                raise ValueError(f"{name} must be a probability between 0 and 1, got {rate}")
        if sum(rates.values()) > 1:
            raise ValueError(f"the rates add up to more than 1: {rates}")
        chosen = tuple(statuses)
        if error_rate and not chosen:
            raise ValueError("error_rate needs at least one status to answer")
        for status in chosen:
            _require_status(status)
        path_set = None if paths is None else frozenset(paths)
        if path_set is not None and self._routes is not None:
            known = {route_path for _, route_path in self._routes}
            for path in sorted(path_set - known):
                raise ValueError(f"the sandbox serves no path {path!r}")
        settings = _RandomFaults(
            error_rate=error_rate,
            drop_before_rate=drop_before_rate,
            drop_after_rate=drop_after_rate,
            statuses=chosen,
            paths=path_set,
            rng=Random(self._seed if seed is None else seed),
        )
        with self._lock:
            self._random = settings if sum(rates.values()) > 0 else None
            self._update_idle()

    def latency(self, seconds: float | tuple[float, float] | None) -> None:
        """Delay every request by `seconds`, or uniformly within `(low, high)`; None: no delay."""
        if seconds is None:
            bounds = None
        else:
            low, high = seconds if isinstance(seconds, tuple) else (seconds, seconds)
            for value in (low, high):
                if not (math.isfinite(value) and value >= 0):
                    raise ValueError(f"latency must be seconds >= 0, got {seconds}")
            if low > high:
                raise ValueError(f"latency range is reversed: {seconds}")
            bounds = (low, high) if high > 0 else None
        with self._lock:
            self._latency = bounds
            self._update_idle()

    def rate_limit(
        self, rate: float | None, *, burst: int | None = None, retry_after: float | None = None
    ) -> None:
        """Answer 429 beyond `rate` requests a second (a token bucket holding `burst`, by default
        one second's worth); None lifts the limit. `Retry-After` says when the next token comes
        in whole seconds (at least 1), unless `retry_after` fixes the value."""
        if rate is None:
            limit = None
        else:
            if not (math.isfinite(rate) and rate > 0):
                raise ValueError(f"rate must be a number of requests a second > 0, got {rate}")
            if retry_after is not None and not (math.isfinite(retry_after) and retry_after >= 0):
                raise ValueError(f"retry_after must be seconds >= 0, got {retry_after}")
            bucket_size = max(1, int(rate)) if burst is None else burst
            bucket = TokenBucket(rate, bucket_size, clock=self._clock)
            limit = _RateLimit(bucket=bucket, retry_after=retry_after)
        with self._lock:
            self._rate_limit = limit
            self._update_idle()

    def outage(self, enabled: bool = True, *, status: int = 503) -> None:
        """While enabled, answer every request `status` (JSON error body) without processing."""
        _require_status(status)
        with self._lock:
            self._outage = status if enabled else None
            self._update_idle()

    def clear(self) -> None:
        """Remove every fault: scripts, random faults, latency, the rate limit and the outage."""
        with self._lock:
            self._scripts.clear()
            self._random = None
            self._latency = None
            self._rate_limit = None
            self._outage = None
            self._update_idle()

    # --- the decision --------------------------------------------------------------------------

    def plan(self, method: str, path: str) -> Reply | None:
        """What to do with one request: None to answer it normally at once (the common case,
        decided without taking the lock when nothing is configured), else the `Reply` to act."""
        if self._idle:
            return None
        with self._lock:
            reply = self._decide(method, path)
            if self._latency is not None:
                low, high = self._latency
                extra = low if low == high else self._latency_rng.uniform(low, high)
                reply = attrs.evolve(reply or Reply(), delay=(reply.delay if reply else 0) + extra)
            return reply

    def _decide(self, method: str, path: str) -> Reply | None:
        if self._outage is not None:
            return Reply(status=self._outage)
        if self._rate_limit is not None:
            wait = self._rate_limit.bucket.take()
            if wait is not None:
                fixed = self._rate_limit.retry_after
                return Reply.rate_limited(max(1, math.ceil(wait)) if fixed is None else fixed)
        queue = self._scripts.get((method, path))
        if queue:
            reply = queue.popleft()
            if not queue:
                del self._scripts[(method, path)]
                self._update_idle()
            return reply
        settings = self._random
        if settings is None or (settings.paths is not None and path not in settings.paths):
            return None
        roll = settings.rng.random()
        if roll < settings.drop_before_rate:
            return Reply.drop_before()
        roll -= settings.drop_before_rate
        if roll < settings.drop_after_rate:
            return Reply.drop_after()
        roll -= settings.drop_after_rate
        if roll < settings.error_rate:
            return Reply(status=settings.rng.choice(settings.statuses))
        return None

    def _update_idle(self) -> None:
        self._idle = not (
            self._scripts
            or self._random is not None
            or self._latency is not None
            or self._rate_limit is not None
            or self._outage is not None
        )

    def _check_route(self, key: tuple[str, str]) -> None:
        method, path = key
        if not path.startswith("/"):
            raise ValueError(f"a path starts with '/': {path!r} (leave out the scheme and host)")
        if "?" in path:
            raise ValueError(f"a script matches the path without the query: {path!r}")
        if self._routes is not None and key not in self._routes:
            served = ", ".join(f"{m} {p}" for m, p in sorted(self._routes))
            raise ValueError(f"the sandbox does not serve {method} {path}; it serves: {served}")


def encode_body(body: bytes | JSONValue) -> bytes:
    """A reply body on the wire: bytes as they are, anything else as JSON."""
    if isinstance(body, bytes):
        return body
    return json.dumps(body, ensure_ascii=False).encode()
