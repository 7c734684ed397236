"""Demo obligations: a month of closed clocks for the compliance page, and open clocks in
every state (on time, warned, breached, paused) for the waiting list.

History is made first: each historical clock is started and closed at once on the site
itself, so it never collides with the open clocks made afterwards (only one clock of a
standard may be open per subject).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import models

from posventa.clocks import actions as clocks
from posventa.clocks.models import OPEN_STATES, Clock
from posventa.core.models import Role, Site, User
from posventa.demo.staff import DemoWorld

MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
HISTORY_DAYS = 29

# Standards with a default target, and how often each comes up in a day's work.
HISTORY_MIX = [
    ("INFO-WEB", 4),
    ("INFO-PHONE", 3),
    ("INFO-WRITTEN", 2),
    # Requests answered completely over several business days: without a history of them
    # the compliance page had only the demo's two just-resolved cases per site, answered
    # within a second of opening, and showed INFO-COMPLETE's median as "0 min".
    ("INFO-COMPLETE", 2),
    ("CONSULT-VARIATION", 2),
    ("CONSULT-PARTS", 1),
    ("FOLLOWUP-2D", 2),
    ("PROMISE-KEPT", 2),
]
# Share of the allowed time actually used: above 1.0 is late. Madrid struggles a little
# more than Gothenburg, so the compliance page has something to compare.
EFFORT_RANGE = {"madrid": (0.15, 1.45), "goteborg": (0.1, 1.2)}
OWNER_ROLES = (Role.AGENT, Role.SERVICE_ADVISOR, Role.PARTS, Role.TEAM_LEAD)


def add_demo_clocks(world: DemoWorld) -> None:
    for site_key, site in world.sites.items():
        add_history(world, site_key, site)
    for site_key, site in world.sites.items():
        for scenario in OPEN_SCENARIOS[site_key]:
            scenario.create(world, site_key, site)


# --- a month of history --------------------------------------------------------------


def add_history(world: DemoWorld, site_key: str, site: Site) -> None:
    rng = world.rng
    local = zoneinfo.ZoneInfo(site.timezone)
    owners = [user for role in OWNER_ROLES for user in world.staff[(site_key, role)]]
    low, high = EFFORT_RANGE[site_key]
    codes = [code for code, weight in HISTORY_MIX for _ in range(weight)]
    for days_ago in range(HISTORY_DAYS, 0, -1):
        day = (world.now.astimezone(local) - days_ago * DAY).date()
        if day.weekday() == 6:
            continue  # nobody writes up work on Sundays in the demo
        for _ in range(rng.randint(1, 3)):
            code = rng.choice(codes)
            started = dt.datetime.combine(
                day, dt.time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=local
            )
            owner = rng.choice(owners)
            deadline = started + rng.randint(2, 30) * HOUR if code == "PROMISE-KEPT" else None
            clock = clocks.start_clock(
                code,
                subject=site,
                site=site,
                owner=owner,
                started_at=started,
                deadline=deadline,
                label=rng.choice(HISTORY_LABELS[site_key]),
            )
            if rng.random() < 0.06:
                clocks.cancel_clock(
                    clock, at=started + 20 * MIN, actor=owner, reason="Duplicate of another request"
                )
                continue
            assert clock.due_at is not None
            effort = rng.uniform(low, high)
            done = min(started + (clock.due_at - started) * effort, world.now - 5 * MIN)
            clocks.satisfy_clock(clock, at=max(done, started + MIN), actor=owner)


HISTORY_LABELS = {
    "madrid": [
        "Consulta web: presupuesto de distribución",
        "Llamada perdida: cita para ITV",
        "Correo: factura de la última revisión",
        "Aviso de pieza recibida: retrovisor",
        "Seguimiento tras la entrega",
        "Cambio de presupuesto: pastillas traseras",
        "Promesa: llamar con el diagnóstico",
    ],
    "goteborg": [
        "Webbfråga: pris för kamremsbyte",
        "Missat samtal: boka däckbyte",
        "E-post: fråga om senaste fakturan",
        "Reservdel har kommit: backspegel",
        "Uppföljning efter leverans",
        "Ändrad offert: bromsskivor bak",
        "Löfte: ring med felsökningsresultatet",
    ],
}


# --- open obligations ----------------------------------------------------------------


@dataclass(frozen=True)
class OpenScenario:
    """One open (or just closed) obligation, placed relative to `now`."""

    code: str
    state: str  # breached | warned | on_time | paused | satisfied | cancelled
    label: str
    started_ago: dt.timedelta
    owner_role: str | None = Role.AGENT
    # For promises: the promised instant, relative to now.
    deadline_in: dt.timedelta | None = None

    def create(self, world: DemoWorld, site_key: str, site: Site) -> Clock:
        now = world.now
        owner = world.person(site_key, self.owner_role) if self.owner_role else None
        started = now - self.started_ago
        clock = clocks.start_clock(
            self.code,
            subject=free_subject(world, site_key, self.code),
            site=site,
            owner=owner,
            started_at=started,
            label=self.label,
            deadline=now + self.deadline_in if self.deadline_in is not None else None,
        )
        if self.state == "paused":
            clock = clocks.pause_clock(
                clock, at=now - 20 * MIN, actor=owner, reason="Waiting for the customer's photos"
            )
        elif self.state == "satisfied":
            clock = clocks.satisfy_clock(clock, at=started + 25 * MIN, actor=owner)
        elif self.state == "cancelled":
            clock = clocks.cancel_clock(
                clock,
                at=started + 10 * MIN,
                actor=owner,
                reason="The customer withdrew the request",
            )
        return clock


def free_subject(world: DemoWorld, site_key: str, code: str) -> models.Model:
    """The first stand-in subject with no open clock of this standard.

    Until cases exist in the demo, obligations hang on the site, its teams and its people.
    """
    for subject in subject_pool(world, site_key):
        if (
            not clocks.open_clocks_for(subject)
            .filter(standard_id=code, state__in=OPEN_STATES)
            .exists()
        ):
            return subject
    raise RuntimeError(f"No free demo subject for {code} at {site_key}")


def subject_pool(world: DemoWorld, site_key: str) -> Iterator[models.Model]:
    yield world.sites[site_key]
    yield from (team for (key, _), team in world.teams.items() if key == site_key)
    people: list[User] = world.everyone_at(site_key)
    yield from people


def _scenarios(labels: dict[str, str]) -> list[OpenScenario]:
    return [
        OpenScenario("INFO-WEB", "breached", labels["web_late"], 6 * DAY),
        OpenScenario(
            "CASE-COMEBACK",
            "breached",
            labels["comeback"],
            8 * DAY,
            owner_role=Role.SERVICE_MANAGER,
        ),
        OpenScenario("INFO-PHONE", "breached", labels["callback_late"], 3 * DAY, owner_role=None),
        OpenScenario(
            "PROMISE-KEPT",
            "warned",
            labels["promise_soon"],
            3 * HOUR,
            owner_role=Role.TECHNICIAN,
            deadline_in=25 * MIN,
        ),
        OpenScenario(
            "DELIVERY-ON-TIME",
            "on_time",
            labels["delivery"],
            2 * HOUR,
            owner_role=Role.SERVICE_ADVISOR,
            deadline_in=5 * HOUR,
        ),
        OpenScenario("INFO-WRITTEN", "on_time", labels["letter"], 30 * MIN),
        OpenScenario("CONSULT-PARTS", "on_time", labels["part"], 1 * HOUR, owner_role=Role.PARTS),
        OpenScenario(
            "FOLLOWUP-2D", "on_time", labels["followup"], 2 * HOUR, owner_role=Role.SERVICE_ADVISOR
        ),
        OpenScenario("INFO-WEB", "paused", labels["web_paused"], 50 * MIN),
        OpenScenario("INFO-WRITTEN", "satisfied", labels["letter_done"], 5 * HOUR),
        OpenScenario("INFO-PHONE", "cancelled", labels["call_cancelled"], 2 * HOUR),
    ]


OPEN_SCENARIOS = {
    "madrid": _scenarios(
        {
            "web_late": "Consulta web: ¿solo líquido de frenos o la revisión de 30 000 km?",
            "comeback": "Vuelve por el mismo ruido en la dirección (tercera visita)",
            "callback_late": "Llamada perdida de un cliente: pide cita urgente",
            "promise_soon": "Prometido: el técnico llama con el diagnóstico de la caja de cambios",
            "delivery": "Entrega prometida: revisión y cambio de neumáticos",
            "letter": "Carta: reclamación por manchas de grasa en la tapicería",
            "part": "Ha llegado el sensor de aparcamiento pedido",
            "followup": "Seguimiento tras cambio de embrague",
            "web_paused": "Consulta web: ruido al frenar (esperando fotos del cliente)",
            "letter_done": "Correo: solicitud de copia de factura",
            "call_cancelled": "Llamada perdida: el cliente volvió a llamar y fue atendido",
        }
    ),
    "goteborg": _scenarios(
        {
            "web_late": "Webbfråga: bara bromsvätska eller hela 3 000-milsservicen?",
            "comeback": "Tillbaka för samma missljud från styrningen (tredje besöket)",
            "callback_late": "Missat samtal: kunden vill boka akut tid",
            "promise_soon": "Utlovat: teknikern ringer med felsökning av växellådan",
            "delivery": "Utlovad leverans: service och däckbyte",
            "letter": "Brev: klagomål på fettfläckar i klädseln",
            "part": "Den beställda parkeringssensorn har kommit",
            "followup": "Uppföljning efter kopplingsbyte",
            "web_paused": "Webbfråga: missljud vid inbromsning (väntar på kundens bilder)",
            "letter_done": "E-post: begäran om fakturakopia",
            "call_cancelled": "Missat samtal: kunden ringde igen och fick hjälp",
        }
    ),
}
