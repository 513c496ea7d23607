"""In-memory emulator of the Yandex Go for Business API 2.0, for tests, demos and benchmarks.

```python
from yandex_b2b_async.sandbox import Sandbox

async with Sandbox() as sandbox:
    sandbox.url, sandbox.token, sandbox.cost_center_id

sandbox = Sandbox()                     # or without a socket, for fast unit tests:
B2BClient(sandbox.token, transport=sandbox.transport())

SandboxControl(url).advance(60)         # a served sandbox, driven from another process
```

It is an independent model of the server: it imports nothing of the client package and validates
the raw JSON it receives, so it catches what a client sends wrong. See docs/sandbox.md.
"""

from ._server import Sandbox, serve
from .control import SandboxControl
from .faults import Faults, Reply
from .memory import MemoryTransport
from .state import SERVICES, ApiError, SandboxError, State
from .stats import LoggedRequest, Stats

__all__ = [
    "SERVICES",
    "ApiError",
    "Faults",
    "LoggedRequest",
    "MemoryTransport",
    "Reply",
    "Sandbox",
    "SandboxControl",
    "SandboxError",
    "State",
    "Stats",
    "serve",
]
