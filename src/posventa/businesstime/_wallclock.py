"""Turning a local wall-clock reading into one real instant, across DST gaps and folds.

The rule, for every opening and closing time: a wall-clock time W on a day means *the
earliest instant at which the site's clock reads W or later*.

* Ordinary times have exactly one instant.
* In a fold (autumn: the clock reads 02:00-03:00 twice) that is the first pass, so an
  interval 02:15-02:45 on that night is open 30 minutes, once, and an interval 01:00-04:00
  is open the 4 hours that really elapse.
* In a gap (spring: the clock jumps from 02:00 to 03:00) no instant reads W, and the
  earliest instant reading later than W is the jump itself. So an interval 02:30-05:00
  opens when the clock jumps and lasts 2 real hours, an interval 01:00-04:00 lasts 2 real
  hours, and an interval lying wholly inside the gap vanishes for that night.

The mapping never decreases as W increases, so intervals keep their order, never invert,
and one day's intervals never overlap the next day's.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

UTC = dt.UTC
_ONE_US = dt.timedelta(microseconds=1)


def wall_to_utc(zone: ZoneInfo, day: dt.date, at: dt.time) -> dt.datetime:
    """The earliest UTC instant at which the clock in `zone` reads `day at` or later."""
    local = dt.datetime.combine(day, at, tzinfo=zone)
    # PEP 495: fold=0 applies the offset in force before a transition, fold=1 the one after.
    before = local.astimezone(UTC)
    after = local.replace(fold=1).astimezone(UTC)
    if before <= after:
        # Equal for ordinary times; in a fold `before` is the first pass.
        return before
    # Only in a gap does the earlier offset give the later instant; the jump lies between.
    return _transition_between(zone, after, before)


def _transition_between(zone: ZoneInfo, low: dt.datetime, high: dt.datetime) -> dt.datetime:
    """The first instant in (low, high] whose UTC offset differs from low's.

    Bisection over microseconds (at most ~35 steps for a gap of hours) avoids relying on
    zoneinfo internals; it runs only once per gap day, as days are cached.
    """
    offset_before = low.astimezone(zone).utcoffset()
    while high - low > _ONE_US:
        middle = low + (high - low) // 2
        if middle.astimezone(zone).utcoffset() == offset_before:
            low = middle
        else:
            high = middle
    return high
