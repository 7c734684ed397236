"""The complaint panel's forms on the staff case page (`templatetags/complaints.py` draws
it). Each view is one action: it calls `complaints.actions` and goes back to the case page
with what happened; a refusal shows the case page again with the form open, the error
beside the field it names and what was typed kept. A case outside the
user's sites is a 404 (`cases.views.get_case`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from posventa.cases.models import Case
from posventa.cases.views import get_case, render_case, staff
from posventa.complaints import actions
from posventa.complaints.forms import (
    AcknowledgeForm,
    AgreementForm,
    AttemptForm,
    CloseForm,
    PlanForm,
    StaffComplaintForm,
)
from posventa.complaints.models import AgreementSource, Complaint, RegisteredVia
from posventa.complaints.templatetags.complaints import bound_form_key
from posventa.core.models import User
from posventa.inbox.models import Message, MessageKind


def _perform(
    request: HttpRequest,
    reference: str,
    panel_key: str,
    build: Callable[[Case], forms.Form],
    act: Callable[[Case, User, dict[str, Any]], str],
) -> HttpResponse:
    """Run one action; a refusal re-renders the case page with this form bound and open,
    its errors beside its fields and what was typed kept (the panel tag picks it up)."""
    user = staff(request)
    case = get_case(user, reference)
    form = build(case)
    if form.is_valid():
        try:
            text = act(case, user, form.cleaned_data)
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, text)
            return redirect(f"{case.get_absolute_url()}#complaint")
    return render_case(request, case, status=400, **{bound_form_key(panel_key): form})


def _attach(form: forms.Form, error: ValidationError) -> None:
    """The action's refusal on the field it names, or above the form when it has no such
    field (the action speaks of the complaint, the form of what was typed)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _complaint(case: Case) -> Complaint:
    complaint = Complaint.objects.filter(case=case).first()
    if complaint is None:
        raise ValidationError({"complaint": _("This case is not a complaint.")})
    return complaint


@login_required
@require_POST
def register(request: HttpRequest, reference: str) -> HttpResponse:
    """Never refused: a field the form cannot read is left out, and the action keeps an
    unknown category as "other" (issue 11: no path turns a complaint away)."""
    user = staff(request)
    case = get_case(user, reference)
    form = StaffComplaintForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    complaint = actions.register_complaint(
        case,
        via=RegisteredVia.STAFF,
        category=data.get("category") or "",
        severity=data.get("severity"),
        desired_outcome=data.get("desired_outcome") or "",
        actor=user,
    )
    messages.success(
        request,
        _("Registered as a complaint: %(reference)s.") % {"reference": complaint.case.reference},
    )
    return redirect(f"{complaint.case.get_absolute_url()}#complaint")


@login_required
@require_POST
def acknowledge(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> str:
        actions.acknowledge_complaint(_complaint(case), actor=user, note=data["note"])
        return _("Acknowledgement sent with the reference and the owner's name.")

    return _perform(request, reference, "ack_form", lambda case: AcknowledgeForm(request.POST), act)


@login_required
@require_POST
def plan(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> str:
        actions.set_resolution_plan(_complaint(case), plan=data["plan"], actor=user)
        return _("Resolution plan saved.")

    return _perform(request, reference, "plan_form", lambda case: PlanForm(request.POST), act)


@login_required
@require_POST
def attempt(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> str:
        actions.record_agreement_attempt(
            _complaint(case), actor=user, channel=data["channel"], note=data["note"]
        )
        return _("Attempt recorded.")

    return _perform(request, reference, "attempt_form", lambda case: AttemptForm(request.POST), act)


@login_required
@require_POST
def agreement(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> str:
        message = Message.objects.get(pk=data["message"], case=case)
        source = AgreementSource.CALL if message.kind == MessageKind.CALL_LOG else "reply"
        actions.record_agreement(_complaint(case), source=source, message=message, actor=user)
        return _("The customer's agreement is recorded.")

    def build(case: Case) -> forms.Form:
        return AgreementForm(request.POST, case=case)

    return _perform(request, reference, "agreement_form", build, act)


@login_required
@require_POST
def close(request: HttpRequest, reference: str) -> HttpResponse:
    def act(case: Case, user: User, data: dict[str, Any]) -> str:
        actions.close_complaint(_complaint(case), actor=user, reason=data["reason"])
        return _("Complaint closed.")

    return _perform(request, reference, "close_form", lambda case: CloseForm(request.POST), act)
