"""Connects the workshop's receivers (imported by WorkshopConfig.ready): the waiting list
listens for freed slots (`signals.slot_freed`)."""

from posventa.workshop.actions import waiting_list  # noqa: F401
