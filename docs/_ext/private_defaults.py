"""A griffe extension: a default that names a private constant shows the constant's value.

The library keeps its defaults in one place (``_constants.py``, each with where the number comes
from), so signatures read ``timeout: float = DEFAULT_TIMEOUT`` — a name the reader cannot look up
on the site, because private modules are not documented. This extension replaces such a default
with the constant's value (``timeout: float = 30.0``) when

- the name resolves, inside the loaded package, to a module-level constant that is not public
  (its module or its own name starts with ``_``) and not exported by the package's top level —
  ``NOT_GIVEN`` and ``UNSET`` stay names, since users import and compare them; and
- the constant's value is plain: a literal (``30.0``, ``"https://…"``, ``(1, 2)``) or a call
  with literal arguments (``frozenset({429, 503})``, ``RetryPolicy()``).

Anything else is left as written.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import griffe

__all__ = ["PrivateDefaults"]


def _is_plain(text: str) -> bool:
    """Whether ``text`` is a literal, or a call of a name with literal arguments only."""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return False
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name | ast.Attribute):
            return False
        arguments = [*node.args, *(keyword.value for keyword in node.keywords)]
        return all(_is_plain(ast.unparse(argument)) for argument in arguments)
    try:
        ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return False
    return True


def _value_of(name: griffe.Expr, package: griffe.Module) -> str | None:
    """The plain value of the private constant ``name`` stands for, or ``None``."""
    if not isinstance(name, griffe.ExprName | griffe.ExprAttribute):
        return None
    path = name.canonical_path
    if not path.startswith(package.name + "."):
        return None
    with suppress(KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        found = package.modules_collection[path]
        target = found.final_target if found.is_alias else found
        private = any(part.startswith("_") for part in target.path.split("."))
        exported = target.name in package.members and _final_path(package[target.name]) == (
            target.path
        )
        if (
            private
            and not exported
            and isinstance(target, griffe.Attribute)
            and target.parent is not None
            and target.parent.is_module
            and target.value is not None
            and _is_plain(str(target.value))
        ):
            return str(target.value)
    return None


def _final_path(obj: griffe.Object | griffe.Alias) -> str | None:
    with suppress(griffe.AliasResolutionError, griffe.CyclicAliasError):
        return str(obj.final_target.path if isinstance(obj, griffe.Alias) else obj.path)
    return None


def _functions(obj: griffe.Object) -> Iterator[griffe.Function]:
    for member in obj.members.values():
        if member.is_alias:
            continue
        if isinstance(member, griffe.Function):
            yield member
        elif isinstance(member, griffe.Class | griffe.Module):
            yield from _functions(member)


class PrivateDefaults(griffe.Extension):
    """Show the values of private constants used as defaults in the loaded package."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Run once the package is loaded (after :class:`AttrsInit` adds the attrs ``__init__``)."""
        for function in _functions(pkg):
            for parameter in function.parameters:
                if isinstance(parameter.default, griffe.Expr):
                    value = _value_of(parameter.default, pkg)
                    if value is not None:
                        parameter.default = value
