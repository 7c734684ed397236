"""Every state change of a complaint: register, acknowledge, plan, ask for and record the
customer's agreement, close. Each writes the case's timeline event and applies the clock
rules in one transaction; views, the portal and the API call these.

Rules (issue 11, item 4; seed 003):

* Registering never refuses. Any case can become a complaint, whoever asks (staff, the
  customer in the portal, an API client) and whatever they send: an unknown category is
  kept as "other" (the words given go on the timeline), an unknown severity as "normal",
  a resolved case is reopened, a closed one gets a new case linked to it, and a case that
  already is a complaint returns its complaint (reopened if it had closed).
* Registering starts COMPLAINT-ACK (2 business days) and COMPLAINT-OPEN (14 days, a site
  target changes it) on the case. Both belong to the case owner and follow every transfer
  (`cases.transfer_case`); COMPLAINT-OPEN breaching tells the service manager (the
  sweeper's ladder).
* The acknowledgement is a message from a person to the customer, in the customer's
  language, carrying the reference and the owner's name; it satisfies COMPLAINT-ACK. A
  complaint without an owner is owned by whoever acknowledges it: "one named owner".
* A complaint sitting in a department that cannot solve its category is flagged
  (`misrouted_department`), at registration, on every transfer and when the category
  changes (the departments per category: `POSVENTA_COMPLAINT_DEPARTMENTS`).
* Closing needs the customer's agreement (their reply, the portal button, or a logged
  call), or a recorded reason once staff asked `POSVENTA_COMPLAINT_AGREEMENT_ATTEMPTS`
  times (default 3). It satisfies COMPLAINT-OPEN. The case cannot be resolved or closed
  while its complaint is open (`receivers.refuse_closing_open_complaint`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from posventa.cases import actions as cases
from posventa.cases.models import Case, CaseStatus, Department, ReplyChannel
from posventa.clocks import actions as clocks
from posventa.complaints.models import (
    AgreementAttempt,
    AgreementSource,
    Category,
    Complaint,
    ComplaintStatus,
    RegisteredVia,
    Severity,
)
from posventa.core.access import can_see_site
from posventa.core.events import record_event
from posventa.core.models import Site, User
from posventa.customers.models import Customer, contact_language
from posventa.inbox.models import Direction, Message, MessageKind

COMPLAINT_ACK = "COMPLAINT-ACK"
COMPLAINT_OPEN = "COMPLAINT-OPEN"
DEFAULT_AGREEMENT_ATTEMPTS = 3
# Which departments can solve each category. The complaints department can solve any; a
# department is never asked to judge its own staff's behaviour, and a mess left behind is
# not a technical fault (seed 003: he was offered a technician to pick up the rubbish).
DEFAULT_CATEGORY_DEPARTMENTS: dict[str, tuple[str, ...]] = {
    Category.TECHNICAL: (Department.SERVICE, Department.PARTS, Department.COMPLAINTS),
    Category.CLEANLINESS: (Department.SERVICE, Department.COMPLAINTS),
    Category.STAFF_BEHAVIOUR: (Department.COMPLAINTS,),
    Category.BILLING: (Department.BILLING, Department.COMPLAINTS),
    Category.DELAYS: (Department.SERVICE, Department.PARTS, Department.COMPLAINTS),
    Category.COMMUNICATION: tuple(Department.values),
    Category.DAMAGE: (Department.SERVICE, Department.COMPLAINTS),
    Category.OTHER: tuple(Department.values),
}


def atomic() -> transaction.Atomic:
    return transaction.atomic(savepoint=False)


def agreement_attempts_needed() -> int:
    """How many times staff must have asked before closing without agreement."""
    return int(
        getattr(settings, "POSVENTA_COMPLAINT_AGREEMENT_ATTEMPTS", DEFAULT_AGREEMENT_ATTEMPTS)
    )


def departments_for(category: str) -> tuple[str, ...]:
    """The departments that can solve `category` (site-wide setting, else the default)."""
    configured = getattr(settings, "POSVENTA_COMPLAINT_DEPARTMENTS", None) or {}
    if category in configured:
        return tuple(configured[category])
    return DEFAULT_CATEGORY_DEPARTMENTS.get(category, tuple(Department.values))


def can_solve(department: str, category: str) -> bool:
    return department in departments_for(category)


# --- registering ---------------------------------------------------------------------------


def register_complaint(
    case: Case,
    *,
    via: str,
    category: str = "",
    severity: int | str | None = None,
    desired_outcome: str = "",
    description: str = "",
    actor: User | None = None,
    actor_label: str = "",
) -> Complaint:
    """Mark `case` a complaint and return it. Never refuses (see the module docstring):
    the complaint may end up on a new case when `case` was closed, so use the returned
    complaint's case."""
    given_category, given_severity = category, severity
    category = category if category in Category.values else Category.OTHER
    severity = _severity(severity)
    via = via if via in RegisteredVia.values else RegisteredVia.STAFF
    now = timezone.now()
    with atomic():
        case = _case_that_can_take_it(case, actor=actor, actor_label=actor_label)
        existing = Complaint.objects.filter(case=case).first()
        if existing is not None:
            return _register_again(existing, actor=actor, actor_label=actor_label, at=now)
        complaint = Complaint.objects.create(
            case=case,
            category=category,
            severity=severity,
            desired_outcome=desired_outcome.strip(),
            description=description.strip(),
            registered_via=via,
            registered_by=actor,
            registered_at=now,
        )
        _start_clocks(complaint, actor=actor, at=now)
        record_event(
            "complaint.registered",
            subject=case,
            site=case.site,
            actor=actor,
            actor_label=actor_label,
            occurred_at=now,
            internal=False,
            summary=complaint.desired_outcome[:500],
            data={
                "complaint": complaint.pk,
                "via": via,
                "category": category,
                "severity": severity,
                # What the registrant actually sent, when it was not a known value.
                "given_category": given_category if given_category != category else None,
                "given_severity": (
                    str(given_severity)
                    if given_severity is not None and _severity(given_severity) != given_severity
                    else None
                ),
            },
        )
        check_routing(complaint, actor=actor)
    return complaint


