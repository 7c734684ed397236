"""Cases: list and read them, open one, transfer it, change its status, read its messages
and reply. Every change goes through `cases.actions`, which applies the clock rules."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from posventa.api import lookups
from posventa.api.auth import Scope, scope
from posventa.api.pagination import BoundedLimitOffset
from posventa.api.routers.common import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, WRITE_ERRORS
from posventa.api.schemas import (
    CaseDetailOut,
    CaseFilters,
    CaseIn,
    CaseOut,
    MessageOut,
    Reference,
    ReplyIn,
    ReplyOut,
    StatusIn,
    TransferIn,
)
from posventa.cases import actions
from posventa.cases.models import Case, CaseStatus, Department
from posventa.clocks.actions import open_clocks_for
from posventa.clocks.models import Clock, ClockState
from posventa.inbox.models import Message

router = Router(tags=["cases"])
INFO_WEB = actions.INFO_WEB


def _filtered(reach: Scope, filters: CaseFilters) -> QuerySet[Case]:
    cases = reach.cases()
    errors: dict[str, str] = {}
    if filters.status:
        if filters.status not in CaseStatus.values:
            errors["status"] = _("Unknown status; use one of: %(allowed)s.") % {
                "allowed": ", ".join(CaseStatus.values)
            }
        cases = cases.filter(status=filters.status)
    if filters.department:
        if filters.department not in Department.values:
            errors["department"] = _("Unknown department; use one of: %(allowed)s.") % {
                "allowed": ", ".join(Department.values)
            }
        cases = cases.filter(department=filters.department)
    if filters.site:
        try:
            cases = cases.filter(site=lookups.site(reach, filters.site))
        except ValidationError as error:
            errors.update({field: msgs[0] for field, msgs in error.message_dict.items()})
    if filters.owner:
        owner = filters.owner.strip().lower()
        if owner == "me":
            cases = cases.filter(owner=reach.user)
        elif owner == "none":
            cases = cases.filter(owner__isnull=True)
        elif owner.isdigit():
            cases = cases.filter(owner_id=int(owner))
        else:
            errors["owner"] = _("Give a user id, “me” or “none”.")
    if errors:
        raise ValidationError(errors)
    return cases


def _case(request: HttpRequest, reference: str) -> tuple[Scope, Case]:
    reach = scope(request)
    return reach, get_object_or_404(reach.cases(), reference=reference)


def _detail(case: Case) -> Case:
    """The case with its open clocks attached, as CaseDetailOut reads them."""
    case.open_clocks = list(open_clocks_for(case).select_related("owner"))  # type: ignore[attr-defined]
    return case


@router.get("/cases", response={200: list[CaseOut], **LIST_ERRORS})
@paginate(BoundedLimitOffset)
def list_cases(request: HttpRequest, filters: Query[CaseFilters]) -> QuerySet[Case]:
    """Cases at the sites in reach, newest first. Filters: `status`, `site` (slug),
    `owner` (user id, `me` or `none`) and `department`."""
    return _filtered(scope(request), filters).order_by("-opened_at", "-id")


@router.get("/cases/{reference}", response={200: CaseDetailOut, **READ_ERRORS})
def get_case(request: HttpRequest, reference: Reference) -> Case:
    """One case by its reference, with the clocks still running or paused on it."""
    _reach, case = _case(request, reference)
    return _detail(case)


@router.post("/cases", response={201: CaseDetailOut, **CREATE_ERRORS})
def open_case(request: HttpRequest, payload: CaseIn) -> Status[Case]:
    """Open a case for a customer (a walk-in, a phone call). Starts INFO-COMPLETE."""
    reach = scope(request)
    site = lookups.site(reach, payload.site)
    customer = lookups.customer(reach, payload.customer)
    vehicle = lookups.vehicle(reach, payload.vehicle) if payload.vehicle else None
    owner = lookups.colleague(payload.owner, site, field="owner") if payload.owner else None
    case = actions.open_case(
        site=site,
        customer=customer,
        channel=payload.channel,
        subject=payload.subject,
        department=payload.department,
        requested_reply_channel=payload.requested_reply_channel,
        vehicle=vehicle,
        owner=owner,
        priority=payload.priority,
        actor=reach.user,
    )
    return Status(201, _detail(case))


@router.post("/cases/{reference}/transfer", response={200: CaseDetailOut, **WRITE_ERRORS})
def transfer_case(request: HttpRequest, reference: Reference, payload: TransferIn) -> Case:
    """Hand the case to a person, a team or a department, with a handover note. Its
    clocks follow the new owner."""
    reach, case = _case(request, reference)
    to_owner = (
        lookups.colleague(payload.to_owner, case.site, field="to_owner")
        if payload.to_owner
        else None
    )
    to_team = lookups.team(payload.to_team, case.site) if payload.to_team else None
    actions.transfer_case(
        case,
        to_owner=to_owner,
        to_team=to_team,
        to_department=payload.to_department,
        note=payload.note,
        actor=reach.user,
    )
    return _detail(case)


@router.post("/cases/{reference}/status", response={200: CaseDetailOut, **WRITE_ERRORS})
def set_status(request: HttpRequest, reference: Reference, payload: StatusIn) -> Case:
    """Move between open, waiting on the customer (pauses the reply clocks) and waiting on
    a third party (does not: the customer still waits on us)."""
    reach, case = _case(request, reference)
    actions.set_case_status(case, payload.status, actor=reach.user)
    return _detail(case)


@router.get("/cases/{reference}/messages", response={200: list[MessageOut], **READ_ERRORS})
def list_messages(request: HttpRequest, reference: Reference) -> QuerySet[Message]:
    """Every message of the case, oldest first: the customer's, our replies, automatic
    ones (`automatic`), calls and internal notes (`kind`)."""
    _reach, case = _case(request, reference)
    return (
        Message.objects.filter(case=case)
        .select_related("author", "notification")
        .order_by("created_at", "id")
    )


@router.post("/cases/{reference}/replies", response={201: ReplyOut, **WRITE_ERRORS})
def reply(
    request: HttpRequest, reference: Reference, payload: ReplyIn
) -> Status[dict[str, object]]:
    """Send a human reply to the customer, by default on the channel they asked for.
    `satisfied_info_web` tells whether it met the INFO-WEB clock that was running."""
    reach, case = _case(request, reference)
    owed = list(open_clocks_for(case).filter(standard_id=INFO_WEB).values_list("pk", flat=True))
    message = actions.reply(
        case,
        author=reach.user,
        body=payload.body,
        channel=payload.channel,
        subject=payload.subject,
    )
    satisfied = Clock.objects.filter(pk__in=owed, state=ClockState.SATISFIED).exists()
    return Status(201, {"message": message, "satisfied_info_web": satisfied})
