"""Every example of README.md and docs/**/*.md runs, against the sandbox.

How a block is run:

- ```` ```python ```` blocks run in order of appearance, each on its own, against a sandbox
  started for it (:class:`~yandex_b2b_async.sandbox.Sandbox`, in a thread of its own). While a
  block runs, ``yandex_b2b_async.B2BClient`` is a subclass that sends a client made *without*
  ``base_url`` to that sandbox, with the sandbox's token instead of the example's
  (``"oauth-token"``, ``token``) and no ``client_id`` — so ``from yandex_b2b_async import
  B2BClient`` in an example reaches the sandbox while the text reads as it would against the
  real API. A client given a ``base_url``, a ``transport`` or a ``session`` (one the example
  points at a ``Sandbox`` of its own) is left as it is. Nothing in the library knows about this.
- A block with top-level ``await`` (a fragment) runs inside a coroutine whose namespace
  already holds what fragments refer to: ``client`` (a ``B2BClient`` on the sandbox),
  ``sandbox``, ``token``, ``users`` (five ``UserCreate``), ``desired`` (the same),
  ``user_ids`` (three employees in the sandbox), ``user_id`` (the first), ``department_ids``
  (two departments) and the public names of ``yandex_b2b_async``. A block without it runs as a
  script (it may call ``asyncio.run`` itself); it gets ``token`` and the public names too.
- ```` ```bash ```` lines that run ``yandex-b2b`` with ``--sandbox`` (anywhere on the line)
  are run as ``python -m yandex_b2b_async …`` in a temp dir where ``examples/`` is the
  repository's, and must exit 0.
- A block that truly cannot run (it needs a real account, or shows a shape rather than code)
  is marked by an HTML comment on the line just above its fence, which Markdown does not
  render: ``<!-- not-run: the reason -->``. The reason is required.

A failing block names its file and line in the test id (``README.md:59``).
"""

from __future__ import annotations

import ast
import asyncio
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import yandex_b2b_async
from yandex_b2b_async import B2BClient, UserCreate
from yandex_b2b_async.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
_FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w-]*)\s*$")
# What an example may print: a screenful (the README's bulk script once printed 368 KB).
_SCREENFUL = 4000
_NOT_RUN = re.compile(r"<!--\s*not-run:\s*(?P<why>\S.*?)\s*-->")


