"""The sandbox's rules: clients, tokens, employees, departments and cost centers in memory.

This module is plain Python over plain data: it knows nothing of HTTP, sockets or aiohttp, so
every rule can be tested by calling a method. A request the real API would refuse raises
`ApiError` carrying the status, code, message and `extra` the server answers; `app.py` only turns
that into a JSON response. Request bodies arrive as raw decoded JSON and are validated here, field
by field, because the sandbox exists to catch what a client sends wrong.

Limits, manager roles, geo restrictions, taxi budgets and spending are `_admin.py`'s rules over
this state. It does not emulate orders or OAuth: tokens are opaque strings registered with
`add_token`.

Each rule is on an API page (the project's copy: `api-docs/` and `api-docs/more/`): create's
required fields, formats and the 406 conflict on a phone, email or nickname (004, "An existing
user has that phone number / email / nickname"); `USER_IS_DELETED_ERROR` for an archived
employee's phone (000: "If you try to create an employee with the same phone number as the
archived employee, an error will occur"); PUT (002), PATCH and its main cost center (003);
archive (000); a department removed only when empty and without roles (001); a sibling's name
406 and a cyclic parent 409 (more/departments-create, -update: "запись …
уже существует", "циклическая иерархия"); list pages (more/users-list: "if the
answer is empty, next_cursor is absent"). The assumptions that refuse what a page allows apply
only with `strict=True`: a `cost_centers_id` the client does not have, and emails differing
only in case as one address.

Every request-path operation is O(1) in the number of employees (indexes by phone, email and
nickname; list pages by a creation-order sequence), except department archive and re-parenting,
which walk the client's department tree.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from random import Random
from typing import Final, TypeAlias

import attrs

__all__ = [
    "DEFAULT_PAGE_LIMIT",
    "SERVICES",
    "ApiError",
    "Client",
    "CostCenter",
    "Department",
    "Employee",
    "JSONObject",
    "JSONValue",
    "Limit",
    "SandboxError",
    "State",
]

JSONValue: TypeAlias = "dict[str, JSONValue] | list[JSONValue] | str | int | float | bool | None"
JSONObject: TypeAlias = "dict[str, JSONValue]"

# The services the create/PUT/PATCH pages list for a limit (grocery is deprecated but accepted).
SERVICES: Final = frozenset(
    {"taxi", "eats2", "grocery", "drive", "tanker", "cargo", "travel", "scooters"}
)
# The list pages: without `limit`, the first 100 records are returned.
DEFAULT_PAGE_LIMIT: Final = 100
# The department list page names these service keys in a department's `limits` object.
DEPARTMENT_LIMIT_SERVICES: Final = ("taxi", "eats2", "tanker", "cargo", "travel_common")

# International format: "+" and the country code, E.164 allows at most 15 digits.
_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_CURSOR_VERSION = "v1"


class SandboxError(Exception):
    """The sandbox itself was misused (not an emulated API answer): bad seed data, not started."""


class ApiError(Exception):
    """An error answer of the emulated API: HTTP status and the documented JSON error body."""

    def __init__(
        self, status: int, code: str, message: str, extra: JSONObject | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra

    def body(self) -> JSONObject:
        """The JSON body the API answers: `code`, `message` and `extra` when there is one."""
        body: JSONObject = {"code": self.code, "message": self.message}
        if self.extra is not None:
            body["extra"] = self.extra
        return body


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", message, {"field": field})


@attrs.frozen(kw_only=True)
class Limit:
    """One element of an employee's `limits`: a previously created limit bound to a service."""

    limit_id: str
    service: str


@attrs.define(kw_only=True)
class Employee:
    """An employee as stored; `seq` is its place in the client's creation order."""

    id: str
    client_id: str
    seq: int
    fullname: str
    phone: str
    is_active: bool
    is_deleted: bool = False
    cost_centers_id: str
    email: str | None = None
    nickname: str | None = None
    department_id: str | None = None
    limits: tuple[Limit, ...] = ()

    def to_json(self, cost_center_name: str = "") -> JSONObject:
        """The employee as `GET /users?user_id=` shows it; optional fields never set are absent."""
        out: JSONObject = {
            "id": self.id,
            "client_id": self.client_id,
            "fullname": self.fullname,
            "phone": self.phone,
            "is_active": self.is_active,
            "is_deleted": self.is_deleted,
            "cost_center": cost_center_name,
            "cost_centers_id": self.cost_centers_id,
            "limits": [{"limit_id": lim.limit_id, "service": lim.service} for lim in self.limits],
        }
        if self.email is not None:
            out["email"] = self.email
        if self.nickname is not None:
            out["nickname"] = self.nickname
        if self.department_id is not None:
            out["department_id"] = self.department_id
        return out


