"""Signals through which core announces changes that apps above it act on.

Core imports no domain app, so when a change in core has consequences elsewhere (a site's
calendar moves every open clock's deadline), core sends a signal and the app that owns the
consequence listens (`clocks/receivers.py`, connected in `ClocksConfig.ready`).
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `site=` inside the transaction that changed the site's hours, closures, holiday
# overrides or holiday region, after its calendar_version was bumped. Sent with `send`, not
# `send_robust`: a receiver that fails rolls the calendar change back with it, so deadlines
# never disagree with the calendar they were computed on.
site_calendar_changed = Signal()
