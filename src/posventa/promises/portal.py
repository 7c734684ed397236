"""What the customer reads about their promises in the portal: who will contact them, how,
and by when (in their language and their site's time, with the zone). Read side only."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from posventa.cases.models import Case
from posventa.customers.models import Customer
from posventa.promises.models import Promise, PromiseAct, PromiseStatus


@dataclass(frozen=True)
class PortalPromise:
    promise: Promise
    sentence: str  # "Tomás will call you", in the customer's language
    timezone: str


def _sentence(promise: Promise) -> str:
    who = promise.owner_label
    sentences = {
        PromiseAct.CALL: _("%(who)s will call you"),
        PromiseAct.CONTACT: _("%(who)s will contact you"),
        PromiseAct.WRITE: _("%(who)s will write to you"),
        PromiseAct.SEND: _("%(who)s will send you what was promised"),
        PromiseAct.VISIT: _("%(who)s will see you"),
        PromiseAct.CHECK: _("%(who)s will check and answer you"),
    }
    return sentences.get(PromiseAct(promise.act), _("%(who)s will contact you")) % {"who": who}


def open_promises(customer: Customer, case: Case | None = None) -> list[PortalPromise]:
    """The customer's open promises, soonest first (only this case's when given). Called
    inside the portal's language override, so the sentences come out in their language."""
    rows = Promise.objects.filter(customer=customer, status=PromiseStatus.OPEN)
    if case is not None:
        rows = rows.filter(case=case)
    rows = rows.select_related("owner", "owner_team", "case", "site").order_by("deadline", "id")
    return [PortalPromise(p, _sentence(p), p.site.timezone) for p in rows]
