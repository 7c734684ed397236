"""Input for the billing pages. The forms parse; the actions decide (`billing.actions`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from posventa.billing.models import Invoice, InvoiceStatus
from posventa.customers.models import Customer


class InvoiceForm(forms.Form):
    number = forms.CharField(label=_("Number"), max_length=64)
    issued_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    # Text, so "1.234,50" and "0" both reach the action, which reads either.
    amount = forms.CharField(label=_("Amount"), max_length=32)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="EUR")
    status = forms.ChoiceField(
        label=_("Status"), choices=InvoiceStatus.choices, initial=InvoiceStatus.ISSUED
    )
    account = forms.CharField(label=_("Account"), max_length=64, required=False)


class InvoiceImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: number, date (YYYY-MM-DD), amount, currency, customer (id); "
            "optionally status and account."
        ),
    )


class InvoiceChoices(forms.ModelMultipleChoiceField[Invoice]):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.number} · {obj.issued_on:%Y-%m-%d} · {obj.amount} {obj.currency}"


class HoldForm(forms.Form):
    reason = forms.CharField(
        label=_("What does the customer dispute?"), widget=forms.Textarea(attrs={"rows": 3})
    )
    invoices = InvoiceChoices(
        label=_("Disputed invoices"),
        queryset=Invoice.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked holds the whole account."),
    )

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only this customer's invoices can be picked; the action checks again.
        field = self.fields["invoices"]
        assert isinstance(field, InvoiceChoices)
        field.queryset = Invoice.objects.filter(customer=customer).order_by("-issued_on", "-id")
