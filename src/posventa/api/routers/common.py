"""Responses every endpoint may give besides its success, documented once.

400: the body is not JSON at all (nothing to name a field in).
401: missing, unknown or revoked token.
404: the object in the path (or one the body names by id) is outside the token's reach or
     does not exist; the two look the same on purpose.
422: a field breaks the schema or a rule of the action; `field` names it.
No operation answers 403 (out of reach is 404) or 409 (a conflict is a 422 on its field).
"""

from __future__ import annotations

from typing import Any

from posventa.api.schemas import ErrorsOut

# Reading one object: nothing to parse but the path.
READ_ERRORS: dict[int, Any] = {401: ErrorsOut, 404: ErrorsOut, 422: ErrorsOut}
# Lists have nothing to look up: a bad filter or page is a 422.
LIST_ERRORS: dict[int, Any] = {401: ErrorsOut, 422: ErrorsOut}
# Creating: the body names everything, so an unknown id in it is a 422 on its field.
CREATE_ERRORS: dict[int, Any] = {400: ErrorsOut, 401: ErrorsOut, 422: ErrorsOut}
# Changes to an object in the path read a JSON body, which may not parse.
WRITE_ERRORS: dict[int, Any] = {400: ErrorsOut, 401: ErrorsOut, 404: ErrorsOut, 422: ErrorsOut}
