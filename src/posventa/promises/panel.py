"""The promises panel of the case page: the case's promises, open ones first, with their
clocks' urgency, and the forms that change them (read side; the views call the actions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from posventa.cases.models import Case
from posventa.promises import forms
from posventa.promises.models import Promise, PromiseStatus


@dataclass(frozen=True)
class PromiseRow:
    promise: Promise
    overdue: bool
    owner_value: str


def case_promises(case: Case) -> list[Promise]:
    rows = Promise.objects.filter(case=case).select_related("owner", "owner_team", "made_by")
    return sorted(rows, key=lambda p: (p.status != PromiseStatus.OPEN, p.deadline, p.pk))


def panel_context(case: Case) -> dict[str, Any]:
    now = timezone.now()
    rows = [
        PromiseRow(p, p.is_open and p.deadline <= now, forms.owner_value(p.owner, p.owner_team))
        for p in case_promises(case)
    ]
    return {
        "promise_rows": rows,
        "promise_form": forms.PromiseForm(
            case=case,
            initial={"channel": case.requested_reply_channel, "act": "call"},
        ),
        "promise_reassign_form": forms.ReassignForm(case=case),
        "promise_cancel_form": forms.CancelForm(case=case),
        "promise_renegotiate_form": forms.RenegotiateForm(case=case),
        "promise_bound_pk": None,
    }
