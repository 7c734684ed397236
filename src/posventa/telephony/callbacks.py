"""The hand-off from calls to callbacks.

Every path that makes a call final (a webhook's last event, a CDR chunk, the stale-call
timeout, a call logged by hand) calls `calls_closed` in the transaction that stored the
call's final facts. What it does with them (open, chase or keep callbacks) is this
module's business.
"""

from __future__ import annotations

from collections.abc import Sequence

from posventa.telephony.models import Call


def calls_closed(calls: Sequence[Call]) -> None:
    """Called in the transaction that stored the final facts of these calls (one or a
    batch: a webhook's call, a CDR chunk, the stale-call timeout, a call logged by
    hand). Opens, chases or keeps callbacks."""
    return None
