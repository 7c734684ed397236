"""Complaints: register one (on a case, or for a customer with no case yet), read and list
them, acknowledge, write the resolution plan, record attempts and the customer's agreement,
close. Transfers go through `POST /cases/{reference}/transfer` like any case's; a
complaint's routing flag follows them. Every change goes through `complaints.actions`.

Registering never refuses a complaint for what it says: an unknown category is kept as
"other" and an unknown severity as "normal" (the response's `warnings` say so)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from posventa.api import lookups
from posventa.api.auth import Scope, scope
from posventa.api.pagination import BoundedLimitOffset
from posventa.api.routers.common import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, WRITE_ERRORS
from posventa.api.schemas import (
    LONG_TEXT,
    MAX_ID,
    NO_NUL,
    REFERENCE,
    SLUG,
    SLUG_LENGTH,
    SOME_TEXT,
    InputSchema,
    Reference,
    choices,
    stated,
)
from posventa.cases.models import Case, ReplyChannel
from posventa.complaints import actions
from posventa.complaints.models import (
    AgreementSource,
    Category,
    Complaint,
    ComplaintStatus,
    RegisteredVia,
)
from posventa.inbox.models import Message

router = Router(tags=["complaints"])


class ComplaintIn(InputSchema):
    case: str | None = Field(
        None,
        max_length=32,
        pattern=REFERENCE,
        description="Reference of the case to mark a complaint. Or give site, customer and "
        "channel to open a new case for it.",
    )
    site: str | None = Field(None, max_length=SLUG_LENGTH, pattern=SLUG)
    customer: int | None = Field(None, ge=1, le=MAX_ID)
    channel: str = Field("", max_length=16, pattern=NO_NUL)
    subject: str = Field("", max_length=300, pattern=NO_NUL)
    category: str = Field(
        "",
        max_length=200,
        pattern=NO_NUL,
        description="One of: " + ", ".join(Category.values) + ". Anything else is kept as "
        "“other”, never refused.",
    )
    severity: str | int | None = Field(
        None, description="0-3 or low, normal, high, critical; anything else: normal."
    )
    desired_outcome: str = Field(
        "", max_length=LONG_TEXT, pattern=NO_NUL, description="In the customer's own words."
    )
    description: str = Field("", max_length=LONG_TEXT, pattern=NO_NUL)


class ComplaintOut(Schema):
    reference: str
    case_status: str
    owner: int | None
    owner_name: str
    department: str
    category: str
    severity: int
    desired_outcome: str
    description: str
    registered_via: str
    registered_at: dt.datetime
    status: str
    resolution_plan: str
    acknowledged_at: dt.datetime | None
    misrouted_department: str
    agreed_at: dt.datetime | None
    agreement_source: str
    attempts: int
    attempts_needed: int
    closed_at: dt.datetime | None
    close_reason: str
    warnings: list[str] = []

    @staticmethod
    def resolve_reference(complaint: Complaint) -> str:
        return complaint.case.reference

    @staticmethod
    def resolve_case_status(complaint: Complaint) -> str:
        return complaint.case.status

    @staticmethod
    def resolve_owner(complaint: Complaint) -> int | None:
        return complaint.case.owner_id

    @staticmethod
    def resolve_owner_name(complaint: Complaint) -> str:
        owner = complaint.case.owner
        return actions.owner_name(owner) if owner is not None else ""

    @staticmethod
    def resolve_department(complaint: Complaint) -> str:
        return complaint.case.department

    @staticmethod
    def resolve_attempts(complaint: Complaint) -> int:
        return complaint.attempts.count()

    @staticmethod
    def resolve_attempts_needed(complaint: Complaint) -> int:
        return actions.agreement_attempts_needed()

    @staticmethod
    def resolve_warnings(complaint: Complaint) -> list[str]:
        return list(getattr(complaint, "warnings", []))


class ComplaintFilters(Schema):
    status: str = stated("", enum=choices(ComplaintStatus.values, blank=True), max_length=16)
    misrouted: bool | None = None


class AcknowledgeIn(InputSchema):
    note: str = Field("", max_length=LONG_TEXT, pattern=NO_NUL)
    channel: str | None = stated(None, enum=choices(ReplyChannel.values, nullable=True))


class PlanIn(InputSchema):
    plan: str = stated(max_length=LONG_TEXT, pattern=SOME_TEXT)


class AttemptIn(InputSchema):
    channel: str = stated(enum=choices(ReplyChannel.values), max_length=16)
    note: str = Field("", max_length=LONG_TEXT, pattern=NO_NUL)
    message: int | None = Field(None, ge=1, le=MAX_ID)


class AgreementIn(InputSchema):
    source: str = stated(
        enum=choices(AgreementSource.values),
        max_length=16,
        description="reply: the customer's message (`message`); call: the logged call "
        "(`message`); portal: the customer said so in the portal.",
    )
    message: int | None = Field(None, ge=1, le=MAX_ID)


class CloseIn(InputSchema):
    reason: str = Field(
        "",
        max_length=LONG_TEXT,
        pattern=NO_NUL,
        description="Needed only without the customer's agreement, after the configured "
        "number of attempts.",
    )


def _complaints(reach: Scope) -> QuerySet[Complaint]:
    return Complaint.objects.filter(case__in=reach.cases()).select_related("case", "case__owner")


def _complaint(request: HttpRequest, reference: str) -> tuple[Scope, Complaint]:
    reach = scope(request)
    return reach, get_object_or_404(_complaints(reach), case__reference=reference)


def _message(complaint: Complaint, pk: int | None) -> Message | None:
    # A message of another case is refused by the action, naming `message`.
    return Message.objects.filter(pk=pk).first() if pk is not None else None


@router.post("/complaints", response={201: ComplaintOut, **CREATE_ERRORS})
def register_complaint(request: HttpRequest, payload: ComplaintIn) -> Status[Complaint]:
    """Register a complaint on a case (`case`), or for a customer (`site`, `customer`,
    `channel`), opening its case in the complaints department. Starts COMPLAINT-ACK and
    COMPLAINT-OPEN. A case that already is a complaint returns it (reopened if closed)."""
    reach = scope(request)
    common = {
        "via": RegisteredVia.API,
        "category": payload.category,
        "severity": payload.severity,
        "desired_outcome": payload.desired_outcome,
        "description": payload.description,
        "actor": reach.user,
    }
    if payload.case:
        complaint = actions.register_complaint(_case(reach, payload.case), **common)  # type: ignore[arg-type]
    else:
        if not payload.site or payload.customer is None:
            field = "site" if not payload.site else "customer"
            raise ValidationError(
                {field: _("Give a case reference, or a site, a customer and a channel.")}
            )
        site = lookups.site(reach, payload.site)
        customer = lookups.customer(reach, payload.customer)
        complaint = actions.open_complaint(
            site=site,
            customer=customer,
            channel=payload.channel,
            subject=payload.subject,
            **common,  # type: ignore[arg-type]
        )
    complaint.warnings = actions.registration_warnings(  # type: ignore[attr-defined]
        complaint, given_category=payload.category, given_severity=payload.severity
    )  # type: ignore[attr-defined]
    return Status(201, complaint)


def _case(reach: Scope, reference: str) -> Case:
    # Named in the body, so an unknown one is a 422 on `case` (routers/common.py). The
    # words are in the complaints catalogue (complaints/labels.py).
    case = reach.cases().filter(reference=reference).first()
    if case is None:
        raise ValidationError({"case": _("No case %(reference)s.") % {"reference": reference}})
    return case


@router.get("/complaints", response={200: list[ComplaintOut], **LIST_ERRORS})
@paginate(BoundedLimitOffset)
def list_complaints(request: HttpRequest, filters: Query[ComplaintFilters]) -> QuerySet[Complaint]:
    """Complaints at the sites in reach, newest first. `status` open or closed;
    `misrouted` true: those with a department that cannot solve their category."""
    rows = _complaints(scope(request)).prefetch_related("attempts")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.misrouted is True:
        rows = rows.exclude(misrouted_department="")
    elif filters.misrouted is False:
        rows = rows.filter(misrouted_department="")
    return rows.order_by("-registered_at", "-id")


@router.get("/complaints/{reference}", response={200: ComplaintOut, **READ_ERRORS})
def get_complaint(request: HttpRequest, reference: Reference) -> Complaint:
    """The complaint on one case, by the case's reference."""
    return _complaint(request, reference)[1]


