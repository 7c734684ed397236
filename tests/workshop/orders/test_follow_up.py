"""Follow-up after delivery (FOLLOWUP-2D): the survey link by the preferred method or a call
meets the 2-business-day clock; a concern becomes a case owned by the service manager."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from posventa.clocks.models import Clock, ClockState
from posventa.core.models import Site, User
from posventa.customers.models import Customer, Vehicle
from posventa.outbox.models import Notification
from posventa.workshop.actions import follow_up, orders
from posventa.workshop.estimates import LineKind
from posventa.workshop.models import DecidedVia, RepairOrder
from posventa.workshop.order_states import OrderState
from tests.workshop.orders.conftest import hand_back


@pytest.fixture
def delivered(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User, technicians: list[User]
) -> RepairOrder:
    order = orders.open_repair_order(
        madrid,
        customer=customer,
        vehicle=vehicle,
        concerns=["Cambio de aceite"],
        advisor=advisor,
        odometer_in=30_000,
    )
    job = orders.add_job(
        order,
        title="Aceite",
        actor=advisor,
        lines=[orders.LineSpec(LineKind.PART, "Aceite", D("5"), D("9.80"), D("0.21"))],
    )
    orders.assign_technician(job, technicians[0], actor=advisor)
    orders.record_decision(
        job, approved=True, via=DecidedVia.IN_PERSON, decided_by="Carmen", actor=advisor
    )
    orders.start_job(job, actor=technicians[0])
    orders.finish_job(job, cause="Intervalo", correction="Cambiado", actor=technicians[0])
    order.refresh_from_db()
    orders.move(order, OrderState.COMPLETED, actor=technicians[0])
    orders.record_quality_check(order, checked_by=technicians[1], passed=True)
    return hand_back(order, advisor, 30_004)


def follow_up_clock(order: RepairOrder) -> Clock:
    return Clock.objects.get(standard_id="FOLLOWUP-2D", subject_id=str(order.pk))


def test_the_survey_link_by_the_preferred_method_is_the_contact(delivered: RepairOrder) -> None:
    follow_up.send_survey(delivered, link="https://example.test/survey/abc")
    assert follow_up_clock(delivered).state == ClockState.SATISFIED
    sent = Notification.objects.get(dedupe_key=f"survey:{delivered.pk}")
    assert sent.to_address == "carmen.ensayo@example.org" and "example.test/survey/abc" in sent.body


def test_the_customers_answers_are_kept_and_a_concern_reaches_the_service_manager(
    delivered: RepairOrder, service_manager: User
) -> None:
    token = follow_up.survey_token(delivered)
    survey = follow_up.answer_survey(
        token,
        follow_up.Answers(
            satisfaction=4,
            recommend=7,
            fixed_first_time=True,
            concern="Hay una mancha de aceite en el asiento",
        ),
    )
    assert (survey.satisfaction, survey.recommend) == (4, 7)
    case = survey.concern_case
    assert case is not None and case.owner == service_manager
    assert delivered.reference in case.subject and "mancha" in case.subject
    # The link works once.
    assert follow_up.order_for_survey(token) is None
    with pytest.raises(ValidationError):
        follow_up.answer_survey(token, follow_up.Answers(recommend=10))


def test_staff_fill_it_in_on_a_call(delivered: RepairOrder, advisor: User) -> None:
    survey = follow_up.record_survey_call(
        delivered, follow_up.Answers(recommend=9, comment="Todo bien"), staff=advisor
    )
    assert survey.via == "call" and survey.recorded_by == advisor and survey.concern_case is None
    assert follow_up_clock(delivered).state == ClockState.SATISFIED


def test_a_score_out_of_range_is_refused_naming_it(delivered: RepairOrder, advisor: User) -> None:
    with pytest.raises(ValidationError) as refused:
        follow_up.record_survey_call(
            delivered, follow_up.Answers(recommend=11, satisfaction=0), staff=advisor
        )
    assert set(refused.value.message_dict) == {"recommend", "satisfaction"}
    assert follow_up_clock(delivered).state == ClockState.RUNNING


def test_there_is_no_survey_before_delivery(
    madrid: Site, customer: Customer, vehicle: Vehicle, advisor: User
) -> None:
    order = orders.open_repair_order(
        madrid,
        customer=customer,
        vehicle=vehicle,
        concerns=["Ruido"],
        advisor=advisor,
        odometer_in=1_000,
    )
    with pytest.raises(ValidationError) as refused:
        follow_up.send_survey(order, link="https://example.test/s")
    assert "state" in refused.value.message_dict
