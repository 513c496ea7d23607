"""Log lines: the JSON formatter, and the command line's --log-level and --log-json."""

from __future__ import annotations

import io
import json
import logging
import sys

from yandex_b2b_async._logs import JsonFormatter, call_extra, install_handler, remove_handler


def test_a_json_line_carries_the_call_and_the_attempt() -> None:
    """A record with call/attempt extras becomes one JSON object with those fields."""
    record = logging.LogRecord(
        "yandex_b2b_async.request",
        logging.INFO,
        __file__,
        1,
        "%s attempt %d",
        ("POST /users", 2),
        None,
    )
    record.__dict__.update(call_extra("POST /users", 2))
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "info"
    assert line["logger"] == "yandex_b2b_async.request"
    assert line["message"] == "POST /users attempt 2"
    assert line["call"] == "POST /users"
    assert line["attempt"] == 2
    assert line["time"].endswith("+00:00")


def test_a_json_line_holds_a_traceback_as_one_field() -> None:
    """An exception's traceback is the line's ``exception`` field, still one line."""
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        record = logging.LogRecord(
            "yandex_b2b_async",
            logging.ERROR,
            __file__,
            1,
            "failed",
            (),
            sys.exc_info(),
        )
    text = JsonFormatter().format(record)
    assert "\n" not in text
    assert "RuntimeError: boom" in json.loads(text)["exception"]


def test_the_handler_sends_the_library_lines_at_the_level_and_above() -> None:
    """install_handler at info: an info line of a child logger is written, a debug one is not."""
    stream = io.StringIO()
    handler = install_handler("info", json=True, stream=stream)
    try:
        logging.getLogger("yandex_b2b_async.retry").info("shown", extra=call_extra("GET /users", 1))
        logging.getLogger("yandex_b2b_async.request").debug("hidden")
    finally:
        remove_handler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["message"] for line in lines] == ["shown"]
    assert lines[0]["call"] == "GET /users"
