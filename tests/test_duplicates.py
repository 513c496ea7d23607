"""Keys repeated inside one file, found before anything is sent (``duplicate_rows``)."""

from __future__ import annotations

import attrs

from yandex_b2b_async import UserCreate
from yandex_b2b_async.hr.duplicates import duplicate_rows


def _user(phone: str, *, email: str | None = None) -> UserCreate:
    user = UserCreate(fullname="", phone=phone, is_active=True, cost_centers_id="cc")
    return attrs.evolve(user, email=email) if email else user


def test_every_row_of_a_repeated_phone_is_named_with_the_other_lines() -> None:
    """Three rows with one phone: each error names the two other lines."""
    rows = [(2, _user("+79990000001")), (3, _user("+79990000002")), (5, _user("+79990000001"))]
    rows.append((9, _user("+79990000001")))
    errors = duplicate_rows(rows)
    assert sorted(errors) == [2, 5, 9]
    assert errors[2].field == "phone"
    assert "line 5, line 9" in str(errors[2])
    assert "line 2, line 9" in str(errors[5])


def test_the_value_itself_is_never_in_the_message() -> None:
    """The error names the field and lines, not the phone or the email."""
    errors = duplicate_rows(
        [
            (2, _user("+79990000001", email="a@example.com")),
            (3, _user("+79990000002", email="a@example.com")),
        ]
    )
    assert "a@example.com" not in str(errors[2])
    assert errors[3].field == "email"


def test_unset_fields_are_not_compared() -> None:
    """Two rows without a nickname or an email are not duplicates of each other."""
    assert duplicate_rows([(2, _user("+79990000001")), (3, _user("+79990000002"))]) == {}


def test_emails_differing_only_in_case_are_duplicates() -> None:
    """The API compares emails without case, so A@x and a@x in one file are a repeat."""
    errors = duplicate_rows(
        [
            (2, _user("+79990000001", email="Ann@Example.com")),
            (3, _user("+79990000002", email="ann@example.com")),
        ]
    )
    assert sorted(errors) == [2, 3]
