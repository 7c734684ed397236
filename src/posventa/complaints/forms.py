"""Input for complaints: the customer's form in the portal and the staff forms.

Registering has no required field and no choice that can fail: what the form cannot read
is kept by the action as "other" or "normal" (nobody can be turned away, issue 11)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from posventa.complaints.models import Category, Severity

LONG_TEXT = 10_000


class ComplaintForm(forms.Form):
    category = forms.CharField(
        label=_("What is it about?"),
        required=False,
        max_length=200,
        widget=forms.Select(choices=[("", "—"), *Category.choices]),
    )
    desired_outcome = forms.CharField(
        label=_("What would you like us to do?"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StaffComplaintForm(ComplaintForm):
    severity = forms.CharField(
        label=_("severity"),
        required=False,
        max_length=16,
        widget=forms.Select(choices=Severity.choices),
        initial=Severity.NORMAL,
    )
