"""`ingest_many` (IMAP polls, backlogs) must leave exactly what `ingest` one message at a
time leaves: the same customers, cases, messages, clocks, acknowledgements, raw statuses
and timelines. Two dealer groups receive the same traffic at the same frozen instant, one
through each path, and their snapshots are compared field by field.

The traffic mixes what the batch plans itself (first messages, follow-ups, replies by
header, automatic messages answering nothing) with every detour it hands to
`process_inbound` (a bounce filed on a case, a chat burst, a reference to a case opened in
the same chunk, bad input, a redelivery, a Message-ID collision).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from posventa.cases.models import Case, CaseStatus
from posventa.clocks.models import Clock
from posventa.core import actions as core_actions
from posventa.core.models import Event, Organisation, Site
from posventa.customers.models import Customer
from posventa.inbox.actions import ingest
from posventa.inbox.batch import InboundItem, ingest_many
from posventa.inbox.models import InboundRaw, InboundStatus, Message
from posventa.outbox.models import Notification
from tests.conftest import MADRID_HOURS
from tests.inbox.factories import email_bytes, form_body, twilio_body

# A Tuesday morning in Madrid: inside business hours, so every deadline is computed.
FROZEN = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)
URL_RE = re.compile(r"https?://\S+")
REFERENCE_RE = re.compile(r"\b[A-Za-z]{3}-(\d{4}-\d{5})\b")


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    monkeypatch.setattr(timezone, "now", lambda: FROZEN)
    return FROZEN


def _site(slug: str) -> Site:
    group = core_actions.create_organisation(f"Grupo {slug}", slug)
    return core_actions.create_site(
        group,
        name=f"Taller {slug}",
        slug=slug,
        timezone="Europe/Madrid",
        country="ES",
        intervals=MADRID_HOURS,
        email=f"taller@{slug}.example",
    )


def _traffic(site: Site) -> list[InboundItem]:
    """One morning's inbound traffic for `site` (its own addresses and references)."""
    domain = f"{site.slug}.example"
    prefix = site.slug[:3].upper()
    other = "BET" if prefix == "ALF" else "ALF"  # the other group of the comparison

    def mail(number: int, from_: str, subject: str, **kwargs: Any) -> InboundItem:
        raw = email_bytes(
            from_=from_,
            to=f"taller@{domain}",
            subject=subject,
            message_id=f"<m{number}@{domain}>",
            body=kwargs.pop("body", f"Mensaje {number} sobre {subject}."),
            **kwargs,
        )
        return InboundItem("email", raw, source="imap", site=site)

    def sms(sid: str, sender: str, body: str) -> InboundItem:
        raw = twilio_body(sender=sender, body=body, sid=f"{sid}{site.slug}")
        return InboundItem("sms", raw, source="webhook", site=site, dedupe_key=f"{sid}{site.slug}")

    def form(**fields: Any) -> InboundItem:
        return InboundItem("web_form", form_body(**fields), source="form", site=site)

    ana, bruno = "Ana Prueba <ana.prueba@example.net>", "Bruno Ensayo <bruno@example.org>"
    items = [
        mail(1, ana, "Ruido al frenar"),
        mail(2, ana, "Re: Ruido al frenar"),  # same topic: a chase
        mail(3, bruno, "Revisión anual"),
        mail(4, bruno, "Otra pregunta", in_reply_to=f"<m3@{domain}>"),  # by header
        mail(
            5,
            "Carla <carla@example.com>",
            "Fuera de la oficina",
            headers={"Auto-Submitted": "auto-replied"},
        ),
        mail(
            6,
            "Ana <ana.prueba@example.net>",
            "Respuesta automática",
            in_reply_to=f"<m1@{domain}>",
            headers={"Auto-Submitted": "auto-replied"},
        ),  # filed on case 1
        mail(7, "Dora <dora@example.net>", f"Sobre [{prefix}-2026-00002]"),  # a case of this chunk
        InboundItem(
            "email", b"Subject: sin remitente\r\n\r\nNadie firma.", source="imap", site=site
        ),
        sms("SM1", "+34612000111", "¿Está lista la furgoneta?"),
        sms("SM2", "+34612000111", "Es la blanca."),  # a chat burst
        form(
            name="Eva Muestra",
            email="eva@example.net",
            message="¿Tenéis la pieza?",
            department="parts",
        ),
        form(
            name="Eva Muestra", email="eva@example.net", message="¿Y el precio?", department="parts"
        ),
        mail(1, ana, "Ruido al frenar"),  # a redelivery of the first message
        mail(3, bruno, "Revisión anual", body="Otro texto con el mismo Message-ID."),  # collision
        mail(9, ana, "Cambio de neumáticos"),  # a known customer, a new topic
        mail(
            10,
            "Fede <fede@example.net>",
            "Foto del golpe",
            attachments=[("golpe.jpg", "image/jpeg", b"\xff\xd8\xff" + b"0" * 2000)],
        ),
        mail(
            11,
            "Gala <gala@example.net>",
            "Solo HTML",
            body="",
            html="<p>Hola <script>x()</script><b>taller</b></p>",
        ),
        mail(12, "Dora <dora@example.net>", f"Otra vez [{prefix}-2026-00001]"),  # an older case
        mail(14, bruno, "Una cosa más", in_reply_to=f"<m4@{domain}>"),  # by header...
        mail(13, bruno, "Re: Revisión anual"),  # ...and by topic: one case, counted twice
        # References as customers quote them (`threading.quoted_references`):
        mail(15, "Hugo <hugo@example.net>", f"Mi caso {prefix}-2026-00002"),  # bare, subject
        mail(
            16,
            "Iris <iris@example.net>",
            "Una duda",
            body=f"Hola,\nmi referencia es {prefix.lower()}-2026-00002.\nGracias",
        ),  # in the body's first lines
        mail(
            17,
            "Juan <juan@example.net>",
            "Pregunta nueva",
            body=f"Otra cosa.\n\n> Su caso {prefix}-2026-00001 está registrado.",
        ),  # only quoted: a new case
        mail(18, "Kai <kai@example.net>", "Factura XYZ-2026-00001"),  # no such site
        mail(19, "Lola <lola@example.net>", f"Caso {other}-2026-00001"),  # another group's
    ]
    return items


