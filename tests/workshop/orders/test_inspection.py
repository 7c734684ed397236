"""The inspection: items by colour carried forward from the last visit with their trend,
trouble codes validated and explained, recalls checked, red and yellow items priced."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from posventa.core.events import timeline
from posventa.core.models import Site, User
from posventa.customers.models import Customer, Vehicle
from posventa.workshop.actions import inspection, orders
from posventa.workshop.estimates import LineKind
from posventa.workshop.models import CampaignKind, Decision, ItemStatus, RepairOrder


def visit(
    site: Site, customer: Customer, vehicle: Vehicle, advisor: User, *, days_ago: int, km: int
) -> RepairOrder:
    return orders.open_repair_order(
        site,
        customer=customer,
        vehicle=vehicle,
        concerns=[f"Revisión a los {km} km"],
        advisor=advisor,
        odometer_in=km,
        at=timezone.now() - dt.timedelta(days=days_ago),
    )


@pytest.fixture
def earlier(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> RepairOrder:
    order = visit(madrid, customer, vehicle, advisor, days_ago=200, km=20_000)
    inspection.record_item(
        order,
        code="tyre-fl",
        name="Front left tyre",
        status=ItemStatus.GREEN,
        measurement="5.5",
        unit="mm",
        actor=technicians[0],
    )
    inspection.record_item(
        order,
        code="battery",
        name="Battery",
        status=ItemStatus.YELLOW,
        note="Weak start",
        actor=technicians[0],
    )
    return order


def test_the_last_visits_results_come_forward_to_confirm(
    earlier: RepairOrder,
    madrid: Site,
    customer: Customer,
    vehicle: Vehicle,
    advisor: User,
    technicians: list[User],
) -> None:
    order = visit(madrid, customer, vehicle, advisor, days_ago=0, km=30_000)
    carried = inspection.start_inspection(order, actor=technicians[0])
    assert {item.code: item.status for item in carried} == {
        "tyre-fl": ItemStatus.UNCHECKED,
        "battery": ItemStatus.UNCHECKED,
    }
    assert next(i for i in carried if i.code == "tyre-fl").measurement == D("5.5")
    # Starting again does not copy twice.
    assert len(inspection.start_inspection(order, actor=technicians[0])) == 2
    inspection.record_item(
        order,
        code="tyre-fl",
        name="Front left tyre",
        status=ItemStatus.YELLOW,
        measurement="3,1",
        unit="mm",
        actor=technicians[0],
    )
    trend = inspection.item_history(order, "tyre-fl")
    assert [(r.status, r.measurement) for r in trend] == [
        (ItemStatus.GREEN, D("5.5")),
        (ItemStatus.YELLOW, D("3.1")),
    ]


def test_a_car_new_to_the_workshop_starts_blank(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> None:
    order = visit(madrid, customer, vehicle, advisor, days_ago=0, km=30_000)
    assert inspection.start_inspection(order, actor=technicians[0]) == []


def test_a_yellow_or_red_item_needs_a_measurement_or_a_note(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> None:
    order = visit(madrid, customer, vehicle, advisor, days_ago=0, km=30_000)
    with pytest.raises(ValidationError) as refused:
        inspection.record_item(
            order, code="pads", name="Pads", status=ItemStatus.RED, actor=technicians[0]
        )
    assert "note" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        inspection.record_item(
            order,
            code="pads",
            name="Pads",
            status="purple",
            measurement="tres",
            actor=technicians[0],
        )
    assert {"status", "measurement"} <= set(refused.value.message_dict)


def test_a_red_item_becomes_a_priced_job_waiting_for_the_customer(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> None:
    order = visit(madrid, customer, vehicle, advisor, days_ago=0, km=30_000)
    pads = inspection.record_item(
        order,
        code="pads",
        name="Pads",
        status=ItemStatus.RED,
        measurement="2",
        unit="mm",
        actor=technicians[0],
    )
    green = inspection.record_item(
        order, code="wipers", name="Wipers", status=ItemStatus.GREEN, actor=technicians[0]
    )
    line = orders.LineSpec(LineKind.PART, "Pads", D("1"), D("48.90"), D("0.21"))
    job = inspection.recommend_job(
        pads, title="Replace front pads", actor=technicians[0], lines=[line]
    )
    assert job.recommended_for == pads and job.decision == Decision.PENDING
    with pytest.raises(ValidationError):
        inspection.recommend_job(green, title="Wipers", actor=technicians[0], lines=[line])


def test_a_trouble_code_is_validated_and_explained_in_the_readers_language(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> None:
    order = visit(madrid, customer, vehicle, advisor, days_ago=0, km=30_000)
    with translation.override("es"):
        reading = inspection.record_trouble_code(order, "p0301", actor=technicians[0])
    assert (reading.code, reading.explanation) == ("P0301", "Fallo de encendido en el cilindro 1")
    with pytest.raises(ValidationError) as refused:
        inspection.record_trouble_code(order, "P03X1", actor=technicians[0])
    assert "P0301" in refused.value.message_dict["trouble_code"][0]
    assert timeline(order).filter(verb="repair_order.trouble_code").count() == 1


def test_a_sites_own_table_explains_its_brands_codes_and_a_bad_file_changes_nothing(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> None:
    loaded = inspection.load_trouble_code_table(
        madrid,
        "code,en,es,sv\nP1690,Injector circuit (our brand),Circuito de inyector (nuestra marca),\n",
        actor=advisor,
    )
    assert loaded == 1
    with pytest.raises(ValidationError):
        inspection.load_trouble_code_table(madrid, "code,en,es,sv\nPXXXX,Bad,,\n", actor=advisor)
    order = visit(madrid, customer, vehicle, advisor, days_ago=0, km=30_000)
    with translation.override("en"):
        reading = inspection.record_trouble_code(order, "P1690", actor=technicians[0])
    assert reading.explanation == "Injector circuit (our brand)"


def test_a_pending_recall_is_recorded_with_its_reference(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> None:
    order = visit(madrid, customer, vehicle, advisor, days_ago=0, km=30_000)
    with pytest.raises(ValidationError) as refused:
        inspection.record_campaign_check(
            order, kind=CampaignKind.RECALL, pending=True, actor=technicians[0]
        )
    assert "reference" in refused.value.message_dict
    check = inspection.record_campaign_check(
        order,
        kind=CampaignKind.SOFTWARE,
        pending=True,
        done=True,
        reference="SW-24-118",
        actor=technicians[0],
    )
    assert check.done and timeline(order).filter(verb="repair_order.campaign_checked").exists()