@attrs.define(kw_only=True)
class Department:
    """A live department; `roles` counts the managers and secretaries attached to it."""

    id: str
    name: str
    parent_id: str | None
    roles: int = 0
    # Per service, the budget object the limit pages show (`{"budget": …, "period": …}`);
    # a service absent here has no budget (`{"budget": null}`).
    budgets: dict[str, JSONObject] = attrs.Factory(dict)

    def to_json(self) -> JSONObject:
        """The department as `GET /departments/list` shows it (a service without a budget:
        `{"budget": null}`)."""
        return {
            "id": self.id,
            "name": self.name,
            "parent_id": self.parent_id,
            "limits": {
                service: dict(self.budgets.get(service, {"budget": None}))
                for service in DEPARTMENT_LIMIT_SERVICES
            },
        }


@attrs.define(kw_only=True)
class CostCenter:
    """A cost center; `default` marks the client's main one."""

    id: str
    name: str
    default: bool = False
    field_settings: list[JSONValue] = attrs.Factory(list)

    def to_json(self) -> JSONObject:
        """The cost center as `GET /cost_centers/list` shows it."""
        return {
            "id": self.id,
            "name": self.name,
            "default": self.default,
            "field_settings": list(self.field_settings),
        }


@attrs.define(kw_only=True)
class Client:
    """One corporate client (cabinet) with everything it owns and the indexes over it."""

    id: str
    name: str
    main_cost_center_id: str
    users: dict[str, Employee] = attrs.Factory(dict)
    # Ids in creation order: list pages slice it, and nothing is ever removed from it.
    order: list[str] = attrs.Factory(list)
    # Uniqueness holds among active (non-archived) employees only, so only they are indexed here.
    active_by_phone: dict[str, str] = attrs.Factory(dict)
    active_by_email: dict[str, str] = attrs.Factory(dict)
    active_by_nickname: dict[str, str] = attrs.Factory(dict)
    # Everyone with a phone, archived too: search by phone and USER_IS_DELETED_ERROR need them.
    all_by_phone: dict[str, list[str]] = attrs.Factory(dict)
    departments: dict[str, Department] = attrs.Factory(dict)
    active_per_department: Counter[str] = attrs.Factory(Counter)
    cost_centers: dict[str, CostCenter] = attrs.Factory(dict)


@attrs.frozen(kw_only=True)
class _Fields:
    """Which fields a kind of request body requires and which it allows."""

    required: frozenset[str]
    optional: frozenset[str]


_CREATE = _Fields(
    required=frozenset({"fullname", "phone", "is_active", "cost_centers_id"}),
    optional=frozenset({"email", "nickname", "department_id", "limits"}),
)
_PUT = _Fields(required=_CREATE.required, optional=_CREATE.optional | {"is_deleted"})
_PATCH = _Fields(required=frozenset(), optional=_PUT.required | _PUT.optional)
_BY_PHONE = _Fields(required=frozenset({"phone"}), optional=frozenset())
_DEPARTMENT_CREATE = _Fields(required=frozenset({"parent_id", "name"}), optional=frozenset())
_DEPARTMENT_UPDATE = _Fields(required=frozenset(), optional=_DEPARTMENT_CREATE.required)
_PUT_CLEARED: Final[Mapping[str, object]] = {
    "email": None,
    "nickname": None,
    "department_id": None,
    "limits": (),
}


# Ids only need to be unique, not secret: 128 random bits from a PRNG seeded by the OS cost a
# fraction of uuid4(), which reads os.urandom on every call (100,000-create benchmarks).
_ID_BITS: Final = Random()


def _new_id() -> str:
    return f"{_ID_BITS.getrandbits(128):032x}"


def _expect_object(body: JSONValue, what: str = "request body") -> JSONObject:
    if not isinstance(body, dict):
        raise ApiError(400, "INVALID_JSON", f"the {what} must be a JSON object")
    return body


def _check_keys(body: JSONObject, fields: _Fields) -> None:
    for key in body:
        if key not in fields.required and key not in fields.optional:
            raise _invalid(key, f"unknown field {key!r}")
    for key in sorted(fields.required):
        if key not in body:
            raise _invalid(key, f"missing required field {key!r}")


