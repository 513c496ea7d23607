"""The one cattrs converter: how models look on the wire.

Request models unstructure to JSON-ready dicts without the fields left :data:`UNSET`.
Response models structure strictly: a string field holding a number, or a bool field holding
``"false"``, is a malformed answer, not something to coerce (cattrs would call ``str()`` and
``bool()`` on them). Unknown keys are ignored, so the API may grow. The English list page
names the employee id ``_id`` and the department create answers ``{"_id": …}``: both spellings
are accepted wherever an ``id`` is expected.
"""

from __future__ import annotations

import enum
import types
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.cols import homogenous_tuple_structure_factory, list_structure_factory
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._types import ALWAYS_SENT, UNSET
from .errors import ValidationError
from .models import AssignedLimit, Limit, Service

__all__ = ["configure_converter", "converter", "structure", "unstructure"]

_T = TypeVar("_T")


def is_request_model(cls: Any) -> bool:
    """A request model is an attrs class whose fields validate (a validator, a converter or
    an :data:`UNSET` default): it is sent without its unset fields and rebuilt through its
    validators. Every other attrs class is a response model."""
    return attrs.has(cls) and any(
        field.validator is not None or field.converter is not None or field.default is UNSET
        for field in attrs.fields(cls)
    )


def _has_id(cls: Any) -> bool:
    return (
        attrs.has(cls)
        and not is_request_model(cls)
        and any(field.name == "id" for field in attrs.fields(cls))
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


def _is_json_array(cls: Any) -> bool:
    origin = get_origin(cls)
    return origin is list or (origin is tuple and get_args(cls)[1:] == (Ellipsis,))


def _array_only(conv: cattrs.Converter) -> Callable[[Any], Callable[[object, Any], Any]]:
    # cattrs builds a list or tuple from any iterable: "abc" would become ["a", "b", "c"] and
    # {} an empty page. A JSON answer holds an array there, or it is malformed.
    def factory(cls: Any) -> Callable[[object, Any], Any]:
        make = (
            list_structure_factory
            if get_origin(cls) is list
            else homogenous_tuple_structure_factory
        )
        inner = make(cls, conv)

        def structure_array(value: object, target: Any) -> Any:
            if not isinstance(value, list | tuple):
                raise MalformedError(f"expected an array, got {type(value).__name__}")
            return inner(value, target)

        return structure_array

    return factory


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


_SCALARS: Final = (str, int, float, bool, type(None))


def _is_scalar_union(cls: Any) -> bool:
    """A union of JSON scalars and enums with more than one non-null member (``str | int``,
    ``Service | str``, ``int | float | None``); ``X | None`` keeps cattrs' own handling."""
    if get_origin(cls) not in (Union, types.UnionType):
        return False
    args = get_args(cls)
    members = [arg for arg in args if arg is not type(None)]
    return len(members) > 1 and all(
        arg in _SCALARS or (isinstance(arg, type) and issubclass(arg, enum.Enum)) for arg in args
    )


def _structure_scalar_union(value: object, cls: Any) -> Any:
    # Members are tried in the order written: an enum first turns a known string into its
    # member, a later `str` keeps one the library does not know yet. A JSON integer is a
    # valid `float`; a bool is never a number.
    for arg in get_args(cls):
        if arg is type(None):
            if value is None:
                return None
        elif isinstance(arg, type) and issubclass(arg, enum.Enum):
            try:
                return arg(value)
            except ValueError:
                continue
        elif arg is float:
            if isinstance(value, int | float) and not isinstance(value, bool):
                return value
        elif arg is int:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        elif isinstance(value, arg):
            return value
    raise MalformedError(f"expected {cls}, got {type(value).__name__}")


def _structure_request(value: object, cls: Any) -> Any:
    """Rebuild a request model from its wire dict, through its validators."""
    if not isinstance(value, Mapping):
        raise ValidationError(cls.__name__, "must be a JSON object", value=value)
    known = {field.name for field in attrs.fields(cls)}
    for name in value:
        if name not in known:
            raise ValidationError(str(name), f"is not a field of {cls.__name__}")
    kwargs = dict(value)
    limits = kwargs.get("limits")
    if isinstance(limits, list):
        kwargs["limits"] = [
            _structure_request(item, Limit) if isinstance(item, Mapping) else item
            for item in limits
        ]
    return cls(**kwargs)


def _always_sent(cls: Any) -> dict[str, Any]:
    return {
        field.name: override(omit_if_default=False)
        for field in attrs.fields(cls)
        if all(field.metadata.get(key) == value for key, value in ALWAYS_SENT.items())
    }


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
    conv.register_structure_hook_func(_is_scalar_union, _structure_scalar_union)
    conv.register_structure_hook_factory(_is_json_array, _array_only(conv))
    # Generated once per class, on first use: a plain function with no per-call dispatch on
    # the hot path. A model of any group is covered without being listed here.
    conv.register_unstructure_hook_factory(
        is_request_model,
        lambda cls: make_dict_unstructure_fn(
            cls, conv, _cattrs_omit_if_default=True, **_always_sent(cls)
        ),
    )
    conv.register_structure_hook_func(is_request_model, _structure_request)
    conv.register_structure_hook_factory(
        _has_id, lambda cls: _with_id_alias(make_dict_structure_fn(cls, conv))
    )


converter: Final = cattrs.Converter(detailed_validation=False)
configure_converter(converter)


def unstructure(model: object) -> dict[str, Any]:
    """The JSON-ready dict of a request model, without unset fields."""
    result: dict[str, Any] = converter.unstructure(model)
    return result


def structure(data: object, cls: type[_T]) -> _T:
    """Build a response model from decoded JSON; raises on anything malformed."""
    return converter.structure(data, cls)
