"""The one masking rule for an employee's or a manager's personal data: phone, email, name.

- A phone keeps its country code and its last four digits, one ``•`` per hidden digit:
  ``+79001234567`` is shown as ``+7••••••4567``. A value that is not a phone in international
  format is hidden whole (``•••``): a malformed phone may be anything, a name included.
- An email is hidden whole but for its shape: ``•••@•••``. Its domain is left out too, because
  a personal domain (``ivanov.me``) names its owner.
- A name (``fullname``, a Yandex login) is hidden whole: ``•••``. Initials or a first letter
  would still single out someone in a small company.

Models use the ``*_repr`` functions as attrs ``repr=`` of their personal fields, so a repr, a
traceback or a log line that formats a model shows the masked form by construction;
:func:`scrub` masks the phones and emails inside free text the library did not write (an API's
error message, a file's header cell). ``None`` and :data:`~yandex_b2b_async.UNSET` are shown
as themselves: whether a field is set is not personal. Nothing here imports the rest of the
library.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "HIDDEN",
    "email_repr",
    "looks_like_phone",
    "mask_email",
    "mask_name",
    "mask_phone",
    "name_repr",
    "opaque_repr",
    "phone_repr",
    "scrub",
]

HIDDEN: Final = "•••"
_DOT: Final = "•"
_SHOWN_DIGITS: Final = 4  # the last digits of a phone that stay visible
# The two-digit country codes of ITU-T E.164 (1 and 7 are the one-digit ones, all others have
# three digits): the list phonenumbers' metadata holds, written out because only hr/ may
# import phonenumbers.
_TWO_DIGIT_CODES: Final = frozenset(
    {20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54}
    | {55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98}
)
_E164: Final = re.compile(r"\+[1-9][0-9]{6,14}")
# Inside free text: "+7 900 123-45-67", "8 (900) 123 45 67", "+79001234567", with the separators
# people write — after a "+" as short as E.164 allows (7 digits), without one 10 digits or
# more, so that no shorter number (an id, an amount) is touched.
# Digits without a "+" count only standing apart from Latin letters and other digits: inside
# a hexadecimal id (a1b2…9876543210ff) they are no phone, and masking them would hide the id an
# error names.
_PHONE_IN_TEXT: Final = re.compile(
    r"\+\d(?:[\s().-]{0,2}\d){6,14}|(?<![0-9A-Za-z])\d(?:[\s().-]{0,2}\d){9,14}(?![0-9A-Za-z])"
)
_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_PHONE_SHAPED: Final = re.compile(r"\+?[0-9\s().-]+")
_EMAIL_IN_TEXT: Final = re.compile(r"[^@\s'\"<>(),;:]+@[^@\s'\"<>(),;:]+\.[^@\s'\"<>(),;:]+")


def mask_phone(value: str) -> str:
    """``+79001234567`` -> ``+7••••••4567``; anything else that is not E.164 -> ``•••``."""
    if not _E164.fullmatch(value):
        return HIDDEN
    digits = value[1:]
    code = _country_code_length(value)
    hidden = len(digits) - code - _SHOWN_DIGITS
    if hidden < 1:
        return "+" + digits[:code] + _DOT * (len(digits) - code)
    return "+" + digits[:code] + _DOT * hidden + digits[-_SHOWN_DIGITS:]


def looks_like_phone(value: str) -> bool:
    """True for a value written as a phone (digits and ``+ ( ) - .``, seven digits or more):
    what a key that may be a phone or an id is masked by."""
    return bool(_PHONE_SHAPED.fullmatch(value)) and sum(c.isdigit() for c in value) >= 7


def mask_email(value: str) -> str:
    """Any email -> ``•••@•••`` (an empty or malformed one -> ``•••``)."""
    return f"{HIDDEN}@{HIDDEN}" if "@" in value else HIDDEN


def mask_name(value: str) -> str:
    """Any non-empty name -> ``•••``; an empty one stays empty (emptiness is not personal)."""
    return HIDDEN if value else ""


def phone_repr(value: object) -> str:
    """The attrs ``repr=`` of a phone field."""
    return repr(mask_phone(value)) if isinstance(value, str) else repr(value)


def email_repr(value: object) -> str:
    """The attrs ``repr=`` of an email field."""
    return repr(mask_email(value)) if isinstance(value, str) else repr(value)


def name_repr(value: object) -> str:
    """The attrs ``repr=`` of a name field (a full name, a login)."""
    return repr(mask_name(value)) if isinstance(value, str) else repr(value)


def opaque_repr(value: object) -> str:
    """The attrs ``repr=`` of a field that may hold anything, personal data included (a bulk
    item's input): its type only, ``<UserCreate>``."""
    return repr(value) if value is None else f"<{type(value).__name__}>"


def scrub(text: str) -> str:
    """``text`` with every email and phone-like number in it masked (see the module)."""
    if "@" in text:
        text = _EMAIL_IN_TEXT.sub(f"{HIDDEN}@{HIDDEN}", text)
    return _PHONE_IN_TEXT.sub(_masked_number, text)


def _masked_number(found: re.Match[str]) -> str:
    number = found.group()
    if _DATE.search(number):
        return number  # "2026-01-02 03…": a date and time, not a phone
    digits = re.sub(r"\D", "", number)
    if number.startswith("+"):
        return mask_phone("+" + digits)
    return _DOT * (len(digits) - _SHOWN_DIGITS) + digits[-_SHOWN_DIGITS:]


def _country_code_length(value: str) -> int:
    """How many digits of an E.164 phone are its country code (codes are prefix-free)."""
    if value[1] in "17":
        return 1
    return 2 if int(value[1:3]) in _TWO_DIGIT_CODES else 3
