"""Input-side fuzzing: any value in any field of a request model works or is refused by name.

"Works" means the model is built and its wire body encodes to JSON that gives the value back;
"refused" means a ValidationError whose ``field`` names the field (``limits[1]`` for an item).
"""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yandex_b2b_async import Limit, Service, UserCreate, UserPatch, UserUpdate, ValidationError
from yandex_b2b_async._client import _encode

BASE: dict[type, dict[str, object]] = {
    UserCreate: {
        "fullname": "Ilya Ivanov",
        "phone": "+79990000000",
        "is_active": True,
        "cost_centers_id": "cc-1",
    },
    UserUpdate: {
        "fullname": "Ilya Ivanov",
        "phone": "+79990000000",
        "is_active": True,
        "cost_centers_id": "cc-1",
    },
    UserPatch: {},
}
MODEL_FIELDS = [(model, field.name) for model in BASE for field in attrs.fields(model)]

# Unicode of every category (surrogates included), control characters, very long values.
texts = st.one_of(
    st.text(max_size=30),
    # Surrogates, controls, format characters and line separators: what a bad file holds.
    st.text(alphabet=st.characters(categories=["Cs", "Cc", "Cf", "Zl", "Zp", "Co"]), max_size=10),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x9F), max_size=10),
    st.sampled_from(
        [
            "",
            " ",
            "\ufeffIlya",
            "Ilya\r\n",
            "a\x00b",
            "\ud800",
            "\u202eRTL",
            "Ünïcødé 名前 🚀",
            "+79990000000",
            "+7 999 000 00 00",
            "name@example.com",
            "a@b",
            "taxi",
            "x" * 100_000,
        ]
    ),
)
anything = st.one_of(
    texts,
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.builds(Limit, st.sampled_from(["lim-1", "lim-2"]), st.sampled_from(list(Service))),
    st.lists(
        st.builds(Limit, st.sampled_from(["lim-1", "lim-2"]), st.sampled_from(list(Service))),
        max_size=3,
    ),
)


def _build(model: type, **fields: object) -> object:
    """The built model, or the ValidationError that refused it."""
    try:
        return model(**fields)
    except ValidationError as error:
        return error


def _wire(model: object) -> dict[str, Any]:
    wire: dict[str, Any] = json.loads(_encode(model).decode("utf-8"))
    return wire


@settings(max_examples=600, deadline=None)
@given(target=st.sampled_from(MODEL_FIELDS), value=anything)
def test_any_value_in_any_field_is_accepted_or_refused_by_name(
    target: tuple[type, str], value: object
) -> None:
    """Each field takes a fuzzed value into the wire body or refuses it naming that field."""
    model, field = target
    built = _build(model, **{**BASE[model], field: value})
    if isinstance(built, ValidationError):
        assert built.field == field or built.field.startswith(f"{field}["), built.field
        assert built.field in str(built)
        return
    wire = _wire(built)
    if field == "limits":
        assert wire[field] == [
            {"limit_id": item.limit_id, "service": item.service.value}
            for item in value  # type: ignore[attr-defined]
        ]
    else:
        assert wire[field] == value


@settings(max_examples=200, deadline=None)
@given(limit_id=anything, service=anything)
def test_a_limit_is_accepted_or_refused_by_name(limit_id: object, service: object) -> None:
    """Limit takes any value or refuses it naming limit_id or service."""
    limit = _build(Limit, limit_id=limit_id, service=service)
    if isinstance(limit, ValidationError):
        assert limit.field in ("limit_id", "service")
    else:
        assert isinstance(limit, Limit)
        assert limit.service in set(Service)


@pytest.mark.parametrize("model", list(BASE))
def test_a_lone_surrogate_is_refused_before_sending(model: type) -> None:
    """Text that cannot be encoded as UTF-8 is refused at build time, not at send time."""
    with pytest.raises(ValidationError) as caught:
        model(**{**BASE[model], "fullname": "Ilya \udcff"})
    assert caught.value.field == "fullname"


def test_a_very_long_value_round_trips() -> None:
    """A 100 000-character name is sent whole (the API, not the client, sets any limit)."""
    name = "Я" * 100_000
    user = UserCreate(fullname=name, phone="+79990000000", is_active=True, cost_centers_id="cc")
    assert _wire(user)["fullname"] == name
