"""A call's facts from its events: rings, holds, talk, abandoned, INFO-PHONE."""

from __future__ import annotations

import datetime as dt

from posventa.telephony.facts import EventFact, Rules, compute_facts
from posventa.telephony.models import CallStatus

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def at(kind: str, seconds: int, agent: str = "", **data: str) -> EventFact:
    return EventFact(kind, T0 + dt.timedelta(seconds=seconds), f"{kind}:{seconds}", agent, data)


def facts(*events: EventFact, direction: str = "inbound", rules: Rules | None = None, **kw: bool):  # type: ignore[no-untyped-def]
    return compute_facts(list(events), direction=direction, rules=rules or Rules(), **kw)


def test_a_call_answered_on_the_third_ring_meets_info_phone() -> None:
    result = facts(at("ringing", 0), at("answered", 12, "201"), at("hung_up", 100))
    assert (result.ring_seconds, result.rings, result.talk_seconds) == (12, 3, 88)
    assert result.status == CallStatus.COMPLETED and result.agent_raw == "201"
    assert result.meets_info_phone is True and result.answered_within_limit is True


def test_a_call_answered_on_the_fourth_ring_misses_info_phone() -> None:
    result = facts(at("ringing", 0), at("answered", 16), at("hung_up", 60))
    assert result.rings == 4 and result.meets_info_phone is False
    assert result.answered_within_limit is False


def test_the_ring_length_is_the_sites() -> None:
    result = facts(
        at("ringing", 0), at("answered", 16), at("hung_up", 60), rules=Rules(ring_seconds=6)
    )
    assert result.rings == 3 and result.meets_info_phone is True


def test_one_hold_over_thirty_seconds_breaks_info_phone() -> None:
    result = facts(
        at("ringing", 0),
        at("answered", 5),
        at("hold_started", 20),
        at("hold_ended", 30),
        at("hold_started", 40),
        at("hold_ended", 75),
        at("hung_up", 120),
    )
    assert (result.hold_seconds, result.longest_hold_seconds, result.holds_over_limit) == (
        45,
        35,
        1,
    )
    assert result.talk_seconds == 115 - 45
    assert result.answered_within_limit is True and result.meets_info_phone is False


def test_a_hold_still_open_at_the_hang_up_lasts_until_then() -> None:
    result = facts(at("ringing", 0), at("answered", 5), at("hold_started", 10), at("hung_up", 50))
    assert result.hold_seconds == 40 and result.holds_over_limit == 1


def test_a_caller_who_hangs_up_while_it_rings_abandoned_after_that_long() -> None:
    result = facts(at("ringing", 0), at("hung_up", 25))
    assert result.status == CallStatus.ABANDONED and result.abandoned
    assert result.abandoned_after_seconds == 25 and result.meets_info_phone is False


def test_no_answer_from_the_system_is_a_missed_call() -> None:
    result = facts(at("ringing", 0), at("hung_up", 30, cause="noAnswer"))
    assert result.status == CallStatus.MISSED and not result.abandoned


def test_a_voicemail_keeps_its_recording() -> None:
    result = facts(
        at("ringing", 0), at("voicemail", 20, url="https://pbx.example/vm/1.wav"), at("hung_up", 50)
    )
    assert result.status == CallStatus.VOICEMAIL and result.voicemail
    assert result.voicemail_url == "https://pbx.example/vm/1.wav" and result.ring_seconds == 20


def test_transfers_keep_their_chain() -> None:
    result = facts(
        at("ringing", 0),
        at("answered", 3, "201"),
        at("transferred", 30, "201", to="305"),
        at("transferred", 60, "305", to="410"),
        at("hung_up", 90),
    )
    assert [(hop["from"], hop["to"]) for hop in result.transfers] == [
        ("201", "305"),
        ("305", "410"),
    ]
    assert result.agent_raw == "201"


def test_an_open_call_is_not_final_and_not_measured() -> None:
    result = facts(at("ringing", 0), at("answered", 4))
    assert result.status == CallStatus.IN_PROGRESS and result.meets_info_phone is None


def test_a_timed_out_call_is_closed_at_its_last_event() -> None:
    result = facts(at("ringing", 0), at("answered", 4), timed_out=True)
    assert result.status == CallStatus.TIMED_OUT and result.ended_at == T0 + dt.timedelta(seconds=4)


def test_a_hang_up_wins_over_the_timeout() -> None:
    result = facts(at("ringing", 0), at("answered", 4), at("hung_up", 64), timed_out=True)
    assert result.status == CallStatus.COMPLETED and result.talk_seconds == 60


def test_outbound_calls_are_not_measured_against_info_phone() -> None:
    result = facts(at("ringing", 0), at("answered", 30), at("hung_up", 60), direction="outbound")
    assert result.status == CallStatus.COMPLETED and result.meets_info_phone is None
    busy = facts(at("ringing", 0), at("hung_up", 5, cause="busy"), direction="outbound")
    assert busy.status == CallStatus.BUSY
