"""Input for complaints: the customer's form in the portal and the staff forms.

Registering has no required field and no choice that can fail: what the form cannot read
is kept by the action as "other" or "normal" (nobody can be turned away, issue 11)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from posventa.cases.models import Case, ReplyChannel
from posventa.complaints.models import Category, Severity
from posventa.inbox.models import Direction, Message, MessageKind

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


class PlanForm(forms.Form):
    plan = forms.CharField(
        label=_("resolution plan"), max_length=LONG_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("A personal line for the customer (optional)"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AttemptForm(forms.Form):
    channel = forms.ChoiceField(label=_("How you asked"), choices=ReplyChannel.choices)
    note = forms.CharField(label=_("What happened"), required=False, max_length=LONG_TEXT)


class AgreementForm(forms.Form):
    """Which message or call carries the customer's agreement: only theirs on this case."""

    message = forms.TypedChoiceField(label=_("Where the customer agreed"), coerce=int)

    def __init__(self, *args: object, case: Case, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        rows = (
            Message.objects.filter(case=case)
            .filter(
                Q(direction=Direction.INBOUND, kind=MessageKind.CUSTOMER_MESSAGE)
                | Q(kind=MessageKind.CALL_LOG)
            )
            .order_by("-created_at", "-id")[:50]
        )
        self.fields["message"].choices = [  # type: ignore[attr-defined]
            (row.pk, f"{row.created_at:%Y-%m-%d %H:%M} · {row.body_text[:60]}") for row in rows
        ]


class CloseForm(forms.Form):
    reason = forms.CharField(
        label=_("reason for closing without agreement"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
