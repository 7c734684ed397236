"""Calls and Asterisk call-record imports. Uploads go through
`telephony.actions.cdr_import`, exactly as the import_cdr command does."""

import datetime as dt
from typing import Annotated

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Form, Query, Router, Schema, Status, params
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import Field, field_validator

from posventa.api import lookups
from posventa.api.auth import scope
from posventa.api.pagination import BoundedLimitOffset
from posventa.api.routers.common import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS
from posventa.api.schemas import MAX_ID, InputSchema, aware_utc
from posventa.telephony.actions import cdr_import
from posventa.telephony.models import Call, CdrImport, CdrRowError

router = Router(tags=["calls"])
# A response names this many bad lines; every one is kept (GET the import for the count).
SHOWN_ERRORS = 1000

CallId = Annotated[int, params.Path(ge=1, le=MAX_ID, description="A call's id.")]
ImportId = Annotated[int, params.Path(ge=1, le=MAX_ID, description="A CDR import's id.")]


class CallOut(Schema):
    id: int
    site: str = Field(description="The site's slug.")
    source: str
    external_id: str
    direction: str
    status: str
    department: str
    caller_raw: str = Field(description="The calling number as the phone system sent it.")
    caller: str = Field(description="E.164, or empty when it could not be read.")
    caller_unparsed: bool
    called_raw: str
    called: str
    customer: int | None
    case: str | None = Field(None, description="The reference of the case it is on.")
    agent_raw: str
    started_at: dt.datetime
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    ring_seconds: int
    rings: int
    hold_seconds: int
    longest_hold_seconds: int
    holds_over_limit: int
    talk_seconds: int
    answered: bool
    abandoned: bool
    abandoned_after_seconds: int | None
    voicemail: bool
    voicemail_url: str
    transfers: list[dict[str, str]]
    meets_info_phone: bool | None = Field(description="Null for open and outbound calls.")
    outcome: str

    @staticmethod
    def resolve_site(obj: Call) -> str:
        return obj.site.slug

    @staticmethod
    def resolve_customer(obj: Call) -> int | None:
        return obj.customer_id

    @staticmethod
    def resolve_case(obj: Call) -> str | None:
        return obj.case.reference if obj.case_id and obj.case else None


class CallFilters(InputSchema):
    site: str | None = Field(None, max_length=50, description="A site's slug.")
    since: dt.datetime | None = Field(None, description="Calls started at or after this time.")
    until: dt.datetime | None = Field(None, description="Calls started before this time.")

    # A time with a zone, in UTC: PostgreSQL refuses an offset beyond ±15:59 (a 500 before).
    _in_utc = field_validator("since", "until", mode="after")(aware_utc)


class RowErrorOut(Schema):
    line_number: int
    reason: str
    raw_line: str


class CdrImportOut(Schema):
    id: int
    site: str
    filename: str
    sha256: str
    size: int
    times_utc: bool
    started_at: dt.datetime
    finished_at: dt.datetime | None
    rows_read: int
    rows_imported: int
    rows_already_known: int
    rows_bad: int
    errors: list[RowErrorOut] = Field(description="The first 1000 bad lines, in file order.")

    @staticmethod
    def resolve_site(obj: CdrImport) -> str:
        return obj.site.slug

    @staticmethod
    def resolve_errors(obj: CdrImport) -> list[CdrRowError]:
        return list(obj.errors.all()[:SHOWN_ERRORS])


def _calls(request: HttpRequest) -> QuerySet[Call]:
    return Call.objects.filter(site__in=scope(request).sites).select_related("site", "case")


@router.get("/calls", response={200: list[CallOut], **LIST_ERRORS})
@paginate(BoundedLimitOffset)
def list_calls(request: HttpRequest, filters: Query[CallFilters]) -> QuerySet[Call]:
    """Calls of the sites in reach, newest first, with their facts (ring, hold, talk,
    INFO-PHONE). Filter by site and by when they started."""
    calls = _calls(request)
    if filters.site:
        calls = calls.filter(site=lookups.site(scope(request), filters.site))
    if filters.since:
        calls = calls.filter(started_at__gte=filters.since)
    if filters.until:
        calls = calls.filter(started_at__lt=filters.until)
    return calls.order_by("-started_at", "-pk")


@router.get("/calls/{call_id}", response={200: CallOut, **READ_ERRORS})
def get_call(request: HttpRequest, call_id: CallId) -> Call:
    """One call with its facts."""
    return get_object_or_404(_calls(request), pk=call_id)


@router.post("/cdr-imports", response={201: CdrImportOut, **CREATE_ERRORS})
def upload_cdr(
    request: HttpRequest,
    file: File[UploadedFile],
    site: Form[str],
    times_utc: Form[bool | None] = None,
) -> Status[CdrImport]:
    """Import an Asterisk Master.csv (cdr_csv, no header, 16 to 21 columns) for a site as
    a multipart upload (`site`, `file`, optional `times_utc`; default: the site's phone
    settings). The file is kept as it came and read in chunks; calls already known (the
    same file again, or a file that grew) are counted, not added; every bad line is
    reported with its number and reason."""
    reach = scope(request)
    target = lookups.site(reach, site)
    record = cdr_import.import_cdr(
        target,
        file,
        filename=file.name or "Master.csv",
        times_utc=times_utc,
        actor=reach.user,
    )
    return Status(201, record)


@router.get("/cdr-imports/{import_id}", response={200: CdrImportOut, **READ_ERRORS})
def get_cdr_import(request: HttpRequest, import_id: ImportId) -> CdrImport:
    """One CDR import: its counts and its bad lines."""
    imports = CdrImport.objects.filter(site__in=scope(request).sites).select_related("site")
    return get_object_or_404(imports, pk=import_id)
