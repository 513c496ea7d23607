"""One module per group of the API 2.0 documents, each a set of thin declarations.

Where a new endpoint goes: the module named after its group in
``../shared/api-docs/more/request-index-api20.ru.txt`` (``/integration/2.0/limits/…`` →
``limits.py``), a class deriving from :class:`APIResource`, its models in ``models/`` under the
same name, and an attribute of :class:`B2BClient`.
"""

from ._base import APIResource, new_idempotency_token
from .auth import AuthAPI
from .cost_centers import CostCentersAPI
from .departments import DepartmentsAPI
from .geo_restrictions import GeoRestrictionsAPI
from .limits import LimitsAPI
from .managers import ManagersAPI
from .orders import OrdersAPI
from .promocodes import PromocodesAPI
from .services import EatsAPI, TankerAPI, TravelsAPI
from .users import UsersAPI
from .vehicles import VehiclesAPI
from .zones import ZonesAPI

__all__ = [
    "APIResource",
    "AuthAPI",
    "CostCentersAPI",
    "DepartmentsAPI",
    "EatsAPI",
    "GeoRestrictionsAPI",
    "LimitsAPI",
    "ManagersAPI",
    "OrdersAPI",
    "PromocodesAPI",
    "TankerAPI",
    "TravelsAPI",
    "UsersAPI",
    "VehiclesAPI",
    "ZonesAPI",
    "new_idempotency_token",
]
