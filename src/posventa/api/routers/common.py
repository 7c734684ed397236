"""Responses every endpoint may give besides its success, documented once."""

from __future__ import annotations

from typing import Any

from posventa.api.schemas import ErrorsOut

# 404: the object (or one the body names by id) is outside the token's reach or missing.
ERRORS: dict[int, Any] = {401: ErrorsOut, 404: ErrorsOut, 422: ErrorsOut}
# Lists have nothing to look up: a bad filter is a 422.
LIST_ERRORS: dict[int, Any] = {401: ErrorsOut, 422: ErrorsOut}
