"""Asterisk call detail records (`cdr_csv`'s Master.csv) into plain records, no database.

Master.csv has no header. Each line has 16 columns

    accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata,
    start, answer, end, duration, billsec, disposition, amaflags

and, as cdr.conf adds them, uniqueid, userfield, peeraccount, linkedid, sequence (up to
21). Strings are quoted, a quote inside one doubled (`""`), which is what the csv module
reads. Times are "YYYY-MM-DD HH:MM:SS" in the PBX's local time, or UTC when cdr.conf sets
usegmtime (PhoneSettings.cdr_times_utc); an unanswered call has an empty answer time.

`read_records` streams a binary file line by line and yields a `CdrRecord` for each good
line and a `CdrProblem` (line number, reason, the line as it was) for each bad one: a
wrong column count, a bad date, a line that is not UTF-8. Nothing is skipped silently but
blank lines, which hold no record.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

MIN_COLUMNS = 16
MAX_COLUMNS = 21
# Asterisk's dispositions, as hang-up causes the facts understand.
DISPOSITIONS = {
    "ANSWERED": "answered",
    "NO ANSWER": "no answer",
    "BUSY": "busy",
    "FAILED": "failed",
    "CONGESTION": "congestion",
}
# dcontext names that say which way a call went (FreePBX and the Asterisk examples).
OUTBOUND_CONTEXTS = ("from-internal", "outbound", "internal", "from-user", "from-sip-internal")
INBOUND_CONTEXTS = ("from-trunk", "from-pstn", "from-did", "inbound", "incoming", "ext-queues")
MAX_EXTENSION_DIGITS = 6


@dataclass(slots=True)
class CdrRecord:
    line_number: int
    src: str
    dst: str
    dcontext: str
    clid: str
    channel: str
    dstchannel: str
    start: dt.datetime  # aware, UTC
    answer: dt.datetime | None
    end: dt.datetime
    billsec: int
    disposition: str  # one of DISPOSITIONS' values
    uniqueid: str
    key: str  # the call's external id: uniqueid, or a digest of the line

    @property
    def outbound(self) -> bool:
        return direction_is_outbound(self.dcontext, self.src, self.dst)

    def agent(self, outbound: bool) -> str:
        """The extension on our side: the answering channel of an inbound call, the
        calling channel of an outbound one ("SIP/201-0000002a" → "201")."""
        return channel_extension(self.channel if outbound else self.dstchannel)


@dataclass(slots=True)
class CdrProblem:
    line_number: int
    reason: str
    raw_line: str


def channel_extension(channel: str) -> str:
    _tech, _slash, rest = channel.partition("/")
    return rest.rsplit("-", 1)[0][:128] if rest else ""


def _is_extension(number: str) -> bool:
    return number.isdigit() and len(number) <= MAX_EXTENSION_DIGITS


def direction_is_outbound(dcontext: str, src: str, dst: str) -> bool:
    """Which way the call went: by its dialplan context when that says, else an internal
    extension calling a longer number is outbound."""
    by_context = _context_direction(dcontext)
    if by_context is not None:
        return by_context
    return _is_extension(src) and not _is_extension(dst)


@lru_cache(maxsize=1024)
def _context_direction(dcontext: str) -> bool | None:
    # A PBX has a handful of contexts: decided once each.
    context = dcontext.lower()
    if any(name in context for name in INBOUND_CONTEXTS):
        return False
    if any(name in context for name in OUTBOUND_CONTEXTS):
        return True
    return None


class _Lines:
    """Decoded lines for the csv reader, remembering the raw text of the record being read
    and the lines that were not UTF-8 (the reader is given an empty line for each)."""

    def __init__(self, stream: Iterable[bytes]) -> None:
        self.stream = stream
        self.number = 0
        self.bad: dict[int, str] = {}
        self.pending: list[str] = []

    def __iter__(self) -> Iterator[str]:
        for raw in self.stream:
            self.number += 1
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                self.bad[self.number] = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                self.pending.append(f"\x00{error.reason} at byte {error.start}")
                yield "\n"
                continue
            self.pending.append(text)
            yield text

    def take_text(self) -> str:
        text = "".join(self.pending).rstrip("\r\n")
        self.pending.clear()
        return text


def read_records(
    stream: Iterable[bytes], *, zone: ZoneInfo | None, start_line: int = 0
) -> Iterator[CdrRecord | CdrProblem]:
    """Records and problems of a Master.csv, in file order. `zone`: the PBX's local zone
    (None: the times are UTC)."""
    lines = _Lines(stream)
    reader = csv.reader(lines, strict=False)
    first_of_record = 1
    for row in reader:
        number = first_of_record + start_line
        text = lines.take_text()
        first_of_record = reader.line_num + 1
        if number - start_line in lines.bad:
            raw = lines.bad.pop(number - start_line)
            reason = text.lstrip("\x00")
            yield CdrProblem(number, _("Not UTF-8 (%(detail)s).") % {"detail": reason}, raw)
            continue
        if not row:
            continue
        try:
            yield _record(row, number, text, zone)
        except ValueError as error:
            yield CdrProblem(number, str(error)[:300], text)


def _time(value: str, column: str, zone: ZoneInfo | None, *, required: bool) -> dt.datetime | None:
    value = value.strip()
    if not value:
        if required:
            raise ValueError(_("%(column)s: empty.") % {"column": column})
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            _("%(column)s: %(value)r is not a date and time.") % {"column": column, "value": value}
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or dt.UTC)
    return moment.astimezone(dt.UTC)


def _later_pass(value: str, zone: ZoneInfo) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value.strip()).replace(tzinfo=zone, fold=1)
    return moment.astimezone(dt.UTC)


def _record(row: list[str], number: int, text: str, zone: ZoneInfo | None) -> CdrRecord:
    if not MIN_COLUMNS <= len(row) <= MAX_COLUMNS:
        raise ValueError(
            _("Expected %(min)d to %(max)d columns, found %(count)d.")
            % {"min": MIN_COLUMNS, "max": MAX_COLUMNS, "count": len(row)}
        )
    start = _time(row[9], "start", zone, required=True)
    answer = _time(row[10], "answer", zone, required=False)
    end = _time(row[11], "end", zone, required=True)
    assert start is not None and end is not None
    if end < start and zone is not None:
        # The hour a clock goes back happens twice in local time: an end written in its
        # second pass (fold=1) is later than a start written in the first.
        end = _later_pass(row[11], zone)
    if answer is not None and answer < start and zone is not None:
        answer = _later_pass(row[10], zone)
    if end < start:
        raise ValueError(_("end: before the start."))
    disposition = DISPOSITIONS.get(row[14].strip().upper())
    if disposition is None:
        raise ValueError(
            _("disposition: %(value)r is not one of %(choices)s.")
            % {"value": row[14], "choices": ", ".join(DISPOSITIONS)}
        )
    try:
        billsec = int(row[13] or 0)
    except ValueError:
        raise ValueError(_("billsec: %(value)r is not a number.") % {"value": row[13]}) from None
    if disposition != "answered":
        answer = None
    elif answer is None or answer < start:
        # Some versions leave answer empty on answered calls; billsec counts from it.
        answer = max(end - dt.timedelta(seconds=billsec), start)
    uniqueid = row[16].strip() if len(row) > 16 else ""
    key = uniqueid or "line:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:48]
    return CdrRecord(
        line_number=number,
        src=row[1].strip()[:64],
        dst=row[2].strip()[:64],
        dcontext=row[3].strip(),
        clid=row[4].strip(),
        channel=row[5].strip(),
        dstchannel=row[6].strip(),
        start=start,
        answer=answer,
        end=end,
        billsec=billsec,
        disposition=disposition,
        uniqueid=uniqueid[:128],
        key=key[:128],
    )


def quote(value: object) -> str:
    """One field as cdr_csv writes it: numbers bare, strings quoted, quotes inside doubled."""
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace('"', '""') + '"'


def format_line(fields: Iterable[object]) -> str:
    """A Master.csv line as cdr_csv writes it (for tests and the bench)."""
    return ",".join(quote(value) for value in fields) + "\n"
