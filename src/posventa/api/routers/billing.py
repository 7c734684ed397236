"""Billing: invoices (one by one or a CSV), dispute holds, the hold check that billing and
collections systems call before they act, the collection actions refused with 409 while a
dispute holds the account, resolving a dispute, and the dossier of a case (PDF, ZIP).

Every change goes through `billing.actions`. A hold is learnt only through a case the token
reaches; an account, customer or invoice nobody knows answers "clear", never 404: the
caller asks before acting, and "we know of no dispute" is the answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from posventa.api import lookups
from posventa.api.auth import Scope, scope
from posventa.api.routers.common import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, WRITE_ERRORS
from posventa.api.schemas import (
    MAX_ID,
    NO_NUL,
    SOME_TEXT,
    ErrorsOut,
    InputSchema,
    Reference,
    choices,
    stated,
)
from posventa.billing import actions, dossier
from posventa.billing.models import (
    CollectionAttempt,
    CollectionKind,
    Hold,
    Invoice,
    InvoiceSource,
    InvoiceStatus,
)
from posventa.cases.models import Case
from posventa.customers.models import Customer
from posventa.inbox.models import Message

router = Router(tags=["billing"])
MAX_CSV_BYTES = 10 * 1024 * 1024
PDF = "application/pdf"
ZIP = "application/zip"


# --- schemas ---------------------------------------------------------------------------------


class InvoiceIn(InputSchema):
    customer: int = Field(ge=1, le=MAX_ID, description="The customer's id.")
    number: str = stated(max_length=64, pattern=SOME_TEXT)
    date: dt.date = Field(description="The invoice date, YYYY-MM-DD.")
    amount: str = stated(
        max_length=32, pattern=NO_NUL, description='A decimal number: "120.50" or "0".'
    )
    currency: str = stated(max_length=3, pattern=NO_NUL, description="ISO 4217, e.g. EUR.")
    status: str = stated("issued", enum=choices(InvoiceStatus.values))
    account: str = stated("", max_length=64, pattern=NO_NUL, description="Billing account.")


class InvoiceOut(Schema):
    id: int
    customer: int
    number: str
    account: str
    date: dt.date
    amount: str
    currency: str
    status: str
    source: str
    held: bool = Field(description="Whether an active dispute hold covers it.")

    @staticmethod
    def resolve_customer(obj: Invoice) -> int:
        return obj.customer_id

    @staticmethod
    def resolve_date(obj: Invoice) -> dt.date:
        return obj.issued_on

    @staticmethod
    def resolve_amount(obj: Invoice) -> str:
        return f"{obj.amount}"

    @staticmethod
    def resolve_held(obj: Invoice) -> bool:
        return bool(getattr(obj, "is_held", False))


class InvoiceFilters(InputSchema):
    customer: int = Field(ge=1, le=MAX_ID, description="The customer's id.")


class ImportErrorOut(Schema):
    line: int
    field: str
    reason: str


class ImportOut(Schema):
    id: int
    created: int
    unchanged: int
    errors: list[ImportErrorOut]


class HoldIn(InputSchema):
    case: str = stated(max_length=32, pattern=r"^[A-Za-z0-9-]{1,32}$", description="Reference.")
    reason: str = stated(max_length=5000, pattern=SOME_TEXT, description="What is disputed.")
    invoices: list[str] = Field(
        default_factory=list,
        max_length=500,
        description="Invoice numbers held; empty holds the whole account.",
    )


class HoldOut(Schema):
    id: int
    case: str
    customer: int
    scope: str = Field(description="`account` (everything) or `invoices` (those listed).")
    invoices: list[str]
    reason: str
    owner: str | None = Field(None, description="Who owns the dispute (the case owner).")
    placed_by: str | None
    since: dt.datetime
    lifted_at: dt.datetime | None
    lift_reason: str

    @staticmethod
    def resolve_case(obj: Hold) -> str:
        return obj.case.reference

    @staticmethod
    def resolve_customer(obj: Hold) -> int:
        return obj.customer_id

    @staticmethod
    def resolve_invoices(obj: Hold) -> list[str]:
        return [invoice.number for invoice in obj.invoices.all()]

    @staticmethod
    def resolve_owner(obj: Hold) -> str | None:
        return str(obj.case.owner) if obj.case.owner else None

    @staticmethod
    def resolve_placed_by(obj: Hold) -> str | None:
        return str(obj.placed_by) if obj.placed_by else None

    @staticmethod
    def resolve_since(obj: Hold) -> dt.datetime:
        return obj.placed_at


class HoldFilters(InputSchema):
    case: str = stated(max_length=32, pattern=r"^[A-Za-z0-9-]{1,32}$", description="Reference.")


class HoldCheckFilters(InputSchema):
    customer: int | None = Field(None, ge=1, le=MAX_ID, description="A customer's id.")
    account: str = stated("", max_length=64, pattern=NO_NUL, description="An account number.")
    invoice: str = stated("", max_length=64, pattern=NO_NUL, description="An invoice number.")


class HoldCheckItem(Schema):
    id: int
    case: str = Field(description="The dispute's case reference.")
    customer: int
    scope: str = Field(description="`account` (everything) or `invoices` (those listed).")
    invoices: list[str]
    reason: str
    owner: str | None = Field(None, description="Who owns the dispute (the case owner).")
    since: dt.datetime


class HoldCheckOut(Schema):
    status: str = Field(description="`held` or `clear`.")
    holds: list[HoldCheckItem]


class CollectionIn(InputSchema):
    kind: str = stated(enum=choices(CollectionKind.values))
    customer: int | None = Field(None, ge=1, le=MAX_ID, description="The customer's id.")
    account: str = stated("", max_length=64, pattern=NO_NUL, description="Or the account.")
    invoices: list[str] = Field(
        default_factory=list, max_length=500, description="Invoice numbers it concerns."
    )
    system: str = stated("", max_length=100, pattern=NO_NUL, description="Who asks.")
    note: str = stated("", max_length=5000, pattern=NO_NUL)


class CollectionOut(Schema):
    id: int
    kind: str
    customer: int
    refused: bool
    at: dt.datetime

    @staticmethod
    def resolve_customer(obj: CollectionAttempt) -> int:
        return obj.customer_id


class RefusedOut(ErrorsOut):
    holds: list[HoldOut]


# A refused collection action: the body names the hold(s) that refused it.
REFUSED_ERRORS: dict[int, Any] = {**CREATE_ERRORS, 409: RefusedOut}


class ResolveIn(InputSchema):
    answer: int = Field(ge=1, le=MAX_ID, description="The message that told the customer.")
    reason: str = stated(max_length=5000, pattern=SOME_TEXT, description="How it was settled.")


class ResolvedOut(Schema):
    case: str
    status: str
    lifted: list[HoldOut]


# --- helpers ---------------------------------------------------------------------------------


def _holds(queryset: QuerySet[Hold]) -> QuerySet[Hold]:
    return queryset.select_related("case", "case__owner", "placed_by").prefetch_related("invoices")


def _customer_of(reach: Scope, customer_id: int | None, account: str, field: str) -> Customer:
    if customer_id:
        return lookups.customer(reach, customer_id)
    if account:
        found = (
            reach.customers()
            .filter(pk__in=_account_customers(reach, account).values("customer_id")[:1])
            .first()
        )
        if found is not None:
            return found
        raise ValidationError({"account": _("No invoice carries account %(a)s.") % {"a": account}})
    raise ValidationError({field: _("Name the customer or the account.")})


def _account_customers(reach: Scope, account: str) -> QuerySet[Invoice]:
    return Invoice.objects.filter(organisation_id__in=reach.organisation_ids(), account=account)


def _invoices(customer: Customer, numbers: list[str]) -> list[Invoice]:
    wanted = list(dict.fromkeys(number.strip() for number in numbers if number.strip()))
    found = list(
        Invoice.objects.filter(organisation_id=customer.organisation_id, number__in=wanted)
    )
    missing = sorted(set(wanted) - {invoice.number for invoice in found})
    if missing:
        raise ValidationError(
            {"invoices": _("Unknown invoices: %(numbers)s.") % {"numbers": ", ".join(missing)}}
        )
    return found


def _case(reach: Scope, reference: str) -> Case:
    return get_object_or_404(reach.cases().select_related("customer"), reference=reference)


# --- invoices --------------------------------------------------------------------------------


@router.get("/billing/invoices", response={200: list[InvoiceOut], **LIST_ERRORS})
def list_invoices(request: HttpRequest, filters: Query[InvoiceFilters]) -> list[Invoice]:
    """A customer's invoices, newest first, each saying whether a dispute holds it. An
    unknown customer has none."""
    reach = scope(request)
    customer = reach.customers().filter(pk=filters.customer).first()
    if customer is None:
        return []
    invoices = list(Invoice.objects.filter(customer=customer).order_by("-issued_on", "-id"))
    held = actions.active_holds(customer_ids=[customer.pk], cases=reach.cases())
    account_held = any(hold.scope == "account" for hold in held.holds)
    held_ids = {invoice.pk for hold in held.holds for invoice in hold.invoices.all()}
    for invoice in invoices:
        invoice.is_held = account_held or invoice.pk in held_ids  # type: ignore[attr-defined]
    return invoices


@router.post("/billing/invoices", response={201: InvoiceOut, 200: InvoiceOut, **CREATE_ERRORS})
def record_invoice(request: HttpRequest, payload: InvoiceIn) -> Status[Invoice]:
    """Record an invoice on a customer (201), or update the one with that number (200):
    billing systems resend their invoices."""
    reach = scope(request)
    customer = lookups.customer(reach, payload.customer)
    fields = actions.clean_invoice_fields(
        number=payload.number,
        issued_on=payload.date,
        amount=payload.amount,
        currency=payload.currency,
        status=payload.status,
        account=payload.account,
    )
    invoice, created = actions.record_invoice(
        customer, fields, source=InvoiceSource.API, actor=reach.user
    )
    return Status(201 if created else 200, invoice)


@router.post("/billing/invoices/import", response={201: ImportOut, **CREATE_ERRORS})
def import_invoices(request: HttpRequest, file: File[UploadedFile]) -> Status[dict[str, Any]]:
    """Import a CSV (UTF-8, "," or ";") with the columns number, date, amount, currency,
    customer and optionally status and account. Good rows are recorded; every bad row is
    listed with its line and the reason."""
    reach = scope(request)
    if file.size and file.size > MAX_CSV_BYTES:
        raise ValidationError({"file": _("A CSV file has at most 10 MB.")})
    organisation, _site = lookups.organisation(reach, None)
    result = actions.import_invoices(
        organisation,
        file.read(),
        filename=file.name or "",
        actor=reach.user,
        customers=reach.customers(),
    )
    return Status(
        201,
        {
            "id": result.invoice_import.pk,
            "created": result.created,
            "unchanged": result.unchanged,
            "errors": [
                {"line": error.line, "field": error.field, "reason": error.reason}
                for error in result.errors
            ],
        },
    )


# --- holds -----------------------------------------------------------------------------------


@router.post("/billing/holds", response={201: HoldOut, **CREATE_ERRORS})
def place_hold(request: HttpRequest, payload: HoldIn) -> Status[Hold]:
    """Hold the customer's account (no invoices) or some invoices while the case (the
    dispute) is open. Recorded with who, when and why; lifted only by resolving it."""
    reach = scope(request)
    case = reach.cases().select_related("customer").filter(reference=payload.case).first()
    if case is None:
        raise ValidationError({"case": _("No case %(ref)s.") % {"ref": payload.case}})
    invoices = _invoices(case.customer, payload.invoices) if payload.invoices else []
    hold = actions.place_hold(case, actor=reach.user, reason=payload.reason, invoices=invoices)
    return Status(201, _holds(Hold.objects.filter(pk=hold.pk)).get())


@router.get("/billing/holds", response={200: list[HoldOut], **LIST_ERRORS})
def list_holds(request: HttpRequest, filters: Query[HoldFilters]) -> QuerySet[Hold]:
    """Every hold of a case, active or lifted (with who lifted it and why)."""
    reach = scope(request)
    return _holds(Hold.objects.filter(case__in=reach.cases(), case__reference=filters.case))


@router.get("/billing/hold-check", response={200: HoldCheckOut, **LIST_ERRORS})
def check_hold(request: HttpRequest, filters: Query[HoldCheckFilters]) -> dict[str, Any]:
    """Ask before acting: `held` with the holds (case reference, owner, since when), or
    `clear`. Give a customer id or an account number, and optionally an invoice number
    (then only holds covering that invoice or the whole account count). An unknown
    customer, account or invoice is `clear`."""
    reach = scope(request)
    # The token's sites and groups read once, as plain ids: the queries below then carry
    # two short lists instead of the access rules' subqueries (compiled on every request).
    sites = list(reach.sites.values_list("pk", "organisation_id"))
    site_ids = [pk for pk, _group in sites]
    organisations = sorted({group for _pk, group in sites})
    if filters.customer:
        customer_ids: Any = [filters.customer]
    elif filters.account:
        customer_ids = Invoice.objects.filter(
            organisation_id__in=organisations, account=filters.account
        ).values("customer_id")
    elif filters.invoice:
        customer_ids = Invoice.objects.filter(
            organisation_id__in=organisations, number=filters.invoice
        ).values("customer_id")
    else:
        raise ValidationError({"customer": _("Give a customer, an account or an invoice.")})
    holds = actions.hold_check(
        customer_ids=customer_ids, invoice_number=filters.invoice, site_ids=site_ids
    )
    return {"status": "held" if holds else "clear", "holds": holds}


@router.post("/billing/collection-actions", response={201: CollectionOut, **REFUSED_ERRORS})
def request_collection_action(request: HttpRequest, payload: CollectionIn) -> Any:
    """Announce a collection, cut-off, dunning letter or legal referral. On an account or
    invoice a dispute holds it is refused with 409 naming the hold; the attempt goes on the
    dispute's timeline and its owner is told. Otherwise it is recorded (201)."""
    reach = scope(request)
    customer = _customer_of(reach, payload.customer, payload.account, "customer")
    invoices = _invoices(customer, payload.invoices) if payload.invoices else []
    attempt = actions.request_collection_action(
        customer,
        kind=payload.kind,
        invoices=invoices,
        actor=reach.user,
        system=payload.system,
        note=payload.note,
    )
    if not attempt.refused:
        return Status(201, attempt)
    assert attempt.hold is not None
    hold = _holds(Hold.objects.filter(pk=attempt.hold.pk)).get()
    return Status(
        409,
        {
            "errors": [{"field": "hold", "message": actions.hold_message(hold)}],
            "holds": [hold],
        },
    )


