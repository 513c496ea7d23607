"""``yandex-b2b geo-restrictions …``: the ride areas limits' geo rules refer to."""

from __future__ import annotations

import argparse
from typing import Any

from .. import B2BClient
from ..models import GeoCircle, GeoRestrictionCreate
from .parser import Commands, UsageError
from .verbs import Verb, add_verbs, body_of, data_argument, model_of

__all__ = ["register"]

GROUP = "geo-restrictions"


def register(commands: Commands) -> None:
    """Add the ``geo-restrictions`` commands."""
    commands.group(GROUP, help="ride areas (circles) for limits: list, create, update, delete")
    add_verbs(commands, _VERBS)


def _list(client: B2BClient, args: argparse.Namespace) -> Any:
    return client.geo_restrictions.list()


def _fields(parser: argparse.ArgumentParser, *, update: bool) -> None:
    if update:
        parser.add_argument("id", metavar="ID", help="the area")
    parser.add_argument("--name", help="the area's name")
    parser.add_argument("--lat", type=float, help="the circle's centre: latitude")
    parser.add_argument("--lon", type=float, help="the circle's centre: longitude")
    parser.add_argument("--radius", type=int, metavar="METRES", help="the circle's radius")
    data_argument(parser, "the record (name, geo: {center: [lon, lat], radius})", required=False)


def _prepare(args: argparse.Namespace) -> None:
    shape = (args.lat, args.lon, args.radius)
    if any(value is not None for value in shape) and any(value is None for value in shape):
        raise UsageError(f"{GROUP}: give --lat, --lon and --radius together")
    body = body_of(args, name=args.name)
    if args.lat is not None:
        body["geo"] = GeoCircle.at(lat=args.lat, lon=args.lon, radius=args.radius)
    elif isinstance(body.get("geo"), dict):
        geo = body["geo"]
        assert isinstance(geo, dict)
        try:
            body["geo"] = GeoCircle(center=geo.get("center"), radius=geo.get("radius"))  # type: ignore[arg-type]
        except TypeError as exc:  # a ValidationError names its field itself
            raise UsageError(f"geo: {exc}") from None
    args.body = model_of(body, GeoRestrictionCreate)


async def _create(client: B2BClient, args: argparse.Namespace) -> Any:
    return await client.geo_restrictions.create(args.body)


async def _update(client: B2BClient, args: argparse.Namespace) -> Any:
    return await client.geo_restrictions.update(args.id, args.body)


async def _delete(client: B2BClient, args: argparse.Namespace) -> Any:
    return await client.geo_restrictions.delete(args.id)


_VERBS = (
    Verb(
        group=GROUP,
        name="list",
        help="list the ride areas",
        description="Every ride area of the account (centre as [lon, lat], radius in metres).",
        examples=("geo-restrictions list", "geo-restrictions list --format json"),
        call=_list,
        shows="list",
        columns=("id", "name", "geo_type", "geo.center", "geo.radius"),
    ),
    Verb(
        group=GROUP,
        name="create",
        help="create a ride area; prints its id",
        description="Create a circle of --radius metres around --lat/--lon named --name, and "
        "print its id.",
        examples=(
            'geo-restrictions create --name "Офис" --lat 55.73 --lon 37.64 --radius 500',
            "geo-restrictions create --data @area.json",
        ),
        call=_create,
        shows="id",
        arguments=lambda parser: _fields(parser, update=False),
        prepare=_prepare,
    ),
    Verb(
        group=GROUP,
        name="update",
        help="replace a ride area",
        description="Replace area ID (every field, as for create) and print its id.",
        examples=(
            'geo-restrictions update ID --name "Офис" --lat 55.73 --lon 37.64 --radius 800',
            "geo-restrictions update ID --data @area.json",
        ),
        call=_update,
        shows="id",
        arguments=lambda parser: _fields(parser, update=True),
        prepare=_prepare,
    ),
    Verb(
        group=GROUP,
        name="delete",
        help="delete a ride area",
        description="Delete area ID (refused while a limit's geo rule uses it) and print its id.",
        examples=("geo-restrictions delete ID", "geo-restrictions delete ID --format json"),
        call=_delete,
        shows="id",
        arguments=lambda parser: parser.add_argument("id", metavar="ID", help="the area"),
    ),
)
