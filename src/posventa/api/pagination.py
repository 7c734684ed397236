"""Limit/offset paging with bounds the schema states.

ninja's LimitOffsetPagination has no upper bound on either number, so `limit=10**20`
reached the database and failed there (a 500 in HTML). Here both are bounded: a page holds
at most MAX_LIMIT items, and an offset past MAX_OFFSET is refused (no list is that long;
a client walking that far is looping).
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000


class BoundedLimitOffset(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(
            DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (at most 500)."
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
