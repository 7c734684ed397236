"""The demo group's promises (PROMISE-KEPT, seed 001), made through the promises actions.

At each site: the reception promises that the workshop will call a customer back (open,
owned by the Workshop team, on the waiting list and in the customer's portal); a
technician promises to send a quote and keeps it with his own reply; and a promise to
call is renegotiated with the customer because a part is late. Texts are invented, in the
site's language.
"""

from __future__ import annotations

import datetime as dt

from posventa.cases import actions as cases
from posventa.cases.models import Case, CaseStatus
from posventa.core.models import Role
from posventa.demo.staff import DemoWorld
from posventa.promises import actions
from posventa.promises.when import TOMORROW, When

TEXTS = {
    "madrid": {
        "callback": "Un técnico le llamará mañana para explicarle la revisión",
        "quote": "Le enviaremos el presupuesto de los frenos",
        "quote_sent": "Aquí tiene el presupuesto de los frenos: 186 € con montaje.",
        "late": "Le llamaremos cuando llegue la pieza",
        "renegotiate": "La pieza llega con retraso: le llamaremos el jueves sin falta.",
    },
    "goteborg": {
        "callback": "En tekniker ringer dig i morgon om servicen",
        "quote": "Vi skickar offerten på bromsarna",
        "quote_sent": "Här är offerten på bromsarna: 1 950 kr inklusive montering.",
        "late": "Vi ringer dig när delen har kommit",
        "renegotiate": "Delen är försenad: vi ringer dig på torsdag utan dröjsmål.",
    },
}


def contribute(world: DemoWorld) -> None:
    for site_key, site in world.sites.items():
        texts = TEXTS[site_key]
        # The workshop's open promise sits on an open case; the kept and the renegotiated
        # ones on the case waiting on the customer, so their reply and call leave the
        # demo's other stories (a new case, a breached chase) as they are.
        active = Case.objects.filter(site=site, chase_count=0).order_by("opened_at", "pk")
        open_case = active.filter(status=CaseStatus.OPEN).first()
        waiting = active.filter(status=CaseStatus.WAITING_CUSTOMER).first()
        if open_case is None or waiting is None:
            continue
        reception = world.person(site_key, Role.AGENT)
        technician = world.person(site_key, Role.TECHNICIAN)
        workshop = world.teams[(site_key, "Workshop")]
        tomorrow = actions.due(site, When(TOMORROW)).at
        actions.make_promise(
            open_case, what=texts["callback"], act="call", deadline=tomorrow,
            actor=reception, owner_team=workshop, channel="phone",
        )  # fmt: skip
        actions.make_promise(
            waiting, what=texts["quote"], act="send", deadline=tomorrow,
            actor=technician, owner=technician, channel="email",
        )  # fmt: skip
        late = actions.make_promise(
            waiting, what=texts["late"], act="call", deadline=tomorrow,
            actor=reception, owner=technician, channel="phone",
        )  # fmt: skip
        # A logged call tells the customer; it keeps neither (renegotiating, and a call
        # does not send a quote). The technician's e-mail then keeps the quote.
        actions.renegotiate_promise(
            late, actor=technician, deadline=tomorrow + dt.timedelta(days=2),
            message=texts["renegotiate"],
        )  # fmt: skip
        cases.reply(waiting, author=technician, body=texts["quote_sent"], channel="email")
