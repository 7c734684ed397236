"""The forms of the agent workspace. They only collect input: every change goes through
`posventa.cases.actions`, and the actions' own errors are put back on the matching field
(`apply_errors`), so an agent always sees which field to fix and never loses what they typed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from posventa.cases.actions import STAFF_SETTABLE_STATUSES, render_canned_answer
from posventa.cases.models import Case, Department, ReplyChannel
from posventa.core.models import Site, Team, User
from posventa.inbox.models import CannedAnswer, Direction, Message, MessageKind

# A phone answer is a logged call, and nobody can be answered through a web form (the
# reply action sends those by e-mail), so neither is offered in the reply composer.
COMPOSER_CHANNELS = [
    (value, label)
    for value, label in ReplyChannel.choices
    if value not in (ReplyChannel.PHONE, ReplyChannel.WEB_FORM)
]
TEXTAREA_ROWS = 5


def effective_requested_channel(case: Case) -> str:
    """The channel that answers the customer "by the method they asked for" (INFO-WEB).

    Mirrors `cases.actions.reply`: a web-form author is answered by e-mail.
    """
    if case.requested_reply_channel == ReplyChannel.WEB_FORM:
        return ReplyChannel.EMAIL
    return case.requested_reply_channel


def composer_default_channel(case: Case) -> str:
    requested = effective_requested_channel(case)
    if requested in dict(COMPOSER_CHANNELS):
        return requested
    # The customer asked for a call: the call is logged with its own form; a written reply
    # defaults to e-mail and shows the "does not count" warning.
    return ReplyChannel.EMAIL


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Put an action's ValidationError on the form fields it names (or on the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


def staff_of(site: Site) -> QuerySet[User]:
    """Active people who may work on the site's cases (site roles and group-wide roles)."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(memberships__site=site)
            | Q(memberships__site__isnull=True, memberships__organisation_id=site.organisation_id)
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def canned_answers_for(case: Case) -> QuerySet[CannedAnswer]:
    """Canned answers for this case's site and department, in the customer's language.

    A customer whose language we do not know gets every language offered.
    """
    answers = CannedAnswer.objects.filter(organisation_id=case.organisation_id).filter(
        Q(site__isnull=True) | Q(site_id=case.site_id)
    )
    answers = answers.filter(Q(department="") | Q(department=case.department))
    language = (case.customer.language or "").split("-")[0].lower()
    if language:
        answers = answers.filter(language=language)
    return answers.order_by("title", "pk")


def answer_candidates(case: Case) -> QuerySet[Message]:
    """Messages that can close INFO-COMPLETE: replies and calls a person made on this case.

    The action checks again (e.g. an undeliverable reply is refused); this only keeps the
    choice list honest.
    """
    return (
        Message.objects.filter(
            case=case,
            direction=Direction.OUTBOUND,
            automatic=False,
            author__isnull=False,
            kind__in=(MessageKind.REPLY, MessageKind.CALL_LOG),
        )
        .select_related("author")
        .order_by("-created_at", "-pk")
    )


class CannedAnswerChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.title)


class AnswerChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        when = obj.created_at.strftime("%Y-%m-%d %H:%M")
        text = " ".join((obj.subject or obj.body_text).split())
        kind = _("Call") if obj.kind == MessageKind.CALL_LOG else obj.get_channel_display()
        return f"{when} · {kind} · {text[:70]}"