def _single(items: list[InboundItem]) -> list[InboundRaw]:
    return [
        ingest(
            item.channel,
            item.raw,
            source=item.source,
            site=item.site,
            dedupe_key=item.dedupe_key,
            metadata=item.metadata,
        )
        for item in items
    ]


def _clean(value: Any) -> Any:
    """Ids, generated Message-IDs, signed links and site prefixes differ between the two
    groups by construction; everything else must not."""
    if isinstance(value, dict):
        return {
            key: "<id>" if key in {"message", "clock", "raw", "related_id", "message_id", "owner"}
            else _clean(item)
            for key, item in value.items()
        }  # fmt: skip
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, str):
        text = URL_RE.sub("<url>", re.sub(r"#\d+", "#<id>", value))
        text = REFERENCE_RE.sub(r"REF-\1", text)
        return re.sub(r"(alfa|beta)\b", "site", text)
    return value


def _timeline(subject: Any) -> list[tuple[Any, ...]]:
    events = Event.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject), subject_id=str(subject.pk)
    ).order_by("occurred_at", "id")
    return [
        (e.verb, e.actor_label, _clean(e.summary), e.internal, e.occurred_at, _clean(e.data))
        for e in events
    ]


def _snapshot(organisation: Organisation, rows: list[InboundRaw]) -> dict[str, Any]:
    """`rows`: the raw rows in the order the traffic arrived (a redelivery repeats one)."""
    customers = Customer.objects.filter(organisation=organisation).order_by("pk")
    cases = Case.objects.filter(organisation=organisation).order_by("pk")
    raws = [InboundRaw.objects.get(pk=row.pk) for row in rows]
    return {
        "customers": [
            (
                c.display_name,
                c.preferred_channel,
                c.needs_review,
                [(p.kind, _clean(p.value), p.is_primary) for p in c.contact_points.order_by("pk")],
                _timeline(c),
            )
            for c in customers
        ],
        "cases": [_case_snapshot(case) for case in cases],
        "raw": [(r.channel, r.status, _clean(r.reason), r.warnings, r.attempts) for r in raws],
        "notifications": [
            (
                n.channel,
                _clean(n.to_address),
                _clean(n.subject),
                _clean(n.body),
                n.status,
                n.headers,
            )
            for n in Notification.objects.filter(site__organisation=organisation).order_by("pk")
        ],
    }


