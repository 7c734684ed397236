"""Any case can become a complaint, and nothing turns one away (issue 11, item 4)."""

from __future__ import annotations

from posventa.cases import actions as cases
from posventa.cases.models import Case, CaseStatus, Department
from posventa.clocks.models import ClockState
from posventa.complaints import actions
from posventa.complaints.models import Category, Complaint, RegisteredVia, Severity
from posventa.core.events import timeline
from posventa.core.models import Site, User
from posventa.customers.actions import create_customer
from posventa.inbox.models import Message
from tests.cases.helpers import clock


def test_staff_mark_a_case_a_complaint_and_both_clocks_start_for_its_owner(
    complaint: Complaint, agent: User
) -> None:
    case = complaint.case
    assert (complaint.category, complaint.severity) == (Category.CLEANLINESS, Severity.HIGH)
    assert complaint.desired_outcome.startswith("Que alguien reconozca")
    for code in ("COMPLAINT-ACK", "COMPLAINT-OPEN"):
        started = clock(case, code)
        assert started.state == ClockState.RUNNING and started.owner == agent
    assert clock(case, "COMPLAINT-OPEN").calendar_kind == "24/7"
    assert clock(case, "COMPLAINT-OPEN").target_seconds == 14 * 86400
    registered = [event for event in timeline(case) if event.verb == "complaint.registered"]
    assert len(registered) == 1 and registered[0].data["category"] == "cleanliness"


def test_an_unknown_category_and_severity_are_kept_as_other_not_refused(
    email_case: Case, agent: User
) -> None:
    complaint = actions.register_complaint(
        email_case, via="api", category="the installer", severity="furious", actor=agent
    )
    assert complaint.category == Category.OTHER and complaint.severity == Severity.NORMAL
    event = next(e for e in timeline(complaint.case) if e.verb == "complaint.registered")
    assert event.data["given_category"] == "the installer"
    assert event.data["given_severity"] == "furious"


def test_a_severity_may_be_given_by_name(email_case: Case, agent: User) -> None:
    complaint = actions.register_complaint(email_case, via="staff", severity="critical")
    assert complaint.severity == Severity.CRITICAL


def test_registering_twice_keeps_one_complaint(complaint: Complaint, agent: User) -> None:
    again = actions.register_complaint(complaint.case, via="portal", category="billing")
    assert again.pk == complaint.pk and again.category == Category.CLEANLINESS
    assert Complaint.objects.count() == 1


def test_a_resolved_case_is_reopened_to_take_the_complaint(email_case: Case, agent: User) -> None:
    answer = cases.reply(email_case, author=agent, body="Lo sentimos mucho.")
    cases.resolve_case(email_case, actor=agent, answer=answer)
    complaint = actions.register_complaint(email_case, via="portal", actor_label="customer")
    email_case.refresh_from_db()
    assert complaint.case == email_case and email_case.status == CaseStatus.OPEN


def test_a_closed_case_gets_a_new_linked_case_for_the_complaint(
    email_case: Case, agent: User
) -> None:
    cases.assign_case(email_case, agent, actor=agent)
    answer = cases.reply(email_case, author=agent, body="Lo sentimos mucho.")
    cases.resolve_case(email_case, actor=agent, answer=answer)
    cases.close_case(email_case, actor=agent)
    complaint = actions.register_complaint(email_case, via="staff", actor=agent)
    assert complaint.case != email_case
    assert complaint.case.previous_case == email_case
    assert complaint.case.owner == agent and complaint.case.is_active


def test_a_complaint_without_a_case_opens_one_in_the_complaints_department(
    madrid: Site, agent: User
) -> None:
    customer = create_customer(
        madrid.organisation, display_name="Ramón Inventado", language="es", site=madrid
    )
    complaint = actions.open_complaint(
        site=madrid,
        customer=customer,
        channel="phone",
        via="staff",
        category="staff_behaviour",
        desired_outcome="Que me pidan disculpas.",
        actor=agent,
    )
    case = complaint.case
    assert case.department == Department.COMPLAINTS and case.reference.startswith("MAD-")
    assert complaint.misrouted_department == ""
    assert clock(case, "COMPLAINT-ACK").state == ClockState.RUNNING


def test_the_portal_and_the_api_register_with_no_staff_actor(email_case: Case) -> None:
    complaint = actions.register_complaint(
        email_case, via="portal", desired_outcome="Una disculpa.", actor_label="customer"
    )
    assert complaint.registered_via == RegisteredVia.PORTAL and complaint.registered_by is None
    assert clock(complaint.case, "COMPLAINT-ACK").owner is None
    assert Message.objects.filter(case=email_case).exists()
    assert email_case.department == Department.SERVICE


def test_a_case_whose_owner_left_still_becomes_a_complaint(email_case: Case, agent: User) -> None:
    cases.assign_case(email_case, agent, actor=agent)
    agent.is_active = False
    agent.save()
    complaint = actions.register_complaint(email_case, via="portal", actor_label="customer")
    assert clock(complaint.case, "COMPLAINT-ACK").owner is None


def test_a_resolved_case_whose_owner_left_is_reopened_for_the_queue(
    email_case: Case, agent: User
) -> None:
    cases.assign_case(email_case, agent, actor=agent)
    answer = cases.reply(email_case, author=agent, body="Resuelto.")
    cases.resolve_case(email_case, actor=agent, answer=answer)
    agent.is_active = False
    agent.save()
    complaint = actions.register_complaint(email_case, via="api")
    email_case.refresh_from_db()
    assert complaint.case == email_case and email_case.is_active and email_case.owner is None