class WorkspaceForm(forms.Form):
    """Several forms share the case page: each gets its own id prefix ("reply_body")."""

    id_prefix = "form"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class ReplyForm(WorkspaceForm):
    id_prefix = "reply"
    channel = forms.ChoiceField(label=_("Reply by"), choices=COMPOSER_CHANNELS)
    canned_answer = CannedAnswerChoice(
        label=_("Canned answer"),
        queryset=CannedAnswer.objects.none(),
        required=False,
        empty_label=_("Insert a canned answer…"),
    )
    subject = forms.CharField(label=_("Subject"), max_length=500, required=False)
    # Not required here: an empty body with a canned answer sends the canned answer, and
    # an empty reply is refused by the action with the field named.
    body = forms.CharField(
        label=_("Reply"),
        required=False,
        widget=forms.Textarea(attrs={"rows": TEXTAREA_ROWS}),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"channel": composer_default_channel(case)})
        super().__init__(*args, **kwargs)
        self.case = case
        self.requested_channel = effective_requested_channel(case)
        canned = self.fields["canned_answer"]
        assert isinstance(canned, forms.ModelChoiceField)
        canned.queryset = canned_answers_for(case)

    def canned_options(self) -> list[tuple[int, str, str]]:
        """(pk, title, text with the case's placeholders filled) for the composer."""
        canned = self.fields["canned_answer"]
        assert isinstance(canned, forms.ModelChoiceField)
        return [
            (answer.pk, answer.title, render_canned_answer(answer, self.case))
            for answer in canned_answers_for(self.case)
        ]

    def chosen_channel(self) -> str:
        value = self.data.get("channel") if self.is_bound else self.initial.get("channel")
        return str(value or composer_default_channel(self.case))

    def off_requested_channel(self) -> bool:
        return self.chosen_channel() != self.requested_channel


class NoteForm(WorkspaceForm):
    id_prefix = "note"
    body = forms.CharField(
        label=_("Internal note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only colleagues see it. It answers nothing and stops no clock."),
    )


class CallForm(WorkspaceForm):
    id_prefix = "call"
    direction = forms.ChoiceField(
        label=_("Call"),
        choices=[
            (Direction.OUTBOUND, _("We called the customer")),
            (Direction.INBOUND, _("The customer called us")),
        ],
        initial=Direction.OUTBOUND,
    )
    summary = forms.CharField(
        label=_("What was said and agreed"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TransferForm(WorkspaceForm):
    id_prefix = "transfer"
    to_owner = forms.ModelChoiceField(
        label=_("To person"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody (the team's queue)"),
    )
    to_team = forms.ModelChoiceField(
        label=_("To team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Keep the team"),
    )
    to_department = forms.ChoiceField(
        label=_("To department"),
        choices=[("", _("Keep the department")), *Department.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Handover note"),
        required=True,
        error_messages={"required": _("A handover note is required.")},
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the next person needs to know, so the customer never repeats it."),
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["to_owner"]
        team = self.fields["to_team"]
        assert isinstance(owner, forms.ModelChoiceField)
        assert isinstance(team, forms.ModelChoiceField)
        owner.queryset = staff_of(case.site)
        team.queryset = Team.objects.filter(site_id=case.site_id).order_by("name")
        team.label_from_instance = lambda obj: obj.name  # type: ignore[method-assign]


SETTABLE_STATUS_CHOICES = [(status.value, status.label) for status in STAFF_SETTABLE_STATUSES]


class StatusForm(WorkspaceForm):
    id_prefix = "status"
    status = forms.ChoiceField(label=_("Status"), choices=SETTABLE_STATUS_CHOICES)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        # A new case is not "Open" yet: preselecting Open would offer a change that looks
        # like the current state. Staff pick the status; the current one is preselected
        # only when it is one they can set.
        settable = case.status in STAFF_SETTABLE_STATUSES
        kwargs.setdefault("initial", {"status": case.status if settable else ""})
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        if not settable:
            status.choices = [("", _("Choose a status…")), *SETTABLE_STATUS_CHOICES]


class ResolveForm(WorkspaceForm):
    id_prefix = "resolve"
    answer = AnswerChoice(
        label=_("The answer given to the customer"),
        queryset=Message.objects.none(),
        empty_label=_("Choose the reply or call…"),
        error_messages={
            "required": _("Choose the reply or call that answered the customer."),
            "invalid_choice": _("That message is not a reply or call on this case."),
        },
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        answer = self.fields["answer"]
        assert isinstance(answer, forms.ModelChoiceField)
        answer.queryset = answer_candidates(case)
        self.has_candidates = answer.queryset.exists()
