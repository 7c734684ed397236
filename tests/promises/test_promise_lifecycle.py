"""Making, reassigning, cancelling and renegotiating a promise: the row, its PROMISE-KEPT
clock and the case's timeline."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone

from posventa.cases.models import Case
from posventa.clocks.models import Clock, ClockState
from posventa.core.events import timeline
from posventa.core.models import Team, User
from posventa.inbox.models import Message, MessageKind
from posventa.promises import actions
from posventa.promises.models import Promise, PromiseStatus
from tests.promises.conftest import in_days


def promise_clocks(promise: Promise) -> list[Clock]:
    return list(
        Clock.objects.filter(
            subject_type=ContentType.objects.get_for_model(Promise),
            subject_id=str(promise.pk),
            standard_id="PROMISE-KEPT",
        ).order_by("id")
    )


def verbs(case: Case) -> list[str]:
    return [event.verb for event in timeline(case)]


def test_a_promise_runs_its_own_clock_due_at_its_deadline(
    promise: Promise, technician: User
) -> None:
    (clock,) = promise_clocks(promise)
    assert clock.state == ClockState.RUNNING
    assert clock.owner == technician
    assert abs((clock.due_at - promise.deadline).total_seconds()) < 1
    assert "promise.made" in verbs(promise.case)


def test_a_team_promise_runs_a_clock_nobody_owns_so_the_leads_hear(
    email_case: Case, agent: User, workshop: Team
) -> None:
    made = actions.make_promise(
        email_case, what="The workshop will check it", act="check", deadline=in_days(),
        actor=agent, owner_team=workshop,
    )  # fmt: skip
    assert made.owner is None and made.owner_label == "Taller"
    assert promise_clocks(made)[0].owner is None


def test_the_maker_owns_a_promise_nobody_else_was_named_for(email_case: Case, agent: User) -> None:
    made = actions.make_promise(
        email_case, what="We will write", act="write", deadline=in_days(), actor=agent
    )
    assert made.owner == agent and made.channel == email_case.requested_reply_channel


def test_a_deadline_in_the_past_is_refused_naming_the_field(email_case: Case, agent: User) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.make_promise(
            email_case, what="We will call", act="call",
            deadline=timezone.now() - dt.timedelta(minutes=5), actor=agent,
        )  # fmt: skip
    assert "past" in refused.value.message_dict["deadline"][0]
    assert not Promise.objects.exists()


def test_a_deadline_before_the_site_ever_opens_is_refused(email_case: Case) -> None:
    # Madrid is closed on Sundays: a promise made on Sunday morning for Sunday evening has
    # not one working minute before it, so nobody could keep it.
    madrid = ZoneInfo("Europe/Madrid")
    sunday_morning = dt.datetime(2030, 3, 10, 10, 0, tzinfo=madrid)
    with pytest.raises(ValidationError) as refused:
        actions.validate_deadline(
            email_case.site, dt.datetime(2030, 3, 10, 20, 0, tzinfo=madrid), sunday_morning
        )
    assert "closed" in refused.value.message_dict["deadline"][0]
    # Monday noon is fine: the site opens at 08:00.
    monday = dt.datetime(2030, 3, 11, 12, 0, tzinfo=madrid)
    assert actions.validate_deadline(email_case.site, monday, sunday_morning) == monday


def test_a_naive_or_missing_deadline_is_refused(email_case: Case, agent: User) -> None:
    for deadline in (None, dt.datetime(2030, 1, 7, 12, 0)):
        with pytest.raises(ValidationError) as refused:
            actions.make_promise(email_case, what="x", act="call", deadline=deadline, actor=agent)
        assert "deadline" in refused.value.message_dict


def test_an_owner_from_another_site_is_refused(
    email_case: Case, agent: User, outsider: User
) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.make_promise(
            email_case, what="x", act="call", deadline=in_days(), actor=agent, owner=outsider
        )
    assert "owner" in refused.value.message_dict


def test_reassigning_moves_the_clock_to_the_new_owner(
    promise: Promise, agent: User, manager: User
) -> None:
    actions.reassign_promise(promise, actor=agent, owner=manager, note="Tomás is off")
    assert promise_clocks(promise)[0].owner == manager
    assert "promise.reassigned" in verbs(promise.case)


def test_cancelling_needs_a_reason_and_cancels_the_clock(promise: Promise, agent: User) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.cancel_promise(promise, actor=agent, reason="  ")
    assert "reason" in refused.value.message_dict
    actions.cancel_promise(promise, actor=agent, reason="The customer came in person")
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.CANCELLED
    assert promise.cancel_reason == "The customer came in person"
    assert promise_clocks(promise)[0].state == ClockState.CANCELLED


def test_renegotiating_tells_the_customer_and_restarts_the_clock(
    promise: Promise, technician: User
) -> None:
    new_deadline = in_days(5)
    actions.renegotiate_promise(
        promise, actor=technician, deadline=new_deadline,
        message="The part arrives on Thursday; I will call you then.",
    )  # fmt: skip
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.OPEN, "the message does not keep it"
    assert promise.deadline == new_deadline and promise.renegotiations == 1
    old, new = promise_clocks(promise)
    assert old.state == ClockState.CANCELLED and new.state == ClockState.RUNNING
    # The promise was to call: the renegotiation is a logged call on the timeline.
    said = Message.objects.get(case=promise.case, kind=MessageKind.CALL_LOG)
    assert "Thursday" in said.body_text
    assert "promise.renegotiated" in verbs(promise.case)


def test_renegotiating_to_a_past_deadline_is_refused(promise: Promise, technician: User) -> None:
    with pytest.raises(ValidationError) as refused:
        actions.renegotiate_promise(
            promise, actor=technician, deadline=timezone.now() - dt.timedelta(hours=1),
            message="Sorry",
        )  # fmt: skip
    assert "deadline" in refused.value.message_dict
    assert not Message.objects.filter(case=promise.case, kind=MessageKind.CALL_LOG).exists()


def test_a_stated_time_is_read_on_the_site_calendar_and_no_time_is_the_default(
    email_case: Case,
) -> None:
    from posventa.promises.when import TOMORROW, When

    now = timezone.now()
    tomorrow = actions.due(email_case.site, When(TOMORROW), now=now).at
    assert tomorrow > now
    default = actions.due(email_case.site, None, now=now).at
    calendar = actions.calendar_for_site(email_case.site)
    assert calendar.between(now, default) == dt.timedelta(hours=8)
