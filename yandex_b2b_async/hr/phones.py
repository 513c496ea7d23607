"""Phones as people write them, turned into the international form the API takes.

:func:`normalize_phone` parses a phone with Google's libphonenumber (the ``phonenumbers``
package) in the national conventions of a region: with ``region="RU"``, ``+7 (900) 123-45-67``,
``8 900 123 45 67``, ``89001234567`` and ``9001234567`` all become ``+79001234567``. It sends
nothing and holds no state. ``phonenumbers`` is imported on first use, so importing the library
stays as fast as before.

The rule for what passes: a number written in national form (no ``+``, no international
prefix) must be a valid number *of the region*; a number written in international form
(``+44 …``, ``00 44 …``, ``810 44 …`` from Russia) names its own country and must be a valid
number of that country — an employee abroad keeps their number. An extension (``доб. 12``,
``ext 5``) is refused: the API stores a phone without one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ..errors import ValidationError

if TYPE_CHECKING:
    import phonenumbers

__all__ = ["normalize_phone"]

# Longer than any phone written with spaces, brackets and an extension; refuses pasted text.
_MAX_LENGTH: Final = 64


def normalize_phone(text: str, *, region: str, field: str = "phone") -> str:
    """``text`` as an E.164 phone (``+79001234567``), read in ``region``'s conventions.

    ``region`` is an ISO 3166 two-letter code (``"RU"``, ``"KZ"``, ``"BY"``). Raises
    :class:`ValidationError` naming ``field`` when ``text`` is not a phone, is not a valid
    number of ``region`` (when written in national form) or of its own country (when written
    with ``+`` or an international prefix), or has an extension; and for an unknown region.
    The message never repeats the number.
    """
    import phonenumbers

    code = check_region(region)
    stripped = text.strip() if isinstance(text, str) else text
    if not isinstance(stripped, str) or not stripped:
        raise ValidationError(field, "must not be empty")
    if len(stripped) > _MAX_LENGTH:
        raise ValidationError(field, f"is not a phone number (longer than {_MAX_LENGTH})")
    try:
        number = phonenumbers.parse(stripped, code, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        raise ValidationError(field, f"is not a phone number of region {code}") from None
    if number.extension:
        raise ValidationError(field, "has an extension; the API takes the number without one")
    if _written_internationally(number):
        if not phonenumbers.is_valid_number(number):
            raise ValidationError(field, "is not a valid phone number")
    elif not phonenumbers.is_valid_number_for_region(number, code):
        raise ValidationError(
            field, f"is not a valid phone number of region {code} (e.g. +7 900 123-45-67)"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_region(region: object, *, field: str = "phone_region") -> str:
    """``region`` as an upper-case region code libphonenumber knows (``"ru"`` → ``"RU"``)."""
    import phonenumbers

    if not isinstance(region, str):
        raise ValidationError(field, "must be a region code like RU", value=region)
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(
            field, "must be an ISO 3166 region code libphonenumber knows, e.g. RU", value=region
        )
    return code


def _written_internationally(number: phonenumbers.PhoneNumber) -> bool:
    import phonenumbers

    source = number.country_code_source
    return source in (
        phonenumbers.CountryCodeSource.FROM_NUMBER_WITH_PLUS_SIGN,
        phonenumbers.CountryCodeSource.FROM_NUMBER_WITH_IDD,
    )
