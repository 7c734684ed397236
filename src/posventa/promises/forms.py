"""Input for promises on the case page. The forms parse and scope the choices to the case's
site; the actions check the business rules (a deadline in the past, one no calendar day
allows) and `apply_errors` puts their refusals on these fields."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from posventa.cases.forms import WorkspaceForm, staff_of
from posventa.cases.models import Case, ReplyChannel
from posventa.core.models import Site, Team, User
from posventa.promises.models import PromiseAct

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


def owner_choices(site: Site) -> list[tuple[str, str]]:
    """People then teams of the site, as "user:<id>" / "team:<id>"."""
    people = [(f"user:{user.pk}", str(user)) for user in staff_of(site)]
    teams = [
        (f"team:{team.pk}", str(_("Team: %(name)s") % {"name": team.name}))
        for team in Team.objects.filter(site=site).order_by("name")
    ]
    return people + teams


def parse_owner(site: Site, value: str) -> tuple[User | None, Team | None]:
    """The person or team a choice names, within the site; refused naming `owner`."""
    kind, _sep, pk = (value or "").partition(":")
    if pk.isdigit():
        if kind == "user":
            user = staff_of(site).filter(pk=int(pk)).first()
            if user is not None:
                return user, None
        if kind == "team":
            team = Team.objects.filter(site=site, pk=int(pk)).first()
            if team is not None:
                return None, team
    raise ValidationError({"owner": _("Choose a person or a team of this site.")})


def owner_value(user: User | None, team: Team | None) -> str:
    if team is not None:
        return f"team:{team.pk}"
    return f"user:{user.pk}" if user is not None else ""


def parse_local(value: str, zone: str) -> dt.datetime | None:
    """A datetime-local value read on the site's clock (the person typed site time)."""
    try:
        naive = dt.datetime.strptime((value or "").strip(), LOCAL_FORMAT)  # noqa: DTZ007
    except ValueError:
        return None
    return naive.replace(tzinfo=ZoneInfo(zone))


def local_value(at: dt.datetime | None, zone: str) -> str:
    return at.astimezone(ZoneInfo(zone)).strftime(LOCAL_FORMAT) if at else ""


class LocalDeadlineField(forms.CharField):
    """A deadline typed in site time; cleaned to an aware datetime."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"})

    def __init__(self, *args: Any, zone: str = "UTC", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        parsed = parse_local(text, self.zone)
        if parsed is None:
            raise ValidationError(_("Give a date and a time, e.g. 2026-03-02 17:00."))
        return parsed


class _SiteForm(WorkspaceForm):
    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        if "owner" in self.fields:
            owner = self.fields["owner"]
            assert isinstance(owner, forms.ChoiceField)
            owner.choices = owner_choices(case.site)
        if "deadline" in self.fields:
            deadline = self.fields["deadline"]
            assert isinstance(deadline, LocalDeadlineField)
            deadline.zone = case.site.timezone

    def owners(self) -> tuple[User | None, Team | None]:
        return parse_owner(self.case.site, self.cleaned_data["owner"])


class PromiseForm(_SiteForm):
    id_prefix = "promise"
    what = forms.CharField(label=_("What was promised"), max_length=500)
    act = forms.ChoiceField(label=_("Act"), choices=PromiseAct.choices)
    owner = forms.ChoiceField(label=_("Who keeps it"))
    deadline = LocalDeadlineField(label=_("By (site time)"))
    channel = forms.ChoiceField(label=_("Contact by"), choices=ReplyChannel.choices)


class ReassignForm(_SiteForm):
    id_prefix = "promise_reassign"
    owner = forms.ChoiceField(label=_("Who keeps it"))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class CancelForm(WorkspaceForm):
    id_prefix = "promise_cancel"
    reason = forms.CharField(label=_("Why is it cancelled?"), max_length=1000, required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class RenegotiateForm(_SiteForm):
    id_prefix = "promise_renegotiate"
    deadline = LocalDeadlineField(label=_("New deadline (site time)"))
    message = forms.CharField(
        label=_("Message to the customer"), widget=forms.Textarea(attrs={"rows": 3})
    )
