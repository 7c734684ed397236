"""Signals through which cases announce changes that apps above them act on.

Cases imports none of the apps above it (promises, complaints, billing); when something on a
case matters to one of them, the action sends a signal and that app's receiver, connected in
its AppConfig.ready, does its part in the same transaction.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent by `reply` and `log_call` inside their transaction, after the message is saved, with
# `case=`, `message=`, `author=` (the staff member who spoke to the customer), `direction=`
# ("outbound" for a reply or a call we made, "inbound" for a call the customer made) and
# `kind=` ("reply" or "call"). Sent with `send`: a receiver that fails rolls the message back.
staff_contacted_customer = Signal()
