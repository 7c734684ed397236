"""What goes in and out of the API. Field names follow the models; choices are validated by
the actions (so the error names the field and lists the allowed values), not here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from posventa.cases.models import Case, CaseStatus
from posventa.clocks.models import Clock
from posventa.core.models import User
from posventa.customers.models import Customer, Vehicle
from posventa.inbox.models import Message

# --- errors -------------------------------------------------------------------------------


class ErrorItem(Schema):
    field: str | None = Field(
        None, description="The input field at fault, dotted for nested fields; null if none."
    )
    message: str


class ErrorsOut(Schema):
    errors: list[ErrorItem]


# --- people -------------------------------------------------------------------------------


class UserRef(Schema):
    id: int
    username: str
    name: str

    @staticmethod
    def resolve_name(obj: User) -> str:
        return str(obj)


# --- customers ----------------------------------------------------------------------------


class ContactPointOut(Schema):
    id: int
    kind: str
    value: str = Field(description="E-mail lowercased; phone and WhatsApp in E.164.")
    is_primary: bool


class CustomerOut(Schema):
    id: int
    display_name: str
    language: str
    preferred_channel: str
    needs_review: bool
    merged_into: int | None = Field(None, description="Set when merged into another customer.")
    created_at: dt.datetime
    contact_points: list[ContactPointOut]

    @staticmethod
    def resolve_merged_into(obj: Customer) -> int | None:
        return obj.merged_into_id

    @staticmethod
    def resolve_contact_points(obj: Customer) -> list[Any]:
        return list(obj.contact_points.all())


class ContactPointIn(Schema):
    kind: str = Field(description="email, phone or whatsapp.")
    value: str = Field(description="National numbers are read in the site's country.")
    primary: bool | None = Field(
        None, description="Make it the primary of its kind (default: only if it is the first)."
    )


class CustomerIn(Schema):
    display_name: str
    language: str = ""
    preferred_channel: str = "email"
    contact_points: list[ContactPointIn] = []
    site: str | None = Field(
        None,
        description="Slug of the site creating the customer: picks the group and the country "
        "phone numbers are read in. Optional when the token reaches a single group.",
    )


# --- vehicles -----------------------------------------------------------------------------


class OdometerOut(Schema):
    id: int
    km: int
    read_at: dt.datetime
    source: str
    correction: bool


class VehicleOut(Schema):
    id: int
    vin: str
    vin_check: str = Field(description="verified, n/a or unverified (see the check digit).")
    plate: str
    make: str
    model: str
    first_registration: dt.date | None
    owner: int | None = Field(None, description="The current owner's customer id.")
    latest_odometer: OdometerOut | None = None

    @staticmethod
    def resolve_owner(obj: Vehicle) -> int | None:
        return obj.owner_id

    @staticmethod
    def resolve_latest_odometer(obj: Vehicle) -> Any:
        return obj.odometer.order_by("-read_at", "-pk").first()


class VehicleIn(Schema):
    vin: str
    plate: str = ""
    make: str = ""
    model: str = ""
    first_registration: dt.date | None = None
    owner: int | None = Field(None, description="Customer id of the owner.")
    site: str | None = Field(
        None, description="Slug of a site of the group; optional with an owner or one group."
    )


class OdometerIn(Schema):
    km: int
    read_at: dt.datetime | None = Field(
        None, description="With a timezone; default now. Readings only go up."
    )
    source: str = "api"
    correction: bool = Field(False, description="Allows a reading lower than an earlier one.")


# --- cases --------------------------------------------------------------------------------


class ClockOut(Schema):
    id: int
    standard: str
    label: str
    state: str
    started_at: dt.datetime
    due_at: dt.datetime | None = Field(None, description="Empty while paused.")
    owner: UserRef | None
    escalation_level: int
    breached_at: dt.datetime | None

    @staticmethod
    def resolve_standard(obj: Clock) -> str:
        return obj.standard_id


class CaseOut(Schema):
    reference: str
    site: str
    status: str
    status_label: str
    department: str
    subject: str
    channel: str
    requested_reply_channel: str
    priority: int
    owner: UserRef | None
    team: int | None
    customer: int
    vehicle: int | None
    chase_count: int
    awaiting_reply_since: dt.datetime | None
    opened_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    previous_case: str | None = Field(None, description="Reference of the case this follows.")

    @staticmethod
    def resolve_site(obj: Case) -> str:
        return obj.site.slug

    @staticmethod
    def resolve_status_label(obj: Case) -> str:
        return str(CaseStatus(obj.status).label)

    @staticmethod
    def resolve_team(obj: Case) -> int | None:
        return obj.team_id

    @staticmethod
    def resolve_customer(obj: Case) -> int:
        return obj.customer_id

    @staticmethod
    def resolve_vehicle(obj: Case) -> int | None:
        return obj.vehicle_id

    @staticmethod
    def resolve_previous_case(obj: Case) -> str | None:
        return obj.previous_case.reference if obj.previous_case is not None else None


class CaseDetailOut(CaseOut):
    open_clocks: list[ClockOut]


class CaseIn(Schema):
    site: str = Field(description="Slug of the site that owns the case.")
    customer: int
    channel: str = Field(description="How the customer reached us: phone, email, letter...")
    subject: str = ""
    department: str = "service"
    requested_reply_channel: str = Field("", description="Default: the channel.")
    vehicle: int | None = None
    owner: int | None = Field(None, description="User id; empty leaves it in the queue.")
    priority: int = Field(1, ge=0, le=3)


class TransferIn(Schema):
    note: str = Field(description="The handover note: required, so nobody asks the story again.")
    to_owner: int | None = Field(None, description="User id of the new owner.")
    to_team: int | None = Field(None, description="Team id at the case's site.")
    to_department: str | None = None


class StatusIn(Schema):
    status: str = Field(
        description="open, waiting_customer or waiting_third_party (resolve and close have "
        "their own steps)."
    )


# --- messages -----------------------------------------------------------------------------


class MessageOut(Schema):
    id: int
    direction: str
    channel: str
    kind: str
    automatic: bool = Field(description="Sent or received by a machine; never a reply.")
    is_chase: bool
    author: UserRef | None
    from_address: str
    to_address: str
    subject: str
    body_text: str
    warnings: list[str]
    delivery_status: str | None = Field(None, description="Outbox status of an outbound one.")
    created_at: dt.datetime

    @staticmethod
    def resolve_delivery_status(obj: Message) -> str | None:
        return obj.notification.status if obj.notification is not None else None


class ReplyIn(Schema):
    body: str
    channel: str | None = Field(None, description="Default: the channel the customer asked for.")
    subject: str | None = Field(None, description="E-mail only; default 'Re: <subject> [ref]'.")


class ReplyOut(Schema):
    message: MessageOut
    satisfied_info_web: bool = Field(
        description="True when this reply met the open INFO-WEB clock (a human reply on the "
        "channel the customer asked for)."
    )
