"""Invoices, dispute holds and the collection actions they refuse (HOLD-DISPUTE, seed 002).

Rules:

* An invoice belongs to one customer of a group; its number is unique in the group. Recording
  a number again for the same customer updates what may change (status, amount, account):
  billing systems resend their invoices, and an import can be run twice.
* A hold is placed by a person on an open case (the dispute) and covers the customer's whole
  account or some of their invoices. Who, when and why are on the hold and on the case's
  timeline.
* A hold is lifted only by resolving its case, and the lifting records a reason: the one
  given to `resolve_dispute`, or the answer that resolved the case (`case_resolved`).
* A collection, cut-off, dunning letter or legal referral asked for on what a hold covers is
  refused. The refusal is kept (`CollectionAttempt.refused`), written on the case's
  timeline, and the case owner (or whoever placed the hold) is told, in one transaction.
  An action naming no invoice concerns the account, so any active hold on it refuses it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from posventa.billing.models import (
    CollectionAttempt,
    CollectionKind,
    Hold,
    HoldScope,
    Invoice,
    InvoiceImport,
    InvoiceImportError,
    InvoiceSource,
    InvoiceStatus,
)
from posventa.cases import actions as case_actions
from posventa.cases.models import Case
from posventa.core.events import record_event
from posventa.core.models import Organisation, User
from posventa.customers.models import Customer
from posventa.inbox.models import Message
from posventa.outbox.actions import notify_user

NUMBER_MAX_LENGTH = Invoice._meta.get_field("number").max_length or 64
ACCOUNT_MAX_LENGTH = Invoice._meta.get_field("account").max_length or 64
# Fourteen digits with two decimals: what the column holds.
MAX_AMOUNT = Decimal("999999999999.99")
INVOICE_STATUSES = InvoiceStatus.values
COLLECTION_KINDS = CollectionKind.values
CSV_COLUMNS = ("number", "date", "amount", "currency", "customer")
CSV_OPTIONAL_COLUMNS = ("status", "account")


def atomic() -> transaction.Atomic:
    return transaction.atomic(savepoint=False)


# --- invoices -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceFields:
    """An invoice's values, checked and converted (what a form, the API or a CSV row gave)."""

    number: str
    issued_on: dt.date
    amount: Decimal
    currency: str
    status: str = InvoiceStatus.ISSUED
    account: str = ""


def clean_invoice_fields(
    *,
    number: str,
    issued_on: dt.date | str,
    amount: Decimal | str | int | float,
    currency: str,
    status: str = "",
    account: str = "",
) -> InvoiceFields:
    """Convert and check every field at once; the ValidationError names each bad one."""
    errors: dict[str, str] = {}
    number = (number or "").strip()
    if not number:
        errors["number"] = _("Give the invoice number.")
    elif len(number) > NUMBER_MAX_LENGTH:
        errors["number"] = _("An invoice number has at most %(max)d characters.") % {
            "max": NUMBER_MAX_LENGTH
        }
    date = _parse_date(issued_on)
    if date is None:
        errors["date"] = _("Give the invoice date as YYYY-MM-DD.")
    value = _parse_amount(amount)
    if value is None:
        errors["amount"] = _("Give the amount as a number, such as 120.50.")
    elif abs(value) > MAX_AMOUNT:
        errors["amount"] = _("That amount is too large.")
    code = (currency or "").strip().upper()
    if len(code) != 3 or not code.isalpha() or not code.isascii():
        errors["currency"] = _("Give the currency as a three-letter ISO 4217 code, such as EUR.")
    status = (status or "").strip().lower() or InvoiceStatus.ISSUED
    if status not in INVOICE_STATUSES:
        errors["status"] = _("Unknown status; use one of: %(allowed)s.") % {
            "allowed": ", ".join(INVOICE_STATUSES)
        }
    account = (account or "").strip()
    if len(account) > ACCOUNT_MAX_LENGTH:
        errors["account"] = _("An account number has at most %(max)d characters.") % {
            "max": ACCOUNT_MAX_LENGTH
        }
    if errors:
        raise ValidationError(errors)
    assert date is not None and value is not None
    return InvoiceFields(number, date, value, code, status, account)


def _parse_date(value: dt.date | str) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def _parse_amount(value: Decimal | str | int | float) -> Decimal | None:
    text = str(value).strip().replace(" ", "")
    # "1.234,56" and "1234,56" (Spanish and Swedish spreadsheets) as well as "1234.56".
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    return amount.quantize(Decimal("0.01"))


