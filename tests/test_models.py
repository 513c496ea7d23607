"""Models: validation rules (each refused with the field and the rule named), the converter's
round trip, and the totality of response decoding."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yandex_b2b_async import (
    UNSET,
    APIError,
    B2BError,
    Limit,
    Service,
    User,
    UserCreate,
    UserPatch,
    UserUpdate,
    ValidationError,
)
from yandex_b2b_async._converter import structure, unstructure
from yandex_b2b_async.errors import error_from_response

BASE: dict[str, Any] = {
    "fullname": "Ilya",
    "phone": "+79990000000",
    "is_active": True,
    "cost_centers_id": "cc",
}


def refused(cls: type, **changes: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        cls(**{**BASE, **changes})
    return caught.value


@pytest.mark.parametrize(
    "phone", ["89990000000", "+7 999 000 00 00", "+7(999)0000000", "+0123456789", "+7", "", "+"]
)
def test_phone_must_be_international(phone: str) -> None:
    """A phone that is not '+', a country code and digits is refused, naming the field."""
    error = refused(UserCreate, phone=phone)
    assert error.field == "phone"
    assert "international format" in error.rule


@pytest.mark.parametrize("phone", ["+79990000000", "+12025550123", "+442071838750"])
def test_international_phones_are_accepted(phone: str) -> None:
    """Phones in international format pass."""
    assert UserCreate(**{**BASE, "phone": phone}).phone == phone


@pytest.mark.parametrize("email", ["plain", "a@b", "a b@example.com", "@example.com", "a@@b.cd"])
def test_email_must_have_address_shape(email: str) -> None:
    """A malformed email is refused, naming the field."""
    assert refused(UserCreate, email=email).field == "email"


def test_email_of_address_shape_is_accepted() -> None:
    """A usual address passes."""
    assert UserCreate(**BASE, email="ilya.ivanov+hr@example.co.uk").email


def test_unknown_service_is_refused() -> None:
    """A limit for a service the documents do not list is refused, naming the service."""
    with pytest.raises(ValidationError) as caught:
        Limit("lim", "hotels")
    assert caught.value.field == "service"
    assert "taxi" in caught.value.rule


def test_service_accepts_its_string_value() -> None:
    """A service given as its string becomes the enum member."""
    assert Limit("lim", "eats2").service is Service.EATS2


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("is_active", 1),
        ("is_active", "true"),
        ("fullname", None),
        ("fullname", 5),
        ("cost_centers_id", ""),
        ("cost_centers_id", 12),
        ("phone", 79990000000),
        ("nickname", b"bytes"),
    ],
)
def test_wrong_types_are_refused(field: str, value: object) -> None:
    """A value of the wrong type (or an empty id) is refused, naming the field."""
    assert refused(UserCreate, **{field: value}).field == field


def test_control_characters_are_refused() -> None:
    """A control character in a text field is refused rather than sent."""
    error = refused(UserCreate, fullname="Ilya\x00Ivanov")
    assert (error.field, error.rule) == ("fullname", "must not contain control characters")


def test_limits_must_be_limit_objects() -> None:
    """A limits entry that is not a Limit is refused, naming its index."""
    error = refused(UserCreate, limits=[Limit("a", "taxi"), {"limit_id": "b"}])
    assert error.field == "limits[1]"


def test_one_limit_per_service() -> None:
    """Two limits for the same service are refused."""
    error = refused(UserCreate, limits=[Limit("a", "taxi"), Limit("b", "taxi")])
    assert error.field == "limits[1].service"


def test_required_fields_are_required() -> None:
    """A create without a cost center does not build."""
    with pytest.raises(TypeError):
        UserCreate(fullname="x", phone="+79990000000", is_active=True)  # type: ignore[call-arg]


def test_patch_tracks_the_fields_set() -> None:
    """A patch knows which fields it sends; None is not 'unset'."""
    patch = UserPatch(nickname="", is_active=False)
    assert patch.fields_set() == {"nickname", "is_active"}
    assert unstructure(patch) == {"nickname": "", "is_active": False}
    assert UserPatch().email is UNSET
    assert unstructure(UserPatch()) == {}


def test_validation_error_is_a_value_error() -> None:
    """ValidationError is both a B2BError and a ValueError."""
    error = refused(UserCreate, phone="123")
    assert isinstance(error, B2BError)
    assert isinstance(error, ValueError)
    assert str(error).startswith("phone: ")


def test_patch_docstring_warns_about_cost_center_reset() -> None:
    """UserPatch's docstring says that leaving out cost_centers_id resets it."""
    assert UserPatch.__doc__ is not None
    assert "*main* cost center" in " ".join(UserPatch.__doc__.split())


