"""Signals through which cases announce changes that apps above it act on.

Cases imports no app above it, so when a case change has consequences elsewhere (a resolved
billing dispute lifts its holds), the action sends a signal and the app that owns the
consequence listens (`billing/receivers.py`, connected in `BillingConfig.ready`).
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `case=`, `actor=` and `answer=` (the message that resolved it) inside the
# transaction of `resolve_case`, after the case was saved. Sent with `send`, not
# `send_robust`: a receiver that fails rolls the resolution back with it.
case_resolved = Signal()
