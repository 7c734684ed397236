"""The customer's complaint in the portal: register one on their case, and say they agree
it is resolved (issue 11, item 4). Both answer with the case page again; a reference that
is not the customer's is a 404 like every portal page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from posventa.complaints import actions as complaints
from posventa.complaints.forms import ComplaintForm
from posventa.complaints.models import AgreementSource, Complaint, RegisteredVia
from posventa.customers.models import Customer
from posventa.portal.views import _customer_case, customer_page

CUSTOMER = "customer"


@require_http_methods(["POST"])
@customer_page
def register_complaint(
    request: HttpRequest, token: str, customer: Customer, reference: str
) -> HttpResponse:
    """Never refused: an unreadable form still registers the complaint (as "other")."""
    case = _customer_case(customer, reference)
    form = ComplaintForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    complaint = complaints.register_complaint(
        case,
        via=RegisteredVia.PORTAL,
        category=data.get("category", "") or "",
        desired_outcome=data.get("desired_outcome", "") or "",
        actor_label=CUSTOMER,
    )
    # A closed case takes the complaint on a new case: show that one.
    return redirect("portal:case", token=token, reference=complaint.case.reference)


@require_http_methods(["POST"])
@customer_page
def agree(request: HttpRequest, token: str, customer: Customer, reference: str) -> HttpResponse:
    case = _customer_case(customer, reference)
    complaint = Complaint.objects.filter(case=case).first()
    if complaint is not None and complaint.is_open:
        complaints.record_agreement(complaint, source=AgreementSource.PORTAL, actor_label=CUSTOMER)
    return redirect("portal:case", token=token, reference=case.reference)