def open_complaint(
    *,
    site: Site,
    customer: Customer,
    channel: str,
    subject: str = "",
    via: str,
    category: str = "",
    severity: int | str | None = None,
    desired_outcome: str = "",
    description: str = "",
    actor: User | None = None,
    actor_label: str = "",
) -> Complaint:
    """A complaint with no case yet (a walk-in, a call, the portal's form): open the case
    in the complaints department and register it."""
    if channel not in ReplyChannel.values:
        channel = ReplyChannel.PHONE if via == RegisteredVia.STAFF else ReplyChannel.PORTAL_CHAT
    with atomic():
        case = cases.open_case(
            site=site,
            customer=customer,
            channel=channel,
            subject=(subject or _("Complaint"))[:300],
            department=Department.COMPLAINTS,
            actor=actor,
            actor_label=actor_label,
        )
        return register_complaint(
            case,
            via=via,
            category=category,
            severity=severity,
            desired_outcome=desired_outcome,
            description=description,
            actor=actor,
            actor_label=actor_label,
        )


def registration_warnings(
    complaint: Complaint, *, given_category: str, given_severity: int | str | None
) -> list[str]:
    """What registering kept differently from what was sent, for the sender to see."""
    warnings = []
    if given_category and given_category != complaint.category:
        warnings.append(
            _("Category “%(given)s” is not one we know: registered as “other”.")
            % {"given": given_category}
        )
    if given_severity not in (None, "") and str(given_severity).strip().lower() not in {
        str(complaint.severity),
        Severity(complaint.severity).name.lower(),
    }:
        warnings.append(_("Severity not understood: registered as normal."))
    return warnings


def _severity(value: int | str | None) -> int:
    try:
        number = int(value) if value is not None and value != "" else Severity.NORMAL
    except (TypeError, ValueError):
        by_name = {name.lower(): member.value for name, member in Severity.__members__.items()}
        return by_name.get(str(value).strip().lower(), Severity.NORMAL)
    return number if number in Severity.values else Severity.NORMAL


def _case_that_can_take_it(case: Case, *, actor: User | None, actor_label: str) -> Case:
    """The case a complaint goes on: this one, reopened if resolved; a new linked case if
    it was closed for good (a closed case stays closed, CASE-ONE-STORY). An owner who
    left gives the case back to the queue first: reopening would refuse them."""
    if case.owner is not None and _usable_owner(case) is None and case.status != CaseStatus.CLOSED:
        cases.assign_case(case, None, actor=actor)
    if case.status == CaseStatus.RESOLVED:
        return cases.reopen_case(
            case, actor=actor, actor_label=actor_label, reason=_("Registered as a complaint.")
        )
    if case.status == CaseStatus.CLOSED:
        return cases.open_case(
            site=case.site,
            customer=case.customer,
            channel=case.channel,
            subject=case.subject,
            department=case.department,
            requested_reply_channel=case.requested_reply_channel,
            vehicle=case.vehicle,
            owner=_usable_owner(case),
            team=case.team,
            previous_case=case,
            actor=actor,
            actor_label=actor_label,
        )
    return case


