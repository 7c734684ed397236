"""Business time for a site: deadlines that only run while the site is open.

Pure Python (no Django): weekly opening hours in the site's IANA time zone, minus public
holidays and the site's own closures. All instants are timezone-aware; results are UTC.

    cal = BusinessCalendar("Europe/Madrid", [WeeklyInterval(0, time(8), time(13))])
    due = cal.add(received_at, timedelta(hours=4))

See `_wallclock` for how opening times inside DST gaps and folds are placed.
"""

from posventa.businesstime._calendar import HORIZON_DAYS, AlwaysOpenCalendar, BusinessCalendar
from posventa.businesstime._inputs import CalendarError, Closure, WeeklyInterval

__all__ = [
    "HORIZON_DAYS",
    "AlwaysOpenCalendar",
    "BusinessCalendar",
    "CalendarError",
    "Closure",
    "WeeklyInterval",
]
