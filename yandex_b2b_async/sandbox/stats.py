"""What the sandbox saw: counters and a log of requests, for tests and benchmarks to read.

The log keeps the method, path, query, JSON body and the selected-client header of each request,
never the Authorization header: a token must not end up in a test report.
"""

from __future__ import annotations

from collections import Counter, deque

import attrs

from .state import JSONValue

__all__ = ["LoggedRequest", "Stats"]


@attrs.define(kw_only=True)
class LoggedRequest:
    """One request as the sandbox received it, and how it ended.

    `body` is the decoded JSON (None when there was none or it was not JSON); `outcome` is
    "answered", "dropped_before" or "dropped_after"; `status` is None for a dropped connection.
    `traceparent` is the W3C trace context header the request carried, if any.
    """

    method: str
    path: str
    query: dict[str, str]
    body: JSONValue = None
    client_id_header: str | None = None
    status: int | None = None
    outcome: str = "answered"
    traceparent: str | None = None


@attrs.define(kw_only=True)
class Stats:
    """Counters over every request since the start or the last `reset`.

    `by_path` counts requests per "METHOD /path" and `by_status` answers per status (dropped
    connections are in `dropped_before`/`dropped_after` instead); `throttled` counts 429s sent.
    """

    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    throttled: int = 0
    dropped_before: int = 0
    dropped_after: int = 0
    by_path: Counter[str] = attrs.Factory(Counter)
    by_status: Counter[int] = attrs.Factory(Counter)
    log: deque[LoggedRequest] = attrs.field(factory=deque, repr=False)

    def count(self, method: str, path: str) -> int:
        """How many requests came for `method path`."""
        return self.by_path[f"{method.upper()} {path}"]

    def reset(self) -> None:
        """Zero the counters and empty the log; requests in flight stay counted as in flight."""
        self.requests = 0
        self.max_in_flight = self.in_flight
        self.throttled = 0
        self.dropped_before = 0
        self.dropped_after = 0
        self.by_path.clear()
        self.by_status.clear()
        self.log.clear()

    def begin(self, entry: LoggedRequest) -> None:
        """Count a request that has arrived."""
        self.requests += 1
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        self.by_path[f"{entry.method} {entry.path}"] += 1
        self.log.append(entry)

    def end(self, entry: LoggedRequest) -> None:
        """Count how a request ended (its `status`/`outcome` filled in)."""
        self.in_flight -= 1
        if entry.outcome == "dropped_before":
            self.dropped_before += 1
        elif entry.outcome == "dropped_after":
            self.dropped_after += 1
        elif entry.status is not None:
            self.by_status[entry.status] += 1
            if entry.status == 429:
                self.throttled += 1