def record_invoice(
    customer: Customer,
    fields: InvoiceFields,
    *,
    source: str,
    actor: User | None,
) -> tuple[Invoice, bool]:
    """Record an invoice, or update the one with that number. Returns (invoice, created).
    Refuses a number the group already has on another customer."""
    with atomic():
        existing = (
            Invoice.objects.select_for_update()
            .filter(organisation_id=customer.organisation_id, number=fields.number)
            .first()
        )
        if existing is not None:
            return _update_invoice(existing, customer, fields, actor), False
        invoice = Invoice.objects.create(
            organisation_id=customer.organisation_id,
            customer=customer,
            number=fields.number,
            account=fields.account,
            issued_on=fields.issued_on,
            amount=fields.amount,
            currency=fields.currency,
            status=fields.status,
            source=source,
            created_by=actor,
            created_at=timezone.now(),
        )
        record_event(
            "invoice.recorded",
            subject=customer,
            organisation=customer.organisation,
            actor=actor,
            summary=f"{invoice.number} {invoice.amount} {invoice.currency}",
            data={"invoice": invoice.pk, "number": invoice.number, "source": source},
        )
    return invoice, True


def _update_invoice(
    invoice: Invoice, customer: Customer, fields: InvoiceFields, actor: User | None
) -> Invoice:
    if invoice.customer_id != customer.pk:
        raise ValidationError(
            {
                "number": _("Invoice %(number)s belongs to another customer.")
                % {"number": fields.number}
            }
        )
    changes = {
        name: value
        for name, value in (
            ("status", fields.status),
            ("amount", fields.amount),
            ("currency", fields.currency),
            ("issued_on", fields.issued_on),
            ("account", fields.account or invoice.account),
        )
        if getattr(invoice, name) != value
    }
    if not changes:
        return invoice
    for name, value in changes.items():
        setattr(invoice, name, value)
    invoice.save(update_fields=list(changes))
    record_event(
        "invoice.changed",
        subject=customer,
        organisation=customer.organisation,
        actor=actor,
        summary=invoice.number,
        data={"invoice": invoice.pk, "changed": sorted(changes)},
    )
    return invoice


@dataclass
class ImportResult:
    invoice_import: InvoiceImport
    created: int = 0
    unchanged: int = 0
    errors: list[InvoiceImportError] = field(default_factory=list)


