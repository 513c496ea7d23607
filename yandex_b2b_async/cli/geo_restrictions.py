"""``yandex-b2b geo-restrictions …``: the ride areas limits' geo rules refer to."""

from __future__ import annotations

import argparse
from typing import Any

from .. import B2BClient
from ..models import GeoCircle, GeoRestrictionCreate
from .parser import Commands, UsageError
from .verbs import Verb, add_verbs, body_of, data_argument, listed, model_of, updated

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


def _prepare_update(args: argparse.Namespace) -> None:
    args.given = body_of(args, name=args.name)
    if not args.given and (args.lat, args.lon, args.radius) == (None, None, None):
        raise UsageError(f"{GROUP} update: give a field to change (--name, --radius, ...)")


async def _update(client: B2BClient, args: argparse.Namespace) -> Any:
    # The API replaces the whole area: what was not given is sent as it stands, so --radius
    # alone moves nothing and renames nothing.
    current = await listed(client.geo_restrictions.list(), args.id, what="ride area")
    given = dict(args.given)
    if (args.lat, args.lon, args.radius) != (None, None, None):
        geo = given.get("geo") or current.get("geo") or {}
        if not isinstance(geo, dict):
            raise UsageError("--data: geo must be an object: {center: [lon, lat], radius}")
        lon, lat = [*(geo.get("center") or ()), None, None][:2]
        given["geo"] = {
            "center": [
                lon if args.lon is None else args.lon,
                lat if args.lat is None else args.lat,
            ],
            "radius": geo.get("radius") if args.radius is None else args.radius,
        }
    return await client.geo_restrictions.update(
        args.id, updated(current, given, GeoRestrictionCreate)
    )


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
        help="change a ride area (name, centre, radius)",
        description="Change the fields given and keep the rest (the area is read first: the "
        "API replaces it whole), then print its id.",
        examples=(
            "geo-restrictions update ID --radius 800",
            'geo-restrictions update ID --name "Офис" --lat 55.73 --lon 37.64',
        ),
        call=_update,
        shows="id",
        arguments=lambda parser: _fields(parser, update=True),
        prepare=_prepare_update,
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
