"""What goes in and out of the API.

Every constraint a request must meet is stated in the OpenAPI document, so a client knows
exactly what is valid. Two kinds are enforced in two places, on purpose:

* What the database could not store is refused here, by the request validation: lengths
  longer than the model columns, numbers beyond what the columns hold, NUL characters and
  unpaired surrogates in text (PostgreSQL refuses both).
* Choices (enums) and "must not be blank" are stated in the schema (`stated`) and enforced
  by the actions, which name the field, list the allowed values in the user's language and
  report every bad field of a request at once.

Rules that need the database (an unknown site, a VIN's check digit) stay in the actions.
Every refusal answers 422 with the field named.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema
from ninja.params import functions as params
from pydantic import field_validator

from posventa.cases.actions import STAFF_SETTABLE_STATUSES
from posventa.cases.models import Case, CaseStatus, Department, ReplyChannel
from posventa.clocks.models import Clock
from posventa.core.models import User
from posventa.customers.models import Channel, ContactKind, Customer, Vehicle
from posventa.inbox.models import Message

# Text with no NUL character; and text that also holds something other than white space.
NO_NUL = r"^[^\x00]*$"
SOME_TEXT = r"^[^\x00]*[^\s\x00][^\x00]*$"
# Site slugs (Django's SlugField: 50 characters of letters, digits, "-" and "_").
SLUG = r"^[-a-zA-Z0-9_]+$"
SLUG_OR_EMPTY = r"^[-a-zA-Z0-9_]*$"
SLUG_LENGTH = 50
# A BCP 47-style tag as customers.validation reads it (it also lowercases it).
LANGUAGE = r"^([a-zA-Z]{2,3}([-_][a-zA-Z0-9]{2,8})?)?$"
# Primary keys are 64-bit (BigAutoField); a larger number can name nothing.
MAX_ID = 2**63 - 1
# PositiveIntegerField in PostgreSQL is a signed 32-bit integer.
MAX_KM = 2**31 - 1
# Long enough for any reply or note; a bound keeps one request from filling the disk.
LONG_TEXT = 100_000
# Case references look like MAD-2026-00042.
REFERENCE = r"^[A-Za-z0-9-]{1,32}$"


def stated(default: Any = ..., *, description: str | None = None, **schema: Any) -> Any:
    """A field whose constraint (`enum`, `pattern`) the schema states and the action
    enforces; `default` and `max_length` work as in `Field`."""
    max_length = schema.pop("max_length", None)
    return Field(default, description=description, max_length=max_length, json_schema_extra=schema)


def choices(values: Any, *, nullable: bool = False, blank: bool = False) -> list[Any]:
    allowed: list[Any] = [str(value) for value in values]
    return allowed + ([""] if blank else []) + ([None] if nullable else [])


# --- path and query parameters -----------------------------------------------------------

CustomerId = Annotated[int, params.Path(ge=1, le=MAX_ID, description="A customer's id.")]
VehicleId = Annotated[int, params.Path(ge=1, le=MAX_ID, description="A vehicle's id.")]
Reference = Annotated[
    str, params.Path(pattern=REFERENCE, max_length=32, description="e.g. MAD-2026-00042.")
]
SearchText = Annotated[
    str,
    params.Query(
        "",
        max_length=200,
        pattern=NO_NUL,
        description="A name, e-mail address, phone number, number plate or VIN (or its end).",
    ),
]


class InputSchema(Schema):
    """Request input. Text holding NUL or a lone UTF-16 surrogate ("\\ud800" in JSON) is
    valid JSON, but no database can store it: it is refused here, naming the field."""

    @field_validator("*", mode="after")
    @classmethod
    def storable_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            if "\x00" in value:
                raise ValueError("Text must not contain NUL (\\x00) characters.")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as error:
                raise ValueError("Text must not contain unpaired surrogate characters.") from error
        return value


class CaseFilters(InputSchema):
    status: str | None = stated(None, enum=choices(CaseStatus.values, nullable=True))
    site: str | None = stated(
        None, max_length=SLUG_LENGTH, pattern=SLUG_OR_EMPTY, description="A site's slug."
    )
    owner: str | None = stated(
        None,
        max_length=40,
        pattern=r"^\s*([0-9]{1,18}|[mM][eE]|[nN][oO][nN][eE])?\s*$",
        description="A user id, `me` or `none`.",
    )
    department: str | None = stated(None, enum=choices(Department.values, nullable=True))


def aware_utc(value: dt.datetime | None) -> dt.datetime | None:
    """A timestamp with a zone, in UTC; one whose UTC time falls outside years 1-9999
    (e.g. 0001-01-01T00:00+01:00) cannot be stored and is refused."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("The time needs a timezone, e.g. 2026-03-01T09:30:00+01:00.")
    try:
        return value.astimezone(dt.UTC)
    except OverflowError as error:
        raise ValueError("The time lies outside the years 1-9999 in UTC.") from error


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