def _string(field: str, value: JSONValue) -> str:
    if type(value) is not str:
        raise _invalid(field, f"{field} must be a string, not {_type_name(value)}")
    return value


def _boolean(field: str, value: JSONValue) -> bool:
    # `type(...) is bool` because 1 and 0 are not booleans on the wire.
    if type(value) is not bool:
        raise _invalid(field, f"{field} must be a boolean, not {_type_name(value)}")
    return value


_TYPE_NAMES: Final[Mapping[type, str]] = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
}


def _type_name(value: JSONValue) -> str:
    return "null" if value is None else _TYPE_NAMES.get(type(value), type(value).__name__)


def _phone(field: str, value: JSONValue) -> str:
    phone = _string(field, value)
    if not _PHONE.fullmatch(phone):
        # the value is not quoted: a malformed phone may be anything, a name included
        raise _invalid(field, f"{field} must be in international format, '+' and digits")
    return phone


def _email(field: str, value: JSONValue) -> str:
    email = _string(field, value)
    if not _EMAIL.fullmatch(email):
        raise _invalid(field, f"{field} is not a valid email address")  # not quoted: as a phone
    return email


def _non_empty(field: str, value: JSONValue) -> str:
    text = _string(field, value)
    if not text:
        raise _invalid(field, f"{field} must not be empty")
    return text


def _limits(field: str, value: JSONValue) -> tuple[Limit, ...]:
    if not isinstance(value, list):
        raise _invalid(field, f"{field} must be an array, not {_type_name(value)}")
    limits: list[Limit] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        where = f"{field}[{index}]"
        if not isinstance(item, dict):
            raise _invalid(field, f"{where} must be an object, not {_type_name(item)}")
        for key in item:
            if key not in ("limit_id", "service"):
                raise _invalid(field, f"{where} has an unknown field {key!r}")
        for key in ("limit_id", "service"):
            if key not in item:
                raise _invalid(field, f"{where} misses the required field {key!r}")
        limit_id, service = item["limit_id"], item["service"]
        if type(limit_id) is not str or not limit_id:
            raise _invalid(field, f"{where}.limit_id must be a non-empty string")
        if type(service) is not str or service not in SERVICES:
            raise _invalid(
                field,
                f"{where}.service {service!r} is not one of {', '.join(sorted(SERVICES))}",
            )
        # "contains a separate element for each service": one limit per service.
        if service in seen:
            raise _invalid(field, f"{where}: a second limit for service {service!r}")
        seen.add(service)
        limits.append(Limit(limit_id=limit_id, service=service))
    return tuple(limits)


_FIELD_PARSERS: Final[Mapping[str, Callable[[str, JSONValue], object]]] = {
    "fullname": _string,
    "phone": _phone,
    "email": _email,
    "is_active": _boolean,
    "is_deleted": _boolean,
    "cost_centers_id": _non_empty,
    "nickname": _string,
    "department_id": _string,
    "limits": _limits,
}


def _parse_user(body: JSONValue, fields: _Fields) -> dict[str, object]:
    """Validate a user request body and return its fields parsed (limits as `Limit` tuples)."""
    obj = _expect_object(body)
    _check_keys(obj, fields)
    return {key: _FIELD_PARSERS[key](key, value) for key, value in obj.items()}


def _encode_cursor(client_id: str, position: int) -> str:
    raw = f"{_CURSOR_VERSION} {position} {client_id}".encode()
    return base64.b64encode(raw).decode("ascii")


