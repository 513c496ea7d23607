"""One module per group of the API 2.0 documents, each a set of thin declarations.

Where a new endpoint goes: the module named after its group in
``../shared/api-docs/more/request-index-api20.ru.txt`` (``/integration/2.0/limits/…`` →
``limits.py``), a class deriving from :class:`APIResource`, its models in ``models/`` under the
same name, and an attribute of :class:`B2BClient`.
"""

from ._base import APIResource
from .auth import AuthAPI
from .cost_centers import CostCentersAPI
from .departments import DepartmentsAPI
from .geo_restrictions import GeoRestrictionsAPI
from .limits import LimitsAPI
from .managers import ManagersAPI
from .users import UsersAPI

__all__ = [
    "APIResource",
    "AuthAPI",
    "CostCentersAPI",
    "DepartmentsAPI",
    "GeoRestrictionsAPI",
    "LimitsAPI",
    "ManagersAPI",
    "UsersAPI",
]
