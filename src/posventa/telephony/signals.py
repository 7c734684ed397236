"""Signals through which telephony announces calls that apps above it act on.

Telephony imports none of the apps above it (promises); when a call matters to one of
them, `callbacks.calls_closed` sends a signal and that app's receiver, connected in its
AppConfig.ready, does its part in the same transaction.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `call=` for each outbound call that reached the customer (`callbacks.is_connected`)
# and has a case and an agent, inside the transaction that stored its final facts (a
# webhook, a CDR chunk, a call logged by hand). Sent with `send`: a receiver that fails rolls
# the call's facts back with it. Promises listens: the agent's own connected call keeps
# their promise to call the customer.
call_connected = Signal()
