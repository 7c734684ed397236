"""After delivery (FOLLOWUP-2D): the customer is contacted within 2 business days by their
preferred method, about satisfaction and concerns.

Delivery starts the clock (`orders.deliver`). Sending the survey link by the preferred
method, or a call in which staff fill the survey in, is the contact that meets it. The
survey is a few questions and a 0 to 10 recommendation score; any concern the customer
raises opens a case owned by the service manager, with the repair order named, so it is
answered like every other contact and never stays in a survey table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from posventa.cases import actions as cases
from posventa.cases.models import Case, ReplyChannel
from posventa.clocks import actions as clocks
from posventa.core.access import users_with_role
from posventa.core.events import record_event
from posventa.core.models import Role, User
from posventa.customers.reach import preferred_address
from posventa.outbox import actions as outbox
from posventa.workshop.actions._common import atomic, refusable
from posventa.workshop.models import FollowUpSurvey, RepairOrder, SurveyVia
from posventa.workshop.order_states import OrderState

FOLLOWUP_2D = "FOLLOWUP-2D"
SURVEY_SALT = "posventa.workshop.follow-up-survey"
SURVEY_LINK_AGE = dt.timedelta(days=30)


@dataclass(frozen=True)
class Answers:
    satisfaction: int | None = None  # 1 to 5
    recommend: int | None = None  # 0 to 10
    fixed_first_time: bool | None = None
    ready_when_promised: bool | None = None
    comment: str = ""
    concern: str = ""


def survey_token(order: RepairOrder) -> str:
    return signing.dumps({"order": order.pk, "customer": order.customer_id}, salt=SURVEY_SALT)


def order_for_survey(token: str) -> RepairOrder | None:
    """The order a survey link is for; None when forged, expired or already answered."""
    try:
        data = signing.loads(token, salt=SURVEY_SALT, max_age=SURVEY_LINK_AGE)
    except signing.BadSignature:
        return None
    order = RepairOrder.objects.filter(pk=data.get("order"), customer_id=data.get("customer"))
    found = order.select_related("customer", "site").first()
    if (
        found is None
        or FollowUpSurvey.objects.filter(order=found, answered_at__isnull=False).exists()
    ):
        return None
    return found


def send_survey(order: RepairOrder, *, link: str, actor: User | None = None) -> FollowUpSurvey:
    """Send the survey link by the preferred method: the contact FOLLOWUP-2D asks for."""
    if order.state not in (OrderState.DELIVERED, OrderState.CLOSED):
        raise ValidationError({"state": _("The survey follows the delivery.")})
    target = preferred_address(order.customer)
    if target is None:
        raise ValidationError(
            {"customer": _("The customer has no e-mail address or phone number.")}
        )
    channel, address = target
    with translation.override(order.customer.language or None):
        subject = _("How was your visit? %(reference)s") % {"reference": order.reference}
        body = _(
            "Thank you for trusting us with your %(vehicle)s. Four short questions, and "
            "anything that is still not right: %(link)s"
        ) % {"vehicle": order.vehicle, "link": link}
    with refusable():
        survey, _created = FollowUpSurvey.objects.get_or_create(order=order)
        outbox.send_to_customer(
            channel=channel,
            to_address=address,
            subject=subject,
            body=body,
            site=order.site,
            related=survey,
            automatic=True,
            dedupe_key=f"survey:{order.pk}",
        )
        survey.sent_at = survey.sent_at or timezone.now()
        survey.save(update_fields=["sent_at"])
        _contacted(order, actor, _("Survey sent by the preferred method"))
    return survey


def answer_survey(token: str, answers: Answers) -> FollowUpSurvey:
    """The customer's answers through the link."""
    order = order_for_survey(token)
    if order is None:
        raise ValidationError({"link": _("This survey link cannot be used any more.")})
    return _record(order, answers, via=SurveyVia.LINK, staff=None)


def record_survey_call(order: RepairOrder, answers: Answers, *, staff: User) -> FollowUpSurvey:
    """Staff fill the survey in on a call with the customer: the contact, and the answers."""
    with refusable():
        survey = _record(order, answers, via=SurveyVia.CALL, staff=staff)
        _contacted(order, staff, _("Follow-up call"))
    return survey


def _record(
    order: RepairOrder, answers: Answers, *, via: str, staff: User | None
) -> FollowUpSurvey:
    _refuse_bad_answers(answers)
    now = timezone.now()
    with atomic():
        survey, _created = FollowUpSurvey.objects.get_or_create(order=order)
        survey.answered_at = now
        survey.via = via
        survey.recorded_by = staff
        survey.satisfaction = answers.satisfaction
        survey.recommend = answers.recommend
        survey.fixed_first_time = answers.fixed_first_time
        survey.ready_when_promised = answers.ready_when_promised
        survey.comment = answers.comment.strip()
        survey.concern = answers.concern.strip()
        if survey.concern:
            survey.concern_case = _open_concern_case(order, survey.concern, staff)
        survey.save()
        record_event(
            "repair_order.survey_answered",
            subject=order,
            site=order.site,
            actor=staff,
            actor_label="" if staff else "customer",
            occurred_at=now,
            summary=survey.concern[:200],
            data={
                "via": via,
                "satisfaction": survey.satisfaction,
                "recommend": survey.recommend,
                "concern_case": survey.concern_case.reference if survey.concern_case else None,
            },
        )
    return survey


def _refuse_bad_answers(answers: Answers) -> None:
    errors: dict[str, str] = {}
    if answers.satisfaction is not None and not 1 <= answers.satisfaction <= 5:
        errors["satisfaction"] = _("Choose from 1 to 5.")
    if answers.recommend is not None and not 0 <= answers.recommend <= 10:
        errors["recommend"] = _("Choose from 0 to 10.")
    if errors:
        raise ValidationError(errors)


def _open_concern_case(order: RepairOrder, concern: str, staff: User | None) -> Case:
    manager = users_with_role(order.site, Role.SERVICE_MANAGER).first()
    subject = _("Concern after delivery of %(reference)s") % {"reference": order.reference}
    return cases.open_case(
        site=order.site,
        customer=order.customer,
        channel=ReplyChannel.PHONE if staff else ReplyChannel.WEB_FORM,
        subject=f"{subject}: {concern}"[:200],
        vehicle=order.vehicle,
        owner=manager,
        actor=staff,
        actor_label="" if staff else "customer",
    )


def _contacted(order: RepairOrder, actor: User | None, reason: str) -> None:
    for clock in clocks.open_clocks_for(order).filter(standard_id=FOLLOWUP_2D):
        clocks.satisfy_clock(clock, actor=actor, reason=reason)
