"""Phone numbers as phone systems send them, read into E.164 with `phonenumbers`.

A number that cannot be read (an extension, "anonymous", a malformed string) is kept as the
phone system sent it and flagged: the call is still stored and counted, it only cannot find
a customer by its number.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

# Prefixes phone systems and providers put in front of a number.
_URI_PREFIXES = ("tel:", "sip:", "sips:", "whatsapp:", "client:")
# What Asterisk and CTI bridges write for a withheld number.
_WITHHELD = {"", "anonymous", "unknown", "restricted", "private", "unavailable"}
# The longest value kept as given (Call.caller_raw).
RAW_LENGTH = 64


@dataclass(frozen=True)
class ReadNumber:
    raw: str  # as given, cut to the column's length
    e164: str  # "" when unreadable
    unparsed: bool  # given, but phonenumbers could not read it as a possible number


def read_number(value: str, region: str, *, international_digits: bool = False) -> ReadNumber:
    """Read what a phone system sent as the caller or the called number.

    `region` is the site's country, for national numbers ("612 34 56 78").
    `international_digits`: the source writes international numbers as digits without "+"
    (Zammad's CTI API: "493055571600"), so such a string is tried as international first.
    Only *possible* numbers are required (not valid ones): the network delivered the call,
    and our numbering metadata may be older than a newly opened range.
    """
    raw = (value or "").strip()[:RAW_LENGTH]
    return _read(raw, (region or "ES").upper(), international_digits)


@lru_cache(maxsize=65536)
def _read(raw: str, region: str, international_digits: bool) -> ReadNumber:
    # Cached: a CDR file of a million calls comes from far fewer numbers, and parsing is
    # the most expensive step of reading a row.
    text = raw
    lowered = text.lower()
    for prefix in _URI_PREFIXES:
        if lowered.startswith(prefix):
            text = text[len(prefix) :].split("@", 1)[0].strip()
            break
    if text.lower() in _WITHHELD:
        return ReadNumber(raw, "", unparsed=bool(raw))
    candidates = [text]
    if international_digits and text.isdigit() and not text.startswith("0") and len(text) > 8:
        candidates.insert(0, "+" + text)
    elif text.startswith("00") and text[2:].isdigit():
        candidates.insert(0, "+" + text[2:])
    for candidate in candidates:
        e164 = _possible_e164(candidate, region)
        if e164:
            return ReadNumber(raw, e164, unparsed=False)
    return ReadNumber(raw, "", unparsed=True)


def _possible_e164(text: str, region: str) -> str:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
