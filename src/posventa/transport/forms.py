"""Input for the transport desk. The forms parse; `transport.actions` decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from posventa.transport.models import FULL_TANK, LoanerCar, LoanerStatus, UnmetStatus


def _fuel_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Fuel (eighths)"),
        min_value=0,
        max_value=FULL_TANK,
        help_text=_("0 = empty, 8 = full."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def _odometer_field() -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Odometer (km)"),
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class HandOverForm(forms.Form):
    car = forms.ModelChoiceField(label=_("Loaner"), queryset=LoanerCar.objects.none())
    odometer_km = _odometer_field()
    fuel_eighths = _fuel_field()

    def __init__(self, *args: Any, site_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only this site's cars at the desk can be picked; the action checks again.
        field = self.fields["car"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = LoanerCar.objects.filter(site_id=site_id, status=LoanerStatus.AVAILABLE)


class ReturnForm(forms.Form):
    odometer_km = _odometer_field()
    fuel_eighths = _fuel_field()


class ReleaseForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=300, required=False)


class CloseUnmetForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (UnmetStatus.ARRANGED.value, UnmetStatus.ARRANGED.label),
            (UnmetStatus.DECLINED.value, UnmetStatus.DECLINED.label),
        ],
    )
    note = forms.CharField(label=_("What was done"), max_length=300, required=False)


class DayForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