@router.post(
    "/complaints/{reference}/acknowledgement", response={200: ComplaintOut, **WRITE_ERRORS}
)
def acknowledge_complaint(
    request: HttpRequest, reference: Reference, payload: AcknowledgeIn
) -> Complaint:
    """Send the acknowledgement: the reference and the owner's name, in the customer's
    language, plus `note`. Satisfies COMPLAINT-ACK; an unowned complaint becomes yours."""
    reach, complaint = _complaint(request, reference)
    actions.acknowledge_complaint(
        complaint, actor=reach.user, note=payload.note, channel=payload.channel
    )
    return complaint


@router.post("/complaints/{reference}/plan", response={200: ComplaintOut, **WRITE_ERRORS})
def set_plan(request: HttpRequest, reference: Reference, payload: PlanIn) -> Complaint:
    """Write the resolution plan."""
    reach, complaint = _complaint(request, reference)
    return actions.set_resolution_plan(complaint, plan=payload.plan, actor=reach.user)


@router.post("/complaints/{reference}/attempts", response={200: ComplaintOut, **WRITE_ERRORS})
def record_attempt(request: HttpRequest, reference: Reference, payload: AttemptIn) -> Complaint:
    """Record that you asked the customer whether they agree it is resolved."""
    reach, complaint = _complaint(request, reference)
    actions.record_agreement_attempt(
        complaint,
        actor=reach.user,
        channel=payload.channel,
        note=payload.note,
        message=_message(complaint, payload.message),
    )
    return complaint


@router.post("/complaints/{reference}/agreement", response={200: ComplaintOut, **WRITE_ERRORS})
def record_agreement(request: HttpRequest, reference: Reference, payload: AgreementIn) -> Complaint:
    """Record the customer's agreement: from their reply, a logged call, or the portal."""
    reach, complaint = _complaint(request, reference)
    return actions.record_agreement(
        complaint,
        source=payload.source,
        message=_message(complaint, payload.message),
        actor=reach.user,
    )


@router.post("/complaints/{reference}/close", response={200: ComplaintOut, **WRITE_ERRORS})
def close_complaint(request: HttpRequest, reference: Reference, payload: CloseIn) -> Complaint:
    """Close it: with the customer's agreement, or with `reason` after the configured
    number of attempts (422 on `agreement` or `reason` otherwise). Satisfies
    COMPLAINT-OPEN; the case can then be resolved."""
    reach, complaint = _complaint(request, reference)
    return actions.close_complaint(complaint, actor=reach.user, reason=payload.reason)
