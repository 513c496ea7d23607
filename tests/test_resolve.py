"""Names instead of ids: departments by name or path, cost centers by name, limits by title,
resolved through the list calls against the sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from yandex_b2b_async import (
    AmbiguousNameError,
    B2BClient,
    Limit,
    NameNotFoundError,
    NameResolver,
    Service,
    ValidationError,
)
from yandex_b2b_async.hr.resolve import format_department_path, split_department_path
from yandex_b2b_async.sandbox import Sandbox


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[B2BClient]:
    async with B2BClient(sandbox.token, base_url=sandbox.url, retry=None) as client:
        yield client


def requests_to(sandbox: Sandbox, path: str) -> int:
    return sum(1 for entry in sandbox.stats.log if entry.path.endswith(path))


async def test_a_unique_name_resolves_anywhere_in_the_tree(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """A department name that exists once resolves to it, however deep it lies."""
    sales = sandbox.add_department("Продажи")
    moscow = sandbox.add_department("Москва", parent_id=sales)
    assert await NameResolver(client).department("Москва") == moscow


async def test_a_path_tells_two_departments_of_one_name_apart(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """Продажи/Москва and Закупки/Москва are two departments; the path picks one."""
    sales = sandbox.add_department("Продажи")
    purchases = sandbox.add_department("Закупки")
    sandbox.add_department("Москва", parent_id=sales)
    wanted = sandbox.add_department("Москва", parent_id=purchases)
    assert await NameResolver(client).department("Закупки/Москва") == wanted


async def test_an_ambiguous_name_names_every_candidate(sandbox: Sandbox, client: B2BClient) -> None:
    """A name two departments share raises AmbiguousNameError listing both paths."""
    for parent in ("Продажи", "Закупки"):
        sandbox.add_department("Москва", parent_id=sandbox.add_department(parent))
    with pytest.raises(AmbiguousNameError) as caught:
        await NameResolver(client).department("Москва")
    assert caught.value.field == "department"
    assert caught.value.value == "Москва"
    assert [c.split(" (")[0] for c in caught.value.candidates] == [
        "Закупки/Москва",
        "Продажи/Москва",
    ]
    assert isinstance(caught.value, ValidationError)


async def test_an_unknown_name_is_refused_naming_it(sandbox: Sandbox, client: B2BClient) -> None:
    """A department that does not exist raises NameNotFoundError naming the value."""
    sandbox.add_department("Продажи")
    with pytest.raises(NameNotFoundError) as caught:
        await NameResolver(client).department("Маркетинг")
    assert "'Маркетинг'" in str(caught.value)


async def test_a_leading_slash_anchors_the_path_at_the_root(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """/Москва is only a root department named Москва, not one deeper in the tree."""
    root_moscow = sandbox.add_department("Москва")
    sandbox.add_department("Москва", parent_id=sandbox.add_department("Продажи"))
    assert await NameResolver(client).department("/Москва") == root_moscow


async def test_an_escaped_slash_is_part_of_a_name(sandbox: Sandbox, client: B2BClient) -> None:
    """'Отдел 1\\/2' names the department "Отдел 1/2", not a path."""
    wanted = sandbox.add_department("Отдел 1/2")
    assert await NameResolver(client).department("Отдел 1\\/2") == wanted


def test_paths_split_and_format_as_inverses() -> None:
    """A path with escaped slashes and backslashes splits into names and formats back."""
    anchored, names = split_department_path("A\\/B/C\\\\D")
    assert (anchored, names) == (False, ("A/B", "C\\D"))
    assert format_department_path(names) == "A\\/B/C\\\\D"


@pytest.mark.parametrize("path", ["", "A//B", "A/", "A\\B"])
def test_malformed_paths_are_refused(path: str) -> None:
    """Empty paths, empty parts and a backslash escaping nothing are ValidationErrors."""
    with pytest.raises(ValidationError):
        split_department_path(path)


async def test_names_match_loosely_when_nothing_matches_exactly(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """Case and repeated spaces are ignored when that leaves exactly one match."""
    wanted = sandbox.add_department("Отдел  Продаж")
    assert await NameResolver(client).department("отдел продаж") == wanted


async def test_each_list_is_read_once_per_resolver(sandbox: Sandbox, client: B2BClient) -> None:
    """Many lookups, even concurrent ones, read the departments list once."""
    sandbox.add_department("A")
    sandbox.add_department("B")
    resolver = NameResolver(client)
    await asyncio.gather(*(resolver.department(name) for name in ["A", "B"] * 20))
    assert requests_to(sandbox, "/departments/list") == 1


async def test_missing_departments_are_created_parents_first_once(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """With create_missing, 30 concurrent rows naming a new path create each part once."""
    sales = sandbox.add_department("Продажи")
    resolver = NameResolver(client, create_missing=True)
    ids = await asyncio.gather(*(resolver.department("Продажи/Москва/Склад") for _ in range(30)))
    assert len(set(ids)) == 1
    assert requests_to(sandbox, "/departments/create") == 2
    by_id = {d["id"]: d for d in sandbox.departments()}
    moscow = by_id[ids[0]]["parent_id"]
    assert (by_id[ids[0]]["name"], by_id[moscow]["name"], by_id[moscow]["parent_id"]) == (
        "Склад",
        "Москва",
        sales,
    )
    assert resolver.created_departments == (moscow, ids[0])


async def test_cost_centers_resolve_by_name(sandbox: Sandbox, client: B2BClient) -> None:
    """A cost center name resolves to its id; an unknown one lists the known names."""
    project = sandbox.add_cost_center(name="Проект X")
    resolver = NameResolver(client)
    assert await resolver.cost_center("Проект X") == project
    with pytest.raises(NameNotFoundError) as caught:
        await resolver.cost_center("Проект Y")
    assert "Проект X" in caught.value.candidates
    assert requests_to(sandbox, "/cost_centers/list") == 1


async def test_a_limit_title_shared_by_services_needs_the_service(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """A title two services use is ambiguous alone and resolves with its service."""
    taxi = sandbox.add_limit("Обеды и поездки", "taxi")
    eats = sandbox.add_limit("Обеды и поездки", "eats2")
    resolver = NameResolver(client)
    with pytest.raises(AmbiguousNameError):
        await resolver.limit("Обеды и поездки")
    assert await resolver.limit("Обеды и поездки", Service.EATS2) == eats
    assert await resolver.limit_ref("Обеды и поездки", "taxi") == Limit(taxi, Service.TAXI)
    assert requests_to(sandbox, "/limits/search") == 1


async def test_an_id_reads_as_itself(sandbox: Sandbox, client: B2BClient) -> None:
    """A text equal to an existing id is that id: a file of ids reads the same."""
    department = sandbox.add_department("Продажи")
    cost_center = sandbox.add_cost_center(name="Проект")
    limit = sandbox.add_limit("Такси", "taxi")
    resolver = NameResolver(client)
    assert await resolver.department(department) == department
    assert await resolver.cost_center(cost_center) == cost_center
    assert await resolver.limit(limit, "taxi") == limit


async def test_a_limit_id_of_another_service_is_not_taken(
    sandbox: Sandbox, client: B2BClient
) -> None:
    """An id names its own service's limit only."""
    limit = sandbox.add_limit("Такси", "taxi")
    with pytest.raises(NameNotFoundError):
        await NameResolver(client).limit(limit, "eats2")
