"""The composer proposes a promise for each one detected in the reply being typed.

Each proposal arrives filled in (what, the act, the owner the words imply, the deadline read
on the site's calendar, the channel) with "confirm" chosen; the sender can edit it or
dismiss it. Detection never blocks sending: a reply with no proposals, or with every
proposal dismissed, is sent as it is. A confirmed proposal is made in the reply's own
transaction (`after_reply`), so a refused one (a deadline in the past) sends nothing and
comes back with the reason.

The posted fields are `promise-count` and, per proposal N, `promise-N-decision`
(confirm/dismiss), `-sentence`, `-what`, `-act`, `-owner` (user:<id>/team:<id>),
`-deadline` (site time) and `-channel`. A proposal keeps its edits while the text changes
as long as its sentence is still there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from posventa.cases.composer import CaseExtension
from posventa.cases.forms import staff_of
from posventa.cases.models import Case, ReplyChannel
from posventa.core.models import Role, Team, User
from posventa.inbox.models import Message
from posventa.promises import actions, detection, forms, panel
from posventa.promises.models import PromiseAct, PromiseSource

CONFIRM = "confirm"
DISMISS = "dismiss"
MAX_PROPOSALS = 10


@dataclass(frozen=True)
class Proposal:
    index: int
    sentence: str
    what: str
    act: str
    owner: str
    deadline: str  # site time, as the datetime-local input shows it
    channel: str
    decision: str
    moved: bool = False  # the day named is closed: the deadline moved to the next open one
    error: str = ""


def implied_owner(case: Case, author: User, found: detection.DetectedPromise) -> str:
    """Who the words say will keep it: "we" is the sender; a technician or the workshop is
    the case's team (else the site's team for the case's department); a named person is
    the colleague of that first name. Anything unclear falls back to the sender."""
    if found.actor in (detection.TECHNICIAN, detection.WORKSHOP):
        team = _technicians_team(case)
        if team is not None:
            return forms.owner_value(None, team)
    if found.actor == detection.PERSON and found.actor_name:
        person = staff_of(case.site).filter(first_name__iexact=found.actor_name).first()
        if person is not None:
            return forms.owner_value(person, None)
    return forms.owner_value(author, None)


def _technicians_team(case: Case) -> Team | None:
    """The site's team with technicians in it (the workshop), else the case's team, else
    the site's team for the case's department."""
    site_teams = Team.objects.filter(site=case.site).order_by("pk")
    workshop = (
        site_teams.filter(
            members__memberships__role=Role.TECHNICIAN, members__memberships__site=case.site
        )
        .distinct()
        .first()
    )
    return workshop or case.team or site_teams.filter(department=case.department).first()


def propose(
    case: Case, author: User, body: str, posted: Mapping[str, Any] | None = None
) -> list[Proposal]:
    """The proposals for `body`, keeping what the sender already edited (from `posted`)."""
    earlier = _posted_by_sentence(posted or {})
    zone = case.site.timezone
    proposals = []
    for index, found in enumerate(detection.detect_promises(body)[:MAX_PROPOSALS]):
        sentence = found.sentence.strip()
        if sentence in earlier:
            proposals.append(_from_posted(index, sentence, earlier[sentence]))
            continue
        deadline, moved, error = "", False, ""
        try:
            due = actions.due(case.site, found.when)
            deadline, moved = forms.local_value(due.at, zone), due.moved
        except ValidationError as refusal:
            error = "; ".join(refusal.messages)
        proposals.append(
            Proposal(
                index=index,
                sentence=sentence,
                what=sentence[:500],
                act=found.act,
                owner=implied_owner(case, author, found),
                deadline=deadline,
                channel=_channel_for(case, found.act),
                decision=CONFIRM,
                moved=moved,
                error=error,
            )
        )
    return proposals


def _channel_for(case: Case, act: str) -> str:
    if act == PromiseAct.CALL:
        return ReplyChannel.PHONE
    return case.requested_reply_channel


def _posted_by_sentence(posted: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for index in range(_count(posted)):
        fields = {
            name: str(posted.get(f"promise-{index}-{name}", "") or "")
            for name in ("sentence", "what", "act", "owner", "deadline", "channel", "decision")
        }
        if fields["sentence"]:
            found[fields["sentence"].strip()] = fields
    return found


def _from_posted(index: int, sentence: str, fields: dict[str, str]) -> Proposal:
    return Proposal(
        index=index,
        sentence=sentence,
        what=fields["what"],
        act=fields["act"],
        owner=fields["owner"],
        deadline=fields["deadline"],
        channel=fields["channel"],
        decision=DISMISS if fields["decision"] == DISMISS else CONFIRM,
    )


def _count(posted: Mapping[str, Any]) -> int:
    value = str(posted.get("promise-count", "") or "")
    return min(int(value), MAX_PROPOSALS) if value.isdigit() else 0


def after_reply(case: Case, author: User, message: Message, posted: Mapping[str, Any]) -> str:
    """Make the confirmed proposals, in the reply's transaction. A refusal names the
    proposal and the field, and the reply is not sent."""
    made = 0
    for index in range(_count(posted)):
        prefix = f"promise-{index}-"
        if posted.get(prefix + "decision") != CONFIRM:
            continue
        try:
            owner, team = forms.parse_owner(case.site, str(posted.get(prefix + "owner", "")))
            deadline = forms.parse_local(
                str(posted.get(prefix + "deadline", "")), case.site.timezone
            )
            actions.make_promise(
                case,
                what=str(posted.get(prefix + "what", "")),
                act=str(posted.get(prefix + "act", "")),
                deadline=deadline,
                actor=author,
                owner=owner,
                owner_team=team,
                channel=str(posted.get(prefix + "channel", "")) or None,
                source=PromiseSource.COMPOSER,
                sentence=str(posted.get(prefix + "sentence", "")),
                made_in=message,
            )
        except ValidationError as refusal:
            raise ValidationError(
                {
                    f"{prefix}{field}": [
                        _("Promise %(number)d: %(message)s")
                        % {"number": index + 1, "message": text}
                        for text in texts
                    ]
                    for field, texts in refusal.message_dict.items()
                }
            ) from refusal
        made += 1
    if not made:
        return ""
    return ngettext("%(count)d promise recorded.", "%(count)d promises recorded.", made) % {
        "count": made
    }


def proposals_context(case: Case, proposals: list[Proposal]) -> dict[str, Any]:
    """What `promises/_proposals.html` reads."""
    return {
        "case": case,
        "promise_proposals": proposals,
        "promise_owner_choices": forms.owner_choices(case.site),
        "promise_act_choices": PromiseAct.choices,
        "promise_channel_choices": ReplyChannel.choices,
    }


def page_context(case: Case, user: User, posted: Mapping[str, Any] | None) -> dict[str, Any]:
    proposals = propose(case, user, str(posted.get("body", "")), posted) if posted else []
    return {**proposals_context(case, proposals), **panel.panel_context(case)}


EXTENSION = CaseExtension(
    name="promises",
    composer_template="promises/_proposals.html",
    panel_template="promises/_panel.html",
    context=page_context,
    after_reply=after_reply,
)
