"""Promises (PROMISE-KEPT): make one on a case, list them, reassign and cancel them. Every
change goes through `promises.actions`, which runs the promise's own clock."""

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
from posventa.api.routers.common import LIST_ERRORS, WRITE_ERRORS
from posventa.api.schemas import (
    LONG_TEXT,
    MAX_ID,
    SOME_TEXT,
    InputSchema,
    Reference,
    UserRef,
    choices,
    stated,
)
from posventa.cases.models import ReplyChannel
from posventa.core.models import Team, User
from posventa.promises import actions
from posventa.promises.models import Promise, PromiseAct, PromiseSource, PromiseStatus

router = Router(tags=["promises"])


class PromiseIn(InputSchema):
    what: str = stated(description="What was promised, as the customer heard it.",
                       max_length=500, pattern=SOME_TEXT)  # fmt: skip
    act: str = stated(enum=choices(PromiseAct.values))
    deadline: dt.datetime | None = Field(
        None,
        description="With its time zone. Empty: the site's default (its PROMISE-KEPT target, "
        "else 8 business hours).",
    )
    owner: int | None = Field(None, ge=1, le=MAX_ID, description="User id who keeps it.")
    owner_team: int | None = Field(
        None, ge=1, le=MAX_ID, description="Or a team at the case's site. Default: you."
    )
    channel: str | None = stated(
        None,
        description="How the customer will be contacted. Default: the channel they asked for.",
        enum=choices(ReplyChannel.values, nullable=True),
    )


class ReassignIn(InputSchema):
    owner: int | None = Field(None, ge=1, le=MAX_ID)
    owner_team: int | None = Field(None, ge=1, le=MAX_ID)
    note: str = Field("", max_length=500)


class CancelIn(InputSchema):
    reason: str = stated(description="Required.", max_length=LONG_TEXT, pattern=SOME_TEXT)


class PromiseOut(Schema):
    id: int
    case: str
    customer: int
    what: str
    act: str
    status: str
    made_by: UserRef | None
    made_at: dt.datetime
    owner: UserRef | None
    owner_team: int | None
    owner_label: str = Field(description="Who will contact the customer, as they read it.")
    deadline: dt.datetime
    channel: str
    source: str
    kept_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    cancel_reason: str
    renegotiations: int

    @staticmethod
    def resolve_case(obj: Promise) -> str:
        return obj.case.reference

    @staticmethod
    def resolve_customer(obj: Promise) -> int:
        return obj.customer_id

    @staticmethod
    def resolve_owner_team(obj: Promise) -> int | None:
        return obj.owner_team_id


class PromiseFilters(Schema):
    status: str | None = Field(None, description="open, kept or cancelled.")
    case: str | None = Field(None, max_length=32, description="A case reference.")
    owner: str | None = Field(None, description="A user id, `me`, or `none` (a team keeps it).")


def _promises(reach: Scope) -> QuerySet[Promise]:
    return Promise.objects.filter(site__in=reach.sites).select_related(
        "case", "owner", "made_by", "owner_team"
    )


def _owners(
    payload: ReassignIn | PromiseIn, reach: Scope, site_id: int
) -> tuple[User | None, Team | None]:
    site = reach.sites.get(pk=site_id)
    owner = lookups.colleague(payload.owner, site, field="owner") if payload.owner else None
    team = (
        lookups.team(payload.owner_team, site, field="owner_team") if payload.owner_team else None
    )
    return owner, team


@router.get("/promises", response={200: list[PromiseOut], **LIST_ERRORS})
@paginate(BoundedLimitOffset)
def list_promises(request: HttpRequest, filters: Query[PromiseFilters]) -> QuerySet[Promise]:
    """Promises at the sites in reach, soonest deadline first. Filters: `status`, `case`
    (reference), `owner` (user id or `me`)."""
    reach = scope(request)
    promises = _promises(reach)
    if filters.status:
        if filters.status not in PromiseStatus.values:
            raise ValidationError(
                {"status": _("Unknown status; use one of: %(allowed)s.")
                 % {"allowed": ", ".join(PromiseStatus.values)}}
            )  # fmt: skip
        promises = promises.filter(status=filters.status)
    if filters.case:
        promises = promises.filter(case__reference=filters.case)
    if filters.owner:
        owner = filters.owner.strip().lower()
        if owner == "me":
            promises = promises.filter(owner=reach.user)
        elif owner == "none":  # kept by a team
            promises = promises.filter(owner__isnull=True)
        elif owner.isdigit():
            promises = promises.filter(owner_id=int(owner))
        else:
            raise ValidationError({"owner": _("Give a user id, “me” or “none”.")})
    return promises.order_by("deadline", "id")


@router.post("/cases/{reference}/promises", response={201: PromiseOut, **WRITE_ERRORS})
def make_promise(request: HttpRequest, reference: Reference, payload: PromiseIn) -> Status[Promise]:
    """Record a promise on a case and start its PROMISE-KEPT clock. A deadline in the past,
    or one before which the site never opens, is refused on `deadline`."""
    reach = scope(request)
    case = get_object_or_404(reach.cases(), reference=reference)
    owner, team = _owners(payload, reach, case.site_id)
    deadline = payload.deadline or actions.due(case.site, None).at
    promise = actions.make_promise(
        case,
        what=payload.what,
        act=payload.act,
        deadline=deadline,
        actor=reach.user,
        owner=owner,
        owner_team=team,
        channel=payload.channel,
        source=PromiseSource.API,
    )
    return Status(201, promise)


@router.post("/promises/{promise_id}/reassign", response={200: PromiseOut, **WRITE_ERRORS})
def reassign_promise(request: HttpRequest, promise_id: int, payload: ReassignIn) -> Promise:
    """Give the promise to another person or team at its site; the clock follows."""
    reach = scope(request)
    promise = get_object_or_404(_promises(reach), pk=promise_id)
    owner, team = _owners(payload, reach, promise.site_id)
    return actions.reassign_promise(
        promise, actor=reach.user, owner=owner, owner_team=team, note=payload.note
    )


@router.post("/promises/{promise_id}/cancel", response={200: PromiseOut, **WRITE_ERRORS})
def cancel_promise(request: HttpRequest, promise_id: int, payload: CancelIn) -> Promise:
    """Withdraw a promise, with the reason (required)."""
    reach = scope(request)
    promise = get_object_or_404(_promises(reach), pk=promise_id)
    return actions.cancel_promise(promise, actor=reach.user, reason=payload.reason)
