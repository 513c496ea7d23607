"""Secrets: the token appears in no error, traceback, log line or repr, travels only over HTTPS
(or loopback), and never follows a redirect to another host."""

from __future__ import annotations

import logging
import socket
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest

from yandex_b2b_async import (
    APIError,
    B2BClient,
    B2BError,
    RateLimit,
    TransportError,
    UserCreate,
    UserPatch,
    ValidationError,
)
from yandex_b2b_async.sandbox import Sandbox

from ._hostile import TOKEN, Answer, HostileServer, RawServer, Sleeps, instant_policy

NEW_USER = UserCreate(
    fullname="Ilya Ivanov", phone="+79990000000", is_active=True, cost_centers_id="cc-1"
)


def _rendered(error: BaseException) -> str:
    """Everything a log or a crash report could show of ``error``, its causes included."""
    parts = [str(error), repr(error), "".join(traceback.format_exception(error))]
    cause = error.__cause__ or error.__context__
    while cause is not None:
        parts += [str(cause), repr(cause)]
        cause = cause.__cause__ or cause.__context__
    return "\n".join(parts)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def test_no_repr_shows_the_token() -> None:
    """The client, its policy, pacer and budget show no token in their repr or str."""
    client = B2BClient(TOKEN, client_id="client-1", rate_limit=RateLimit(rate=5))
    shown = [client, client.retry, client.pacer, client.retry_budget, client.users]
    for thing in shown:
        assert TOKEN not in repr(thing)
        assert TOKEN not in str(thing)
    assert TOKEN not in repr(vars(client.users))


@pytest.mark.parametrize(
    "bad_token",
    [TOKEN + "\n", " " + TOKEN, TOKEN + "\r\nX-Injected: 1", TOKEN + "\x00"],
)
def test_a_malformed_token_is_refused_without_echoing_it(bad_token: str) -> None:
    """A token with line breaks or padding is refused, and the error does not repeat it."""
    with pytest.raises(ValidationError) as caught:
        B2BClient(bad_token)
    assert TOKEN not in _rendered(caught.value)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, b'{"code":"USER_IS_DELETED_ERROR","message":"m","extra":{"conflict_user_id":"u"}}'),
        (401, b'{"code":"UNAUTHORIZED","message":"bad token"}'),
        (403, b'{"code":"SELECT_CLIENT_HEADER_REQUIRED","message":"m"}'),
        (404, b""),
        (406, b'{"code":"CONFLICT","extra":{"conflict_user_id":"u-9"}}'),
        (409, b"<html>conflict</html>"),
        (429, b'{"code":"TOO_MANY_REQUESTS"}'),
        (500, b"{"),
        (503, b"Service Unavailable"),
        (200, b'{"not":"an id"}'),
        (302, b""),
    ],
)
async def test_no_api_error_or_log_line_shows_the_token(
    hostile: HostileServer, debug_logs: pytest.LogCaptureFixture, status: int, body: bytes
) -> None:
    """Every API error type, retried and logged at DEBUG, shows no token anywhere."""
    hostile.answer(Answer(status=status, body=body, headers=(("Retry-After", "0"),)))
    policy = instant_policy(Sleeps(), max_attempts=3, backoff_initial=0.0, backoff_max=0.0)
    async with B2BClient(TOKEN, base_url=hostile.url, retry=policy) as client:
        with pytest.raises(B2BError) as caught:
            await client.users.create(NEW_USER)
    assert TOKEN not in _rendered(caught.value)
    assert TOKEN not in debug_logs.text
    assert all(TOKEN not in str(record.__dict__) for record in debug_logs.records)
    # The token did travel to the server, as it must.
    assert hostile.requests[0]["Authorization"] == f"Bearer {TOKEN}"


