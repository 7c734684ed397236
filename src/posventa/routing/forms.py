"""Input for the routing page: choices narrowed to the site's own teams and staff (the
actions check again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from posventa.cases.forms import staff_of
from posventa.core.models import Site, Team, User
from posventa.routing.models import RoutingMode

NO_RULE = ""


class RuleForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Rule"),
        required=False,
        choices=[(NO_RULE, _("No routing: cases wait in the queue")), *RoutingMode.choices],
    )
    team = forms.ModelChoiceField(
        label=_("Among the team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("The department's teams (else the site's agents)"),
    )
    named_owner = forms.ModelChoiceField(
        label=_("Named owner"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, site: Site, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        owner_field = self.fields["named_owner"]
        assert isinstance(team_field, forms.ModelChoiceField)
        assert isinstance(owner_field, forms.ModelChoiceField)
        team_field.queryset = Team.objects.filter(site=site).order_by("name")
        owner_field.queryset = staff_of(site).order_by("first_name", "username")


class LimitForm(forms.Form):
    unowned_minutes = forms.IntegerField(
        label=_("Escalate an unowned case after (business minutes)"),
        min_value=1,
        max_value=24 * 60,
    )


class AwayForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
