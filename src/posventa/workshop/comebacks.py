"""Is this the same fault again? Comeback rules over a vehicle's concerns (CASE-COMEBACK).

Pure rules, no database: the repair-order actions pass the vehicle's earlier concerns and
get back which one a new concern repeats, and whether the vehicle has now come in three
times or more for it within a year (seed 000: seven months back and forth with the same
faults, and nobody put the visits together).

Two concerns are the same when they share an operation code, or a trouble code, or the
same system (the inspection's system group, "brakes") together with a similar description,
or when the customer's words are close enough on their own ("ruido al frenar" and "hace
ruido cuando freno"). Words are compared after dropping accents, case, and the small words
of Spanish, Swedish and English, with a crude stem (the first four letters: "frenar" and
"freno", "bromsar" and "bromsarna"), which is enough to match a customer telling the same
fault twice in their own words without matching unrelated faults that share one word.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

DEFAULT_WINDOW = dt.timedelta(days=30)
REPEAT_WINDOW = dt.timedelta(days=365)
REPEAT_VISITS = 3
# Share of the shorter description's words the other must contain: both of two, two of
# three; with the same system, one of three is enough.
SIMILAR = 0.6
SIMILAR_WITH_SYSTEM = 0.3
STEM = 4

SPANISH = "a al algo con cuando de del el en es esta este ha hace he la las le lo los me mi"
SPANISH += " muy no otra otro para pero por que se sigue sin su un una vez y ya"
SWEDISH = "ar att av den det efter en ett fortfarande har i igen inte jag med min mitt nar och"
SWEDISH += " om pa som till var vid"  # accents dropped: "när" is "nar", "på" is "pa"
ENGLISH = "a again an and at by car does doesnt for from has i in is it its me my of on still"
ENGLISH += " the to when with"
STOP_WORDS = frozenset(" ".join((SPANISH, SWEDISH, ENGLISH)).split(" "))


@dataclass(frozen=True)
class Concern:
    """One concern of one visit, as the repair order recorded it."""

    order: int  # the repair order's id
    opened_at: dt.datetime
    description: str
    operation_codes: frozenset[str] = frozenset()
    trouble_codes: frozenset[str] = frozenset()
    system: str = ""  # e.g. "brakes", "electrical": the inspection's system group
    words: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", significant_words(self.description))


@dataclass(frozen=True)
class Comeback:
    earlier: Concern  # the most recent earlier concern it repeats
    reason: str  # "operation", "trouble code", "system and description", "description"
    within_window: bool  # returned within the comeback window (default 30 days)
    visits_in_year: int  # this visit included
    repeated: bool  # REPEAT_VISITS or more visits for it within a year


def significant_words(text: str) -> frozenset[str]:
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in plain if not unicodedata.combining(char))
    tokens = re.findall(r"[a-z0-9]+", plain.replace("'", ""))
    return frozenset(token[:STEM] for token in tokens if token not in STOP_WORDS and len(token) > 1)


def same_concern(new: Concern, old: Concern) -> str:
    """Why `new` repeats `old` ("operation", ...), or "" when it does not."""
    if new.operation_codes & old.operation_codes:
        return "operation"
    if new.trouble_codes & old.trouble_codes:
        return "trouble code"
    overlap = _overlap(new.words, old.words)
    if new.system and new.system == old.system and overlap >= SIMILAR_WITH_SYSTEM:
        return "system and description"
    if overlap >= SIMILAR:
        return "description"
    return ""


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def find_comeback(
    new: Concern, earlier: Sequence[Concern], *, window: dt.timedelta = DEFAULT_WINDOW
) -> Comeback | None:
    """The comeback `new` is, against the vehicle's earlier concerns (any order), or None.

    Concerns of the same repair order never count: a second concern on one visit is not a
    return.
    """
    before = [c for c in earlier if c.order != new.order and c.opened_at <= new.opened_at]
    repeats = [(c, why) for c in before if (why := same_concern(new, c))]
    if not repeats:
        return None
    last, reason = max(repeats, key=lambda pair: pair[0].opened_at)
    year_ago = new.opened_at - REPEAT_WINDOW
    orders = {c.order for c, _ in repeats if c.opened_at >= year_ago} | {new.order}
    return Comeback(
        earlier=last,
        reason=reason,
        within_window=new.opened_at - last.opened_at <= window,
        visits_in_year=len(orders),
        repeated=len(orders) >= REPEAT_VISITS,
    )