def import_invoices(
    organisation: Organisation,
    data: bytes,
    *,
    filename: str = "",
    actor: User | None,
    customers: QuerySet[Customer] | None = None,
) -> ImportResult:
    """Import a CSV of invoices: the file is stored first, then every good row is recorded
    and every bad one kept with its line and reason. `customers` limits whom a row may name
    (the caller's reach); by default, every customer of the group.

    Columns: number, date (YYYY-MM-DD), amount, currency, customer (id), and optionally status
    and account. Each row is its own transaction, so one bad row never undoes the others.
    """
    batch = InvoiceImport.objects.create(
        organisation=organisation,
        filename=filename[:255],
        raw=data,
        imported_by=actor,
        created_at=timezone.now(),
    )
    result = ImportResult(batch)
    pool = customers if customers is not None else Customer.objects.all()
    pool = pool.filter(organisation=organisation, merged_into__isnull=True)

    def refuse(line: int, field_name: str, reason: str, raw_row: str = "") -> None:
        result.errors.append(
            InvoiceImportError(
                invoice_import=batch, line=line, field=field_name, reason=reason, raw_row=raw_row
            )
        )

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        refuse(1, "", _("The file is not UTF-8 text (byte %(at)d).") % {"at": error.start})
        return _finish_import(result)
    lines = text.splitlines()
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(lines[0] if lines else ""))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in CSV_COLUMNS if name not in header]
    if missing:
        refuse(1, "", _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
        return _finish_import(result)
    reader.fieldnames = header
    for row in reader:
        # The line the row ends on, counting the header as line 1 (what a spreadsheet shows).
        line = reader.line_num
        raw_row = lines[line - 1] if 0 < line <= len(lines) else ""
        if None in row:
            refuse(line, "", _("The row has more values than the header."), raw_row)
            continue
        values = {key: (value or "") for key, value in row.items()}
        try:
            customer = _row_customer(pool, values["customer"])
            fields = clean_invoice_fields(
                number=values["number"],
                issued_on=values["date"],
                amount=values["amount"],
                currency=values["currency"],
                status=values.get("status", ""),
                account=values.get("account", ""),
            )
            _invoice, created = record_invoice(
                customer, fields, source=InvoiceSource.CSV, actor=actor
            )
        except ValidationError as error:
            for field_name, messages in error.message_dict.items():
                refuse(line, field_name, " ".join(messages), raw_row)
            continue
        if created:
            result.created += 1
        else:
            result.unchanged += 1
    return _finish_import(result)


def _delimiter(header_line: str) -> str:
    """Spreadsheets in Spain and Sweden save CSV with ";" (the decimal mark is ",")."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _row_customer(pool: QuerySet[Customer], value: str) -> Customer:
    value = value.strip()
    found = pool.filter(pk=int(value)).first() if value.isdigit() and len(value) < 19 else None
    if found is None:
        raise ValidationError({"customer": _("No customer #%(id)s.") % {"id": value or "?"}})
    return found


def _finish_import(result: ImportResult) -> ImportResult:
    InvoiceImportError.objects.bulk_create(result.errors)
    batch = result.invoice_import
    batch.created = result.created
    batch.unchanged = result.unchanged
    batch.rows = result.created + result.unchanged + len({e.line for e in result.errors})
    batch.save(update_fields=["created", "unchanged", "rows"])
    record_event(
        "invoice.imported",
        organisation=batch.organisation,
        actor=batch.imported_by,
        summary=batch.filename,
        data={
            "import": batch.pk,
            "created": result.created,
            "unchanged": result.unchanged,
            "errors": len(result.errors),
        },
    )
    return result


# --- holds ----------------------------------------------------------------------------------


def place_hold(
    case: Case,
    *,
    actor: User,
    reason: str,
    invoices: Sequence[Invoice] = (),
) -> Hold:
    """Put the customer's account (no invoices given) or the given invoices on hold while
    the case is open. Refuses a closed case, a missing reason and someone else's invoices."""
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Say why: what the customer disputes.")
    if not case.is_active:
        errors["case"] = _("Only an open case can hold collections; reopen it first.")
    foreign = [invoice.number for invoice in invoices if invoice.customer_id != case.customer_id]
    if foreign:
        errors["invoices"] = _("Not invoices of this customer: %(numbers)s.") % {
            "numbers": ", ".join(foreign)
        }
    if errors:
        raise ValidationError(errors)
    with atomic():
        return _create_hold(case, actor=actor, reason=reason, invoices=invoices)


def _create_hold(
    case: Case,
    *,
    actor: User | None,
    reason: str,
    invoices: Sequence[Invoice],
    restores: Hold | None = None,
) -> Hold:
    now = timezone.now()
    scope = HoldScope.INVOICES if invoices else HoldScope.ACCOUNT
    hold = Hold.objects.create(
        organisation_id=case.organisation_id,
        customer_id=case.customer_id,
        case=case,
        scope=scope,
        reason=reason,
        placed_by=actor,
        placed_at=now,
    )
    if invoices:
        hold.invoices.set(invoices)
    data: dict[str, object] = {
        "hold": hold.pk,
        "scope": scope,
        "invoices": [i.number for i in invoices],
    }
    if restores is not None:
        data["restores"] = restores.pk
    record_event(
        "hold.restored" if restores is not None else "hold.placed",
        subject=case,
        site=case.site,
        actor=actor,
        occurred_at=now,
        summary=reason[:200],
        data=data,
    )
    return hold


def resolve_dispute(case: Case, *, actor: User, answer: Message, reason: str) -> Case:
    """Resolve the dispute: lift its holds with `reason`, then resolve the case with the
    answer given to the customer (`cases.actions.resolve_case`), in one transaction."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say how the dispute was resolved.")})
    with atomic():
        lift_holds(case, actor=actor, reason=reason)
        case_actions.resolve_case(case, actor=actor, answer=answer)
    return case


def lift_holds(case: Case, *, actor: User | None, reason: str) -> list[Hold]:
    """Lift the case's active holds. Called only when the case is resolved (above, and by
    the `case_resolved` receiver): there is no other way to lift a hold."""
    now = timezone.now()
    holds = list(Hold.objects.select_for_update().filter(case=case, lifted_at=None))
    for hold in holds:
        hold.lifted_at = now
        hold.lifted_by = actor
        hold.lift_reason = reason
        hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        record_event(
            "hold.lifted",
            subject=case,
            site=case.site,
            actor=actor,
            occurred_at=now,
            summary=reason[:200],
            data={"hold": hold.pk, "reason": reason},
        )
    return holds


def restore_holds(case: Case, *, actor: User | None) -> list[Hold]:
    """A reopened dispute holds collections again: the holds its resolution lifted come
    back, same scope, invoices and reason, as new holds (the lifted ones stay in the audit
    log as they were). Called by the `case_reopened` receiver; nothing when the case never
    held anything or still does."""
    if Hold.objects.filter(case=case, lifted_at=None).exists():
        return []
    last_lift = (
        Hold.objects.filter(case=case, lifted_at__isnull=False)
        .order_by("-lifted_at")
        .values_list("lifted_at", flat=True)
        .first()
    )
    if last_lift is None:
        return []
    lifted = Hold.objects.filter(case=case, lifted_at=last_lift).prefetch_related("invoices")
    return [
        _create_hold(
            case,
            actor=actor,
            reason=hold.reason,
            invoices=list(hold.invoices.all()),
            restores=hold,
        )
        for hold in lifted
    ]


# --- the hold check and collection actions -------------------------------------------------


@dataclass(frozen=True)
class HoldCheck:
    """The answer to "may we act on this?": held, and by which holds, or clear."""

    holds: list[Hold]

    @property
    def held(self) -> bool:
        return bool(self.holds)


def active_holds(
    *,
    customer_ids: Iterable[int] | QuerySet[Any],
    invoice_numbers: Sequence[str] = (),
    cases: QuerySet[Case] | None = None,
) -> HoldCheck:
    """The active holds that cover these customers (or these invoices of theirs). An empty
    answer is "clear": an unknown account or invoice is clear, not an error. `cases` limits
    which holds the caller may learn about (an API token's sites)."""
    holds = Hold.objects.filter(lifted_at=None, customer_id__in=customer_ids)
    if cases is not None:
        holds = holds.filter(case__in=cases)
    if invoice_numbers:
        holds = holds.filter(
            Q(scope=HoldScope.ACCOUNT) | Q(invoices__number__in=list(invoice_numbers))
        ).distinct()
    found = list(
        holds.select_related("case", "case__owner", "placed_by")
        .prefetch_related("invoices")
        .order_by("placed_at", "id")
    )
    return HoldCheck(found)


def hold_check(
    *,
    customer_ids: Iterable[int] | QuerySet[Any],
    invoice_number: str = "",
    site_ids: Sequence[int] | QuerySet[Any] | None = None,
) -> list[dict[str, Any]]:
    """What the hold-check API answers, read lean (it is asked before every collection run,
    for every account): one query for the holds as plain values, and one more for the
    invoice numbers only when a hold covers invoices. Empty means clear."""
    holds = Hold.objects.filter(lifted_at=None, customer_id__in=customer_ids)
    if site_ids is not None:
        holds = holds.filter(case__site_id__in=site_ids)
    if invoice_number:
        # EXISTS rather than a join: a join would repeat a hold once per covered invoice.
        covers = Hold.invoices.through.objects.filter(
            hold_id=OuterRef("pk"), invoice__number=invoice_number
        )
        holds = holds.filter(Q(scope=HoldScope.ACCOUNT) | Exists(covers))
    rows = list(
        holds.order_by("placed_at", "id").values(
            "id",
            "scope",
            "reason",
            "placed_at",
            "customer_id",
            "case__reference",
            "case__owner__first_name",
            "case__owner__last_name",
            "case__owner__username",
        )
    )
    numbers: dict[int, list[str]] = {}
    scoped = [row["id"] for row in rows if row["scope"] == HoldScope.INVOICES]
    if scoped:
        for hold_id, number in (
            Hold.invoices.through.objects.filter(hold_id__in=scoped)
            .order_by("invoice__number")
            .values_list("hold_id", "invoice__number")
        ):
            numbers.setdefault(hold_id, []).append(number)
    return [
        {
            "id": row["id"],
            "case": row["case__reference"],
            "customer": row["customer_id"],
            "scope": row["scope"],
            "invoices": numbers.get(row["id"], []),
            "reason": row["reason"],
            "owner": _full_name(
                row["case__owner__first_name"],
                row["case__owner__last_name"],
                row["case__owner__username"],
            ),
            "since": row["placed_at"],
        }
        for row in rows
    ]


def _full_name(first: str | None, last: str | None, username: str | None) -> str | None:
    """As `str(user)` shows a person (core.User: the full name, else the username)."""
    if username is None:
        return None
    return f"{first or ''} {last or ''}".strip() or username


def request_collection_action(
    customer: Customer,
    *,
    kind: str,
    invoices: Sequence[Invoice] = (),
    actor: User,
    system: str = "",
    note: str = "",
    cases: QuerySet[Case] | None = None,
) -> CollectionAttempt:
    """Record an action a collections system wants to take, refused (`refused=True`, with
    the hold) when a dispute holds what it covers. The caller answers 409 on a refusal."""
    if kind not in COLLECTION_KINDS:
        raise ValidationError(
            {
                "kind": _("Unknown action; use one of: %(allowed)s.")
                % {"allowed": ", ".join(COLLECTION_KINDS)}
            }
        )
    foreign = [invoice.number for invoice in invoices if invoice.customer_id != customer.pk]
    if foreign:
        raise ValidationError(
            {
                "invoices": _("Not invoices of this customer: %(numbers)s.")
                % {"numbers": ", ".join(foreign)}
            }
        )
    now = timezone.now()
    with atomic():
        # Locks the customer's row so a hold placed at the same moment is either seen
        # here or placed after this attempt is recorded, never lost between the two.
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
        check = active_holds(
            customer_ids=[customer.pk],
            invoice_numbers=[invoice.number for invoice in invoices],
            cases=cases,
        )
        hold = check.holds[0] if check.held else None
        attempt = CollectionAttempt.objects.create(
            organisation_id=customer.organisation_id,
            customer=customer,
            kind=kind,
            requested_by=actor,
            system=system[:100],
            note=note,
            at=now,
            refused=hold is not None,
            hold=hold,
        )
        if invoices:
            attempt.invoices.set(invoices)
        if hold is None:
            record_event(
                "collection.recorded",
                subject=customer,
                organisation=customer.organisation,
                actor=actor,
                occurred_at=now,
                summary=str(CollectionKind(kind).label),
                data={"attempt": attempt.pk, "kind": kind, "system": system},
            )
        else:
            _refused(attempt, hold, invoices, now)
    return attempt


def _refused(
    attempt: CollectionAttempt, hold: Hold, invoices: Sequence[Invoice], now: dt.datetime
) -> None:
    case = hold.case
    kind_label = str(CollectionKind(attempt.kind).label)
    record_event(
        "collection.refused",
        subject=case,
        site=case.site,
        actor=attempt.requested_by,
        occurred_at=now,
        summary=f"{kind_label} {attempt.system}".strip(),
        data={
            "attempt": attempt.pk,
            "hold": hold.pk,
            "kind": attempt.kind,
            "system": attempt.system,
            "invoices": [invoice.number for invoice in invoices],
        },
    )
    told = case.owner or hold.placed_by
    if told is None:
        return
    with translation.override(told.language or None):
        subject = _("Refused during a dispute: %(action)s for %(case)s") % {
            "action": str(CollectionKind(attempt.kind).label),
            "case": case.reference,
        }
        body = _(
            "%(system)s asked for a %(action)s on the account of %(customer)s while case "
            "%(case)s holds it (%(reason)s). It was refused. Invoices: %(invoices)s."
        ) % {
            "system": attempt.system or _("A collections system"),
            "action": str(CollectionKind(attempt.kind).label).lower(),
            "customer": case.customer.display_name,
            "case": case.reference,
            "reason": hold.reason,
            "invoices": ", ".join(invoice.number for invoice in invoices) or _("all"),
        }
    notify_user(
        told,
        subject=subject,
        body=body,
        site=case.site,
        related=case,
        automatic=True,
        dedupe_key=f"collection-refused:{attempt.pk}",
    )


def hold_message(hold: Hold) -> str:
    """The error text that names a hold, for a refused request."""
    owner = hold.case.owner
    return _("Held by dispute %(case)s (owner: %(owner)s, since %(since)s): %(reason)s") % {
        "case": hold.case.reference,
        "owner": (owner.get_full_name() or owner.get_username()) if owner else _("nobody yet"),
        "since": hold.placed_at.isoformat(),
        "reason": hold.reason,
    }


# --- customer merges ------------------------------------------------------------------------


def repoint_customer(survivor: Customer, duplicate: Customer) -> None:
    """Move the duplicate's invoices, holds and collection attempts to the survivor, so a
    hold check on the surviving customer still finds the dispute (customers were merged)."""
    for model in (Invoice, Hold, CollectionAttempt):
        model.objects.filter(customer=duplicate).update(customer=survivor)  # type: ignore[attr-defined]
