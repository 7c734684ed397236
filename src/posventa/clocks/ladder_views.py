"""The escalation ladder page of a site: per standard (or for every standard), who each
step tells and by which channel, with a preview of what the next clock to fall due would
trigger. Everyone at the site reads it; service and site managers change it. A site outside
the user's sites is a 404; bad input is shown again on its field with what was chosen."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from posventa.clocks import actions, ladders
from posventa.clocks.catalogue import standard_choices
from posventa.clocks.models import EscalationLevel, LadderChannel, LadderRecipient
from posventa.core.access import MANAGER_ROLES, roles_at, visible_sites
from posventa.core.models import Site, User

ALL_STANDARDS = ""


class RungForm(forms.Form):
    recipients = forms.MultipleChoiceField(
        label=gettext_lazy("Who hears"),
        choices=LadderRecipient.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Nobody chosen: the built-in step."),
    )
    person = forms.ModelChoiceField(
        label=gettext_lazy("Named person"), queryset=User.objects.none(), required=False
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), choices=LadderChannel.choices, initial=LadderChannel.EMAIL
    )

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = self.fields["person"]
        assert isinstance(person, forms.ModelChoiceField)
        person.queryset = (
            User.objects.filter(is_active=True)
            .filter(
                Q(memberships__site=site)
                | Q(
                    memberships__site__isnull=True,
                    memberships__organisation_id=site.organisation_id,
                )
            )
            .distinct()
            .order_by("first_name", "username")
        )


def _site(user: User, slug: str) -> Site:
    return get_object_or_404(visible_sites(user).select_related("organisation"), slug=slug)


def _can_change(user: User, site: Site) -> bool:
    return user.is_superuser or bool(roles_at(user, site) & set(MANAGER_ROLES))


def _standard(request: HttpRequest) -> str:
    code = request.GET.get("standard", ALL_STANDARDS)
    return code if code in {value for value, _label in standard_choices()} else ALL_STANDARDS


@login_required
def ladder(request: HttpRequest, site_slug: str) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    site = _site(user, site_slug)
    return _render(request, user, site, _standard(request))


def _render(
    request: HttpRequest,
    user: User,
    site: Site,
    code: str,
    *,
    bound: tuple[int, RungForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    steps = ladders.steps_by_site([site.pk]).get(site.pk, [])
    rows = []
    for level in ladders.LEVELS:
        if bound is not None and bound[0] == level:
            form = bound[1]
        else:
            own = [s for s in steps if s.standard_id == (code or None) and s.level == level]
            person = next((s.person_id for s in own if s.person_id), None)
            initial = {
                "recipients": [s.recipient for s in own],
                "person": person,
                "channel": own[0].channel if own else LadderChannel.EMAIL,
            }
            form = RungForm(initial=initial, site=site, prefix=f"level{level}")
        rows.append({"level": level, "label": EscalationLevel(level).label, "form": form})
    preview = ladders.preview(site, code) if code else None
    context = {
        "site": site,
        "code": code,
        "standards": standard_choices(),
        "rows": rows,
        "preview": preview,
        "can_change": _can_change(user, site),
    }
    return render(request, "clocks/ladder.html", context, status=status)


@login_required
def set_rung(request: HttpRequest, site_slug: str, level: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    site = _site(user, site_slug)
    if request.method != "POST" or not _can_change(user, site):
        raise PermissionDenied(_("Only managers change the escalation ladder."))
    code = _standard(request)
    form = RungForm(request.POST, site=site, prefix=f"level{level}")
    if form.is_valid():
        data = form.cleaned_data
        specs = [
            actions.StepSpec(recipient=kind, channel=data["channel"], person=data["person"])
            for kind in data["recipients"]
        ]
        try:
            actions.set_ladder_steps(site, code or None, level, specs, actor=user)
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            messages.success(request, _("Escalation step saved."))
            url = reverse("clocks:ladder", args=[site.slug])
            return redirect(f"{url}?standard={code}" if code else url)
    return _render(request, user, site, code, bound=(level, form), status=400)