def _usable_owner(case: Case) -> User | None:
    """The case owner, unless they left or no longer work at the site: an owner who left
    must not make a registration fail. The clocks then start unowned, so the sweeper warns
    the team leads, and the next assignment gives them an owner."""
    owner = case.owner
    if owner is not None and (not owner.is_active or not can_see_site(owner, case.site)):
        return None
    return owner


def _register_again(
    complaint: Complaint, *, actor: User | None, actor_label: str, at: dt.datetime
) -> Complaint:
    """The case already is a complaint: it stays one. A closed one opens again, since the
    customer is telling us it is not over."""
    if complaint.is_open:
        return complaint
    complaint.status = ComplaintStatus.OPEN
    complaint.closed_at = None
    complaint.closed_by = None
    complaint.close_reason = ""
    complaint.agreed_at = None
    complaint.agreement_source = ""
    complaint.agreement_message = None
    complaint.save()
    _start_clocks(complaint, actor=actor, at=at, acknowledged=complaint.acknowledged_at is not None)
    record_event(
        "complaint.reopened",
        subject=complaint.case,
        site=complaint.case.site,
        actor=actor,
        actor_label=actor_label,
        occurred_at=at,
        internal=False,
        data={"complaint": complaint.pk},
    )
    return complaint


def _start_clocks(
    complaint: Complaint, *, actor: User | None, at: dt.datetime, acknowledged: bool = False
) -> None:
    case = complaint.case
    codes = [COMPLAINT_OPEN] if acknowledged else [COMPLAINT_ACK, COMPLAINT_OPEN]
    owner = _usable_owner(case)
    for code in codes:
        clocks.start_clock(
            code,
            subject=case,
            site=case.site,
            owner=owner,
            started_at=at,
            label=case.reference,
            actor=actor,
        )


# --- what it is about, and where it sits ------------------------------------------------


def update_complaint(
    complaint: Complaint,
    *,
    actor: User,
    category: str | None = None,
    severity: int | str | None = None,
    desired_outcome: str | None = None,
) -> Complaint:
    """Correct the category or severity, or complete the customer's desired outcome."""
    if category is not None and category not in Category.values:
        raise ValidationError(
            {
                "category": _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": category, "allowed": ", ".join(Category.values)}
            }
        )
    changed: dict[str, object] = {}
    if category is not None and category != complaint.category:
        changed["category"] = category
    if severity is not None and _severity(severity) != complaint.severity:
        changed["severity"] = _severity(severity)
    if desired_outcome is not None and desired_outcome.strip() != complaint.desired_outcome:
        changed["desired_outcome"] = desired_outcome.strip()
    if not changed:
        return complaint
    with atomic():
        for field, value in changed.items():
            setattr(complaint, field, value)
        complaint.save(update_fields=[*changed, "updated_at"])
        record_event(
            "complaint.changed",
            subject=complaint.case,
            site=complaint.case.site,
            actor=actor,
            internal=True,
            data={"complaint": complaint.pk, **changed},
        )
        if "category" in changed:
            check_routing(complaint, actor=actor)
    return complaint


def check_routing(complaint: Complaint, *, actor: User | None = None) -> Complaint:
    """Flag the complaint when its case sits in a department that cannot solve its
    category, and clear the flag once it is somewhere that can. Called on registration,
    on every transfer (receivers) and when the category changes."""
    case = complaint.case
    misrouted = "" if can_solve(case.department, complaint.category) else case.department
    if misrouted == complaint.misrouted_department:
        return complaint
    with atomic():
        complaint.misrouted_department = misrouted
        complaint.save(update_fields=["misrouted_department", "updated_at"])
        if misrouted:
            record_event(
                "complaint.misrouted",
                subject=case,
                site=case.site,
                actor=actor,
                internal=True,
                summary=_("%(department)s cannot solve a complaint about %(category)s.")
                % {
                    "department": Department(misrouted).label,
                    "category": Category(complaint.category).label,
                },
                data={
                    "complaint": complaint.pk,
                    "department": misrouted,
                    "category": complaint.category,
                    "can_solve": list(departments_for(complaint.category)),
                },
            )
        else:
            record_event(
                "complaint.routing_fixed",
                subject=case,
                site=case.site,
                actor=actor,
                internal=True,
                data={"complaint": complaint.pk, "department": case.department},
            )
    return complaint


