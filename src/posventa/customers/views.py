"""Staff pages: search customers, see one customer's whole story, merge duplicates.

Every query starts from `customers_for(user)`: the customers the user may see
(`customers.visibility`: those who dealt with one of their sites, or the whole group for
group-wide roles and groups that share customers). Anything outside it is a 404, never a
403, so that staff of another site cannot even learn that a customer number exists.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from posventa.core.access import visible_sites
from posventa.core.models import User
from posventa.customers import actions
from posventa.customers.matching import merged_family_ids, search_customers
from posventa.customers.models import (
    Channel,
    ConsentRecord,
    Customer,
    OdometerReading,
    Vehicle,
)
from posventa.customers.visibility import visible_customers

PAGE_SIZE = 50
MERGE_SEARCH_LIMIT = 20


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def customers_for(user: User) -> QuerySet[Customer]:
    return visible_customers(user)


def _search(user: User, query: str) -> QuerySet[Customer]:
    return search_customers(visible_sites(user), query) & visible_customers(user)


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    results = _search(_staff(request), query).order_by("-needs_review", "display_name", "pk")
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    page_query = urlencode({"q": query}) if query else ""
    return render(
        request, "customers/list.html", {"query": query, "page": page, "page_query": page_query}
    )


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    customer = get_object_or_404(
        customers_for(user).select_related("organisation", "merged_into"), pk=pk
    )
    merge_query = request.GET.get("merge_q", "").strip()
    merge_results: list[Customer] = []
    if merge_query and not customer.is_merged:
        merge_results = list(
            _search(user, merge_query)
            .filter(organisation_id=customer.organisation_id)
            .exclude(pk=customer.pk)[:MERGE_SEARCH_LIMIT]
        )
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            **_customer_story(customer),
            "merge_query": merge_query,
            "merge_results": merge_results,
            "review_candidates": actions.review_candidates(customer)
            if customer.needs_review
            else [],
        },
    )


def _customer_story(customer: Customer) -> dict[str, Any]:
    consents = actions.current_consents(customer)
    consent_rows = []
    for value, label in Channel.choices:
        record = consents[value]
        # No record means transactional messages are allowed (see actions.may_contact).
        consent_rows.append(
            {"channel": label, "record": record, "allowed": record is None or record.granted}
        )
    vehicles = customer.vehicles.prefetch_related(
        Prefetch("odometer", queryset=OdometerReading.objects.order_by("-read_at", "-pk")),
        "ownerships__customer",
    )
    return {
        "contact_points": customer.contact_points.all(),
        "consent_rows": consent_rows,
        "consent_history": ConsentRecord.objects.filter(customer_id__in=merged_family_ids(customer))
        .select_related("actor", "customer")
        .order_by("-at", "-pk"),
        "vehicles": vehicles,
        "timeline": actions.customer_timeline(customer).reverse(),
    }


@login_required
def customer_merge(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: confirm merging ?duplicate= into this customer. POST: do it."""
    user = _staff(request)
    scope = customers_for(user).select_related("organisation")
    survivor = get_object_or_404(scope, pk=pk)
    duplicate_id = request.POST.get("duplicate") or request.GET.get("duplicate") or ""
    if not duplicate_id.isdigit():
        messages.error(request, _("Choose the customer to merge into this one."))
        return redirect("customers:detail", pk=survivor.pk)
    duplicate = get_object_or_404(scope, pk=int(duplicate_id))

    errors: list[str] = []
    if request.method == "POST":
        if request.POST.get("confirm") == "yes":
            try:
                actions.merge_customers(survivor, duplicate, actor=user)
            except ValidationError as error:
                errors = [
                    message for messages_ in error.message_dict.values() for message in messages_
                ]
            else:
                messages.success(
                    request,
                    _("%(duplicate)s was merged into %(survivor)s.")
                    % {"duplicate": duplicate.display_name, "survivor": survivor.display_name},
                )
                return redirect("customers:detail", pk=survivor.pk)
        else:
            errors = [_("Tick the confirmation to merge.")]
    return render(
        request,
        "customers/merge_confirm.html",
        {
            "survivor": survivor,
            "duplicate": duplicate,
            "errors": errors,
            "duplicate_vehicles": Vehicle.objects.filter(owner=duplicate),
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def customer_reviewed(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff checked an ambiguous match and these are different people."""
    customer = get_object_or_404(customers_for(_staff(request)), pk=pk)
    actions.mark_reviewed(customer, actor=_staff(request))
    messages.success(request, _("Marked as reviewed."))
    return redirect("customers:detail", pk=customer.pk)


@login_required
@require_POST
def customer_revoke_portal_links(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign the customer out of the portal everywhere: every link sent so far stops."""
    customer = get_object_or_404(customers_for(_staff(request)), pk=pk)
    actions.revoke_portal_links(customer, actor=_staff(request))
    messages.success(
        request,
        _("Every portal link of %(name)s stopped working. They can ask for a new one.")
        % {"name": customer.display_name},
    )
    return redirect("customers:detail", pk=customer.pk)
