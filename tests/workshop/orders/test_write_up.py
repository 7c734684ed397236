"""Write-up on the tablet: the prompt measured from the appointment or arrival, the needs
and the inspection, the walk-around with real photos, the contact verified (or no finish),
the due maintenance offered, the signature, and the promised time."""

from __future__ import annotations

import base64
import datetime as dt
import io
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image

from posventa.clocks.models import Clock, ClockState
from posventa.core.models import Site, User
from posventa.customers.models import Customer, Vehicle
from posventa.workshop.actions import orders, write_up
from posventa.workshop.estimates import LineKind
from posventa.workshop.models import Decision, RepairOrder, WriteUp


def png_data_url(width: int = 300, height: int = 100) -> str:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def jpeg_upload(name: str = "front.jpg") -> write_up.Upload:
    out = io.BytesIO()
    Image.new("RGB", (3000, 2000), (90, 90, 90)).save(out, format="JPEG")
    data = out.getvalue()
    return write_up.Upload(io.BytesIO(data), name, len(data), "Golpe en la aleta")


@pytest.fixture
def order(madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User) -> RepairOrder:
    return orders.open_repair_order(
        madrid,
        customer=customer,
        vehicle=vehicle,
        concerns=["Revisión de los 30.000"],
        advisor=advisor,
        odometer_in=30_000,
    )


@pytest.fixture
def started(order: RepairOrder, advisor: User) -> WriteUp:
    return write_up.start_write_up(
        order, actor=advisor, arrived_at=timezone.now() - dt.timedelta(minutes=4)
    )


def test_the_prompt_is_measured_from_the_arrival(started: WriteUp) -> None:
    clock = Clock.objects.get(standard_id="WRITEUP-PROMPT", subject_id=str(started.pk))
    assert clock.state == ClockState.SATISFIED and clock.breached_at is None


def test_a_write_up_begun_twenty_minutes_after_arrival_is_late(
    order: RepairOrder, advisor: User
) -> None:
    # A Tuesday morning, open hours in Madrid: 20 business minutes against a 10-minute target.
    begun = dt.datetime(2026, 3, 3, 10, 30, tzinfo=ZoneInfo("Europe/Madrid"))
    late = write_up.start_write_up(
        order, actor=advisor, arrived_at=begun - dt.timedelta(minutes=20), at=begun
    )
    clock = Clock.objects.get(standard_id="WRITEUP-PROMPT", subject_id=str(late.pk))
    assert clock.state == ClockState.SATISFIED
    assert clock.business_seconds == 20 * 60 and clock.delta_seconds == 10 * 60


def test_without_an_appointment_the_prompt_counts_from_the_arrival(
    order: RepairOrder, advisor: User
) -> None:
    begun = dt.datetime(2026, 3, 3, 10, 5, tzinfo=ZoneInfo("Europe/Madrid"))
    early = write_up.start_write_up(
        order, actor=advisor, arrived_at=begun - dt.timedelta(minutes=45), at=begun
    )
    clock = Clock.objects.get(standard_id="WRITEUP-PROMPT", subject_id=str(early.pk))
    # Without an appointment the arrival counts: 45 minutes.
    assert clock.business_seconds == 45 * 60


def test_write_up_cannot_finish_until_every_step_is_done(started: WriteUp, advisor: User) -> None:
    promised = timezone.now() + dt.timedelta(hours=6)
    with pytest.raises(ValidationError) as refused:
        write_up.finish_write_up(started, promised_at=promised, actor=advisor)
    assert set(refused.value.message_dict) == {"contact", "inspection_permitted", "signature"}
    write_up.confirm_needs(started, inspection_permitted=True, actor=advisor)
    write_up.verify_contact(
        started, preferred_channel="sms", phone="+34 600 111 222", actor=advisor
    )
    write_up.sign(started, signature=png_data_url(), actor=advisor)
    with pytest.raises(ValidationError) as refused:
        write_up.finish_write_up(
            started, promised_at=timezone.now() - dt.timedelta(minutes=1), actor=advisor
        )
    assert set(refused.value.message_dict) == {"promised_at"}
    finished = write_up.finish_write_up(started, promised_at=promised, actor=advisor)
    assert finished.finished_at is not None
    on_time = Clock.objects.get(standard_id="DELIVERY-ON-TIME", subject_id=str(started.order_id))
    assert on_time.state == ClockState.RUNNING and on_time.due_at is not None
    assert abs(on_time.due_at - promised) < dt.timedelta(seconds=2)


def test_verifying_the_contact_keeps_the_preferred_method_and_its_address(
    started: WriteUp, advisor: User, customer: Customer
) -> None:
    with pytest.raises(ValidationError) as refused:
        write_up.verify_contact(started, preferred_channel="sms", actor=advisor)
    assert "phone" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        write_up.verify_contact(
            started, preferred_channel="email", email="no es un correo", actor=advisor
        )
    assert "email" in refused.value.message_dict
    write_up.verify_contact(
        started, preferred_channel="whatsapp", phone="+34 600 111 222", actor=advisor
    )
    customer.refresh_from_db()
    assert customer.preferred_channel == "whatsapp"
    assert customer.contact_points.filter(value="+34600111222").exists()


def test_the_walkaround_keeps_small_upright_photos_and_refuses_a_wrong_file(
    started: WriteUp, advisor: User, settings: object, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    with pytest.raises(ValidationError) as refused:
        write_up.record_walkaround(
            started,
            checklist={"body": (False, "")},
            photos=[write_up.Upload(io.BytesIO(b"%PDF-1.7"), "factura.pdf", 8)],
            actor=advisor,
        )
    assert "factura.pdf" in refused.value.message_dict["photos"][0]
    assert "body" in refused.value.message_dict["checklist"][0]
    assert not started.photos.exists()
    write_up.record_walkaround(
        started,
        checklist={"body": (False, "Golpe en la aleta"), "glass": (True, "")},
        photos=[jpeg_upload()],
        actor=advisor,
    )
    [photo] = started.photos.all()
    assert (photo.width, photo.height) == (1600, 1067)
    assert started.walkaround["body"] == {"ok": False, "note": "Golpe en la aleta"}


def test_accepted_maintenance_becomes_an_approved_job(started: WriteUp, advisor: User) -> None:
    line = orders.LineSpec(LineKind.PART, "Líquido DOT 4", D("1"), D("12.35"), D("0.21"))
    write_up.offer_maintenance(
        started,
        [
            write_up.MaintenanceOffer(
                "brake-fluid", "Líquido de frenos: cada 2 años, toca ya", True, (line,)
            ),
            write_up.MaintenanceOffer("cabin-filter", "Filtro de habitáculo: en 5.000 km", False),
        ],
        actor=advisor,
    )
    [job] = started.order.jobs.all()
    assert job.decision == Decision.APPROVED and job.operation_code == "brake-fluid"
    assert [item["accepted"] for item in started.maintenance] == [True, False]


def test_a_signature_that_is_not_a_png_is_refused_and_approval_by_link_is_allowed(
    started: WriteUp, advisor: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        write_up.sign(started, signature="data:image/png;base64,AAAA", actor=advisor)
    assert "signature" in refused.value.message_dict
    signed = write_up.sign(started, by_link=True, actor=advisor)
    assert signed.approve_by_link and signed.signed_at is None
