"""Signals inside the workshop app, so that booking need not import the waiting list.

`slot_freed` is sent with `appointment=` (the one cancelled or moved away, with its old
start in `starts_at=`) inside the transaction that freed the time; the waiting list
(`actions/waiting_list.py`, connected in WorkshopConfig.ready) offers it to the oldest
waiting requests once that transaction commits.
"""

from __future__ import annotations

from django.dispatch import Signal

slot_freed = Signal()