def set_resolution_plan(complaint: Complaint, *, plan: str, actor: User) -> Complaint:
    """What we will do about it, written down so the next owner carries it on."""
    if not plan.strip():
        raise ValidationError({"plan": _("Write down what will be done.")})
    _refuse_if_closed(complaint)
    with atomic():
        complaint.resolution_plan = plan.strip()
        complaint.save(update_fields=["resolution_plan", "updated_at"])
        record_event(
            "complaint.plan_set",
            subject=complaint.case,
            site=complaint.case.site,
            actor=actor,
            internal=True,
            summary=complaint.resolution_plan[:500],
            data={"complaint": complaint.pk},
        )
    return complaint


# --- acknowledgement -----------------------------------------------------------------------


def owner_name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def acknowledgement_text(complaint: Complaint, owner: User, note: str = "") -> str:
    """The acknowledgement in the customer's language: the reference, the owner's name,
    the category and the outcome they asked for, as they wrote it."""
    case = complaint.case
    with translation.override(contact_language(case.customer, case.site)):
        values = {
            "name": case.customer.display_name or _("customer"),
            "reference": case.reference,
            "owner": owner_name(owner),
            "site": case.site.name,
            "category": Category(complaint.category).label,
        }
        lines = [
            _("Hello %(name)s,") % values,
            _(
                "We have registered your complaint (%(category)s) as %(reference)s. "
                "%(owner)s owns it and will stay your contact until it is resolved; please "
                "quote %(reference)s if you contact us."
            )
            % values,
        ]
        if complaint.desired_outcome:
            lines.append(
                _("You told us what you would like: “%(outcome)s”.")
                % {"outcome": complaint.desired_outcome}
            )
        if note.strip():
            lines.append(note.strip())
        lines.append(_("Kind regards,\n%(owner)s, %(site)s") % values)
    return "\n\n".join(lines)


def acknowledge_complaint(
    complaint: Complaint, *, actor: User, note: str = "", channel: str | None = None
) -> Message:
    """Send the acknowledgement (satisfies COMPLAINT-ACK). Written on the channel the
    customer asked for; when that is the phone, it is recorded as a call in which staff
    read it to them. A complaint nobody owns becomes the actor's."""
    if complaint.acknowledged_at is not None:
        raise ValidationError({"complaint": _("This complaint is already acknowledged.")})
    case = complaint.case
    channel = channel or case.requested_reply_channel
    with atomic():
        if case.owner is None:
            cases.assign_case(case, actor, actor=actor)
        owner = case.owner
        assert owner is not None  # assigned just above
        body = acknowledgement_text(complaint, owner, note)
        if channel == ReplyChannel.PHONE:
            message = cases.log_call(case, author=actor, summary=body)
        else:
            message = cases.reply(case, author=actor, body=body, channel=channel)
        complaint.acknowledged_at = message.created_at
        complaint.acknowledgement = message
        complaint.save(update_fields=["acknowledged_at", "acknowledgement", "updated_at"])
        clocks.satisfy_clocks(
            case, COMPLAINT_ACK, at=message.created_at, actor=actor, reason="acknowledged"
        )
        record_event(
            "complaint.acknowledged",
            subject=case,
            site=case.site,
            actor=actor,
            occurred_at=message.created_at,
            internal=False,
            data={"complaint": complaint.pk, "message": message.pk, "owner": owner.pk},
        )
    return message


# --- agreement and closing ----------------------------------------------------------------


def record_agreement_attempt(
    complaint: Complaint,
    *,
    actor: User,
    channel: str,
    note: str = "",
    message: Message | None = None,
) -> AgreementAttempt:
    """Staff asked the customer whether they agree the complaint is resolved (a message,
    a call nobody answered...). Counted towards closing without agreement."""
    _refuse_if_closed(complaint)
    if channel not in ReplyChannel.values:
        raise ValidationError(
            {
                "channel": _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": channel, "allowed": ", ".join(ReplyChannel.values)}
            }
        )
    if message is not None and message.case_id != complaint.case_id:
        raise ValidationError({"message": _("That message belongs to another case.")})
    now = timezone.now()
    with atomic():
        attempt = AgreementAttempt.objects.create(
            complaint=complaint,
            channel=channel,
            note=note.strip(),
            message=message,
            actor=actor,
            at=now,
        )
        record_event(
            "complaint.agreement_requested",
            subject=complaint.case,
            site=complaint.case.site,
            actor=actor,
            occurred_at=now,
            internal=True,
            summary=attempt.note[:500],
            data={
                "complaint": complaint.pk,
                "channel": channel,
                "attempt": complaint.attempts.count(),
            },
        )
    return attempt


