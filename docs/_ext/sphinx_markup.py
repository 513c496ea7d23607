"""A griffe extension: the Sphinx markup of this project's docstrings, as mkdocstrings Markdown.

The docstrings are written for readers of the source and of ``help()``: Sphinx roles
(:class:`X`, :meth:`X.y`, :func:`f`, :data:`UNSET`, ``~`` for "last part only"), an
occasional ``.. warning::`` directive and ``::`` literal blocks. Markdown has none of these, so
before mkdocstrings renders a docstring this extension rewrites, in its text only:

- a role into a cross-reference to the object it names, resolved the way Python would from
  where the docstring stands (the object's scope, its module's imports, then the package's
  top-level names). The reference is *optional*: a name that is not rendered anywhere in the
  site (a private helper) shows as code, never as a broken link or a build warning;
- ``.. warning::`` (and note, tip, important, caution, danger, seealso) into an admonition;
- a paragraph ending in ``::`` and the indented block after it into a paragraph ending in
  ``:`` and a fenced code block.

Nothing else is touched: ``double backticks`` and ``*emphasis*`` already mean the same in
Markdown. The rewriting is :func:`to_markdown`, a pure function of the text and a resolver;
:class:`SphinxMarkup` is the griffe glue (listed under ``extensions`` in ``mkdocs.yml``).
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import Any, Final

import griffe

__all__ = ["SphinxMarkup", "to_markdown"]

Resolver = Callable[[str], str | None]

# :role:`target`, :role:`~target`, :py:role:`target` and :role:`title <target>`.
_ROLE: Final = re.compile(
    r":(?:py:)?(?P<role>class|meth|func|attr|data|const|exc|obj|mod):"
    r"`(?P<tilde>~?)(?:(?P<title>[^`<]*?)\s*<(?P<explicit>[^`>]+)>|(?P<target>[^`]+))`"
)
_CALLABLE_ROLES: Final = frozenset({"meth", "func"})
_DIRECTIVE: Final = re.compile(
    r"^(?P<indent>[ \t]*)\.\. (?P<kind>warning|note|tip|important|caution|danger|seealso)::"
    r"[ \t]*(?P<rest>.*)$"
)
_ADMONITION_TITLES: Final = {"seealso": ("note", "See also")}


def to_markdown(text: str, resolve: Resolver) -> str:
    """Return ``text`` with its Sphinx roles, directives and literal blocks as Markdown.

    ``resolve(name)`` returns the full path of the object a role names (``"UsersAPI.restore"``
    → ``"yandex_b2b_async.resources.users.UsersAPI.restore"``), or ``None`` when it cannot; an
    unresolved role becomes plain code.
    """
    lines = text.splitlines()
    out: list[str] = []
    for kind, block in _blocks(lines):
        if kind == "code":
            out.extend(block)
        else:
            out.extend(_ROLE.sub(lambda match: _role(match, resolve), line) for line in block)
    return "\n".join(out)


def _blocks(lines: list[str]) -> Iterator[tuple[str, list[str]]]:
    """Split ``lines`` into ("text", lines) and ("code", lines) runs, rewriting the block markup.

    Roles are left for the caller, so that a literal block keeps its text as written.
    """
    i = 0
    while i < len(lines):
        line = lines[i]
        directive = _DIRECTIVE.match(line)
        if directive is not None:
            indent = directive["indent"]
            body, i = _indented_block(lines, i + 1, len(indent))
            first = [directive["rest"]] if directive["rest"] else []
            kind, title = _ADMONITION_TITLES.get(directive["kind"], (directive["kind"], ""))
            header = f'{indent}!!! {kind} "{title}"' if title else f"{indent}!!! {kind}"
            content = textwrap.dedent("\n".join(first + body)).splitlines()
            yield "text", [header, *(f"{indent}    {c}" if c.strip() else "" for c in content)]
            continue
        if line.rstrip().endswith("::") and not line.lstrip().startswith(".."):
            indent = len(line) - len(line.lstrip())
            body, end = _indented_block(lines, i + 1, indent)
            if any(b.strip() for b in body):
                head = line.rstrip()[:-2].rstrip()
                # "text::" keeps one colon; a lone "::" disappears (Sphinx's rules).
                yield "text", ([head + ":"] if head.strip() else []) + [""]
                code = textwrap.dedent("\n".join(body)).strip("\n").splitlines()
                pad = " " * indent
                fenced = [f"{pad}```python", *(f"{pad}{c}" if c else "" for c in code), f"{pad}```"]
                yield "code", [*fenced, ""]
                i = end
                continue
        yield "text", [line]
        i += 1


def _indented_block(lines: list[str], start: int, indent: int) -> tuple[list[str], int]:
    """The lines from ``start`` indented deeper than ``indent`` (blank lines included), and
    the index of the first line after them."""
    end = start
    while end < len(lines) and (
        not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent
    ):
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end], end


def _role(match: re.Match[str], resolve: Resolver) -> str:
    target = (match["explicit"] or match["target"]).strip()
    title = match["title"] or (target.rsplit(".", 1)[-1] if match["tilde"] else target)
    if match["role"] in _CALLABLE_ROLES and not match["title"] and not title.endswith(")"):
        title += "()"
    code = f"<code>{html.escape(title)}</code>"
    path = resolve(target)
    if path is None:
        return code
    return f'<autoref identifier="{html.escape(path)}" optional>{code}</autoref>'


def _resolver(obj: griffe.Object, package: griffe.Module, unique: dict[str, str]) -> Resolver:
    """Resolve names as written in ``obj``'s docstring: in its scope, as a top-level name of
    the package, as a full dotted path, or as the one module-level object of the package that
    has that name (``UsersAPI`` in a models module, which does not import it; the last part of
    a full path whose module has moved)."""

    def resolve(name: str) -> str | None:
        head, _, rest = name.partition(".")
        heads = []
        with suppress(griffe.NameResolutionError):
            heads.append(obj.resolve(head))
        if head in package.members:
            heads.append(package.members[head].path)
        heads.append(head)
        if head in unique:
            heads.append(unique[head])
        paths = [f"{h}.{rest}" if rest else h for h in heads]
        last = name.rpartition(".")[2]
        if head == package.name and last in unique:
            # A full path that no longer exists (its module moved): the one object of its name.
            paths.append(unique[last])
        for path in paths:
            with suppress(
                KeyError, ValueError, griffe.AliasResolutionError, griffe.CyclicAliasError
            ):
                found = package.modules_collection[path]
                return str(found.final_target.path if found.is_alias else found.path)
        return None

    return resolve


def _unique_names(package: griffe.Module) -> dict[str, str]:
    """Name → path of the module-level objects of ``package`` whose name no other one has."""
    paths: dict[str, list[str]] = {}
    for obj in _objects(package):
        if obj.parent is not None and obj.parent.is_module and not obj.is_module:
            paths.setdefault(obj.name, []).append(obj.path)
    return {name: found[0] for name, found in paths.items() if len(found) == 1}


class SphinxMarkup(griffe.Extension):
    """Rewrite every docstring of the loaded package with :func:`to_markdown`."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Run once the whole package is loaded, so every name a docstring uses can resolve."""
        unique = _unique_names(pkg)
        for obj in _objects(pkg):
            if obj.docstring is not None:
                obj.docstring.value = to_markdown(obj.docstring.value, _resolver(obj, pkg, unique))


def _objects(root: griffe.Object) -> Iterator[griffe.Object]:
    """``root`` and every object defined under it (aliases, i.e. imports, are skipped)."""
    yield root
    for member in root.members.values():
        if not member.is_alias and isinstance(member, griffe.Object):
            yield from _objects(member)
