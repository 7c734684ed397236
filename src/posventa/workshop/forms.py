"""Booking forms. They check what only a form can know (required fields, formats, a
readable odometer, choices limited to the site's services); the actions check the rest
(opening hours, a free slot, an odometer below the last reading) and `apply_errors` puts
their refusals on these fields."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from posventa.customers.models import Channel
from posventa.workshop.models import AppointmentType, RequestStatus

CONTACT_METHODS = [
    (Channel.EMAIL, Channel.EMAIL.label),
    (Channel.SMS, Channel.SMS.label),
    (Channel.WHATSAPP, Channel.WHATSAPP.label),
    (Channel.PHONE, Channel.PHONE.label),
]
DIGITS = re.compile(r"[\s.,']")


def parse_odometer(value: str) -> int | None:
    """ "12.500", "12 500" or "12500 km" as 12500; empty as None; else ValidationError."""
    text = DIGITS.sub("", (value or "").lower().removesuffix("km").strip())
    if not text:
        return None
    if not text.isdigit():
        raise forms.ValidationError(_("Write the kilometres as a number, e.g. 42500."))
    return int(text)


class BookingForm(forms.Form):
    """The public booking page and the staff booking page: what, when, who."""

    vehicle = forms.CharField(label=_("Number plate or VIN"), max_length=40, required=False)
    odometer = forms.CharField(
        label=_("Odometer (km)"), max_length=20, required=False, help_text=_("Optional.")
    )
    types = forms.MultipleChoiceField(
        label=_("Services"), required=False, widget=forms.CheckboxSelectMultiple
    )
    unsure = forms.BooleanField(label=_("I don't know what I need"), required=False)
    notes = forms.CharField(
        label=_("Anything we should know?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    first_day = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    contact_name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    contact_email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    contact_phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    preferred_method = forms.ChoiceField(
        label=_("How should we contact you?"), choices=CONTACT_METHODS, initial=Channel.EMAIL
    )
    starts_at = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, offered: Sequence[AppointmentType] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offered = list(offered)
        self.fields["types"].choices = [(row.code, row.display_name()) for row in self.offered]  # type: ignore[attr-defined]

    def clean_odometer(self) -> int | None:
        return parse_odometer(self.cleaned_data.get("odometer", ""))

    def clean_starts_at(self) -> dt.datetime | None:
        value = (self.cleaned_data.get("starts_at") or "").strip()
        if not value:
            return None
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError as error:
            raise forms.ValidationError(_("Choose one of the times offered.")) from error
        if moment.tzinfo is None:
            raise forms.ValidationError(_("Choose one of the times offered."))
        return moment

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("types") and not data.get("unsure"):
            self.add_error("types", _("Choose a service, or tick “I don't know what I need”."))
        return data

    def chosen_types(self) -> list[AppointmentType]:
        """The services ticked, plus the site's diagnosis when the person is unsure."""
        codes = set(self.cleaned_data.get("types") or [])
        chosen = [row for row in self.offered if row.code in codes]
        if self.cleaned_data.get("unsure"):
            chosen += [row for row in self.offered if row.for_unsure and row not in chosen]
        return chosen

    def has_contact(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return bool(
            (data.get("contact_email") or "").strip() or (data.get("contact_phone") or "").strip()
        )


class RescheduleForm(forms.Form):
    first_day = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    starts_at = forms.CharField(required=False, widget=forms.HiddenInput)
    clean_starts_at = BookingForm.clean_starts_at


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)


class AttemptForm(forms.Form):
    reached = forms.BooleanField(label=_("Reached them"), required=False)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (RequestStatus.DECLINED, RequestStatus.DECLINED.label),
            (RequestStatus.UNREACHABLE, RequestStatus.UNREACHABLE.label),
            (RequestStatus.BOOKED, RequestStatus.BOOKED.label),
        ],
    )
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)