class ContactPointIn(InputSchema):
    kind: str = stated(enum=choices(ContactKind.values))
    value: str = stated(
        description="National numbers are read in the site's country.",
        max_length=254,
        pattern=SOME_TEXT,
    )
    primary: bool | None = Field(
        None, description="Make it the primary of its kind (default: only if it is the first)."
    )


class CustomerIn(InputSchema):
    display_name: str = stated(max_length=200, pattern=SOME_TEXT)
    language: str = stated(
        "",
        max_length=16,
        pattern=LANGUAGE,
        description="A language code such as es, sv, en or pt-BR; empty if unknown.",
    )
    preferred_channel: str = stated("email", enum=choices(Channel.values))
    contact_points: list[ContactPointIn] = Field([], max_length=20)
    site: str | None = stated(
        None,
        max_length=SLUG_LENGTH,
        pattern=SLUG_OR_EMPTY,
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


class VehicleIn(InputSchema):
    # Spaces and dashes are allowed in what is typed ("WVW ZZZ 1KZ ..."), hence 40.
    vin: str = stated(max_length=40, pattern=SOME_TEXT)
    plate: str = Field("", max_length=20)
    make: str = Field("", max_length=60)
    model: str = Field("", max_length=100)
    first_registration: dt.date | None = None
    owner: int | None = Field(None, ge=1, le=MAX_ID, description="Customer id of the owner.")
    site: str | None = stated(
        None,
        max_length=SLUG_LENGTH,
        pattern=SLUG_OR_EMPTY,
        description="Slug of a site of the group; optional with an owner or one group.",
    )


class OdometerIn(InputSchema):
    km: int = Field(ge=0, le=MAX_KM)
    read_at: dt.datetime | None = Field(
        None, description="With a timezone; default now. Readings only go up."
    )
    source: str = Field("api", max_length=100)
    correction: bool = Field(False, description="Allows a reading lower than an earlier one.")

    _read_at_in_utc = field_validator("read_at", mode="after")(aware_utc)


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


class CaseIn(InputSchema):
    site: str = stated(
        description="Slug of the site that owns the case.", max_length=SLUG_LENGTH, pattern=SLUG
    )
    customer: int = Field(ge=1, le=MAX_ID)
    channel: str = stated(
        description="How the customer reached us.", enum=choices(ReplyChannel.values)
    )
    subject: str = Field("", max_length=300)
    department: str = stated("service", enum=choices(Department.values))
    requested_reply_channel: str = stated(
        "",
        description="Default (empty): the channel.",
        enum=choices(ReplyChannel.values, blank=True),
    )
    vehicle: int | None = Field(None, ge=1, le=MAX_ID)
    owner: int | None = Field(
        None, ge=1, le=MAX_ID, description="User id; empty leaves it in the queue."
    )
    priority: int = Field(1, ge=0, le=3)


class TransferIn(InputSchema):
    note: str = stated(
        description="The handover note: required, so nobody asks the story again.",
        max_length=LONG_TEXT,
        pattern=SOME_TEXT,
    )
    to_owner: int | None = Field(None, ge=1, le=MAX_ID, description="User id of the new owner.")
    to_team: int | None = Field(None, ge=1, le=MAX_ID, description="Team id at the case's site.")
    to_department: str | None = stated(None, enum=choices(Department.values, nullable=True))


class StatusIn(InputSchema):
    status: str = stated(
        description="Resolving and closing have their own steps.",
        enum=choices(STAFF_SETTABLE_STATUSES),
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


class ReplyIn(InputSchema):
    body: str = stated(max_length=LONG_TEXT, pattern=SOME_TEXT)
    channel: str | None = stated(
        None,
        description="Default: the channel the customer asked for.",
        enum=choices(ReplyChannel.values, nullable=True),
    )
    subject: str | None = Field(
        # 300: the outbox's limit for a subject line, shorter than Message.subject.
        None,
        max_length=300,
        description="E-mail only; default 'Re: <subject> [ref]'.",
    )


class ReplyOut(Schema):
    message: MessageOut
    satisfied_info_web: bool = Field(
        description="True when this reply met the open INFO-WEB clock (a human reply on the "
        "channel the customer asked for)."
    )
