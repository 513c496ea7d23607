"""The two sentinels of the public API, shared by every module.

:data:`UNSET` marks an optional *request field* the caller did not set (it is not sent);
:data:`NOT_GIVEN` marks an optional *argument* the caller did not pass (``None`` being a value,
as in openai-python's ``NotGiven``). Nothing here imports the rest of the library.
"""

from __future__ import annotations

import enum
from typing import Final, Literal, TypeAlias, TypeVar

__all__ = ["ALWAYS_SENT", "NOT_GIVEN", "UNSET", "NotGiven", "Unset", "unset_to_none"]

_T = TypeVar("_T")


class _Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = _Unset.UNSET
"""The value of an optional request field the caller did not set: it is not sent."""

Unset: TypeAlias = Literal[_Unset.UNSET]


def unset_to_none(value: _T | Unset) -> _T | None:
    """``None`` for :data:`UNSET`, the value otherwise."""
    return None if value is UNSET else value


class NotGiven:
    """The type of :data:`NOT_GIVEN`: an argument the caller did not pass (``None`` is a value)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN: Final = NotGiven()


ALWAYS_SENT: Final = {"yandex_b2b_async.always_sent": True}
"""attrs field metadata: a request field with a default that is sent even when it holds the
default (a body field the documents require, such as a cost center's ``default: false``);
every other field equal to its default is left out."""
