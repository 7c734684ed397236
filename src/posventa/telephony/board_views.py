"""The phone board pages: request handling only; the queries live in `telephony.board`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from posventa.core.access import visible_sites
from posventa.core.models import Site, User
from posventa.telephony.board import build_board


def _visible_site(user: User, slug: str) -> Site:
    site = visible_sites(user).select_related("organisation").filter(slug=slug).first()
    if site is None:  # another site's board is as absent as a site that does not exist
        raise Http404
    return site


@login_required
def boards(request: HttpRequest) -> HttpResponse:
    """The boards one may open, one per visible site (a list even with one: the menu's
    link lands on the same page for everyone)."""
    user = request.user
    assert isinstance(user, User)
    sites = list(visible_sites(user).order_by("name"))
    return render(request, "telephony/board_sites.html", {"sites": sites})


@login_required
def board(request: HttpRequest, site_slug: str) -> HttpResponse:
    """One site's board. htmx polls the same URL and gets only the live part back."""
    user = request.user
    assert isinstance(user, User)
    site = _visible_site(user, site_slug)
    context = {
        "board": build_board(site, timezone.now()),
        "hours": range(24),
    }
    template = "telephony/board_live.html" if request.headers.get("HX-Request") else None
    return render(request, template or "telephony/board.html", context)
