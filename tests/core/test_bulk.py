"""`core.bulk`: many rows with one prepared statement, stored exactly as `save()` stores
them, with primary keys that are never handed out twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models.signals import post_init

from posventa.cases.models import Case, CaseStatus
from posventa.clocks.models import Clock
from posventa.core.bulk import (
    RowPreparer,
    insert_new,
    insert_rows,
    new_row,
    reserve_keys,
    update_rows,
)
from posventa.core.models import Event, Organisation, Site
from posventa.customers.models import ContactPoint, Customer
from posventa.inbox.actions import ingest
from posventa.inbox.models import Attachment, InboundRaw, Message
from posventa.outbox.models import Notification
from tests.inbox.factories import email_bytes

RECEIVED = dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC)


def _raw(number: int, site: Site | None = None) -> InboundRaw:
    return InboundRaw(
        received_at=RECEIVED + dt.timedelta(seconds=number),
        channel="email",
        source="imap",
        site=site,
        raw=b"Subject: hola\r\n\r\n\xf1",
        size=17,
        sha256=f"{number:064d}",
        dedupe_key=f"<{number}@example.net>",
        metadata={"uid": number, "envelope_to": ["taller@example.net"], "name": "Núñez"},
    )


def test_inserted_rows_read_back_as_save_would_have_stored_them(madrid: Site) -> None:
    rows = [_raw(1, madrid), _raw(2)]
    with transaction.atomic():
        insert_new(rows)

    first, second = (InboundRaw.objects.get(pk=row.pk) for row in rows)
    assert first.received_at == RECEIVED + dt.timedelta(seconds=1) and first.site == madrid
    assert first.metadata == {"uid": 1, "envelope_to": ["taller@example.net"], "name": "Núñez"}
    assert bytes(first.raw) == b"Subject: hola\r\n\r\n\xf1"
    assert first.status == "pending" and first.warnings == [] and first.attempts == 0
    assert second.site is None and second.received_at == RECEIVED + dt.timedelta(seconds=2)
    assert all(not row._state.adding for row in rows)


def test_rows_can_point_at_rows_inserted_just_before(group: Organisation) -> None:
    customer = Customer(organisation=group, display_name="Ana Prueba")
    point = ContactPoint(organisation=group, customer=customer, kind="email", value="a@b.es")
    with transaction.atomic():
        insert_new([customer])
        insert_new([point])

    assert ContactPoint.objects.get(pk=point.pk).customer_id == customer.pk


def test_an_unsaved_related_row_is_refused(group: Organisation) -> None:
    customer = Customer(organisation=group, display_name="Nunca Guardado")
    point = ContactPoint(organisation=group, customer=customer, kind="email", value="n@g.es")

    with pytest.raises(ValueError, match="unsaved related object"), transaction.atomic():
        insert_new([point])


def test_reserved_keys_are_never_handed_out_again_even_after_a_delete(db: None) -> None:
    with transaction.atomic():
        insert_new([_raw(1), _raw(2)])
    highest = InboundRaw.objects.order_by("-pk").values_list("pk", flat=True).first()
    assert highest is not None
    InboundRaw.objects.filter(pk=highest).delete()

    with transaction.atomic():
        keys = reserve_keys(InboundRaw._meta, 3)

    assert keys == sorted(keys) and len(set(keys)) == 3
    assert min(keys) > highest


def test_update_rows_stores_each_rows_own_values(madrid: Site) -> None:
    rows = [_raw(1), _raw(2)]
    with transaction.atomic():
        insert_new(rows)
    rows[0].status, rows[0].warnings, rows[0].site = "processed", ["charset guessed"], madrid
    rows[1].status, rows[1].processed_at = "ignored", RECEIVED

    update_rows(rows, ["status", "warnings", "site", "processed_at"])

    first, second = (InboundRaw.objects.get(pk=row.pk) for row in rows)
    assert (first.status, first.warnings, first.site_id) == (
        "processed",
        ["charset guessed"],
        madrid.pk,
    )
    assert (second.status, second.processed_at, second.site_id) == ("ignored", RECEIVED, None)


def test_events_written_without_keys_keep_their_order(group: Organisation) -> None:
    events = [
        Event(occurred_at=RECEIVED, organisation=group, verb=f"test.{n}", data={"n": n})
        for n in range(3)
    ]

    insert_rows(events)

    stored = Event.objects.filter(organisation=group, verb__startswith="test.").order_by("id")
    assert [(event.verb, event.data) for event in stored] == [
        ("test.0", {"n": 0}),
        ("test.1", {"n": 1}),
        ("test.2", {"n": 2}),
    ]


def _as_the_orm_prepares_it(row: Any, field: Any) -> Any:
    return field.get_db_prep_save(getattr(row, field.attname), connection)


def _prepared(row: Any, columns: list[Any]) -> list[Any]:
    return RowPreparer(columns, connections[DEFAULT_DB_ALIAS], pre_save=False)(row)


def _comparable(value: Any) -> Any:
    """psycopg wraps bytes and JSON in adapters that compare by identity: their content."""
    return getattr(value, "obj", value)


def test_every_column_the_inbound_path_writes_is_prepared_as_the_orm_prepares_it(
    madrid: Site,
) -> None:
    raw = ingest("email", email_bytes(subject="Ruido al frenar"), source="smtp", site=madrid)
    assert raw.status == "processed", raw.reason
    written = [
        *InboundRaw.objects.all(),
        *Customer.objects.all(),
        *ContactPoint.objects.all(),
        *Case.objects.all(),
        *Clock.objects.all(),
        *Message.objects.all(),
        *Notification.objects.all(),
        *Event.objects.all(),
    ]
    assert {type(row) for row in written} >= {Case, Clock, Message, Event, Notification}

    for row in written:
        columns = list(row._meta.concrete_fields)
        prepared = _prepared(row, columns)
        for field, value in zip(columns, prepared, strict=True):
            expected = _as_the_orm_prepares_it(row, field)
            assert type(value) is type(expected), (row, field.name)
            assert _comparable(value) == _comparable(expected), (row, field.name)


def test_values_off_the_shortcut_are_prepared_the_orm_way(madrid: Site) -> None:
    clock = Clock.objects.model(
        subject_id="7",
        label=CaseStatus.OPEN,  # a str subclass
        target_seconds="3600",  # a numeric string
        target_overridden=1,  # an int for a boolean
        started_at=RECEIVED.astimezone(dt.timezone(dt.timedelta(hours=-5))),
    )
    clock.site_id = ""  # an empty key is stored as NULL
    meta = Clock._meta

    columns = [
        meta.get_field(name)
        for name in ["subject_id", "label", "target_seconds", "target_overridden", "started_at"]
    ]
    for field, value in zip(columns, _prepared(clock, columns), strict=True):
        expected = _as_the_orm_prepares_it(clock, field)
        assert type(value) is type(expected) and value == expected, field.name
    assert _prepared(clock, [meta.get_field("site")]) == [None]


def _inbound_rows(site: Site) -> list[models.Model]:
    raw = ingest(
        "email",
        email_bytes(subject="Ruido al frenar", attachments=[("f.pdf", "application/pdf", b"%P")]),
        source="smtp",
        site=site,
    )
    assert raw.status == "processed", raw.reason
    return [
        *InboundRaw.objects.all(),
        *Customer.objects.all(),
        *ContactPoint.objects.all(),
        *Case.objects.all(),
        *Clock.objects.all(),
        *Message.objects.all(),
        *Attachment.objects.all(),
        *Notification.objects.all(),
        *Event.objects.all(),
    ]


def _as_a_builder_passes_them(row: models.Model, leave_out: int) -> dict[str, Any]:
    """Half of the row's fields (the others left to their defaults), keys as the related
    instances themselves, as the builders pass them."""
    values: dict[str, Any] = {}
    for position, field in enumerate(row._meta.concrete_fields):
        if field.primary_key or position % 2 == leave_out:
            continue
        if field.is_relation:
            values[field.name] = getattr(row, field.name)
        else:
            values[field.attname] = getattr(row, field.attname)
    return values


def _assert_same_instance(built: models.Model, expected: models.Model) -> None:
    mine, theirs = dict(vars(built)), dict(vars(expected))
    my_state, their_state = mine.pop("_state"), theirs.pop("_state")
    assert mine.keys() == theirs.keys()
    for name, value in theirs.items():
        if isinstance(value, dt.datetime) and value != mine[name]:  # a default of "now"
            assert abs(mine[name] - value) < dt.timedelta(seconds=5), name
        else:
            assert mine[name] == value and type(mine[name]) is type(value), name
    assert (my_state.adding, my_state.db) == (their_state.adding, their_state.db)
    assert my_state.fields_cache == their_state.fields_cache


def test_new_row_builds_what_the_model_class_builds_for_every_inbound_model(
    madrid: Site,
) -> None:
    rows = _inbound_rows(madrid)
    assert {type(row) for row in rows} >= {Case, Clock, Message, Event, Notification, Attachment}

    for row in rows:
        for leave_out in (0, 1):
            values = _as_a_builder_passes_them(row, leave_out)
            model = type(row)
            _assert_same_instance(new_row(model, **values), model(**values))


def test_new_row_takes_an_unsaved_related_instance_as_the_model_class_does(
    group: Organisation,
) -> None:
    customer = Customer(organisation=group, display_name="Aún Sin Guardar")
    values = {"organisation": group, "customer": customer, "kind": "email", "value": "a@s.es"}

    built = new_row(ContactPoint, **values)

    _assert_same_instance(built, ContactPoint(**values))
    assert built.customer is customer and built.customer_id is None


def test_new_row_leaves_to_the_model_class_what_it_does_not_handle(group: Organisation) -> None:
    seen: list[object] = []

    def receiver(sender: type, instance: object, **kwargs: object) -> None:
        seen.append(instance)

    post_init.connect(receiver, sender=Customer)
    try:
        customer = new_row(Customer, organisation=group, display_name="Con Receptor")
    finally:
        post_init.disconnect(receiver, sender=Customer)
    assert seen == [customer]

    with pytest.raises(TypeError, match="unexpected keyword"):
        new_row(Customer, organisation=group, nickname="Sin Campo")