@attrs.frozen
class Block:
    """One fenced example: where it is, its language and its text."""

    path: Path
    line: int  # of the opening fence
    lang: str
    code: str
    skip: str | None  # the not-run reason, if marked

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def _documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _blocks(path: Path) -> Iterator[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    number = 0
    while number < len(lines):
        opened = _FENCE.match(lines[number])
        if opened is None or not opened["lang"]:
            if opened is not None:  # an unlabelled block: skip to its end
                number += 1
                while number < len(lines) and not _FENCE.match(lines[number]):
                    number += 1
            number += 1
            continue
        indent = len(opened["indent"])
        above = lines[number - 1] if number > 0 else ""
        marked = _NOT_RUN.search(above)
        body: list[str] = []
        start = number
        number += 1
        while number < len(lines) and not _FENCE.match(lines[number]):
            body.append(lines[number][indent:])
            number += 1
        number += 1
        yield Block(
            path=path,
            line=start + 1,
            lang=opened["lang"],
            code="\n".join(body) + "\n",
            skip=marked["why"] if marked else None,
        )


BLOCKS = [block for path in _documents() for block in _blocks(path)]
PYTHON = [block for block in BLOCKS if block.lang == "python"]


def _sandbox_commands() -> list[tuple[Block, list[str]]]:
    commands = []
    for block in BLOCKS:
        if block.lang not in ("bash", "sh", "shell", "console") or block.skip:
            continue
        for text in block.code.splitlines():
            command = text.split("&&")[-1].split(" #")[0].strip().removeprefix("$ ")
            words = shlex.split(command)
            if words and words[0].endswith("yandex-b2b") and "--sandbox" in words:
                commands.append((block, words[1:]))
    return commands


SHELL = _sandbox_commands()


# A client given one of these is pointed somewhere by the example itself (its own sandbox).
_POINTED = frozenset({"base_url", "transport", "session"})


def _sandboxed_client(sandbox: Sandbox) -> type[B2BClient]:
    class SandboxedClient(B2BClient):
        """B2BClient with the defaults pointed at the test's sandbox (see the module)."""

        def __init__(self, token: str, *args: Any, **options: Any) -> None:
            if not _POINTED.intersection(options):
                token = sandbox.token
                options["base_url"] = sandbox.url
                options.pop("client_id", None)
            super().__init__(token, *args, **options)

    return SandboxedClient


def _public_names() -> dict[str, object]:
    return {name: getattr(yandex_b2b_async, name) for name in yandex_b2b_async.__all__}


def _users(count: int, start: int) -> list[UserCreate]:
    return [
        UserCreate(
            fullname=f"Example {n}",
            phone=f"+7995{n:07d}",
            is_active=True,
            cost_centers_id="cost-center-id",
        )
        for n in range(start, start + count)
    ]


async def _fragment(code: Any, namespace: dict[str, Any], sandbox: Sandbox) -> None:
    async with B2BClient(sandbox.token, base_url=sandbox.url) as client:
        namespace["client"] = client
        result = eval(code, namespace)
        if asyncio.iscoroutine(result):
            await result


def test_the_documents_have_examples() -> None:
    """The collector finds the README's python blocks (guards against a silent no-op)."""
    assert sum(block.path.name == "README.md" for block in PYTHON) >= 5


def _readme_section(name: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(f"--8<-- [start:{name}]")
    return readme[start : readme.index(f"--8<-- [end:{name}]")]


@pytest.mark.parametrize("page", ["README.md", "docs/quickstart.md"])
def test_the_install_sections_name_every_extra_and_dependency(page: str) -> None:
    """Each install section names every extra of pyproject.toml and every run-time dependency,
    so that a reader of either page knows what `pip install` can bring."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    text = (ROOT / page).read_text(encoding="utf-8")
    # docs/quickstart.md includes the README's install section (pymdownx.snippets).
    text = text.replace('--8<-- "README.md:install"', _readme_section("install"))
    extras = [f"[{extra}]" for extra in project["optional-dependencies"]]
    dependencies = [re.split(r"[<>=\[ ]", spec)[0] for spec in project["dependencies"]]
    assert [extra for extra in extras if extra not in text] == []
    assert [name for name in dependencies if name not in text] == []


@pytest.mark.parametrize("block", PYTHON, ids=[block.name for block in PYTHON])
def test_python_example_runs(
    block: Block,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The block runs to its end against a fresh sandbox (files it writes go to a temp dir)
    and prints at most a screenful."""
    if block.skip:
        pytest.skip(f"not-run: {block.skip}")
    monkeypatch.chdir(tmp_path)
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    code = compile(block.code, block.name, "exec", flags=flags)
    with Sandbox() as sandbox:
        monkeypatch.setattr(yandex_b2b_async, "B2BClient", _sandboxed_client(sandbox))
        namespace: dict[str, Any] = {"__name__": "__example__", **_public_names()}
        namespace["B2BClient"] = yandex_b2b_async.B2BClient
        namespace["token"] = "oauth-token"
        namespace["sandbox"] = sandbox
        if code.co_flags & 0x80:  # CO_COROUTINE: the block awaits at top level
            users = _users(5, start=0)
            namespace.update(
                users=users,
                desired=users,
                user_ids=[sandbox.add_user(phone=f"+7994000000{n}") for n in range(3)],
                department_ids=[sandbox.add_department(name) for name in ("Sales", "Support")],
            )
            namespace["user_id"] = namespace["user_ids"][0]
            asyncio.run(_fragment(code, namespace, sandbox))
        else:
            exec(code, namespace)
    printed = capsys.readouterr().out
    assert len(printed) <= _SCREENFUL, f"the example printed {len(printed)} characters"


@pytest.mark.parametrize(
    ("block", "args"), SHELL, ids=[f"{block.name} {' '.join(args)}" for block, args in SHELL]
)
def test_shell_example_against_the_sandbox_exits_0(
    block: Block, args: list[str], tmp_path: Path
) -> None:
    """A documented `yandex-b2b --sandbox …` command exits 0 (run where `examples/` is the
    repository's and the files it writes go to a temp dir)."""
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    done = subprocess.run(
        [sys.executable, "-m", "yandex_b2b_async", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