def _case_snapshot(case: Case) -> tuple[Any, ...]:
    # Inbound and outbound apart: a chunk acknowledges a message after storing the whole
    # chunk, so an acknowledgement can truly come after the next message arrived.
    messages = Message.objects.filter(case=case).order_by("direction", "pk")
    clocks = Clock.objects.filter(
        subject_type=ContentType.objects.get_for_model(Case), subject_id=str(case.pk)
    ).order_by("pk")
    return (
        _clean(case.reference),
        case.customer.display_name,
        _clean(case.subject),
        _clean(case.topic),
        case.channel,
        case.department,
        case.status,
        case.priority,
        case.chase_count,
        case.awaiting_reply_since,
        case.opened_at,
        [
            (
                m.direction,
                m.kind,
                m.channel,
                m.is_chase,
                m.automatic,
                _clean(m.from_address),
                _clean(m.to_address),
                _clean(m.subject),
                _clean(m.body_text),
                m.body_html,
                m.warnings,
                m.attachments.count(),
                m.direction == "inbound" and _clean(m.message_id),
            )
            for m in messages
        ],
        [
            (c.standard_id, c.state, c.started_at, c.target_seconds, c.warn_at, c.due_at)
            for c in clocks
        ],
        _timeline(case),
    )


def _assert_same(expected: dict[str, Any], got: dict[str, Any]) -> None:
    """Field by field, so a difference is named where it is."""
    for part in expected:
        assert len(got[part]) == len(expected[part]), part
        for index, (mine, theirs) in enumerate(zip(got[part], expected[part], strict=True)):
            if mine != theirs and isinstance(mine, tuple):
                for field_index, (a, b) in enumerate(zip(mine, theirs, strict=True)):
                    if a != b and isinstance(a, list):
                        for k, (x, y) in enumerate(zip(a, b, strict=False)):
                            assert x == y, f"{part} #{index} field {field_index} item {k}"
                    assert a == b, f"{part} #{index} field {field_index}"
            assert mine == theirs, f"{part} #{index}"


@pytest.mark.parametrize("chunk", [3, 200])
def test_a_batch_leaves_exactly_what_one_by_one_ingestion_leaves(
    db: None, frozen_now: dt.datetime, settings: Any, chunk: int
) -> None:
    settings.POSVENTA_INBOUND_CHUNK = chunk
    alone, together = _site("alfa"), _site("beta")

    one_by_one = _single(_traffic(alone))
    rows = ingest_many(_traffic(together))

    _assert_same(_snapshot(alone.organisation, one_by_one), _snapshot(together.organisation, rows))
    assert len(rows) == len(_traffic(together))
    assert rows[12].pk == rows[0].pk  # the redelivery is the first row, not a new one


