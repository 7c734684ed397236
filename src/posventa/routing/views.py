"""The routing page of a site: each department's rule, the unowned-case limit, and who is
on duty or away. Everyone at the site reads it and marks themselves away; managers set the
rules; leads mark their people away. A site outside the user's sites is a 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from posventa.cases.forms import apply_errors, staff_of
from posventa.cases.models import Department
from posventa.cases.views import staff
from posventa.core.access import visible_sites
from posventa.core.models import Site, User
from posventa.routing import actions, board
from posventa.routing.forms import NO_RULE, AwayForm, LimitForm, RuleForm


def _site(user: User, slug: str) -> Site:
    return get_object_or_404(visible_sites(user).select_related("organisation"), slug=slug)


def _manager(user: User, site: Site) -> None:
    if not actions.can_configure(user, site):
        raise PermissionDenied(_("Only managers set the routing of a site."))


@login_required
def page(request: HttpRequest, site_slug: str) -> HttpResponse:
    user = staff(request)
    return _render(request, user, _site(user, site_slug))


def _render(
    request: HttpRequest,
    user: User,
    site: Site,
    *,
    bound: tuple[str, RuleForm] | None = None,
    limit_form: LimitForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rules = board.rules_by_department(site)
    rows = []
    for department, label in board.departments():
        if bound is not None and bound[0] == department:
            form = bound[1]
        else:
            rule = rules.get(department)
            initial: dict[str, Any] = {"mode": rule.mode if rule else NO_RULE}
            if rule is not None:
                initial.update(team=rule.team_id, named_owner=rule.named_owner_id)
            form = RuleForm(initial=initial, site=site, prefix=department)
        rows.append({"department": department, "label": label, "form": form})
    context = {
        "site": site,
        "rows": rows,
        "limit_form": limit_form
        or LimitForm(initial={"unowned_minutes": board.unowned_minutes(site)}),
        "people": board.people(site, timezone.now()),
        "can_configure": actions.can_configure(user, site),
        "can_lead": actions.can_lead(user, site),
        "viewer": user,
        "away_form": AwayForm(),
    }
    return render(request, "routing/page.html", context, status=status)


@login_required
@require_POST
def set_rule(request: HttpRequest, site_slug: str, department: str) -> HttpResponse:
    user = staff(request)
    site = _site(user, site_slug)
    _manager(user, site)
    if department not in Department.values:
        raise PermissionDenied
    form = RuleForm(request.POST, site=site, prefix=department)
    if form.is_valid():
        try:
            _apply_rule(site, department, form.cleaned_data, user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Routing saved for %(department)s.")
                % {"department": Department(department).label},
            )
            return redirect("routing:page", site_slug=site.slug)
    return _render(request, user, site, bound=(department, form), status=400)


def _apply_rule(site: Site, department: str, data: dict[str, Any], user: User) -> None:
    if data["mode"] == NO_RULE:
        actions.clear_routing_rule(site, department, actor=user)
        return
    actions.set_routing_rule(
        site,
        department,
        mode=data["mode"],
        team=data["team"],
        named_owner=data["named_owner"],
        actor=user,
    )


@login_required
@require_POST
def set_limit(request: HttpRequest, site_slug: str) -> HttpResponse:
    user = staff(request)
    site = _site(user, site_slug)
    _manager(user, site)
    form = LimitForm(request.POST)
    if form.is_valid():
        try:
            actions.set_unowned_limit(site, form.cleaned_data["unowned_minutes"], actor=user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("Unowned cases now escalate after %(minutes)s business minutes.")
                % {"minutes": form.cleaned_data["unowned_minutes"]},
            )
            return redirect("routing:page", site_slug=site.slug)
    return _render(request, user, site, limit_form=form, status=400)


@login_required
@require_POST
def away(request: HttpRequest, site_slug: str, user_id: int) -> HttpResponse:
    """Mark a person of the site away (`back` in the form: mark them back)."""
    user = staff(request)
    site = _site(user, site_slug)
    person = get_object_or_404(staff_of(site), pk=user_id)
    if not actions.can_set_away(user, person):
        raise PermissionDenied(_("Only the person or their lead can mark them away."))
    form = AwayForm(request.POST)
    form.is_valid()
    reason = form.cleaned_data.get("reason", "")
    if request.POST.get("back"):
        actions.mark_back(person, actor=user)
        messages.success(request, _("%(person)s takes new cases again.") % {"person": person})
    else:
        actions.mark_away(person, actor=user, reason=reason)
        messages.success(
            request, _("%(person)s takes no new cases until marked back.") % {"person": person}
        )
    return redirect("routing:page", site_slug=site.slug)


__all__ = ["away", "forms", "page", "set_limit", "set_rule"]
