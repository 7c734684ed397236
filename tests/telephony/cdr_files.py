"""Master.csv lines as Asterisk's cdr_csv writes them: strings quoted (a quote inside
doubled), numbers bare, 16 columns plus uniqueid (and the optional ones after it).
Numbers and names are invented."""

from __future__ import annotations

import datetime as dt

from posventa.telephony.cdr import format_line


def cdr_line(
    *,
    src: str = "600000130",
    dst: str = "910000001",
    dcontext: str = "from-trunk",
    clid: str = '"Cliente Inventado" <600000130>',
    channel: str = "SIP/trunk-00000001",
    dstchannel: str = "SIP/201-00000002",
    start: dt.datetime = dt.datetime(2026, 12, 1, 10, 0, 0),
    ring: int = 8,
    talk: int | None = 60,
    disposition: str | None = None,
    uniqueid: str | None = "1764583200.1",
    extra: tuple[object, ...] = (),
) -> str:
    answer = start + dt.timedelta(seconds=ring) if talk is not None else None
    end = (
        (answer + dt.timedelta(seconds=talk))
        if answer and talk is not None
        else start + dt.timedelta(seconds=ring)
    )
    fields: list[object] = [
        "",
        src,
        dst,
        dcontext,
        clid,
        channel,
        dstchannel,
        "Dial",
        "SIP/201,30,tT",
        f"{start:%Y-%m-%d %H:%M:%S}",
        f"{answer:%Y-%m-%d %H:%M:%S}" if answer else "",
        f"{end:%Y-%m-%d %H:%M:%S}",
        int((end - start).total_seconds()),
        talk or 0,
        disposition or ("ANSWERED" if talk is not None else "NO ANSWER"),
        "DOCUMENTATION",
    ]
    if uniqueid is not None:
        fields.append(uniqueid)
    fields.extend(extra)
    return format_line(fields)
