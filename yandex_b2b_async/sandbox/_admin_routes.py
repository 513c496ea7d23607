"""The HTTP face of the administration rules (`_admin.py`): one route per API call.

Each route is `(method, path, run, query parameters, has a body)`; `app.py` turns them into its
`Endpoint` declarations. Every function only reads the query and hands the body to
`AdminRules`; where a page describes an empty 200, the answer is `{}` (JSON), because clients
such as Yandex's SDK read every answer as JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeAlias

from ._admin import MANAGER_PAGE_LIMIT, rules_for
from ._query import CallView, int_param, required_param
from .state import DEFAULT_PAGE_LIMIT, JSONValue, State

__all__ = ["ADMIN_ROUTES", "Route"]

API: Final = "/integration/2.0"

Route: TypeAlias = tuple[str, str, Callable[[State, CallView], JSONValue], frozenset[str], bool]


def _search_limits(state: State, call: CallView) -> JSONValue:
    return rules_for(state).search_limits(
        call.client_id,
        limit=int_param(call, "limit", DEFAULT_PAGE_LIMIT),
        offset=int_param(call, "offset", 0),
        department_id=call.query.get("department_id"),
        user_id=call.query.get("user_id"),
        service=call.query.get("service"),
        search=call.query.get("search"),
    )


def _get_limit(state: State, call: CallView) -> JSONValue:
    return rules_for(state).get_limit(call.client_id, required_param(call, "limit_id"))


def _update_personal_limit(state: State, call: CallView) -> JSONValue:
    user_id = required_param(call, "user_id")
    return {"id": rules_for(state).update_personal_limit(call.client_id, user_id, call.body)}


def _create_cost_center(state: State, call: CallView) -> JSONValue:
    return {"id": rules_for(state).create_cost_center(call.client_id, call.body)}


def _update_cost_center(state: State, call: CallView) -> JSONValue:
    cost_center_id = required_param(call, "id")
    return {"id": rules_for(state).update_cost_center(call.client_id, cost_center_id, call.body)}


def _taxi_budget(state: State, call: CallView) -> JSONValue:
    return rules_for(state).taxi_budget(call.client_id, required_param(call, "department_id"))


def _set_taxi_budget(state: State, call: CallView) -> JSONValue:
    rules_for(state).set_taxi_budget(
        call.client_id, required_param(call, "department_id"), call.body
    )
    return {}  # the page: "an empty answer with code 200"


def _create_manager(state: State, call: CallView) -> JSONValue:
    return {"id": rules_for(state).create_manager(call.client_id, call.body)}


def _update_manager(state: State, call: CallView) -> JSONValue:
    return {
        "id": rules_for(state).update_manager(call.client_id, required_param(call, "id"), call.body)
    }


def _delete_manager(state: State, call: CallView) -> JSONValue:
    return {"id": rules_for(state).delete_manager(call.client_id, required_param(call, "id"))}


def _list_managers(state: State, call: CallView) -> JSONValue:
    return rules_for(state).list_managers(
        call.client_id,
        limit=int_param(call, "limit", MANAGER_PAGE_LIMIT),
        cursor=call.query.get("cursor"),
        department_id=call.query.get("department_id"),
        roles=call.query.get("roles"),
    )


def _list_geo(state: State, call: CallView) -> JSONValue:
    return rules_for(state).list_geo_restrictions(
        call.client_id,
        limit=int_param(call, "limit", DEFAULT_PAGE_LIMIT),
        offset=int_param(call, "offset", 0),
    )


def _create_geo(state: State, call: CallView) -> JSONValue:
    return {"id": rules_for(state).create_geo_restriction(call.client_id, call.body)}


def _update_geo(state: State, call: CallView) -> JSONValue:
    geo_id = required_param(call, "id")
    return {"id": rules_for(state).update_geo_restriction(call.client_id, geo_id, call.body)}


def _delete_geo(state: State, call: CallView) -> JSONValue:
    return {
        "id": rules_for(state).delete_geo_restriction(call.client_id, required_param(call, "id"))
    }


def _spending_details(state: State, call: CallView) -> JSONValue:
    return rules_for(state).spending_details(call.client_id, call.body)


_PAGE: Final = frozenset({"limit", "offset"})
_ID: Final = frozenset({"id"})
_DEPARTMENT: Final = frozenset({"department_id"})

ADMIN_ROUTES: Final[tuple[Route, ...]] = (
    (
        "GET",
        f"{API}/limits/search",
        _search_limits,
        _PAGE | {"department_id", "user_id", "service", "search"},
        False,
    ),
    ("GET", f"{API}/limits", _get_limit, frozenset({"limit_id"}), False),
    ("PUT", f"{API}/limits/personal", _update_personal_limit, frozenset({"user_id"}), True),
    ("POST", f"{API}/cost_centers/create", _create_cost_center, frozenset(), True),
    ("POST", f"{API}/cost_centers/update", _update_cost_center, _ID, True),
    ("GET", f"{API}/departments/limits/taxi", _taxi_budget, _DEPARTMENT, False),
    ("POST", f"{API}/departments/limits/taxi/update", _set_taxi_budget, _DEPARTMENT, True),
    ("POST", f"{API}/managers/create", _create_manager, frozenset(), True),
    ("POST", f"{API}/managers/update", _update_manager, _ID, True),
    ("POST", f"{API}/managers/delete", _delete_manager, _ID, False),
    (
        "GET",
        f"{API}/managers/list",
        _list_managers,
        frozenset({"department_id", "roles", "limit", "cursor"}),
        False,
    ),
    ("GET", f"{API}/geo_restrictions/list", _list_geo, _PAGE, False),
    ("POST", f"{API}/geo_restrictions/create", _create_geo, frozenset(), True),
    ("POST", f"{API}/geo_restrictions/update", _update_geo, _ID, True),
    ("POST", f"{API}/geo_restrictions/delete", _delete_geo, _ID, False),
    ("POST", f"{API}/users-spending-details", _spending_details, frozenset(), True),
)
