"""A complaint sitting with a department that cannot solve its category is flagged."""

from __future__ import annotations

from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.cases import actions as cases
from posventa.cases.models import Case, Department
from posventa.complaints import actions
from posventa.complaints.models import Complaint
from posventa.core.events import timeline
from posventa.core.models import User


def verbs(case: Case) -> list[str]:
    return [event.verb for event in timeline(case) if event.verb.startswith("complaint.")]


def test_staff_behaviour_in_the_service_department_is_flagged_at_once(
    email_case: Case, agent: User
) -> None:
    complaint = actions.register_complaint(
        email_case, via="staff", category="staff_behaviour", actor=agent
    )
    assert complaint.misrouted_department == Department.SERVICE and complaint.is_misrouted
    assert "complaint.misrouted" in verbs(email_case)


def test_a_transfer_to_a_department_that_can_solve_it_clears_the_flag_and_back_flags_it(
    email_case: Case, agent: User
) -> None:
    complaint = actions.register_complaint(email_case, via="staff", category="billing")
    assert complaint.is_misrouted
    cases.transfer_case(email_case, to_department="billing", note="Es de facturas.", actor=agent)
    complaint.refresh_from_db()
    assert not complaint.is_misrouted
    cases.transfer_case(email_case, to_department="sales", note="Pruebo ventas.", actor=agent)
    complaint.refresh_from_db()
    assert complaint.misrouted_department == Department.SALES
    assert verbs(email_case).count("complaint.misrouted") == 2
    assert "complaint.routing_fixed" in verbs(email_case)


def test_a_mess_left_behind_sent_to_sales_is_flagged(complaint: Complaint, agent: User) -> None:
    assert not complaint.is_misrouted  # cleanliness: the service department can see to it
    cases.transfer_case(complaint.case, to_department="sales", note="No sé.", actor=agent)
    complaint.refresh_from_db()
    assert complaint.is_misrouted


def test_changing_the_category_checks_the_routing_again(complaint: Complaint, agent: User) -> None:
    actions.update_complaint(complaint, actor=agent, category="staff_behaviour")
    assert complaint.misrouted_department == Department.SERVICE


def test_the_departments_per_category_are_a_setting(
    settings: SettingsWrapper, email_case: Case, agent: User
) -> None:
    settings.POSVENTA_COMPLAINT_DEPARTMENTS = {"cleanliness": ["complaints"]}
    complaint = actions.register_complaint(email_case, via="staff", category="cleanliness")
    assert complaint.misrouted_department == Department.SERVICE