async def test_a_refused_connection_shows_no_token(debug_logs: pytest.LogCaptureFixture) -> None:
    """A TransportError for a refused connection, with its chained cause, shows no token."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    policy = instant_policy(Sleeps(), max_attempts=2)
    async with B2BClient(TOKEN, base_url=f"http://127.0.0.1:{port}", retry=policy) as client:
        with pytest.raises(TransportError) as caught:
            await client.users.patch("u-1", UserPatch(nickname="n"))
    assert caught.value.__cause__ is not None
    assert TOKEN not in _rendered(caught.value)
    assert TOKEN not in debug_logs.text


@pytest.mark.parametrize("reply", [b"", b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{"])
async def test_a_reset_connection_shows_no_token(
    raw: RawServer, debug_logs: pytest.LogCaptureFixture, reply: bytes
) -> None:
    """A connection closed mid-answer ends in an error that shows no token, causes included."""
    raw.reply = reply
    policy = instant_policy(Sleeps(), max_attempts=2)
    async with B2BClient(TOKEN, base_url=raw.url, retry=policy) as client:
        with pytest.raises(B2BError) as caught:
            await client.users.get("u-1")
    assert TOKEN not in _rendered(caught.value)
    assert TOKEN not in debug_logs.text


async def test_a_timeout_shows_no_token(
    hostile: HostileServer, debug_logs: pytest.LogCaptureFixture
) -> None:
    """A TransportError for a timeout shows no token, causes included."""
    hostile.answer(Answer(status=200, body=b'{"id":"u"}', delay=1.0))
    async with B2BClient(TOKEN, base_url=hostile.url, timeout=0.1, retry=None) as client:
        with pytest.raises(TransportError) as caught:
            await client.users.get("u-1")
    assert TOKEN not in _rendered(caught.value)
    assert TOKEN not in debug_logs.text


async def test_a_full_session_against_the_sandbox_logs_no_token(
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    """Creating, editing, archiving and restoring in the sandbox logs no token at DEBUG."""
    async with Sandbox() as sandbox:
        token = sandbox.token
        async with B2BClient(token, base_url=sandbox.url) as client:
            user = UserCreate(
                fullname="A B",
                phone="+79990000001",
                is_active=True,
                cost_centers_id=sandbox.cost_center_id,
            )
            created = await client.users.create(user)
            await client.users.patch(created.id, UserPatch(nickname="ab"))
            await client.users.archive(created.id)
            await client.users.restore(created.id)
            with pytest.raises(B2BError) as caught:
                await client.users.get("no-such-user")
            assert token not in _rendered(caught.value)
            assert token not in repr(client)
    assert token not in debug_logs.text


# --------------------------------------------------------------------------------------------
# Where the token may travel.


@pytest.mark.parametrize(
    "url",
    [
        "http://b2b-api.go.yandex.ru",
        "http://example.com",
        "http://127.0.0.1.example.com",
        "http://10.0.0.1",
        "http://0.0.0.0",
        "ftp://127.0.0.1",
        "ws://127.0.0.1",
        "https://user:pass@example.com",
        "b2b-api.go.yandex.ru",
    ],
)
def test_a_base_url_that_would_expose_the_token_is_refused(url: str) -> None:
    """Plain http to a non-loopback host, other schemes and URLs with credentials are refused."""
    with pytest.raises(ValidationError) as caught:
        B2BClient(TOKEN, base_url=url)
    assert caught.value.field == "base_url"
    assert TOKEN not in _rendered(caught.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://b2b-api.go.yandex.ru",
        "https://example.com:8443/",
        "http://127.0.0.1:8080",
        "http://127.5.6.7",
        "http://localhost:1",
        "http://[::1]:8080",
    ],
)
def test_https_or_loopback_is_accepted(url: str) -> None:
    """https:// to any host, and plain http:// to a loopback host, are accepted."""
    B2BClient(TOKEN, base_url=url)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_redirect_to_another_host_is_not_followed(
    hostile: HostileServer, status: int
) -> None:
    """A redirect is reported as an APIError, and the other host never sees the token."""
    other = HostileServer()
    await other.start()
    try:
        elsewhere = other.url.replace("127.0.0.1", "127.0.0.2") + "/integration/2.0/users"
        for target in (elsewhere, other.url + "/integration/2.0/users"):
            hostile.answer(Answer(status=status, headers=(("Location", target),)))
            async with B2BClient(TOKEN, base_url=hostile.url, retry=None) as client:
                with pytest.raises(APIError) as caught:
                    await client.users.get("u-1")
            assert caught.value.status == status
        assert other.requests == []
    finally:
        await other.stop()


# --------------------------------------------------------------------------------------------
# The command line: output, report, journal.

CSV_HEADER = "fullname,phone,is_active,cost_centers_id\n"


def _cli_run(
    argv: list[str], capsys: pytest.CaptureFixture[str], files: list[Path]
) -> tuple[int, str]:
    from yandex_b2b_async.cli import main

    try:
        code = main(argv)
    except SystemExit as exited:  # argparse's way of refusing a command line
        code = exited.code if isinstance(exited.code, int) else 2
    captured = capsys.readouterr()
    written = "".join(path.read_text() for path in files if path.exists())
    return code, captured.out + captured.err + written