def record_agreement(
    complaint: Complaint,
    *,
    source: str,
    message: Message | None = None,
    actor: User | None = None,
    actor_label: str = "",
) -> Complaint:
    """Record that the customer agrees the complaint is resolved.

    `source` "reply": `message` is the customer's own message on this case saying so;
    "call": `message` is the logged call in which they said so; "portal": the customer
    pressed the button in their portal (no message, no staff actor).
    """
    _refuse_if_closed(complaint)
    if source not in AgreementSource.values:
        raise ValidationError(
            {
                "source": _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": source, "allowed": ", ".join(AgreementSource.values)}
            }
        )
    if source == AgreementSource.REPLY:
        _validate_agreement_message(
            complaint,
            message,
            lambda m: m.direction == Direction.INBOUND and m.kind == MessageKind.CUSTOMER_MESSAGE,
            _("Choose the customer's own message in which they agree."),
        )
    elif source == AgreementSource.CALL:
        _validate_agreement_message(
            complaint,
            message,
            lambda m: m.kind == MessageKind.CALL_LOG,
            _("Choose the logged call in which the customer agreed."),
        )
    else:
        message = None
    if complaint.agreed_at is not None:
        return complaint
    now = timezone.now()
    with atomic():
        complaint.agreed_at = now
        complaint.agreement_source = source
        complaint.agreement_message = message
        complaint.save(
            update_fields=["agreed_at", "agreement_source", "agreement_message", "updated_at"]
        )
        record_event(
            "complaint.agreed",
            subject=complaint.case,
            site=complaint.case.site,
            actor=actor,
            actor_label=actor_label,
            occurred_at=now,
            internal=False,
            data={
                "complaint": complaint.pk,
                "source": source,
                "message": message.pk if message is not None else None,
            },
        )
    return complaint


def _validate_agreement_message(
    complaint: Complaint, message: Message | None, fits: Callable[[Message], bool], text: str
) -> None:
    if message is None or message.case_id != complaint.case_id or not fits(message):
        raise ValidationError({"message": text})


def close_complaint(complaint: Complaint, *, actor: User, reason: str = "") -> Complaint:
    """Close the complaint (satisfies COMPLAINT-OPEN). Refused without the customer's
    agreement, unless a reason is given and staff asked for it often enough."""
    _refuse_if_closed(complaint)
    reason = reason.strip()
    if complaint.agreed_at is None:
        needed = agreement_attempts_needed()
        made = complaint.attempts.count()
        if not reason:
            raise ValidationError(
                {
                    "agreement": _(
                        "The customer has not agreed yet. Record their agreement (their reply, "
                        "the portal or a call), or, after %(needed)d attempts to reach them, "
                        "give a reason."
                    )
                    % {"needed": needed}
                }
            )
        if made < needed:
            raise ValidationError(
                {
                    "reason": _(
                        "Closing without the customer's agreement needs %(needed)d recorded "
                        "attempts to reach them; %(made)d so far."
                    )
                    % {"needed": needed, "made": made}
                }
            )
    now = timezone.now()
    case = complaint.case
    with atomic():
        complaint.status = ComplaintStatus.CLOSED
        complaint.closed_at = now
        complaint.closed_by = actor
        complaint.close_reason = reason if complaint.agreed_at is None else ""
        complaint.save(
            update_fields=["status", "closed_at", "closed_by", "close_reason", "updated_at"]
        )
        clocks.satisfy_clocks(case, COMPLAINT_OPEN, at=now, actor=actor, reason="closed")
        for clock in clocks.open_clocks_for(case).filter(standard_id=COMPLAINT_ACK):
            # Resolved before anyone acknowledged it: the acknowledgement is moot now, and
            # a breach it already had stays (breaches are permanent).
            clocks.cancel_clock(clock, at=now, actor=actor, reason="complaint closed")
        record_event(
            "complaint.closed",
            subject=case,
            site=case.site,
            actor=actor,
            occurred_at=now,
            internal=False,
            summary=complaint.close_reason[:500],
            data={
                "complaint": complaint.pk,
                "agreed": complaint.agreed_at is not None,
                "agreement_source": complaint.agreement_source or None,
                "attempts": complaint.attempts.count(),
            },
        )
    return complaint


def _refuse_if_closed(complaint: Complaint) -> None:
    if not complaint.is_open:
        raise ValidationError({"complaint": _("This complaint is closed.")})