# -- properties --------------------------------------------------------------------------------

ids = st.text(alphabet="0123456789abcdef", min_size=1, max_size=32)
texts = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x7f"),
    max_size=40,
).filter(lambda text: not any(ord(ch) < 32 for ch in text))
phones = st.from_regex(r"\+[1-9][0-9]{6,14}", fullmatch=True)
emails = st.from_regex(r"[a-z0-9._+]{1,20}@[a-z0-9]{1,10}\.[a-z]{2,6}", fullmatch=True)
limits = st.lists(
    st.builds(Limit, ids, st.sampled_from(list(Service))),
    max_size=4,
    unique_by=lambda limit: limit.service,
)


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(UNSET), strategy)


creates = st.builds(
    UserCreate,
    fullname=texts,
    phone=phones,
    is_active=st.booleans(),
    cost_centers_id=ids,
    email=optional(emails),
    nickname=optional(texts),
    department_id=optional(ids),
    limits=optional(limits),
)
updates = st.builds(
    UserUpdate,
    fullname=texts,
    phone=phones,
    is_active=st.booleans(),
    cost_centers_id=ids,
    email=optional(emails),
    is_deleted=optional(st.booleans()),
    nickname=optional(texts),
    department_id=optional(ids),
    limits=optional(limits),
)
patches = st.builds(
    UserPatch,
    fullname=optional(texts),
    phone=optional(phones),
    email=optional(emails),
    is_active=optional(st.booleans()),
    cost_centers_id=optional(ids),
    is_deleted=optional(st.booleans()),
    nickname=optional(texts),
    department_id=optional(ids),
    limits=optional(limits),
)


@given(st.one_of(creates, updates, patches))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_request_models_round_trip_through_json(model: UserCreate | UserUpdate | UserPatch) -> None:
    """Any request model survives unstructure → JSON → structure unchanged."""
    wire = json.loads(json.dumps(unstructure(model)))
    assert UNSET not in wire.values()
    assert structure(wire, type(model)) == model


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
user_like = st.fixed_dictionaries(
    {},
    optional=dict.fromkeys(
        ("id", "_id", "fullname", "phone", "is_active", "is_deleted", "limits"), json_values
    ),
)


@given(st.one_of(json_values, user_like))
@settings(max_examples=300)
def test_decoding_any_json_gives_a_user_or_a_clean_error(data: object) -> None:
    """Decoding arbitrary JSON into User either works or raises a ValueError-kind error."""
    try:
        user = structure(data, User)
    except (ValueError, TypeError, KeyError, AttributeError, cattrs_errors()):
        return
    assert isinstance(user.id, str)


def cattrs_errors() -> type[BaseException]:
    from cattrs.errors import BaseValidationError

    return BaseValidationError


@given(st.integers(min_value=100, max_value=599), st.binary(max_size=300), json_values)
@settings(max_examples=300)
def test_any_error_answer_becomes_an_api_error(status: int, raw: bytes, data: object) -> None:
    """error_from_response never raises, whatever the body, and keeps the status."""
    for body in (
        raw,
        json.dumps(data).encode(),
        json.dumps({"code": data, "extra": data}).encode(),
    ):
        error = error_from_response(status, body, {"Retry-After": raw.decode("latin-1")})
        assert isinstance(error, APIError)
        assert error.status == status
        assert error.retry_after is None or error.retry_after >= 0
        str(error)
