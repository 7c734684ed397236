"""Staff pages of calls: the list, one call with its facts and events, a call logged by
hand, and from a call: open a case or attach it to one.

Every query starts from the user's visible sites; a call of another site is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from posventa.cases.forms import apply_errors
from posventa.cases.models import ACTIVE_STATUSES, Case
from posventa.core.access import visible_sites
from posventa.core.models import User
from posventa.telephony.actions import calls as call_actions
from posventa.telephony.forms import AttachForm, ManualCallForm, OpenCaseForm
from posventa.telephony.models import Call

PAGE_SIZE = 50


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def calls_for(user: User) -> QuerySet[Call]:
    return Call.objects.filter(site__in=visible_sites(user))


def _get_call(request: HttpRequest, pk: int) -> Call:
    return get_object_or_404(
        calls_for(_staff(request)).select_related("site", "customer", "case", "agent"), pk=pk
    )


def _open_cases(call: Call) -> QuerySet[Case]:
    return Case.objects.filter(site=call.site, status__in=ACTIVE_STATUSES)


@login_required
def call_list(request: HttpRequest) -> HttpResponse:
    calls = calls_for(_staff(request)).select_related("site", "customer")
    page = Paginator(calls.order_by("-started_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "telephony/list.html", {"page": page, "page_query": ""})


def _detail(request: HttpRequest, call: Call, status: int = 200, **forms: object) -> HttpResponse:
    customer_cases = (
        _open_cases(call).filter(customer_id=call.customer_id) if call.customer_id else []
    )
    context = {
        "call": call,
        "events": call.events.all(),
        "customer_cases": customer_cases,
        "attach_form": forms.get("attach_form") or AttachForm(cases=_open_cases(call)),
        "open_form": forms.get("open_form") or OpenCaseForm(),
    }
    return render(request, "telephony/detail.html", context, status=status)


@login_required
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _get_call(request, pk))


@login_required
@require_POST
def open_case(request: HttpRequest, pk: int) -> HttpResponse:
    call = _get_call(request, pk)
    form = OpenCaseForm(request.POST)
    if form.is_valid():
        try:
            case = call_actions.open_case_from_call(
                call, actor=_staff(request), subject=form.cleaned_data["subject"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, _("Case %(reference)s opened.") % {"reference": case.reference}
            )
            return redirect("cases:detail", case.reference)
    return _detail(request, call, status=400, open_form=form)


@login_required
@require_POST
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    call = _get_call(request, pk)
    form = AttachForm(request.POST, cases=_open_cases(call))
    if form.is_valid():
        try:
            call_actions.attach_call(call, form.cleaned_data["reference"], actor=_staff(request))
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("The call is on the case now."))
            return redirect("telephony:detail", call.pk)
    return _detail(request, call, status=400, attach_form=form)


@login_required
def log_call(request: HttpRequest) -> HttpResponse:
    """A call made or taken outside the phone system (a mobile, a visit's phone)."""
    user = _staff(request)
    sites = visible_sites(user)
    form = ManualCallForm(request.POST or None, sites=sites)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                call = call_actions.log_call_by_hand(
                    data["site"],
                    actor=user,
                    number=data["number"],
                    direction=data["direction"],
                    outcome=data["outcome"],
                    summary=data["summary"],
                    started_at=timezone.now(),
                    talk_seconds=(data["talk_minutes"] or 0) * 60,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Call logged."))
                return redirect("telephony:detail", call.pk)
    return render(request, "telephony/log.html", {"form": form}, status=status)
