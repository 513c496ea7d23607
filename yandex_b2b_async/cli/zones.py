"""``yandex-b2b zones info``: the tariffs and requirements of the zone holding a point."""

from __future__ import annotations

import argparse
from typing import Any

from .. import B2BClient
from .parser import Commands
from .verbs import Verb, add_verbs

__all__ = ["register"]

GROUP = "zones"


def register(commands: Commands) -> None:
    """Add the ``zones`` commands."""
    commands.group(GROUP, help="the tariffs of a zone: info")
    add_verbs(commands, _VERBS)


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lat", type=float, required=True, help="the point's latitude")
    parser.add_argument("--lon", type=float, required=True, help="the point's longitude")


async def _info(client: B2BClient, args: argparse.Namespace) -> Any:
    zone = await client.zones.info(lat=args.lat, lon=args.lon)
    return zone.tariff_classes


_VERBS = (
    Verb(
        group=GROUP,
        name="info",
        help="the tariffs of the zone holding a point",
        description="List the tariff classes of the zone holding --lat/--lon and the "
        "requirements each supports: what an order's class and requirements may be.",
        examples=(
            "zones info --lat 55.73 --lon 37.64",
            "zones info --lat 55.73 --lon 37.64 --format json",
        ),
        call=_info,
        shows="list",
        columns=("name", "name_translate", "supported_requirements"),
        arguments=_arguments,
    ),
)
