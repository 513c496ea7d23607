"""`SandboxControl`: drive a sandbox served by another process (or thread) over its control API.

```python
control = SandboxControl(os.environ["YANDEX_B2B_BASE_URL"])  # what `sandbox serve` printed
department = control.add_department("Sales")
control.add_user(phone="+79990000001", department_id=department)
control.script("POST", "/integration/2.0/users", [{"status": 503}])
control.advance(1230)  # a ride ordered now is complete
control.stats()["by_status"]
```

It is synchronous (the standard library's `urllib`, no event loop), so a test calls it from
anywhere — but not from the event loop that serves the same sandbox in this process, which it
would block. A refusal raises `SandboxError` with the sandbox's message.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any, Final

from ._control import CONTROL_PREFIX
from .state import JSONObject, JSONValue, SandboxError

__all__ = ["SandboxControl"]

# Long enough for a loaded CI machine; a local call takes milliseconds.
DEFAULT_TIMEOUT: Final = 10.0


class SandboxControl:
    """The control API of the sandbox at `url` (its base URL, e.g. "http://127.0.0.1:8080")."""

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"SandboxControl({self.url!r})"

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"{self.url}{CONTROL_PREFIX}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return json.load(answer)
        except urllib.error.HTTPError as exc:
            with exc:
                try:
                    message = json.load(exc).get("message", exc.reason)
                except ValueError:
                    message = exc.reason
            raise SandboxError(f"{method} {CONTROL_PREFIX}{path}: {message}") from None

    # --- the sandbox and its clock --------------------------------------------------------------

    def info(self) -> JSONObject:
        """The seeded `client_id` and `cost_center_id`, `strict`, and the `clock`."""
        result: JSONObject = self._call("GET", "")
        return result

    def reset(self, *, strict: bool | None = None) -> JSONObject:
        """Back to a fresh start (the seeded client and token stay); `strict` switches mode."""
        body = {} if strict is None else {"strict": strict}
        result: JSONObject = self._call("POST", "/reset", body)
        return result

    def clock(self) -> JSONObject:
        """`now` (clock seconds since the start), `wall` (ISO 8601, UTC), `time_factor`."""
        result: JSONObject = self._call("GET", "/clock")
        return result

    def advance(self, seconds: float) -> JSONObject:
        """Move the services' clock forward; returns the clock."""
        result: JSONObject = self._call("POST", "/clock/advance", {"seconds": seconds})
        return result

    def set_time_factor(self, factor: float) -> JSONObject:
        """Run the clock at `factor` clock seconds per real second (0 stops it)."""
        result: JSONObject = self._call("POST", "/clock/time-factor", {"time_factor": factor})
        return result

    # --- faults -----------------------------------------------------------------------------

    def script(self, method: str, path: str, replies: Sequence[Mapping[str, JSONValue]]) -> int:
        """Queue replies for `method path`, each an object of `Reply`'s fields (`status`,
        `body`, `headers`, `delay`, `process`, `drop`) or `{"kind": "drop_before" |
        "drop_after" | "html" | "truncated_json" | "rate_limited" | "passthrough", …}`.
        Returns how many are pending."""
        body = {"method": method, "path": path, "replies": list(replies)}
        pending: int = self._call("POST", "/faults/script", body)["pending"]
        return pending

    def outage(self, enabled: bool = True, *, status: int = 503) -> None:
        """Answer every API request with `status` (or stop, with `enabled=False`)."""
        self._call("POST", "/faults/outage", {"enabled": enabled, "status": status})

    def rate_limit(
        self, rate: float | None, *, burst: int | None = None, retry_after: float | None = None
    ) -> None:
        """A token bucket of `rate` requests a second (None: off); 429 beyond it."""
        body = {"rate": rate, "burst": burst, "retry_after": retry_after}
        self._call("POST", "/faults/rate-limit", body)

    def latency(self, seconds: float | tuple[float, float] | None) -> None:
        """Delay every answer by `seconds` (or uniformly within `(low, high)`; None: off)."""
        value = list(seconds) if isinstance(seconds, tuple) else seconds
        self._call("POST", "/faults/latency", {"seconds": value})

    def random_faults(
        self,
        *,
        error_rate: float = 0.0,
        drop_before_rate: float = 0.0,
        drop_after_rate: float = 0.0,
        seed: int | None = None,
    ) -> None:
        """Random 5xx answers and dropped connections at these shares of requests."""
        body = {
            "error_rate": error_rate,
            "drop_before_rate": drop_before_rate,
            "drop_after_rate": drop_after_rate,
            "seed": seed,
        }
        self._call("POST", "/faults/random", body)

    def clear_faults(self) -> None:
        """No more faults: scripts, random faults, latency, rate limit and outage are off."""
        self._call("POST", "/faults/clear", {})

    # --- seeding ------------------------------------------------------------------------------

    def add_department(
        self, name: str, *, parent_id: str | None = None, with_roles: bool = False
    ) -> str:
        """A department (under `parent_id`, or at the root); returns its id."""
        body = {"name": name, "parent_id": parent_id, "with_roles": with_roles}
        department_id: str = self._call("POST", "/departments", body)["id"]
        return department_id

    def add_cost_center(self, name: str) -> str:
        """A cost center of the seeded client; returns its id."""
        cost_center_id: str = self._call("POST", "/cost-centers", {"name": name})["id"]
        return cost_center_id

    def add_limit(
        self,
        title: str,
        service: str = "taxi",
        *,
        department_id: str | None = None,
        orders_cost: str | None = None,
        is_default: bool = False,
    ) -> str:
        """A limit as made in the Dashboard; returns its id."""
        body = {
            "title": title,
            "service": service,
            "department_id": department_id,
            "orders_cost": orders_cost,
            "is_default": is_default,
        }
        limit_id: str = self._call("POST", "/limits", body)["id"]
        return limit_id

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
    ) -> str:
        """An employee under the API's rules (`limits`: `(service, limit_id)` pairs); returns
        its id."""
        body = {
            "phone": phone,
            "fullname": fullname,
            "is_active": is_active,
            "is_deleted": is_deleted,
            "email": email,
            "nickname": nickname,
            "cost_centers_id": cost_centers_id,
            "department_id": department_id,
            "limits": [{"service": service, "limit_id": limit} for service, limit in limits],
        }
        user_id: str = self._call("POST", "/employees", body)["id"]
        return user_id

    # --- stats --------------------------------------------------------------------------------

    def stats(self) -> JSONObject:
        """The API requests counted since the start or the last reset: `requests`,
        `in_flight`, `max_in_flight`, `throttled`, `dropped_before`, `dropped_after`,
        `by_path` ("METHOD /path": n) and `by_status` ("200": n)."""
        result: JSONObject = self._call("GET", "/stats")
        return result

    def reset_stats(self) -> None:
        """Zero the counters."""
        self._call("POST", "/stats/reset", {})
