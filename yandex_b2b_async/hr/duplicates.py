"""Keys repeated inside one input file: two rows with the same phone (email, nickname).

The API keeps these unique among active employees, so a file that repeats one would create
the first row and then fail the second with ``USER_ALREADY_EXISTS`` — against the employee
the same run just made. :func:`duplicate_rows` finds them before anything is sent; the
command line refuses every row involved (which of them is right is the file owner's call),
each naming the other lines. Messages name fields and lines, never the values (a phone or an
email must not reach a log or a report).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final

from .._types import UNSET
from ..errors import ValidationError
from ..models import UserCreate

__all__ = ["UNIQUE_FIELDS", "duplicate_rows"]

# The fields the API keeps unique among active employees (the create page's 406
# USER_ALREADY_EXISTS; the sandbox's rules).
UNIQUE_FIELDS: Final = ("phone", "email", "nickname")
# Other lines named in one row's error before "and N more".
_LINES_NAMED: Final = 5


def duplicate_rows(
    rows: Iterable[tuple[int, UserCreate]], *, fields: Sequence[str] = UNIQUE_FIELDS
) -> dict[int, ValidationError]:
    """The rows whose value of one of ``fields`` another row repeats, each with its error.

    ``rows`` are ``(line, record)`` pairs. The error names the field and the other lines
    (``phone: the same phone is on line 7; each employee appears once per file``). A field
    left unset or empty is not compared. Rows with no duplicate are not in the result.
    """
    seen: dict[tuple[str, str], list[int]] = {}
    for line, user in rows:
        for field in fields:
            value = getattr(user, field, UNSET)
            if value is UNSET or not isinstance(value, str) or not value.strip():
                continue
            # The API compares emails without case (the sandbox's rule, as mail systems do).
            folded = value.strip().casefold() if field == "email" else value.strip()
            seen.setdefault((field, folded), []).append(line)
    errors: dict[int, ValidationError] = {}
    for (field, _), lines in seen.items():
        if len(lines) < 2:
            continue
        for line in lines:
            if line in errors:
                continue
            others = [other for other in lines if other != line]
            named = ", ".join(f"line {other}" for other in others[:_LINES_NAMED])
            if len(others) > _LINES_NAMED:
                named += f" and {len(others) - _LINES_NAMED} more"
            errors[line] = ValidationError(
                field,
                f"the same {field} is on {named}; each employee appears once per file "
                "(none of these rows was sent)",
            )
    return errors
