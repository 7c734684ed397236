"""What the complaints app does when a case below it changes (cases/signals.py)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.utils.translation import gettext as _

from posventa.cases.models import Case, CaseTransfer
from posventa.cases.signals import case_closing, case_transferred
from posventa.complaints.actions import check_routing
from posventa.complaints.models import Complaint, ComplaintStatus


@receiver(case_transferred, dispatch_uid="posventa.complaints.check_routing")
def check_routing_on_transfer(
    sender: Any, case: Case, transfer: CaseTransfer, **kwargs: Any
) -> None:
    # Inside the transfer's transaction: the flag commits with the move that caused it.
    complaint = Complaint.objects.filter(case=case, status=ComplaintStatus.OPEN).first()
    if complaint is not None:
        complaint.case = case  # the instance the transfer just moved
        check_routing(complaint, actor=transfer.actor)


@receiver(case_closing, dispatch_uid="posventa.complaints.refuse_closing_open_complaint")
def refuse_closing_open_complaint(sender: Any, case: Case, action: str, **kwargs: Any) -> None:
    # Seed 003: a complaint ends when the customer agrees, not when staff stop answering.
    if Complaint.objects.filter(case=case, status=ComplaintStatus.OPEN).exists():
        raise ValidationError(
            {
                "status": _(
                    "This case is an open complaint: close the complaint first, with the "
                    "customer's agreement or a recorded reason."
                )
            }
        )
