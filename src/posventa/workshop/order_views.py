"""Repair-order pages: the workshop board per site, and the delivery service record as PDF.
Request handling only; the board's queries live in `workshop.board`, the record in
`workshop.records`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from posventa.core.access import visible_sites
from posventa.core.models import Site, User
from posventa.workshop.board import board
from posventa.workshop.delivery_document import render_delivery_pdf
from posventa.workshop.models import RepairOrder
from posventa.workshop.records import service_transaction


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _visible_site(user: User, slug: str) -> Site:
    site = visible_sites(user).filter(slug=slug).first()
    if site is None:  # another site's board is as absent as one that does not exist
        raise Http404
    return site


@login_required
def board_sites(request: HttpRequest) -> HttpResponse:
    sites = list(visible_sites(_staff(request)).order_by("name"))
    return render(request, "workshop/board_sites.html", {"sites": sites})


@login_required
def workshop_board(request: HttpRequest, site_slug: str) -> HttpResponse:
    """One site's open repair orders; htmx polls the same address for the table alone."""
    site = _visible_site(_staff(request), site_slug)
    context = {"site": site, "rows": board(site, timezone.now())}
    partial = request.headers.get("HX-Request")
    return render(
        request, "workshop/_board_table.html" if partial else "workshop/board.html", context
    )


@login_required
def delivery_record(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    order = (
        RepairOrder.objects.select_related("site", "customer", "vehicle")
        .filter(pk=pk, site__in=visible_sites(user))
        .first()
    )
    if order is None:
        raise Http404
    pdf = render_delivery_pdf(service_transaction(order))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{order.reference}.pdf"'
    return response
