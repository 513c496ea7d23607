"""``yandex-b2b vehicles …``: the fleet's cars — list, create, update, archive."""

from __future__ import annotations

import argparse
from typing import Any

from .. import B2BClient
from ..models import VehicleAccessType, VehicleCreate, VehicleUpdate
from .parser import Commands, UsageError
from .verbs import Verb, add_verbs, body_of, data_argument, listed, model_of, read_data, updated

__all__ = ["register"]

GROUP = "vehicles"


def register(commands: Commands) -> None:
    """Add the ``vehicles`` commands."""
    commands.group(GROUP, help="the fleet's cars: list, create, update, archive")
    add_verbs(commands, _VERBS)


def _list_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user-id", metavar="ID", help="the cars this employee may use")
    parser.add_argument("--include-deleted", action="store_true", help="archived cars too")


def _list(client: B2BClient, args: argparse.Namespace) -> Any:
    return client.vehicles.list(user_id=args.user_id, include_deleted=args.include_deleted)


def _fields(parser: argparse.ArgumentParser, *, update: bool) -> None:
    if update:
        parser.add_argument("id", metavar="VEHICLE_ID", nargs="?", help="the car")
    parser.add_argument("--license-plate", metavar="PLATE", help="its plate")
    parser.add_argument("--model", help="its model")
    parser.add_argument("--limit-id", metavar="ID", help="the limit its rides are paid from")
    parser.add_argument(
        "--access-type",
        choices=[kind.value for kind in VehicleAccessType],
        help="who may use it: anyone, or the access list (custom)",
    )
    data_argument(
        parser,
        "the car, or a JSON array of cars (several at once)"
        + (", each with its vehicle_id" if update else ""),
        required=False,
    )


def _prepare(args: argparse.Namespace, cls: type[Any]) -> None:
    flags: dict[str, object] = {
        "license_plate": args.license_plate,
        "model": args.model,
        "limit_id": args.limit_id,
        "access_type": args.access_type,
    }
    if cls is VehicleUpdate:
        flags["vehicle_id"] = args.id
    data = read_data(args.data) if args.data else None
    if isinstance(data, list):
        if any(value is not None for value in flags.values()):
            raise UsageError("--data holds several cars: give their fields there, not as flags")
        args.body = [model_of(item, cls) for item in data]
        return
    args.data = None
    body = dict(data) if isinstance(data, dict) else {}
    if data is not None and not isinstance(data, dict):
        raise UsageError("--data: expected a JSON object or an array of them")
    body.update({name: value for name, value in flags.items() if value is not None})
    if cls is VehicleUpdate:  # one car: completed from its listing when it is sent
        if not body.get("vehicle_id"):
            raise UsageError("vehicles update: give VEHICLE_ID (or --data with an array of cars)")
        if len(body) == 1:
            raise UsageError("vehicles update: give a field to change (--model, --limit-id, ...)")
        args.given = body
        args.body = None
        return
    args.body = [model_of(body_of(args, **body), cls)]


async def _create(client: B2BClient, args: argparse.Namespace) -> Any:
    created = await client.vehicles.bulk_create(args.body)
    ids = list(created.ids)
    return {"id": " ".join(ids), "ids": ids, "idempotency_token": created.idempotency_token}


async def _update(client: B2BClient, args: argparse.Namespace) -> Any:
    cars = args.body if args.body is not None else [await _completed(client, args.given)]
    await client.vehicles.bulk_update(cars)
    ids = [vehicle.vehicle_id for vehicle in cars]
    return {"id": " ".join(ids), "ids": ids}


async def _completed(client: B2BClient, given: dict[str, object]) -> VehicleUpdate:
    """One car's update: the fields given, the others as the listing shows them (the API
    replaces the record whole). A custom access list is not in the listing whole, so a car
    that keeps one must be given it."""
    car_id = str(given["vehicle_id"])
    listing = client.vehicles.list(include_deleted=True)
    current = await listed(listing, car_id, what="car", key="vehicle_id")
    limit = current.get("limit")
    known = {
        "vehicle_id": car_id,
        "license_plate": current.get("license_plate"),
        "model": current.get("model"),
        "limit_id": limit.get("limit_id") if isinstance(limit, dict) else None,
        "access_type": current.get("access_type"),
    }
    access_type = given.get("access_type", known["access_type"])
    if access_type == VehicleAccessType.CUSTOM and "access" not in given:
        raise UsageError(
            f"vehicles update: car {car_id} would be for an access list (custom): give the "
            "list in --data (access), or --access-type anyone; the listing does not hold it"
        )
    return updated(known, given, VehicleUpdate)


async def _archive(client: B2BClient, args: argparse.Namespace) -> Any:
    await client.vehicles.bulk_archive(args.ids)
    return {"id": " ".join(args.ids), "ids": args.ids}


_VERBS = (
    Verb(
        group=GROUP,
        name="list",
        help="list the cars",
        description="Every car of the fleet (of one employee with --user-id; archived ones "
        "with --include-deleted).",
        examples=("vehicles list", "vehicles list --include-deleted --format csv"),
        call=_list,
        shows="list",
        columns=("vehicle_id", "license_plate", "model", "access_type", "is_deleted"),
        arguments=_list_arguments,
    ),
    Verb(
        group=GROUP,
        name="create",
        help="add cars; prints their ids",
        description="Add a car (the flags) or several (--data with a JSON array) and print the "
        "new ids, one call for all of them.",
        examples=(
            "vehicles create --license-plate A123BC77 --model 'Kia Rio' --limit-id LIMIT_ID "
            "--access-type anyone",
            "vehicles create --data @cars.json",
        ),
        call=_create,
        shows="id",
        arguments=lambda parser: _fields(parser, update=False),
        prepare=lambda args: _prepare(args, VehicleCreate),
    ),
    Verb(
        group=GROUP,
        name="update",
        help="change a car (or replace several cars' records)",
        description="Change the fields given of car VEHICLE_ID and keep the rest (the car is "
        "read first: the API replaces it whole; a custom access list must be given again), or "
        "replace several cars' whole records with --data holding an array of them with their "
        "vehicle_id.",
        examples=(
            "vehicles update VEHICLE_ID --model 'Kia Rio'",
            "vehicles update --data @cars.json",
        ),
        call=_update,
        shows="id",
        arguments=lambda parser: _fields(parser, update=True),
        prepare=lambda args: _prepare(args, VehicleUpdate),
    ),
    Verb(
        group=GROUP,
        name="archive",
        help="archive cars",
        description="Archive the cars given, in one call, and print their ids.",
        examples=("vehicles archive VEHICLE_ID", "vehicles archive VEHICLE_ID VEHICLE_ID2"),
        call=_archive,
        shows="id",
        arguments=lambda parser: parser.add_argument(
            "ids", metavar="VEHICLE_ID", nargs="+", help="the cars"
        ),
    ),
)
