"""Responses every endpoint may give besides its success, documented once."""

from __future__ import annotations

from typing import Any

from posventa.api.schemas import ErrorsOut

READ_ERRORS: dict[int, Any] = {401: ErrorsOut, 404: ErrorsOut, 422: ErrorsOut}
WRITE_ERRORS: dict[int, Any] = {401: ErrorsOut, 404: ErrorsOut, 422: ErrorsOut}
LIST_ERRORS: dict[int, Any] = {401: ErrorsOut, 422: ErrorsOut}
