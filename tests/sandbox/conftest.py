"""Fixtures for the sandbox's own tests: a bare `State`, and a sandbox on loopback with a plain
aiohttp session (not the project's client, which the sandbox exists to check)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import attrs
import pytest

from yandex_b2b_async.sandbox import Sandbox, State

API = "/integration/2.0"
CLIENT = "client-a"
OTHER_CLIENT = "client-b"
MAIN_CC = "cc-main"


def user_body(**changes: Any) -> dict[str, Any]:
    """A valid create body; `changes` override fields, and a value of `...` removes a field."""
    body: dict[str, Any] = {
        "fullname": "Ilya Ivanov",
        "phone": "+79990000000",
        "is_active": True,
        "cost_centers_id": MAIN_CC,
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


@pytest.fixture
def state() -> State:
    """A lenient state with two clients (`CLIENT` has main cost center `MAIN_CC`)."""
    state = State()
    state.add_client(client_id=CLIENT, cost_center_id=MAIN_CC)
    state.add_client(client_id=OTHER_CLIENT, name="Other client")
    return state


@pytest.fixture
def strict_state() -> State:
    """The same two clients under `strict=True`: the assumptions that refuse apply too."""
    state = State(strict=True)
    state.add_client(client_id=CLIENT, cost_center_id=MAIN_CC)
    state.add_client(client_id=OTHER_CLIENT, name="Other client")
    return state


@attrs.frozen(kw_only=True)
class Answer:
    """An HTTP answer as a test reads it."""

    status: int
    content_type: str
    headers: dict[str, str]
    text: str
    body: Any


@attrs.frozen(kw_only=True)
class Api:
    """A thin caller of the sandbox over loopback with a plain aiohttp session."""

    session: aiohttp.ClientSession
    sandbox: Sandbox

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = ...,
        data: bytes | None = None,
        params: dict[str, str] | None = None,
        token: str | None = "",
        client_id: str | None = None,
    ) -> Answer:
        """`token=""` sends the sandbox's token, None sends no Authorization header."""
        headers = {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token or self.sandbox.token}"
        if client_id is not None:
            headers["X-YaTaxi-Selected-Corp-Client-Id"] = client_id
        kwargs: dict[str, Any] = {"params": params, "headers": headers}
        if json is not ...:
            kwargs["json"] = json
        if data is not None:
            kwargs["data"] = data
        async with self.session.request(method, self.sandbox.url + API + path, **kwargs) as resp:
            text = await resp.text()
            body = await resp.json() if resp.content_type == "application/json" and text else None
            return Answer(
                status=resp.status,
                content_type=resp.content_type,
                headers=dict(resp.headers),
                text=text,
                body=body,
            )


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A sandbox serving from the test's own loop."""
    async with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
async def api(sandbox: Sandbox) -> AsyncIterator[Api]:
    """A plain aiohttp caller of `sandbox`."""
    async with aiohttp.ClientSession() as session:
        yield Api(session=session, sandbox=sandbox)
