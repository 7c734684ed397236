"""Input for the vehicle's advice page. The forms parse ("30.000 km" is 30000); the
actions decide (`advisor.actions`)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from posventa.advisor.schedule import Rule
from posventa.customers.models import FuelType

KM_TEXT = re.compile(r"^\s*(\d{1,3}(?:[ .,\u00a0\u202f]\d{3})+|\d+)\s*(?:km)?\s*$", re.IGNORECASE)


def parse_km(text: str) -> int:
    """ "30000", "30 000", "30.000 km", "30,000" -> 30000; anything else is refused."""
    match = KM_TEXT.match(text)
    if match is None:
        raise ValidationError(_("Write the distance in whole kilometres, e.g. 30000."))
    return int(re.sub(r"\D", "", match.group(1)))


class KmField(forms.Field):
    """A distance typed the way people write it; None when left empty."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "maxlength": "20"})

    def to_python(self, value: Any) -> int | None:
        text = str(value or "").strip()
        if len(text) > 20:
            raise ValidationError(_("Write the distance in whole kilometres, e.g. 30000."))
        return parse_km(text) if text else None


class ServiceForm(forms.Form):
    done_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    km = KmField(label=_("Kilometres"), required=False)
    items = forms.MultipleChoiceField(
        label=_("Maintenance done"), widget=forms.CheckboxSelectMultiple
    )
    correction = forms.BooleanField(
        label=_("The distance corrects an earlier, wrong reading"), required=False
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, rules: list[Rule], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = {rule.code: rule.label() for rule in rules}
        items = self.fields["items"]
        assert isinstance(items, forms.MultipleChoiceField)
        items.choices = [(code, labels[code]) for code in sorted(labels, key=labels.__getitem__)]


class DescribeForm(forms.Form):
    fuel = forms.ChoiceField(
        label=_("Fuel"), choices=[("", _("Unknown")), *FuelType.choices], required=False
    )
    model_year = forms.IntegerField(label=_("Model year"), required=False)


class AdviceForm(forms.Form):
    """The page's question: today's distance if the customer just said it, severe use."""

    km = KmField(label=_("Distance today (if the customer just said)"), required=False)
    severe = forms.BooleanField(
        label=_("Severe service (towing, short trips, taxi, dust)"), required=False
    )
