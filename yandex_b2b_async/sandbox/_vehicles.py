"""The sandbox's fleet: cars created, updated and archived in bulk, and listed by cursor.

Each bulk call takes an `X-Idempotency-Token` (required by its page): a token seen before is
answered as it was the first time, without doing the work again. A plate belongs to one live car
of a client (vehicles-bulk-create/-update: "409 — конфликт (например, дубликат номера машины)");
an unknown car is 404 ("машина не найдена"). An archived car is 404 to an update or an archive
in strict mode only (assumed); by default it is updated, and archiving it again changes nothing.
Plain Python, no HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import attrs

from ._checks import (
    ManualClock,
    check_keys,
    check_limit,
    decode_cursor,
    encode_cursor,
    expect_object,
    invalid,
    new_id,
    string,
)
from .state import ApiError, JSONObject, JSONValue

__all__ = ["Fleet", "StoredVehicle"]

_VEHICLE_FIELDS: Final = frozenset({"license_plate", "model", "limit_id", "access_type", "access"})
_REQUIRED: Final = ("license_plate", "model", "limit_id", "access_type")


@attrs.define(kw_only=True)
class StoredVehicle:
    """A car as stored."""

    vehicle_id: str
    client_id: str
    license_plate: str
    model: str
    limit_id: str
    access_type: str
    access: list[tuple[str, str]]
    created_at: str
    deleted_at: str | None = None

    def to_json(self, department_of: Callable[[str], str | None]) -> JSONObject:
        users: list[JSONValue] = []
        departments: list[JSONValue] = []
        for entity_type, entity_id in self.access:
            if entity_type == "user":
                entry: JSONObject = {"user_id": entity_id}
                department = department_of(entity_id)
                if department is not None:
                    entry["department_id"] = department
                users.append(entry)
            else:
                departments.append(entity_id)
        out: JSONObject = {
            "vehicle_id": self.vehicle_id,
            "license_plate": self.license_plate,
            "model": self.model,
            "limit": {
                "limit_id": self.limit_id,
                "service": "tanker",
                "title": "Лимит на топливо",
                "fuel_types": ["a92", "a95"],
                "limits": {"orders_cost": {"value": "10000", "period": "month", "kind": "money"}},
            },
            "created_at": self.created_at,
            "access_type": self.access_type,
            "is_deleted": self.deleted_at is not None,
            "drivers": {
                "total_count": len(users),
                "users": users,
                "departments": departments,
            },
        }
        if self.deleted_at is not None:
            out["deleted_at"] = self.deleted_at
        return out


class Fleet:
    """Every client's cars on the services' clock."""

    def __init__(
        self,
        clock: ManualClock,
        *,
        department_of: Callable[[str, str], str | None] | None = None,
        strict: Callable[[], bool] = lambda: False,
    ) -> None:
        """`department_of(client_id, user_id)` names an employee's department for the list's
        `drivers` (and its `user_id` filter); `strict()` says whether the assumptions that
        refuse what the pages allow apply."""
        self.clock = clock
        self._strict = strict
        self._department_of = department_of or (lambda client_id, user_id: None)
        self.vehicles: dict[str, StoredVehicle] = {}
        self._answers: dict[tuple[str, str, str], JSONObject] = {}

    def clear(self) -> None:
        """Forget every car."""
        self.vehicles.clear()
        self._answers.clear()

    def bulk_create(self, client_id: str, token: str, body: JSONValue) -> JSONObject:
        """`POST /vehicles/bulk-create`: every car or none; answers their ids in order."""
        done = self._answers.get((client_id, "create", token))
        if done is not None:
            return done
        items = self._items(body, "vehicles")
        parsed = [self._vehicle(f"vehicles[{index}]", item) for index, item in enumerate(items)]
        self._check_plates(client_id, [(None, fields["license_plate"]) for fields in parsed])
        ids: list[JSONValue] = []
        for fields in parsed:
            vehicle = StoredVehicle(
                vehicle_id=new_id(),
                client_id=client_id,
                created_at=self.clock.wall().isoformat(),
                **fields,  # type: ignore[arg-type]
            )
            self.vehicles[vehicle.vehicle_id] = vehicle
            ids.append(vehicle.vehicle_id)
        answer: JSONObject = {"ids": ids}
        self._answers[(client_id, "create", token)] = answer
        return answer

    def bulk_update(self, client_id: str, token: str, body: JSONValue) -> JSONObject:
        """`POST /vehicles/bulk-update`: replace every field of the cars named."""
        done = self._answers.get((client_id, "update", token))
        if done is not None:
            return done
        items = self._items(body, "vehicles")
        changes: list[tuple[StoredVehicle, dict[str, object]]] = []
        for index, item in enumerate(items):
            field = f"vehicles[{index}]"
            data = expect_object(item, field)
            vehicle_id = string(f"{field}.vehicle_id", data.get("vehicle_id"))
            rest = {key: value for key, value in data.items() if key != "vehicle_id"}
            changes.append((self._known(client_id, vehicle_id), self._vehicle(field, rest)))
        self._check_plates(
            client_id,
            [(vehicle.vehicle_id, str(fields["license_plate"])) for vehicle, fields in changes],
        )
        for vehicle, fields in changes:
            for key, value in fields.items():
                setattr(vehicle, key, value)
        answer: JSONObject = {}
        self._answers[(client_id, "update", token)] = answer
        return answer

    def bulk_archive(self, client_id: str, token: str, body: JSONValue) -> JSONObject:
        """`POST /vehicles/bulk-archive`: archive every car named (404 if one is unknown)."""
        done = self._answers.get((client_id, "archive", token))
        if done is not None:
            return done
        data = expect_object(body)
        check_keys(data, {"vehicle_ids"}, {"vehicle_ids"})
        ids = data["vehicle_ids"]
        if not isinstance(ids, list) or not ids:
            raise invalid("vehicle_ids", "vehicle_ids must be a non-empty list")
        vehicles = [
            self._known(client_id, string(f"vehicle_ids[{index}]", vehicle_id))
            for index, vehicle_id in enumerate(ids)
        ]
        moment = self.clock.wall().isoformat()
        for vehicle in vehicles:
            vehicle.deleted_at = vehicle.deleted_at or moment
        answer: JSONObject = {}
        self._answers[(client_id, "archive", token)] = answer
        return answer

    def list_vehicles(
        self,
        client_id: str,
        *,
        limit: int,
        cursor: str | None,
        user_id: str | None,
        include_deleted: bool,
    ) -> JSONObject:
        """`GET /vehicles/list`: the next page's mark is `cursor` (absent on the last page)."""
        # The page sets no bound: over 1000 is refused in strict mode only (assumed).
        check_limit(limit, bounded=self._strict())
        mine = [vehicle for vehicle in self.vehicles.values() if vehicle.client_id == client_id]
        live = [vehicle for vehicle in mine if vehicle.deleted_at is None]
        chosen = mine if include_deleted else live
        if user_id is not None:
            department = self._department_of(client_id, user_id)
            chosen = [
                vehicle
                for vehicle in chosen
                if vehicle.access_type == "anyone"
                or ("user", user_id) in vehicle.access
                or (department is not None and ("department", department) in vehicle.access)
            ]
        start = decode_cursor(cursor)
        page = chosen[start : start + limit]
        answer: JSONObject = {
            "items": [
                vehicle.to_json(lambda uid: self._department_of(client_id, uid)) for vehicle in page
            ],
            "limit": limit,
            "total_amount": len(chosen),
            "all_client_vehicles": len(live),
        }
        if start + len(page) < len(chosen):
            answer["cursor"] = encode_cursor(start + len(page))
        return answer

    # --- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _items(body: JSONValue, key: str) -> list[JSONValue]:
        data = expect_object(body)
        check_keys(data, {key}, {key})
        items = data[key]
        if not isinstance(items, list) or not items:
            raise invalid(key, f"{key} must be a non-empty list")
        return items

    @staticmethod
    def _vehicle(field: str, item: JSONValue) -> dict[str, object]:
        data = expect_object(item, field)
        check_keys(data, _VEHICLE_FIELDS, _REQUIRED)
        access_type = string(f"{field}.access_type", data["access_type"])
        if access_type not in ("anyone", "custom"):
            raise invalid(f"{field}.access_type", "access_type must be anyone or custom")
        access: list[tuple[str, str]] = []
        if "access" in data:
            entries = data["access"]
            if not isinstance(entries, list):
                raise invalid(f"{field}.access", "access must be a list")
            for index, entry in enumerate(entries):
                where = f"{field}.access[{index}]"
                pair = expect_object(entry, where)
                check_keys(pair, {"entity_type", "entity_id"}, {"entity_type", "entity_id"})
                kind = string(f"{where}.entity_type", pair["entity_type"])
                if kind not in ("user", "department"):
                    raise invalid(f"{where}.entity_type", "entity_type must be user or department")
                access.append((kind, string(f"{where}.entity_id", pair["entity_id"])))
        return {
            "license_plate": string(f"{field}.license_plate", data["license_plate"]),
            "model": string(f"{field}.model", data["model"]),
            "limit_id": string(f"{field}.limit_id", data["limit_id"]),
            "access_type": access_type,
            "access": access,
        }

    def _known(self, client_id: str, vehicle_id: str) -> StoredVehicle:
        """The client's car; 404 when unknown, or archived in strict mode (assumed)."""
        vehicle = self.vehicles.get(vehicle_id)
        archived = vehicle is not None and vehicle.deleted_at is not None
        if vehicle is None or vehicle.client_id != client_id or (archived and self._strict()):
            raise ApiError(404, "VEHICLE_NOT_FOUND", f"no vehicle {vehicle_id!r}")
        return vehicle

    def _check_plates(self, client_id: str, plates: list[tuple[str | None, object]]) -> None:
        taken = {
            vehicle.license_plate: vehicle.vehicle_id
            for vehicle in self.vehicles.values()
            if vehicle.client_id == client_id and vehicle.deleted_at is None
        }
        seen: set[object] = set()
        for vehicle_id, plate in plates:
            if plate in seen or (plate in taken and taken[str(plate)] != vehicle_id):
                raise ApiError(
                    409, "DUPLICATE_LICENSE_PLATE", f"the plate {plate!r} belongs to another car"
                )
            seen.add(plate)
