"""Promises on the case page: the composer's proposals (htmx) and the panel's forms.

Each POST binds its form, calls one action and goes back to the case page; a refusal shows
the case page again (status 400) with the errors on the fields, through cases' own
`render_case`, so nobody loses what they typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from posventa.cases.forms import apply_errors
from posventa.cases.models import Case
from posventa.cases.views import _reload, get_case, render_case, staff
from posventa.core.models import User
from posventa.promises import actions, composer, forms
from posventa.promises.models import Promise, PromiseSource


@login_required
@require_POST
def propose(request: HttpRequest, reference: str) -> HttpResponse:
    """The proposals for the text in the composer (htmx, as the sender types)."""
    user = staff(request)
    case = get_case(user, reference)
    proposals = composer.propose(case, user, request.POST.get("body", ""), request.POST)
    return render(request, "promises/_proposals.html", composer.proposals_context(case, proposals))


def _done(case: Case, request: HttpRequest, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect(case.get_absolute_url() + "#promises")


def _refused(
    request: HttpRequest, case: Case, name: str, form: django_forms.Form, pk: int | None = None
) -> HttpResponse:
    return render_case(
        request,
        _reload(case),
        status=400,
        **{name: form, "promise_bound_pk": pk},  # type: ignore[arg-type]
    )


@login_required
@require_POST
def create(request: HttpRequest, reference: str) -> HttpResponse:
    user = staff(request)
    case = get_case(user, reference)
    form = forms.PromiseForm(request.POST, case=case)
    if form.is_valid():
        try:
            owner, team = form.owners()
            actions.make_promise(
                case,
                what=form.cleaned_data["what"],
                act=form.cleaned_data["act"],
                deadline=form.cleaned_data["deadline"],
                actor=user,
                owner=owner,
                owner_team=team,
                channel=form.cleaned_data["channel"],
                source=PromiseSource.STAFF,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _done(case, request, _("Promise recorded; its clock is running."))
    return _refused(request, case, "promise_form", form)


def _promise_form_view(
    request: HttpRequest,
    pk: int,
    *,
    name: str,
    build: Callable[[Case], django_forms.Form],
    act: Callable[[Promise, User, Any], str],
) -> HttpResponse:
    user = staff(request)
    promise = get_object_or_404(Promise, pk=pk)
    case = get_case(user, promise.case.reference)  # 404 outside the user's sites
    form = build(case)
    if form.is_valid():
        try:
            text = act(promise, user, form)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _done(case, request, text)
    return _refused(request, case, name, form, pk)


@login_required
@require_POST
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    def act(promise: Promise, user: User, form: Any) -> str:
        owner, team = form.owners()
        actions.reassign_promise(
            promise, actor=user, owner=owner, owner_team=team, note=form.cleaned_data["note"]
        )
        return _("Promise reassigned to %(owner)s.") % {"owner": promise.owner_label}

    return _promise_form_view(
        request,
        pk,
        name="promise_reassign_form",
        build=lambda case: forms.ReassignForm(request.POST, case=case),
        act=act,
    )


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    def act(promise: Promise, user: User, form: Any) -> str:
        actions.cancel_promise(promise, actor=user, reason=form.cleaned_data["reason"])
        return _("Promise cancelled.")

    return _promise_form_view(
        request,
        pk,
        name="promise_cancel_form",
        build=lambda case: forms.CancelForm(request.POST, case=case),
        act=act,
    )


@login_required
@require_POST
def renegotiate(request: HttpRequest, pk: int) -> HttpResponse:
    def act(promise: Promise, user: User, form: Any) -> str:
        actions.renegotiate_promise(
            promise,
            actor=user,
            deadline=form.cleaned_data["deadline"],
            message=form.cleaned_data["message"],
        )
        return _("New deadline agreed; the customer has the message.")

    return _promise_form_view(
        request,
        pk,
        name="promise_renegotiate_form",
        build=lambda case: forms.RenegotiateForm(request.POST, case=case),
        act=act,
    )
