"""A promise is kept only by its owner's own contact with the customer, never by someone
else answering or by closing it; otherwise it escalates like every clock (seed 001)."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType

from posventa.cases import actions as cases
from posventa.cases.models import Case
from posventa.clocks.models import Clock, ClockState
from posventa.clocks.sweeper import sweep
from posventa.core.models import Team, User
from posventa.outbox.models import Notification
from posventa.promises import actions
from posventa.promises.models import Promise, PromiseStatus
from tests.promises.conftest import in_days


def kept_clock(promise: Promise) -> Clock:
    return Clock.objects.filter(
        subject_type=ContentType.objects.get_for_model(Promise), subject_id=str(promise.pk)
    ).latest("id")


def test_the_owners_own_call_keeps_a_promise_to_call(promise: Promise, technician: User) -> None:
    call = cases.log_call(promise.case, author=technician, summary="Brake fluid only for now.")
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT and promise.kept_by_message == call
    assert kept_clock(promise).state == ClockState.SATISFIED


def test_someone_elses_call_keeps_nothing(promise: Promise, agent: User) -> None:
    cases.log_call(promise.case, author=agent, summary="Told her the technician will call.")
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.OPEN


def test_a_call_from_the_customer_is_a_chase_not_a_kept_promise(
    promise: Promise, technician: User
) -> None:
    cases.log_call(
        promise.case, author=technician, summary="She called again.", direction="inbound"
    )
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.OPEN


def test_an_e_mail_does_not_keep_a_promise_to_call(promise: Promise, technician: User) -> None:
    cases.reply(promise.case, author=technician, body="See the attached schedule.")
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.OPEN


def test_the_owners_reply_keeps_a_promise_to_write(email_case: Case, agent: User) -> None:
    made = actions.make_promise(
        email_case, what="We will send the quote", act="send", deadline=in_days(), actor=agent
    )
    cases.reply(email_case, author=agent, body="Here is the quote.")
    made.refresh_from_db()
    assert made.status == PromiseStatus.KEPT


def test_a_team_member_keeps_a_team_promise(
    email_case: Case, agent: User, technician: User, workshop: Team
) -> None:
    made = actions.make_promise(
        email_case, what="The workshop will contact you", act="contact", deadline=in_days(),
        actor=agent, owner_team=workshop,
    )  # fmt: skip
    cases.reply(email_case, author=agent, body="Still waiting for the workshop.")
    made.refresh_from_db()
    assert made.status == PromiseStatus.OPEN, "the receptionist is not in the workshop"
    cases.reply(email_case, author=technician, body="Brake fluid only: 30 minutes.")
    made.refresh_from_db()
    assert made.status == PromiseStatus.KEPT


def test_resolving_or_closing_the_case_keeps_nothing(promise: Promise, agent: User) -> None:
    answer = cases.reply(promise.case, author=agent, body="The technician will call.")
    cases.resolve_case(promise.case, actor=agent, answer=answer)
    cases.close_case(promise.case, actor=agent)
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.OPEN
    assert kept_clock(promise).is_open


def test_a_promise_nobody_keeps_escalates_when_its_deadline_passes(
    promise: Promise, technician: User, manager: User
) -> None:
    sweep(now=promise.deadline + dt.timedelta(minutes=5))
    clock = kept_clock(promise)
    assert clock.breached_at is not None
    told = Notification.objects.filter(recipient__in=[technician, manager])
    assert told.exists()


def test_keeping_it_late_stays_a_breach(promise: Promise, technician: User) -> None:
    sweep(now=promise.deadline + dt.timedelta(minutes=5))
    cases.log_call(promise.case, author=technician, summary="Sorry for the delay.")
    clock = kept_clock(promise)
    assert clock.state == ClockState.SATISFIED and clock.breached_at is not None


def test_a_connected_call_without_a_logged_message_keeps_a_promise_to_call(
    promise: Promise, technician: User, agent: User
) -> None:
    # The shape telephony's call_connected receiver will use: no message, the moment it
    # connected. Someone else's connected call keeps nothing.
    at = promise.made_at + dt.timedelta(minutes=30)
    assert (
        actions.keep_promises_by_contact(
            promise.case, author=agent, kind="call", direction="outbound", at=at
        )
        == []
    )
    (kept,) = actions.keep_promises_by_contact(
        promise.case, author=technician, kind="call", direction="outbound", at=at
    )
    assert kept.pk == promise.pk and kept.kept_at == at and kept.kept_by_message is None
