"""The one cattrs converter: how models look on the wire.

Request models unstructure to JSON-ready dicts without the fields left :data:`UNSET`.
Response models structure strictly: a string field holding a number, or a bool field holding
``"false"``, is a malformed answer, not something to coerce (cattrs would call ``str()`` and
``bool()`` on them). Unknown keys are ignored, so the API may grow. The English list page
names the employee id ``_id`` and the department create answers ``{"_id": …}``: both spellings
are accepted wherever an ``id`` is expected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from .models import (
    AssignedLimit,
    CostCenter,
    CostCenterField,
    CreatedDepartment,
    CreatedUser,
    Department,
    Limit,
    Service,
    User,
    UserCreate,
    UserPatch,
    UserUpdate,
)

__all__ = ["configure_converter", "converter", "structure", "unstructure"]

_T = TypeVar("_T")

_REQUEST_MODELS: Final = (Limit, UserCreate, UserUpdate, UserPatch)
_MODELS_WITH_ID: Final = (
    User,
    Department,
    CreatedDepartment,
    CreatedUser,
    CostCenter,
    CostCenterField,
)


class MalformedError(ValueError):
    """A response value is not of the documented type."""


def _strict(kind: type[_T], name: str) -> Callable[[object, object], _T]:
    def structure_value(value: object, _: object) -> _T:
        # bool is an int subclass; an int field holding true is still malformed
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise MalformedError(f"expected {name}, got {type(value).__name__}")
        return value

    return structure_value


def _with_id_alias(
    inner: Callable[[Mapping[str, Any], Any], _T],
) -> Callable[[object, Any], _T]:
    def structure_model(value: object, cls: Any) -> _T:
        if not isinstance(value, Mapping):
            raise MalformedError(f"expected an object, got {type(value).__name__}")
        if "id" not in value and "_id" in value:
            value = {**value, "id": value["_id"]}
        return inner(value, cls)

    return structure_model


def _structure_assigned_limit(value: object, _: object) -> AssignedLimit:
    if not isinstance(value, Mapping):
        raise MalformedError(f"expected an object, got {type(value).__name__}")
    limit_id, service = value.get("limit_id"), value.get("service")
    if not isinstance(limit_id, str) or not isinstance(service, str):
        raise MalformedError("a limit needs string limit_id and service")
    try:
        return AssignedLimit(limit_id, Service(service))
    except ValueError:
        return AssignedLimit(limit_id, service)


def configure_converter(conv: cattrs.Converter) -> None:
    """Register every hook this library needs on ``conv``."""
    conv.register_structure_hook(str, _strict(str, "a string"))
    conv.register_structure_hook(bool, _strict(bool, "a bool"))
    conv.register_structure_hook(int, _strict(int, "an integer"))
    conv.register_structure_hook(float, _strict(float, "a number"))
    conv.register_structure_hook_func(
        lambda cls: cls == dict[str, object], _strict(dict, "an object")
    )
    conv.register_structure_hook(AssignedLimit, _structure_assigned_limit)
    for request_model in _REQUEST_MODELS:
        # Generated once per class: a plain function with no per-call dispatch on the hot path.
        conv.register_unstructure_hook(
            request_model,
            make_dict_unstructure_fn(request_model, conv, _cattrs_omit_if_default=True),
        )
    for model in _MODELS_WITH_ID:
        conv.register_structure_hook(model, _with_id_alias(make_dict_structure_fn(model, conv)))


converter: Final = cattrs.Converter(detailed_validation=False)
configure_converter(converter)


def unstructure(model: object) -> dict[str, Any]:
    """The JSON-ready dict of a request model, without unset fields."""
    result: dict[str, Any] = converter.unstructure(model)
    return result


def structure(data: object, cls: type[_T]) -> _T:
    """Build a response model from decoded JSON; raises on anything malformed."""
    return converter.structure(data, cls)
