"""Input of the call pages: formats, ranges and choices scoped to the user's sites. The
actions check the rules again (telephony.actions.calls)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from posventa.cases.models import Case
from posventa.core.models import Site
from posventa.telephony.models import CallDirection, CallOutcome


class ManualCallForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none())
    number = forms.CharField(label=_("Number"), max_length=64, required=False)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=CallDirection.choices, initial=CallDirection.OUTBOUND
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=CallOutcome.choices)
    talk_minutes = forms.IntegerField(
        label=_("Minutes on the phone"), min_value=0, max_value=600, required=False
    )
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea, required=False)

    def __init__(self, *args: Any, sites: QuerySet[Site], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.ModelChoiceField)
        site_field.queryset = sites
        if sites.count() == 1:
            site_field.initial = sites.first()


class AttachForm(forms.Form):
    reference = forms.CharField(label=_("Case reference"), max_length=32)

    def __init__(self, *args: Any, cases: QuerySet[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cases = cases

    def clean_reference(self) -> Case:
        reference = self.cleaned_data["reference"].strip().upper()
        case = self.cases.filter(reference=reference).first()
        if case is None:
            raise forms.ValidationError(_("No case of this site has that reference."))
        return case


class OpenCaseForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=300, required=False)
