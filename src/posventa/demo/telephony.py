"""Demo calls and callbacks: four weeks of calls for the phone board's heat map and the
INFO-PHONE report, today's calls, and callbacks in every state.

Every call goes through `telephony.actions.calls.apply_signals`, the path a phone
system's webhook takes (events: ringing, answered, hold, voicemail, hung up), or through
`log_call_by_hand`, so facts, customers, case timelines and callbacks come out as in real
use. The callers' numbers are invented (+34 600 000 9xx, +46 70 000 09 xx) from a small
pool, so a month of calls makes a few dozen contacts, not hundreds.

Old missed calls open no callback (telephony.callbacks: history), so the callbacks on the
board are today's: one fresh with a voicemail, one chased twice, one with two failed
attempts, and, closed, one called back, one where the customer called again and was
answered, and one kept by the written message after three failed attempts.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from dataclasses import dataclass, field

from posventa.core.models import OpeningInterval, Role, Site, User
from posventa.demo.staff import DemoWorld
from posventa.telephony.actions import calls
from posventa.telephony.adapters import CallSignal
from posventa.telephony.models import CallDirection, CallEventKind, CallOutcome, CallSource

HISTORY_DAYS = 28
CALLS_PER_OPEN_DAY = 3
POOL = 24
SECOND = dt.timedelta(seconds=1)
MINUTE = dt.timedelta(minutes=1)
NUMBERS = {
    "madrid": ("+34 910 000 001", "+34 600 000 9{:02d}"),
    "goteborg": ("+46 31 000 00 01", "+46 70 000 09 {:02d}"),
}


@dataclass
class _PhoneDemo:
    world: DemoWorld
    site_key: str
    site: Site
    rng: random.Random
    agents: list[User] = field(default_factory=list)
    sequence: int = 0

    @property
    def line(self) -> str:
        return NUMBERS[self.site_key][0]

    def number(self, index: int) -> str:
        return NUMBERS[self.site_key][1].format(index)

    def call(
        self,
        started: dt.datetime,
        *,
        caller: str,
        ring: int,
        talk: int | None = None,
        hold: int = 0,
        voicemail: bool = False,
        direction: str = CallDirection.INBOUND,
        agent: User | None = None,
    ) -> None:
        """One call as a phone system reports it. talk None: nobody answered."""
        self.sequence += 1
        call_id = f"demo-{self.site_key}-{self.sequence}"
        inbound = direction == CallDirection.INBOUND
        ends = {
            "caller": caller if inbound else self.line,
            "called": self.line if inbound else caller,
        }

        def signal(kind: str, at: dt.datetime, **extra: object) -> CallSignal:
            return CallSignal(call_id, kind, at, direction=direction, **ends, **extra)  # type: ignore[arg-type]

        at = started
        signals = [signal(CallEventKind.RINGING, at)]
        at += ring * SECOND
        if talk is not None:
            name = (agent or self.rng.choice(self.agents)).username
            signals.append(signal(CallEventKind.ANSWERED, at, agent=name))
            if hold:
                held_at = at + talk // 2 * SECOND
                signals.append(signal(CallEventKind.HOLD_STARTED, held_at))
                signals.append(signal(CallEventKind.HOLD_ENDED, held_at + hold * SECOND))
            at += (talk + hold) * SECOND
        elif voicemail:
            url = f"https://pbx.motorvia.invalid/voicemail/{call_id}.wav"
            signals.append(signal(CallEventKind.VOICEMAIL, at, data={"url": url}))
            at += 40 * SECOND
        signals.append(signal(CallEventKind.HUNG_UP, at))
        calls.apply_signals(self.site, CallSource.GENERIC, signals)

    # --- four weeks of calls ------------------------------------------------------------

    def history(self) -> None:
        zone = zoneinfo.ZoneInfo(self.site.timezone)
        intervals = list(OpeningInterval.objects.filter(site=self.site))
        today = self.world.now.astimezone(zone).date()
        for days_ago in range(HISTORY_DAYS, 0, -1):
            day = today - dt.timedelta(days=days_ago)
            open_today = [row for row in intervals if row.weekday == day.weekday()]
            for _ in range(CALLS_PER_OPEN_DAY if open_today else 1):
                started = self._moment(day, open_today, zone)
                self._history_call(started)

    def _moment(
        self, day: dt.date, open_today: list[OpeningInterval], zone: zoneinfo.ZoneInfo
    ) -> dt.datetime:
        # One call in eight comes while the site is closed: early, at lunch, in the evening.
        if not open_today or self.rng.random() < 0.125:
            hour = self.rng.choice([7, 13, 14, 19, 20, 21] if open_today else [10, 11, 12, 17])
            local = dt.datetime.combine(day, dt.time(hour, self.rng.randrange(60)))
        else:
            row = self.rng.choice(open_today)
            start = dt.datetime.combine(day, row.start)
            end = dt.datetime.combine(day, row.end or dt.time(23, 59))
            span = int((end - start).total_seconds()) - 600
            local = start + dt.timedelta(seconds=self.rng.randrange(max(span, 60)))
        return local.replace(tzinfo=zone).astimezone(dt.UTC)

    def _history_call(self, started: dt.datetime) -> None:
        caller = self.number(self.rng.randrange(POOL))
        roll = self.rng.random()
        if roll < 0.68:
            hold = self.rng.choice([0, 0, 0, 15, 25, 45])
            self.call(started, caller=caller, ring=self.rng.randint(3, 24),
                      talk=self.rng.randint(45, 420), hold=hold)  # fmt: skip
        elif roll < 0.9:
            self.call(started, caller=caller, ring=self.rng.randint(8, 45))
        else:
            self.call(started, caller=caller, ring=25, voicemail=True)

    # --- today ---------------------------------------------------------------------------

    def today(self) -> None:
        now = self.world.now
        for minutes_ago, ring in ((170, 6), (140, 11), (95, 4), (65, 19), (35, 8)):
            self.call(now - minutes_ago * MINUTE, caller=self.number(self.rng.randrange(POOL)),
                      ring=ring, talk=self.rng.randint(60, 300))  # fmt: skip
        # Open: a fresh voicemail; a number that called twice; one we tried twice.
        self.call(now - 12 * MINUTE, caller=self.number(31), ring=25, voicemail=True)
        self.call(now - 55 * MINUTE, caller=self.number(32), ring=30)
        self.call(now - 20 * MINUTE, caller=self.number(32), ring=28)
        self.call(now - 80 * MINUTE, caller=self.number(33), ring=35)
        for minutes_ago in (60, 30):
            self.call(now - minutes_ago * MINUTE, caller=self.number(33), ring=30,
                      direction=CallDirection.OUTBOUND)  # fmt: skip
        # Kept: called back and connected; the customer called again and was answered.
        self.call(now - 150 * MINUTE, caller=self.number(34), ring=40)
        self.call(now - 120 * MINUTE, caller=self.number(34), ring=5, talk=180,
                  direction=CallDirection.OUTBOUND)  # fmt: skip
        self.call(now - 110 * MINUTE, caller=self.number(35), ring=33)
        self.call(now - 90 * MINUTE, caller=self.number(35), ring=7, talk=240)
        # Kept by the written message: three attempts logged by hand, none connected.
        self.call(now - 200 * MINUTE, caller=self.number(36), ring=38)
        agent = self.agents[0]
        for minutes_ago, outcome in (
            (180, CallOutcome.NO_ANSWER),
            (130, CallOutcome.VOICEMAIL_LEFT),
            (75, CallOutcome.NO_ANSWER),
        ):
            calls.log_call_by_hand(
                self.site,
                actor=agent,
                number=self.number(36),
                direction=CallDirection.OUTBOUND,
                outcome=outcome,
                started_at=now - minutes_ago * MINUTE,
            )


def contribute(world: DemoWorld) -> None:
    for site_key, site in world.sites.items():
        demo = _PhoneDemo(world, site_key, site, random.Random(f"phone-{site_key}"))
        demo.agents = [
            *world.staff.get((site_key, Role.AGENT), []),
            *world.staff.get((site_key, Role.SERVICE_ADVISOR), []),
        ]
        demo.history()
        demo.today()