@router.post("/billing/disputes/{reference}/resolve", response={200: ResolvedOut, **WRITE_ERRORS})
def resolve_dispute(request: HttpRequest, reference: Reference, payload: ResolveIn) -> Any:
    """Resolve the dispute with the answer sent to the customer and a reason: its holds are
    lifted, with the reason in the event log. There is no other way to lift a hold."""
    reach = scope(request)
    case = _case(reach, reference)
    answer = Message.objects.filter(pk=payload.answer, case=case).first()
    if answer is None:
        raise ValidationError(
            {"answer": _("No message #%(id)d on this case.") % {"id": payload.answer}}
        )
    active = list(Hold.objects.filter(case=case, lifted_at=None).values_list("pk", flat=True))
    actions.resolve_dispute(case, actor=reach.user, answer=answer, reason=payload.reason)
    return {
        "case": case.reference,
        "status": case.status,
        "lifted": list(_holds(Hold.objects.filter(pk__in=active))),
    }


# --- the dossier -----------------------------------------------------------------------------


def _file(body: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _binary(content_type: str) -> dict[str, Any]:
    return {
        "responses": {
            "200": {
                "description": "The file.",
                "content": {content_type: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    }


@router.get(
    "/billing/cases/{reference}/dossier.pdf",
    response=READ_ERRORS,
    openapi_extra=_binary(PDF),
)
def dossier_pdf(request: HttpRequest, reference: Reference) -> HttpResponse:
    """The case's timeline, holds, invoices, refused actions and messages as one PDF."""
    case = _case(scope(request), reference)
    return _file(dossier.render_pdf(case), PDF, f"{case.reference}.pdf")


@router.get(
    "/billing/cases/{reference}/dossier.zip",
    response=READ_ERRORS,
    openapi_extra=_binary(ZIP),
)
def dossier_zip(request: HttpRequest, reference: Reference) -> HttpResponse:
    """The PDF plus every message, letter, attachment and invoice of the case, as a ZIP."""
    case = _case(scope(request), reference)
    return _file(dossier.render_zip(case), ZIP, f"{case.reference}.zip")
