"""A griffe extension: the ``__init__`` that attrs writes, so a model's signature shows its fields.

attrs generates ``__init__`` at import time; griffe reads the source, where there is none, so
``UserCreate`` would be documented as ``UserCreate()``. For every class decorated with
``@attrs.define``/``frozen``/``mutable`` (or the ``attr`` spellings), this adds the method attrs
would generate: one parameter per annotated field, in definition order after the fields of attrs
base classes, keyword-only under ``kw_only=True``, with the field's default (``factory=list``
shows as ``list()``); ``init=False`` fields and ``ClassVar``s are left out, and a private field
``_x`` is the parameter ``x``, as attrs names it. griffe's built-in dataclasses extension does the
same for dataclasses.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

import griffe

__all__ = ["AttrsInit"]

_DECORATORS: Final = frozenset(
    f"{module}.{name}"
    for module in ("attrs", "attr")
    for name in ("define", "frozen", "mutable", "s", "attrs", "dataclass")
)
_FIELDS: Final = frozenset({"attrs.field", "attr.field", "attr.ib", "attr.attrib"})


def _call_arguments(expr: object) -> dict[str, str | griffe.Expr]:
    """The keyword arguments of a call expression (``{}`` for anything else)."""
    if not isinstance(expr, griffe.ExprCall):
        return {}
    return {
        argument.name: argument.value
        for argument in expr.arguments
        if isinstance(argument, griffe.ExprKeyword)
    }


def _attrs_decorator(cls: griffe.Class) -> griffe.Expr | None:
    for decorator in cls.decorators:
        value = decorator.value
        if isinstance(value, griffe.Expr) and value.canonical_path in _DECORATORS:
            return value
    return None


def _parameters(cls: griffe.Class, kw_only: bool) -> Iterator[griffe.Parameter]:
    for member in cls.members.values():
        if member.is_alias or not isinstance(member, griffe.Attribute):
            continue
        # griffe labels an annotated class-body name "instance-attribute"; a ClassVar is not one.
        if member.annotation is None or "instance-attribute" not in member.labels:
            continue
        value = member.value
        field = _call_arguments(value) if _is_field(member) else None
        if field is not None and str(field.get("init", "True")) == "False":
            continue
        if field is None:
            default: str | griffe.Expr | None = value
        elif isinstance(factory := field.get("factory"), griffe.Expr):
            default = griffe.ExprCall(function=factory, arguments=[])
        else:
            default = field.get("default")
        alias = field.get("alias") if field else None
        yield griffe.Parameter(
            str(alias).strip("'\"") if alias is not None else member.name.lstrip("_"),
            annotation=member.annotation,
            kind=(
                griffe.ParameterKind.keyword_only
                if kw_only or (field is not None and str(field.get("kw_only")) == "True")
                else griffe.ParameterKind.positional_or_keyword
            ),
            default=default,
        )


def _is_field(attribute: griffe.Attribute) -> bool:
    value = attribute.value
    return isinstance(value, griffe.ExprCall) and value.canonical_path in _FIELDS


def _add_init(cls: griffe.Class) -> None:
    if "__init__" in cls.members:
        return
    parameters: list[griffe.Parameter] = []
    try:
        mro = [*reversed(cls.mro()), cls]
    except ValueError:
        mro = [cls]
    for klass in mro:
        decorator = _attrs_decorator(klass)
        if decorator is None:
            continue
        arguments = _call_arguments(decorator)
        if str(arguments.get("init", "True")) == "False":
            return
        parameters.extend(_parameters(klass, str(arguments.get("kw_only")) == "True"))
    if _attrs_decorator(cls) is None:
        return
    by_name = {parameter.name: parameter for parameter in parameters}  # a redefinition wins
    ordered = sorted(by_name.values(), key=lambda p: p.kind is griffe.ParameterKind.keyword_only)
    self_ = griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword)
    cls.set_member(
        "__init__",
        griffe.Function(
            "__init__",
            lineno=cls.lineno,
            endlineno=cls.lineno,
            parent=cls,
            parameters=griffe.Parameters(self_, *ordered),
            returns="None",
        ),
    )


def _classes(obj: griffe.Object) -> Iterator[griffe.Class]:
    for member in obj.members.values():
        if member.is_alias:
            continue
        if isinstance(member, griffe.Class):
            yield member
            yield from _classes(member)
        elif isinstance(member, griffe.Module):
            yield from _classes(member)


class AttrsInit(griffe.Extension):
    """Add the attrs-generated ``__init__`` to every attrs class of the loaded package."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Run once the package is loaded, when base classes can be resolved."""
        for cls in _classes(pkg):
            _add_init(cls)
