"""What routing does when a case below it changes owner (cases/signals.py)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from posventa.cases.models import Case
from posventa.cases.signals import case_needs_owner, case_owner_set
from posventa.core.models import User
from posventa.routing.actions import owner_found, route_cases


@receiver(case_needs_owner, dispatch_uid="posventa.routing.route_unowned")
def route_unowned(sender: Any, cases: list[Case], actor: User | None, **kwargs: Any) -> None:
    # Inside the opening transaction: the owner commits with the case, or neither does.
    route_cases(cases, actor=actor)


@receiver(case_owner_set, dispatch_uid="posventa.routing.stop_unowned_clock")
def stop_unowned_clock(
    sender: Any, case: Case, owner: User, actor: User | None, **kwargs: Any
) -> None:
    owner_found(case, actor=actor)
