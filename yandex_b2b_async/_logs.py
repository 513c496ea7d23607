"""The library's logger hierarchy, and the handler the command line installs on it.

Every logger of the library is ``yandex_b2b_async`` or a child of it (``.request``, ``.retry``,
``.pacing``, ``.bulk``, ``.observers``); the library never configures a handler itself. A line
about a call carries ``call`` (``"POST /users"``) and ``attempt`` (1 for the first) as record
attributes (``extra=call_extra(...)``) besides naming them in its message, so that
:class:`JsonFormatter` can write them as fields.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import IO, Final

import orjson

__all__ = [
    "LOGGER",
    "LOG_LEVELS",
    "JsonFormatter",
    "call_extra",
    "install_handler",
    "remove_handler",
]

LOGGER: Final = "yandex_b2b_async"
LOG_LEVELS: Final = ("debug", "info", "warning", "error")
# The record attributes a structured line lifts out of ``extra``.
_FIELDS: Final = ("call", "attempt", "operation", "index")
_TEXT_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def call_extra(call: str, attempt: int | None = None) -> dict[str, object]:
    """The ``extra`` of a log line about ``call`` (and one of its attempts)."""
    if attempt is None:
        return {"call": call}
    return {"call": call, "attempt": attempt}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``,
    and ``call``/``attempt`` (and ``operation``/``index`` of a bulk item) when the record has
    them; ``exception`` holds a traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in _FIELDS:
            value = record.__dict__.get(field)
            if value is not None:
                line[field] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class _Redacting(logging.Formatter):
    """Another formatter's lines with every secret replaced by ``<hidden>`` (the library logs
    no token; this keeps a token given on the command line out even of a foreign record)."""

    def __init__(self, inner: logging.Formatter, secrets: Sequence[str]) -> None:
        super().__init__()
        self._inner = inner
        self._secrets = tuple(secrets)

    def format(self, record: logging.LogRecord) -> str:
        text = self._inner.format(record)
        for secret in self._secrets:
            text = text.replace(secret, "<hidden>")
        return text


def install_handler(
    level: str, *, json: bool, stream: IO[str], secrets: Sequence[str] = ()
) -> logging.Handler:
    """Send the library's log lines at ``level`` and above to ``stream`` (text or JSON lines),
    with ``secrets`` hidden. Returns the handler, for :func:`remove_handler`.
    """
    handler = logging.StreamHandler(stream)
    inner = JsonFormatter() if json else logging.Formatter(_TEXT_FORMAT)
    handler.setFormatter(_Redacting(inner, secrets) if secrets else inner)
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    return handler


def remove_handler(handler: logging.Handler) -> None:
    """Undo :func:`install_handler` (the command line runs in-process in tests)."""
    logger = logging.getLogger(LOGGER)
    logger.removeHandler(handler)
    logger.setLevel(logging.NOTSET)
    handler.close()
