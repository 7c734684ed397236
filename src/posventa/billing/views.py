"""Billing pages for staff: a customer's invoices (add one, import a CSV), a case's dispute
holds (place one; see the refused actions) and its dossier. Each view reads or calls one
action; access goes through the cases and customers of the staff member's sites (404
otherwise)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from posventa.billing import actions, dossier
from posventa.billing.forms import HoldForm, InvoiceForm, InvoiceImportForm
from posventa.billing.models import CollectionAttempt, Hold, Invoice, InvoiceSource
from posventa.cases.forms import apply_errors
from posventa.cases.models import Case
from posventa.cases.views import get_case, staff
from posventa.customers.models import Customer
from posventa.customers.views import customers_for

MAX_CSV_BYTES = 10 * 1024 * 1024


def _customer(request: HttpRequest, pk: int) -> Customer:
    return get_object_or_404(customers_for(staff(request)).select_related("organisation"), pk=pk)


def _invoices_page(
    request: HttpRequest,
    customer: Customer,
    *,
    invoice_form: InvoiceForm | None = None,
    import_form: InvoiceImportForm | None = None,
    import_result: actions.ImportResult | None = None,
    status: int = 200,
) -> HttpResponse:
    holds = actions.active_holds(customer_ids=[customer.pk]).holds
    return render(
        request,
        "billing/invoices.html",
        {
            "customer": customer,
            "invoices": Invoice.objects.filter(customer=customer).order_by("-issued_on", "-id"),
            "holds": holds,
            "invoice_form": invoice_form or InvoiceForm(),
            "import_form": import_form or InvoiceImportForm(),
            "import_result": import_result,
        },
        status=status,
    )


@login_required
def customer_invoices(request: HttpRequest, pk: int) -> HttpResponse:
    return _invoices_page(request, _customer(request, pk))


@login_required
@require_POST
def add_invoice(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    form = InvoiceForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            fields = actions.clean_invoice_fields(
                number=data["number"],
                issued_on=data["issued_on"],
                amount=data["amount"],
                currency=data["currency"],
                status=data["status"],
                account=data["account"],
            )
            actions.record_invoice(
                customer, fields, source=InvoiceSource.STAFF, actor=staff(request)
            )
        except ValidationError as error:
            # The action names "date"; the form calls it "issued_on".
            if hasattr(error, "error_dict") and "date" in error.error_dict:
                error.error_dict["issued_on"] = error.error_dict.pop("date")
            apply_errors(form, error)
        else:
            messages.success(request, _("Invoice recorded."))
            return redirect("billing:invoices", pk=customer.pk)
    return _invoices_page(request, customer, invoice_form=form, status=400)


@login_required
@require_POST
def import_invoices(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    form = InvoiceImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _invoices_page(request, customer, import_form=form, status=400)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_CSV_BYTES:
        form.add_error("file", _("A CSV file has at most 10 MB."))
        return _invoices_page(request, customer, import_form=form, status=400)
    result = actions.import_invoices(
        customer.organisation,
        upload.read(),
        filename=upload.name or "",
        actor=staff(request),
        customers=customers_for(staff(request)),
    )
    return _invoices_page(request, customer, import_result=result)


def _dispute_page(
    request: HttpRequest, case: Case, *, form: HoldForm | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "billing/dispute.html",
        {
            "case": case,
            "holds": Hold.objects.filter(case=case)
            .select_related("placed_by", "lifted_by")
            .prefetch_related("invoices"),
            "refusals": CollectionAttempt.objects.filter(hold__case=case).select_related(
                "requested_by"
            ),
            "form": form or HoldForm(customer=case.customer),
        },
        status=status,
    )


@login_required
def case_dispute(request: HttpRequest, reference: str) -> HttpResponse:
    return _dispute_page(request, get_case(staff(request), reference))


@login_required
@require_POST
def place_hold(request: HttpRequest, reference: str) -> HttpResponse:
    case = get_case(staff(request), reference)
    form = HoldForm(request.POST, customer=case.customer)
    if form.is_valid():
        try:
            actions.place_hold(
                case,
                actor=staff(request),
                reason=form.cleaned_data["reason"],
                invoices=list(form.cleaned_data["invoices"]),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Collections are held while this dispute is open."))
            return redirect("billing:dispute", reference=case.reference)
    return _dispute_page(request, case, form=form, status=400)


def _download(body: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def dossier_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    case = get_case(staff(request), reference)
    return _download(dossier.render_pdf(case), "application/pdf", f"{case.reference}.pdf")


@login_required
def dossier_zip(request: HttpRequest, reference: str) -> HttpResponse:
    case = get_case(staff(request), reference)
    return _download(dossier.render_zip(case), "application/zip", f"{case.reference}.zip")