@pytest.mark.parametrize("token_source", ["option", "environment"])
@pytest.mark.parametrize("sandbox_token", ["right", "wrong"])
def test_the_cli_prints_and_writes_no_token(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    debug_logs: pytest.LogCaptureFixture,
    token_source: str,
    sandbox_token: str,
) -> None:
    """A CLI run, failing rows and 401s included, shows the token in no output or file."""
    rows = "".join(f"Name {n},+7997{n:07d},true,cc-1\n" for n in range(20))
    rows += "Bad,not-a-phone,true,cc-1\n"
    source = tmp_path / "users.csv"
    source.write_text(CSV_HEADER + rows)
    report, journal = tmp_path / "report.jsonl", tmp_path / "journal.jsonl"
    # The sandbox refuses y0_-shaped tokens, so the accepted one has a shape of its own.
    secret = "sandbox_SECRET_4e1d9c0b7a_DO_NOT_LEAK" if sandbox_token == "right" else TOKEN
    with Sandbox(token=secret if sandbox_token == "right" else None, seed=3) as sandbox:
        sandbox.faults.random(error_rate=0.1, drop_after_rate=0.05, seed=3)
        argv = ["users", "create", str(source), "--base-url", sandbox.url]
        argv += ["--report", str(report), "--journal", str(journal), "--concurrency", "4"]
        if token_source == "option":
            argv += ["--token", secret]
        else:
            monkeypatch.setenv("YANDEX_B2B_TOKEN", secret)
        code, output = _cli_run(argv, capsys, [report, journal])
    assert code == 1  # the bad row at least
    assert report.read_text().count("\n") == 21  # every row reported, once
    assert secret not in output
    assert secret not in debug_logs.text


@pytest.mark.parametrize(
    "extra",
    [
        ["--base-url", "http://example.com"],
        ["--base-url", "not a url"],
        ["--concurrency", "0"],
        ["--no-such-option"],
    ],
)
def test_a_cli_usage_error_does_not_echo_the_token(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    """A refused command line names the problem without repeating the token."""
    source = tmp_path / "users.csv"
    source.write_text(CSV_HEADER + "A,+79970000001,true,cc-1\n")
    code, output = _cli_run(["users", "create", str(source), "--token", TOKEN, *extra], capsys, [])
    assert code == 2
    assert TOKEN not in output


async def test_a_bulk_report_and_journal_show_no_token(
    tmp_path: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    """A bulk run with failing rows: its report's repr, errors and journal hold no token."""
    from yandex_b2b_async.bulk import error_summary

    secret = "sandbox_SECRET_bulk_77e1_DO_NOT_LEAK"
    journal = tmp_path / "journal.jsonl"
    async with Sandbox(token=secret, seed=5) as sandbox:
        sandbox.faults.random(error_rate=0.3, drop_after_rate=0.1, drop_before_rate=0.1, seed=5)
        users = [
            UserCreate(
                fullname=f"N {n}",
                phone=f"+7995{n:07d}",
                is_active=True,
                cost_centers_id=sandbox.cost_center_id,
            )
            for n in range(60)
        ]
        async with B2BClient(secret, base_url=sandbox.url, retry=None) as client:
            report = await client.users.bulk_create(users, concurrency=6, journal=journal)
    assert report.failed
    shown = [repr(report), journal.read_text(), debug_logs.text]
    shown += [_rendered(item.error) for item in report.failures if item.error is not None]
    shown += [str(error_summary(item.error)) for item in report.failures if item.error is not None]
    for text in shown:
        assert secret not in text


@pytest.mark.parametrize(
    ("build", "secret"),
    [
        (
            lambda: UserCreate(
                fullname="x", phone="8 900 RARE-55", is_active=True, cost_centers_id="cc"
            ),
            "RARE-55",
        ),
        (
            lambda: UserCreate(
                fullname="x",
                phone="+79001234567",
                is_active=True,
                cost_centers_id="cc",
                email="rare.person@@example.org",
            ),
            "rare.person",
        ),
        (
            lambda: UserCreate(
                fullname="Rare\x00Name", phone="+79001234567", is_active=True, cost_centers_id="cc"
            ),
            "Rare",
        ),
    ],
    ids=["phone", "email", "fullname"],
)
def test_a_refused_phone_email_or_name_is_not_shown_in_the_error(
    build: Callable[[], object], secret: str
) -> None:
    """A validation error names the personal field and its rule, never the refused value."""
    with pytest.raises(ValidationError) as refused:
        build()
    assert secret not in str(refused.value)
    assert refused.value.field in str(refused.value)
