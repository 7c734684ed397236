"""`{% complaint_panel case %}`: the complaint card on the staff case page, with its forms.

A tag rather than context from cases.views, because cases may not import complaints
(layers): the case page only loads this library."""

from __future__ import annotations

from typing import Any

from django import template

from posventa.cases.models import Case
from posventa.complaints.actions import agreement_attempts_needed, departments_for
from posventa.complaints.forms import (
    AcknowledgeForm,
    AgreementForm,
    AttemptForm,
    CloseForm,
    PlanForm,
    StaffComplaintForm,
)
from posventa.complaints.models import Complaint

register = template.Library()

PANEL_FORMS = ("ack_form", "plan_form", "attempt_form", "agreement_form", "close_form")


def bound_form_key(panel_key: str) -> str:
    """Where a refused view leaves its bound form in the case page's context."""
    return f"complaint_{panel_key}"


@register.inclusion_tag("complaints/_case_complaint.html", takes_context=True)
def complaint_panel(context: template.Context, case: Case) -> dict[str, Any]:
    complaint = Complaint.objects.filter(case=case).first()
    panel: dict[str, Any] = {
        "case": case,
        "complaint": complaint,
        "csrf_token": context.get("csrf_token"),
    }
    if complaint is None:
        panel["register_form"] = StaffComplaintForm()
        return panel
    attempts = complaint.attempts.count()
    panel.update(
        {
            "attempts": attempts,
            "attempts_needed": agreement_attempts_needed(),
            "can_solve": departments_for(complaint.category),
            "ack_form": AcknowledgeForm(),
            "plan_form": PlanForm(initial={"plan": complaint.resolution_plan}),
            "attempt_form": AttemptForm(),
            "agreement_form": AgreementForm(case=case),
            "close_form": CloseForm(),
        }
    )
    for key in PANEL_FORMS:
        bound = context.get(bound_form_key(key))
        if bound is not None:
            panel[key] = bound
    return panel