def _decode_cursor(client_id: str, cursor: str, size: int) -> int:
    bad = _invalid("cursor", f"invalid cursor {cursor!r}")
    try:
        version, position_text, owner = (
            base64.b64decode(cursor, validate=True).decode("ascii").split(" ")
        )
        position = int(position_text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad from None
    if version != _CURSOR_VERSION or owner != client_id or not 0 <= position <= size:
        raise bad
    return position


class State:
    """All clients, tokens and their data, and the API's rules over them.

    Methods named after an API call take the already authorized client id and the raw decoded
    JSON body, and raise `ApiError` exactly where the API answers an error. The `add_*` methods
    seed data directly (as the Dashboard would) and raise `SandboxError`/`ValueError` on misuse.
    The object is not thread-safe; `Sandbox` serializes access to it.
    """

    def __init__(self, *, strict: bool = False, new_id: Callable[[], str] = _new_id) -> None:
        """`strict`: apply the assumptions that refuse what the API pages allow (listed in
        docs/sandbox.md), among them: a `cost_centers_id` the client does not have is refused
        (otherwise any non-empty id is accepted and learned as a cost center of the client),
        and emails differing only in case conflict. Change it only through a reset: the
        indexes are built under one mode."""
        self.strict = strict
        self._new_id = new_id
        self.clients: dict[str, Client] = {}
        self.tokens: dict[str, tuple[str, ...]] = {}
        self._seq = 0

    def clear(self) -> None:
        """Forget every client, token, employee, department and cost center."""
        self.clients.clear()
        self.tokens.clear()

    # --- seeding -----------------------------------------------------------------------------

    def add_client(
        self,
        *,
        name: str = "Sandbox client",
        client_id: str | None = None,
        cost_center_id: str | None = None,
    ) -> str:
        """Create a client with its main cost center and return the client's id."""
        client_id = client_id or self._new_id()
        if client_id in self.clients:
            raise SandboxError(f"client {client_id!r} already exists")
        main = CostCenter(
            id=cost_center_id or self._new_id(), name="Main cost center", default=True
        )
        self.clients[client_id] = Client(
            id=client_id, name=name, main_cost_center_id=main.id, cost_centers={main.id: main}
        )
        return client_id

    def add_token(self, client_ids: Iterable[str], *, token: str | None = None) -> str:
        """Register a token that reaches the given clients (at least one) and return it.

        Tokens look like `sandbox-token-<hex>`, never like a real Yandex OAuth token (`y0_…`).
        """
        reach = tuple(dict.fromkeys(client_ids))
        if not reach:
            raise ValueError("a token must reach at least one client")
        for client_id in reach:
            self.client(client_id)
        token = token or f"sandbox-token-{uuid.uuid4().hex}"
        if token.startswith("y0_"):
            raise ValueError("a sandbox token must not look like a real OAuth token (y0_…)")
        if not token.strip() or any(ch.isspace() for ch in token):
            raise ValueError(f"a token must be non-empty without whitespace: {token!r}")
        self.tokens[token] = reach
        return token

    def add_cost_center(
        self, client_id: str, *, name: str, cost_center_id: str | None = None
    ) -> str:
        """Give a client one more (non-default) cost center and return its id."""
        client = self.client(client_id)
        cost_center_id = cost_center_id or self._new_id()
        if cost_center_id in client.cost_centers:
            raise SandboxError(f"cost center {cost_center_id!r} already exists")
        client.cost_centers[cost_center_id] = CostCenter(id=cost_center_id, name=name)
        return cost_center_id

    def add_department(
        self, client_id: str, name: str, *, parent_id: str | None = None, roles: int = 0
    ) -> str:
        """Create a department (under `parent_id`, or the root) with `roles` managers attached."""
        if roles < 0:
            raise ValueError(f"roles must be >= 0, got {roles}")
        client = self.client(client_id)
        if parent_id is not None and parent_id not in client.departments:
            raise SandboxError(f"parent department {parent_id!r} does not exist")
        department = Department(id=self._new_id(), name=name, parent_id=parent_id, roles=roles)
        client.departments[department.id] = department
        return department.id

    def set_department_roles(self, client_id: str, department_id: str, roles: int) -> None:
        """Attach `roles` managers/secretaries to a department (0 detaches them all)."""
        if roles < 0:
            raise ValueError(f"roles must be >= 0, got {roles}")
        self._department(self.client(client_id), department_id, status=None).roles = roles

    def add_user(
        self,
        client_id: str,
        *,
        phone: str,
        fullname: str = "",
        is_active: bool = True,
        is_deleted: bool = False,
        email: str | None = None,
        nickname: str | None = None,
        cost_centers_id: str | None = None,
        department_id: str | None = None,
        limits: Iterable[tuple[str, str]] = (),
    ) -> str:
        """Seed an employee (active or archived) under the API's validation and the uniqueness
        among active employees (an archived phone does not block, unlike a create); `limits` are
        `(service, limit_id)` pairs. Returns the id; a broken rule raises `SandboxError`."""
        body: JSONObject = {
            "fullname": fullname,
            "phone": phone,
            "is_active": is_active,
            "cost_centers_id": cost_centers_id or self.client(client_id).main_cost_center_id,
            "limits": [{"service": service, "limit_id": lim} for service, lim in limits],
        }
        optional = {"email": email, "nickname": nickname, "department_id": department_id}
        body.update({key: value for key, value in optional.items() if value is not None})
        client = self.client(client_id)
        try:
            fields = _parse_user(body, _CREATE)
            self._check_references(client, fields)
            # Only the uniqueness among active employees: seeding may set up what edits can
            # reach but a create cannot, like an active and an archived employee sharing a phone.
            if not is_deleted:
                self._check_unique(client, fields, exclude_id=None)
        except ApiError as exc:
            raise SandboxError(f"cannot seed the employee: {exc.message}") from exc
        return self._insert(client, fields, deleted=is_deleted).id

    def client(self, client_id: str) -> Client:
        """The client with this id; `SandboxError` when there is none."""
        try:
            return self.clients[client_id]
        except KeyError:
            raise SandboxError(f"unknown client {client_id!r}") from None

    # --- authorization -------------------------------------------------------------------------

    def authorize(self, token: str | None, selected_client_id: str | None) -> str:
        """Resolve the client a request acts for, as the API does with the Authorization and
        X-YaTaxi-Selected-Corp-Client-Id headers. Raises 401 or 403 `ApiError` (every page's
        codes: "401: The OAuth token is incorrect", "SELECT_CLIENT_HEADER_REQUIRED: the request
        did not pass the header", `SELECTED_CLIENT_ACCESS_DENIED` for a client the token does
        not reach)."""
        reach = self._reach(token)
        if selected_client_id is None:
            if len(reach) > 1:
                raise ApiError(
                    403,
                    "SELECT_CLIENT_HEADER_REQUIRED",
                    "the token reaches several clients: send X-YaTaxi-Selected-Corp-Client-Id",
                )
            return reach[0]
        if selected_client_id not in reach:
            raise ApiError(
                403,
                "SELECTED_CLIENT_ACCESS_DENIED",
                "the token has no access to the client in X-YaTaxi-Selected-Corp-Client-Id",
            )
        return selected_client_id

    def auth_list(self, token: str | None) -> JSONObject:
        """`GET /auth/list`: the clients the token reaches."""
        return {
            "clients": [
                {"client_id": client_id, "name": self.clients[client_id].name, "role": "client"}
                for client_id in self._reach(token)
            ]
        }

    def _reach(self, token: str | None) -> tuple[str, ...]:
        reach = self.tokens.get(token) if token else None
        if not reach:
            raise ApiError(401, "UNAUTHORIZED", "the OAuth token is missing or incorrect")
        return reach

    # --- employees -------------------------------------------------------------------------------

    def create_user(self, client_id: str, body: JSONValue) -> str:
        """`POST /users`: create an employee and return its id.

        406 `USER_ALREADY_EXISTS` when an active employee has the phone, email or nickname
        (004: "An existing user has that phone number / email / nickname field value within
        the client"); 400 `USER_IS_DELETED_ERROR` when only archived employees have the phone
        (000: "If you try to create an employee with the same phone number as the archived
        employee, an error will occur"). The fields and formats are 004's table.
        """
        client = self.clients[client_id]
        fields = _parse_user(body, _CREATE)
        self._check_references(client, fields)
        phone = fields["phone"]
        assert isinstance(phone, str)
        self._check_unique(client, fields, exclude_id=None)
        holders = client.all_by_phone.get(phone)
        if holders:
            # Every holder is archived here (an active one was a 406 above); name the latest.
            raise ApiError(
                400, "USER_IS_DELETED_ERROR", "user is deleted", {"conflict_user_id": holders[-1]}
            )
        return self._insert(client, fields).id

    def put_user(self, client_id: str, user_id: str, body: JSONValue) -> None:
        """`PUT /users?user_id=`: replace the employee's data; optional fields left out are
        cleared, `is_deleted` left out is kept, `is_deleted: false` restores (002: the full
        update, "is_deleted — Indicates an archived employee"; 000: "restore the employee from
        the archive with updated data")."""
        client = self.clients[client_id]
        employee = self._employee(client, user_id)
        fields = {**_PUT_CLEARED, **_parse_user(body, _PUT)}
        self._edit(client, employee, fields)

    def patch_user(self, client_id: str, user_id: str, body: JSONValue) -> None:
        """`PATCH /users?user_id=`: change the fields given; `is_deleted: false` restores.

        As the PATCH page says (003: "Если не включать поле в запрос, сотруднику будет назначен
        основной центр затрат"), a body without `cost_centers_id` assigns the client's main
        cost center; the sandbox reproduces that so clients that forget it are caught.
        """
        client = self.clients[client_id]
        employee = self._employee(client, user_id)
        fields = _parse_user(body, _PATCH)
        fields.setdefault("cost_centers_id", client.main_cost_center_id)
        self._edit(client, employee, fields)

    def archive_user(self, client_id: str, user_id: str) -> None:
        """`POST /users/archive?user_id=`: archive (000); an archived employee stays so (a
        no-op: the page describes no refusal for it)."""
        client = self.clients[client_id]
        self._archive(client, self._employee(client, user_id))

    def get_user(self, client_id: str, user_id: str) -> JSONObject:
        """`GET /users?user_id=`: one employee of this client, archived ones included."""
        client = self.clients[client_id]
        return self._user_json(client, self._employee(client, user_id))

    def list_users(self, client_id: str, *, limit: int, cursor: str | None) -> JSONObject:
        """`GET /users?limit=&cursor=`: a page in creation order, archived employees included.

        `next_cursor` is given whenever the page holds employees, and left out on an empty page
        (the users list page: "if the answer is empty, next_cursor is absent").
        """
        _check_page(limit)
        client = self.clients[client_id]
        size = len(client.order)
        start = 0 if cursor is None else _decode_cursor(client_id, cursor, size)
        ids = client.order[start : start + limit]
        page: JSONObject = {
            "items": [self._user_json(client, client.users[user_id]) for user_id in ids],
            "cursor": _encode_cursor(client_id, start),
            "limit": limit,
            "total_amount": size,
        }
        if ids:
            page["next_cursor"] = _encode_cursor(client_id, start + len(ids))
        return page

    def users_by_phone(self, client_id: str, body: JSONValue) -> JSONObject:
        """`POST /users/by_phone`: every employee with that phone, archived ones included."""
        client = self.clients[client_id]
        obj = _expect_object(body)
        _check_keys(obj, _BY_PHONE)
        phone = _phone("phone", obj["phone"])
        return {
            "items": [
                self._user_json(client, client.users[user_id])
                for user_id in client.all_by_phone.get(phone, ())
            ]
        }

    def _employee(self, client: Client, user_id: str) -> Employee:
        employee = client.users.get(user_id)
        if employee is None:
            raise ApiError(404, "NOT_FOUND", f"user {user_id!r} not found")
        return employee

    def _user_json(self, client: Client, employee: Employee) -> JSONObject:
        cost_center = client.cost_centers.get(employee.cost_centers_id)
        return employee.to_json(cost_center.name if cost_center else "")

    def _check_references(self, client: Client, fields: Mapping[str, object]) -> None:
        """Refuse a department or (when strict) a cost center the client does not have."""
        department_id = fields.get("department_id")
        if isinstance(department_id, str) and department_id not in client.departments:
            raise _invalid("department_id", f"department {department_id!r} does not exist")
        cost_center_id = fields.get("cost_centers_id")
        if (
            self.strict
            and isinstance(cost_center_id, str)
            and cost_center_id not in client.cost_centers
        ):
            raise _invalid("cost_centers_id", f"cost center {cost_center_id!r} does not exist")

    def _check_unique(
        self, client: Client, fields: Mapping[str, object], *, exclude_id: str | None
    ) -> None:
        """406 when an active employee other than `exclude_id` holds the phone, email or
        nickname in `fields` (an empty nickname is no nickname)."""
        email = fields.get("email")
        nickname = fields.get("nickname")
        keys = (
            ("phone", client.active_by_phone, fields.get("phone")),
            (
                "email",
                client.active_by_email,
                self._email_key(email) if isinstance(email, str) else None,
            ),
            ("nickname", client.active_by_nickname, nickname or None),
        )
        for field, index, key in keys:
            if not isinstance(key, str):
                continue
            other = index.get(key)
            if other is not None and other != exclude_id:
                raise ApiError(
                    406,
                    "USER_ALREADY_EXISTS",
                    f"an active employee already has this {field}",
                    {"conflict_user_id": other, "field": field},
                )

    def _insert(
        self, client: Client, fields: Mapping[str, object], *, deleted: bool = False
    ) -> Employee:
        self._seq += 1
        employee = Employee(id=self._new_id(), client_id=client.id, seq=self._seq, **fields)  # type: ignore[arg-type]
        if deleted:
            employee.is_deleted, employee.is_active = True, False
        self._learn_cost_center(client, employee.cost_centers_id)
        client.users[employee.id] = employee
        client.order.append(employee.id)
        client.all_by_phone.setdefault(employee.phone, []).append(employee.id)
        self._index(client, employee)
        return employee

    def _edit(self, client: Client, employee: Employee, fields: dict[str, object]) -> None:
        """Apply parsed PUT/PATCH fields, archiving or restoring as `is_deleted` says."""
        self._check_references(client, fields)
        deleted = fields.pop("is_deleted", employee.is_deleted)
        if not deleted:
            merged = {
                "phone": employee.phone,
                "email": employee.email,
                "nickname": employee.nickname,
                **fields,
            }
            self._check_unique(client, merged, exclude_id=employee.id)
        self._unindex(client, employee)
        old_phone = employee.phone
        for key, value in fields.items():
            setattr(employee, key, value)
        if employee.phone != old_phone:
            client.all_by_phone[old_phone].remove(employee.id)
            if not client.all_by_phone[old_phone]:
                del client.all_by_phone[old_phone]
            client.all_by_phone.setdefault(employee.phone, []).append(employee.id)
        self._learn_cost_center(client, employee.cost_centers_id)
        employee.is_deleted = bool(deleted)
        if employee.is_deleted:
            # The users list page: "a deleted employee cannot be active".
            employee.is_active = False
        self._index(client, employee)

    def _archive(self, client: Client, employee: Employee) -> None:
        if employee.is_deleted:
            return
        self._unindex(client, employee)
        employee.is_deleted = True
        employee.is_active = False

    def _index(self, client: Client, employee: Employee) -> None:
        if employee.is_deleted:
            return
        client.active_by_phone[employee.phone] = employee.id
        email = self._email_key(employee.email)
        if email:
            client.active_by_email[email] = employee.id
        if employee.nickname:
            client.active_by_nickname[employee.nickname] = employee.id
        if employee.department_id is not None:
            client.active_per_department[employee.department_id] += 1

    def _unindex(self, client: Client, employee: Employee) -> None:
        if employee.is_deleted:
            return
        del client.active_by_phone[employee.phone]
        email = self._email_key(employee.email)
        if email:
            del client.active_by_email[email]
        if employee.nickname:
            del client.active_by_nickname[employee.nickname]
        if employee.department_id is not None:
            client.active_per_department[employee.department_id] -= 1

    def _email_key(self, email: str | None) -> str | None:
        # The create page: "an existing user has that email" is a conflict. That addresses
        # differing in case are the same one is an assumption (they are, in practice): strict
        # only, as it refuses what the page allows.
        if not email:
            return None
        return email.lower() if self.strict else email

    def _learn_cost_center(self, client: Client, cost_center_id: str) -> None:
        # Lenient mode: an id seen for the first time becomes one of the client's cost centers.
        if cost_center_id not in client.cost_centers:
            client.cost_centers[cost_center_id] = CostCenter(id=cost_center_id, name=cost_center_id)

    # --- departments -------------------------------------------------------------------------

    def list_departments(self, client_id: str, *, limit: int, offset: int) -> JSONObject:
        """`GET /departments/list`: live departments in creation order, `limit` from `offset`."""
        _check_page(limit, offset)
        items = list(self.clients[client_id].departments.values())
        page: list[JSONValue] = [d.to_json() for d in items[offset : offset + limit]]
        return {"items": page, "limit": limit, "offset": offset, "total_amount": len(items)}

    def create_department(self, client_id: str, body: JSONValue) -> str:
        """`POST /departments/create` (`parent_id` null attaches to the root); returns the id.

        406 `DEPARTMENT_ALREADY_EXISTS` when a sibling already has the name (departments-create:
        "406 — запись … уже существует": the record is its name under its parent).
        """
        client = self.clients[client_id]
        obj = _expect_object(body)
        _check_keys(obj, _DEPARTMENT_CREATE)
        name = _non_empty("name", obj["name"])
        parent_id = self._parent(client, obj["parent_id"])
        self._check_sibling_name(client, parent_id, name, exclude_id=None)
        return self.add_department(client_id, name, parent_id=parent_id)

    def update_department(self, client_id: str, department_id: str, body: JSONValue) -> None:
        """`PUT /departments/update`: rename and/or move; `parent_id: null` leaves the parent.

        404 for an unknown department, 409 `CYCLIC_HIERARCHY` when the new parent is the
        department itself or one of its descendants (departments-update: "409 — циклическая
        иерархия"; 406 for a sibling's name, as on create).
        """
        client = self.clients[client_id]
        department = self._department(client, department_id, status=404)
        obj = _expect_object(body)
        _check_keys(obj, _DEPARTMENT_UPDATE)
        name = _non_empty("name", obj["name"]) if "name" in obj else department.name
        parent_id = self._parent(client, obj.get("parent_id")) or department.parent_id
        ancestor = parent_id
        while ancestor is not None:
            if ancestor == department.id:
                raise ApiError(
                    409,
                    "CYCLIC_HIERARCHY",
                    f"department {parent_id!r} is {department.id!r} or lies under it",
                )
            ancestor = client.departments[ancestor].parent_id
        self._check_sibling_name(client, parent_id, name, exclude_id=department.id)
        department.name = name
        department.parent_id = parent_id

    def archive_department(self, client_id: str, department_id: str) -> list[str]:
        """`POST /departments/archive`: remove the department and its subtree; returns every id
        removed, the department first. Refused with nothing removed (400) while an active
        employee (`DEPARTMENT_NOT_EMPTY`) or a role (`DEPARTMENT_HAS_ROLES`) is in the subtree
        (001: "can only contain archived employees; they should not have roles attached …
        Otherwise, the deletion will not occur, and the request will return an error with code
        400")."""
        client = self.clients[client_id]
        self._department(client, department_id, status=404)
        children: dict[str, list[str]] = {}
        for department in client.departments.values():
            if department.parent_id is not None:
                children.setdefault(department.parent_id, []).append(department.id)
        subtree = [department_id]
        for current in subtree:  # grows while iterating: a breadth-first walk
            subtree.extend(children.get(current, ()))
        for current in subtree:
            if client.active_per_department[current] > 0:
                raise ApiError(
                    400,
                    "DEPARTMENT_NOT_EMPTY",
                    f"department {current!r} has active employees: archive them first",
                    {"department_id": current},
                )
        for current in subtree:
            if client.departments[current].roles > 0:
                raise ApiError(
                    400,
                    "DEPARTMENT_HAS_ROLES",
                    f"department {current!r} has a manager or secretary attached",
                    {"department_id": current},
                )
        for current in subtree:
            del client.departments[current]
        return subtree

    def _department(self, client: Client, department_id: str, *, status: int | None) -> Department:
        department = client.departments.get(department_id)
        if department is None:
            if status is None:
                raise SandboxError(f"unknown department {department_id!r}")
            raise ApiError(status, "NOT_FOUND", f"department {department_id!r} not found")
        return department

    def _parent(self, client: Client, value: JSONValue) -> str | None:
        if value is None:
            return None
        parent_id = _string("parent_id", value)
        if parent_id not in client.departments:
            raise _invalid("parent_id", f"department {parent_id!r} does not exist")
        return parent_id

    def _check_sibling_name(
        self, client: Client, parent_id: str | None, name: str, *, exclude_id: str | None
    ) -> None:
        # A linear pass over the client's departments: they are few, and this is not a hot path.
        for other in client.departments.values():
            if other.parent_id == parent_id and other.name == name and other.id != exclude_id:
                raise ApiError(
                    406,
                    "DEPARTMENT_ALREADY_EXISTS",
                    f"a department named {name!r} already exists there",
                    {"conflict_department_id": other.id},
                )

    # --- cost centers --------------------------------------------------------------------------

    def list_cost_centers(self, client_id: str, *, limit: int, offset: int) -> JSONObject:
        """`GET /cost_centers/list`: the client's cost centers, the main one first."""
        _check_page(limit, offset)
        items = list(self.clients[client_id].cost_centers.values())
        page: list[JSONValue] = [c.to_json() for c in items[offset : offset + limit]]
        return {"items": page, "limit": limit, "offset": offset, "total_amount": len(items)}


def _check_page(limit: int, offset: int = 0) -> None:
    if limit < 1:
        raise _invalid("limit", f"limit must be a positive integer, got {limit}")
    if offset < 0:
        raise _invalid("offset", f"offset must be a non-negative integer, got {offset}")
