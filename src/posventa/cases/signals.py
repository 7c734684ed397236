"""Signals through which cases announce changes that apps above them act on.

Cases import none of those apps (tests/architecture/test_layers.py): when a case change has
consequences elsewhere (a resolved billing dispute lifts its holds, a transfer re-checks a
complaint's department, a reply keeps a promise), the case action sends a signal and the
app that owns the consequence listens from a receiver connected in its AppConfig.ready, as
core/signals.py and clocks/receivers.py do.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `case=`, `actor=` and `answer=` (the message that resolved it) inside the
# transaction of `resolve_case`, after the case was saved. Sent with `send`, not
# `send_robust`: a receiver that fails rolls the resolution back with it.
case_resolved = Signal()

# Sent with `case=` and `transfer=` (the CaseTransfer row) inside the transaction of
# `transfer_case`, after the case moved. Sent with `send`: a receiver that fails rolls the
# transfer back with it, so a flag never disagrees with where the case is.
case_transferred = Signal()

# Sent with `case=` and `action=` ("resolve" or "close") by `resolve_case` and
# `close_case` before they change anything. Sent with `send`, not `send_robust`: a receiver
# may refuse by raising ValidationError naming the field, and the case stays as it was
# (a complaint does not close without the customer, seed 003).
case_closing = Signal()

# Sent by `reply` and `log_call` inside their transaction, after the message is saved, with
# `case=`, `message=`, `author=` (the staff member who spoke to the customer), `direction=`
# ("outbound" for a reply or a call we made, "inbound" for a call the customer made) and
# `kind=` ("reply" or "call"). Sent with `send`: a receiver that fails rolls the message back.
staff_contacted_customer = Signal()

# Sent with `case=` and `actor=` (None when the customer's own reply reopened it) inside the
# transaction of `reopen_case`, after the case is open again. Sent with `send`: a receiver
# that fails rolls the reopening back (a reopened dispute holds collections again).
case_reopened = Signal()
