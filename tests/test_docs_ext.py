"""The docs site's griffe extensions: Sphinx markup as Markdown, and the attrs ``__init__``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import griffe
import pytest

from docs._ext.attrs_init import AttrsInit
from docs._ext.private_defaults import PrivateDefaults
from docs._ext.sphinx_markup import SphinxMarkup, to_markdown

_PATHS = {
    "UserCreate": "pkg.models.UserCreate",
    "UsersAPI": "pkg.resources.UsersAPI",
    "UsersAPI.restore": "pkg.resources.UsersAPI.restore",
    "pkg.bulk.bulk": "pkg.bulk.bulk",
}


def _resolve(name: str) -> str | None:
    return _PATHS.get(name)


def _ref(path: str, title: str) -> str:
    return f'<autoref identifier="{path}" optional><code>{title}</code></autoref>'


def test_a_class_role_becomes_an_optional_cross_reference() -> None:
    """:class:`X` links to the object the resolver names, and never breaks the build if absent."""
    assert to_markdown("See :class:`UserCreate`.", _resolve) == (
        f"See {_ref('pkg.models.UserCreate', 'UserCreate')}."
    )


def test_a_tilde_shows_only_the_last_part() -> None:
    """:func:`~pkg.bulk.bulk` is titled ``bulk()``, as Sphinx shows it."""
    assert to_markdown(":func:`~pkg.bulk.bulk`", _resolve) == _ref("pkg.bulk.bulk", "bulk()")


def test_a_method_role_is_titled_as_a_call() -> None:
    """:meth:`UsersAPI.restore` reads ``UsersAPI.restore()``."""
    assert to_markdown(":meth:`UsersAPI.restore`", _resolve) == _ref(
        "pkg.resources.UsersAPI.restore", "UsersAPI.restore()"
    )


def test_an_explicit_title_is_kept() -> None:
    """:class:`the users <UsersAPI>` links ``UsersAPI`` under the title given."""
    assert to_markdown(":class:`the users <UsersAPI>`", _resolve) == _ref(
        "pkg.resources.UsersAPI", "the users"
    )


def test_an_unresolved_role_becomes_plain_code() -> None:
    """A role naming nothing the resolver knows is code, with no link and no role text."""
    assert to_markdown("Is :data:`_PRIVATE`.", _resolve) == "Is <code>_PRIVATE</code>."


def test_double_backticks_are_left_as_they_are() -> None:
    """``literal`` already means code in Markdown."""
    assert to_markdown("a ``UNSET`` b", _resolve) == "a ``UNSET`` b"


def test_a_warning_directive_becomes_an_admonition() -> None:
    """``.. warning::`` and its indented body become ``!!! warning`` with a 4-space body."""
    text = textwrap.dedent(
        """\
        Intro.

        .. warning::
           **Careful.** See :class:`UserCreate`.
           Second line.

        After.
        """
    )
    assert to_markdown(text, _resolve).splitlines() == [
        "Intro.",
        "",
        "!!! warning",
        f"    **Careful.** See {_ref('pkg.models.UserCreate', 'UserCreate')}.",
        "    Second line.",
        "",
        "After.",
    ]


def test_a_seealso_directive_becomes_a_titled_note() -> None:
    """``.. seealso:: text`` is a note titled "See also", the text on the line included."""
    assert to_markdown(".. seealso:: The sandbox.", _resolve).splitlines() == [
        '!!! note "See also"',
        "    The sandbox.",
    ]


def test_a_literal_block_becomes_a_fenced_code_block() -> None:
    """``text::`` and its indented block become ``text:`` and a fenced block, left unrewritten."""
    text = "Use it directly::\n\n    await bulk(call, items)  # :class:`UserCreate`\n\nDone."
    assert to_markdown(text, _resolve).splitlines() == [
        "Use it directly:",
        "",
        "```python",
        "await bulk(call, items)  # :class:`UserCreate`",
        "```",
        "",
        "",
        "Done.",
    ]


def test_a_lone_double_colon_disappears() -> None:
    """A paragraph that is only ``::`` introduces the block and is not shown."""
    text = "Usage.\n\n::\n\n    yandex-b2b users create FILE\n"
    assert to_markdown(text, _resolve).splitlines() == [
        "Usage.",
        "",
        "",
        "```python",
        "yandex-b2b users create FILE",
        "```",
    ]


def test_a_trailing_double_colon_without_a_block_is_left_alone() -> None:
    """``::`` at the end of a paragraph with nothing indented after it is ordinary text."""
    assert to_markdown("Ratio a::b", _resolve) == "Ratio a::b"


@pytest.fixture(scope="module")
def package() -> griffe.Module:
    """The real package, loaded by griffe with both extensions, as mkdocs loads it."""
    loaded = griffe.load(
        "yandex_b2b_async",
        search_paths=[str(Path(__file__).parent.parent)],
        extensions=griffe.load_extensions(SphinxMarkup, AttrsInit, PrivateDefaults),
    )
    assert isinstance(loaded, griffe.Module)
    return loaded


def _docstring(package: griffe.Module, path: str) -> str:
    docstring = package[path].docstring
    assert docstring is not None
    return str(docstring.value)


_SAMPLE = {
    "__init__.py": """
        from .client import Client

        __all__ = ["Client"]
        """,
    "client.py": '''
        class Client:
            """Call :meth:`close` when done."""

            def close(self) -> None:
                """Close it."""
        ''',
    "errors.py": '''
        class Conflict(Exception):
            """A conflict."""
        ''',
    "resources/__init__.py": "",
    "resources/users.py": '''
        """Calls over :class:`Client`."""

        from ..errors import Conflict


        class UsersAPI:
            def create(self) -> None:
                """Raises :class:`Conflict`."""

            def restore(self) -> None:
                """Restore one."""
        ''',
    "models.py": '''
        class Patch:
            """See :meth:`UsersAPI.restore`.

            .. warning::
               Careful.
            """
        ''',
    "bulk.py": '''
        """Used by :class:`~sample.users.UsersAPI`, whose module has moved."""
        ''',
}


@pytest.fixture
def sample(tmp_path: Path) -> griffe.Module:
    """A small package whose docstrings name objects in every way the resolver handles."""
    for name, text in _SAMPLE.items():
        path = tmp_path / "sample" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    loaded = griffe.load(
        "sample", search_paths=[str(tmp_path)], extensions=griffe.load_extensions(SphinxMarkup)
    )
    assert isinstance(loaded, griffe.Module)
    return loaded


@pytest.mark.parametrize(
    ("where", "target"),
    [
        pytest.param("client.Client", "sample.client.Client.close", id="own-scope"),
        pytest.param("resources.users.UsersAPI.create", "sample.errors.Conflict", id="import"),
        pytest.param("resources.users", "sample.client.Client", id="package-top-level"),
        pytest.param("models.Patch", "sample.resources.users.UsersAPI.restore", id="unique-name"),
        pytest.param("bulk", "sample.resources.users.UsersAPI", id="moved-module"),
    ],
)
def test_a_role_resolves_as_python_would_from_its_docstring(
    sample: griffe.Module, where: str, target: str
) -> None:
    """A role links to its object: in scope, imported, top-level, the only one, or moved."""
    assert f'identifier="{target}"' in _docstring(sample, where)


def test_the_extension_rewrites_directives_of_a_loaded_package(sample: griffe.Module) -> None:
    """Loaded through griffe, a ``.. warning::`` is an admonition by the time it renders."""
    assert "!!! warning" in _docstring(sample, "models.Patch")


def test_no_role_text_is_left_in_any_docstring(package: griffe.Module) -> None:
    """After the extension, no docstring of the package holds ``:class:`` and the like."""

    def walk(obj: griffe.Object) -> list[str]:
        found = []
        if obj.docstring is not None and ":class:`" in obj.docstring.value:
            found.append(obj.path)
        for member in obj.members.values():
            if not member.is_alias and isinstance(member, griffe.Object):
                found.extend(walk(member))
        return found

    assert walk(package) == []


def test_an_attrs_model_gets_the_init_attrs_generates(package: griffe.Module) -> None:
    """``UserCreate`` is documented with its fields as keyword-only parameters and defaults."""
    init = package["models.users.UserCreate.__init__"]
    parameters = {p.name: p for p in init.parameters if p.name != "self"}
    assert list(parameters)[:4] == ["fullname", "phone", "is_active", "cost_centers_id"]
    assert {p.kind for p in parameters.values()} == {griffe.ParameterKind.keyword_only}
    assert parameters["fullname"].default is None
    assert str(parameters["email"].default) == "UNSET"


def test_attrs_init_follows_the_rules_of_attrs(tmp_path: Path) -> None:
    """Base fields come first; factory shows as a call; ClassVar and init=False are left out;
    ``_x`` is the parameter ``x``."""
    (tmp_path / "sample.py").write_text(
        textwrap.dedent(
            """\
            from typing import ClassVar
            import attrs

            @attrs.define
            class Base:
                a: int

            @attrs.frozen
            class Child(Base):
                b: list[int] = attrs.field(factory=list)
                _c: str = "x"
                d: int = attrs.field(init=False, default=0)
                e: ClassVar[int] = 1
            """
        )
    )
    module = griffe.load(
        "sample", search_paths=[str(tmp_path)], extensions=griffe.load_extensions(AttrsInit)
    )
    parameters = [(p.name, str(p.default)) for p in module["Child.__init__"].parameters]
    assert parameters == [("self", "None"), ("a", "None"), ("b", "list()"), ("c", "'x'")]


def _defaults(package: griffe.Module, path: str) -> dict[str, str]:
    return {p.name: str(p.default) for p in package[path].parameters if p.default is not None}


def test_a_private_constant_default_shows_its_value(package: griffe.Module) -> None:
    """``timeout=DEFAULT_TIMEOUT`` (from ``_constants``) is documented as ``timeout=30.0``."""
    defaults = _defaults(package, "_client.B2BClient.__init__")
    assert defaults["timeout"] == "30.0"
    assert defaults["base_url"] == "'https://b2b-api.go.yandex.ru'"


def test_a_call_with_literal_arguments_is_shown_too(package: griffe.Module) -> None:
    """A private default built by a plain call shows the call (``RetryPolicy()``)."""
    assert _defaults(package, "_client.B2BClient.__init__")["retry"] == "RetryPolicy()"


def test_an_exported_sentinel_keeps_its_name(package: griffe.Module) -> None:
    """``NOT_GIVEN`` is imported and compared by users: it stays a name, not ``NotGiven()``."""
    assert _defaults(package, "resources.users.UsersAPI.create")["retry"] == "NOT_GIVEN"