def _busy_hour(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hugo wrote twice in the last hour, on new topics, and was acknowledged each time."""
    for minutes, subject in [(40, "Primera consulta"), (20, "Segunda consulta")]:
        moment = FROZEN - dt.timedelta(minutes=minutes)
        monkeypatch.setattr(timezone, "now", lambda moment=moment: moment)
        _single([_hugo(site, minutes, subject)])
    monkeypatch.setattr(timezone, "now", lambda: FROZEN)


def _hugo(site: Site, number: int, subject: str) -> InboundItem:
    domain = f"{site.slug}.example"
    raw = email_bytes(
        from_=f"Hugo Ensayo <hugo@{domain}>",
        to=f"taller@{domain}",
        subject=subject,
        message_id=f"<h{number}@{domain}>",
        body=f"Consulta {number}.",
    )
    return InboundItem("email", raw, source="imap", site=site)


@pytest.mark.parametrize("chunk", [3, 200])
def test_a_batch_withholds_acknowledgements_past_the_hourly_limit_as_one_by_one_does(
    db: None,
    frozen_now: dt.datetime,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    chunk: int,
) -> None:
    settings.POSVENTA_INBOUND_CHUNK = chunk
    settings.POSVENTA_ACK_HOURLY_LIMIT = 2
    alone, together = _site("alfa"), _site("beta")
    _busy_hour(alone, monkeypatch)
    _busy_hour(together, monkeypatch)

    def traffic(site: Site) -> list[InboundItem]:
        items = _traffic(site)
        # A third new topic within the hour, amid the rest: over the limit of two.
        return [*items[:3], _hugo(site, 1, "Tercera consulta"), *items[3:]]

    one_by_one = _single(traffic(alone))
    rows = ingest_many(traffic(together))

    _assert_same(_snapshot(alone.organisation, one_by_one), _snapshot(together.organisation, rows))
    for site in (alone, together):
        withheld = Event.objects.filter(verb="case.acknowledgement_withheld", site=site)
        assert [event.data["to"] for event in withheld] == [f"hugo@{site.slug}.example"]
        case = Case.objects.get(subject="Tercera consulta", site=site)
        assert case.messages.filter(direction="inbound").count() == 1  # nothing is lost
        assert not case.messages.filter(kind="auto_acknowledgement").exists()


def test_the_traffic_covers_planned_messages_and_every_detour(
    db: None, frozen_now: dt.datetime
) -> None:
    site = _site("beta")

    rows = ingest_many(_traffic(site))

    statuses = [row.status for row in rows]
    assert statuses.count(InboundStatus.QUARANTINED) == 2  # no sender, the collision
    assert statuses.count(InboundStatus.IGNORED) == 2  # two out-of-office answers
    assert "filed on BET-2026-00001" in rows[5].reason
    chased = Case.objects.get(reference="BET-2026-00001")  # "Re:", then Dora quoting it
    assert chased.chase_count == 2 and chased.status == CaseStatus.NEW
    assert rows[6].message is not None and rows[6].message.case.reference == "BET-2026-00002"
    assert rows[9].message is not None and rows[9].message.case == rows[8].message.case  # type: ignore[union-attr]
    cases = [row.message.case.reference for row in rows[20:25] if row.message is not None]
    assert cases[:2] == ["BET-2026-00002"] * 2  # quoted bare in the subject, in the body
    assert len(set(cases[2:])) == 3 and "BET-2026-00002" not in cases[2:]  # new cases


def test_a_chunk_costs_a_few_statements_per_table_not_per_message(
    db: None, frozen_now: dt.datetime, settings: Any
) -> None:
    site = _site("beta")
    items = [
        InboundItem(
            "email",
            email_bytes(
                from_=f"Cliente {n} <cliente{n}@example.net>",
                to="taller@beta.example",
                subject=f"Consulta {n}",
                message_id=f"<q{n}@example.net>",
            ),
            source="imap",
            site=site,
        )
        for n in range(60)
    ]

    with CaptureQueriesContext(connection) as queries:
        rows = ingest_many(items)

    assert all(row.status == InboundStatus.PROCESSED for row in rows)
    assert Case.objects.filter(site=site).count() == 60
    assert len(queries.captured_queries) < 60  # one message alone costs about 20


def test_a_chunk_that_fails_as_a_whole_is_processed_one_by_one(
    db: None, frozen_now: dt.datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from posventa.inbox import batch

    site = _site("beta")

    def broken(self: Any) -> list[int]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(batch._Segment, "write", broken)
    rows = ingest_many(_traffic(site)[:4])

    assert [row.status for row in rows] == [InboundStatus.PROCESSED] * 4
    assert Case.objects.filter(site=site).count() == 2


def test_a_chunk_asks_for_its_acknowledgements_to_be_delivered_with_one_task(
    db: None, frozen_now: dt.datetime, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    site = _site("beta")

    with django_capture_on_commit_callbacks(execute=True):
        ingest_many(_traffic(site)[:4])

    [queued] = DBTaskResult.objects.all()
    acknowledgements = Notification.objects.filter(site=site).order_by("pk")
    assert queued.task_path == "posventa.outbox.tasks.deliver_notifications"
    assert queued.args_kwargs == {"args": [[n.pk for n in acknowledgements]], "kwargs": {}}
    assert len(acknowledgements) == 2  # two new cases, two customers


def test_the_delivery_task_of_a_chunk_sends_every_acknowledgement(
    db: None, frozen_now: dt.datetime, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    site = _site("beta")

    with django_capture_on_commit_callbacks(execute=True):
        ingest_many(_traffic(site)[:4])

    assert sorted(message.to[0] for message in mail.outbox) == [
        "ana.prueba@example.net",
        "bruno@example.org",
    ]
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
