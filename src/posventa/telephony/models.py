"""Calls and callbacks: the phone as a channel measured against INFO-PHONE.

Every source (the generic JSON webhook, Zammad's Generic CTI API, Twilio Voice status
callbacks, Asterisk CDR files, a call logged by hand) is stored raw first (`CallEventRaw`,
`CdrImport`) and then folded into one `Call` per call id. The per-call facts (ring, hold,
talk, abandoned, INFO-PHONE met) are computed from the call's events and stored on the call,
so the phone board and the reports read columns and never replay events.

A missed, abandoned or voicemail inbound call opens a `Callback`: the obligation to call the
customer back, measured by an INFO-PHONE clock whose subject is the callback. State changes
go through `posventa.telephony.actions` (and its sibling modules).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from posventa.cases.models import Case, Department
from posventa.core.models import Organisation, Site
from posventa.customers.models import Customer


class CallSource(models.TextChoices):
    GENERIC = "generic", _("Phone system (JSON webhook)")
    ZAMMAD_CTI = "zammad_cti", _("Phone system (Zammad CTI)")
    TWILIO = "twilio", _("Twilio Voice")
    ASTERISK_CDR = "asterisk_cdr", _("Asterisk call records")
    MANUAL = "manual", _("Logged by hand")


class CallDirection(models.TextChoices):
    INBOUND = "inbound", _("Incoming")
    OUTBOUND = "outbound", _("Outgoing")


class CallStatus(models.TextChoices):
    RINGING = "ringing", _("Ringing")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Answered")
    MISSED = "missed", _("Missed")
    ABANDONED = "abandoned", _("Abandoned")
    VOICEMAIL = "voicemail", _("Voicemail")
    BUSY = "busy", _("Busy")
    FAILED = "failed", _("Failed")
    # Its events stopped without a hang-up; closed by the timeout (see PhoneSettings).
    TIMED_OUT = "timed_out", _("Closed: no hang-up received")


# Statuses of a call that is over.
FINAL_STATUSES = (
    CallStatus.COMPLETED,
    CallStatus.MISSED,
    CallStatus.ABANDONED,
    CallStatus.VOICEMAIL,
    CallStatus.BUSY,
    CallStatus.FAILED,
    CallStatus.TIMED_OUT,
)
# An inbound call that ended like this owes the caller a callback.
UNANSWERED_STATUSES = (CallStatus.MISSED, CallStatus.ABANDONED, CallStatus.VOICEMAIL)


class CallOutcome(models.TextChoices):
    """What a person says happened on a call logged by hand (or an outbound call's end)."""

    CONNECTED = "connected", _("Spoke with the customer")
    NO_ANSWER = "no_answer", _("No answer")
    VOICEMAIL_LEFT = "voicemail_left", _("Left a voicemail")
    BUSY = "busy", _("Line busy")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class PhoneSettings(models.Model):
    """A site's phone rules. A site without a row uses the defaults below."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="phone_settings")
    ring_seconds = models.PositiveSmallIntegerField(_("length of one ring (seconds)"), default=5)
    # INFO-PHONE: answered before the 4th ring, that is within 3 rings.
    answer_within_rings = models.PositiveSmallIntegerField(_("answer within rings"), default=3)
    hold_limit_seconds = models.PositiveSmallIntegerField(_("longest hold (seconds)"), default=30)
    stale_call_minutes = models.PositiveIntegerField(
        _("close a call with no events after (minutes)"), default=240
    )
    callback_attempts = models.PositiveSmallIntegerField(
        _("call attempts before a written message keeps a callback"), default=3
    )
    # Asterisk writes Master.csv in the PBX's local time unless cdr.conf sets usegmtime.
    cdr_times_utc = models.BooleanField(_("CDR times are UTC"), default=False)

    def __str__(self) -> str:
        return f"{self.site}: {self.ring_seconds}s x {self.answer_within_rings}"


class PhoneLine(models.Model):
    """A number of the site's that customers call, and the department it rings in.

    The called number of an inbound call (the calling number of an outbound one) picks the
    call's department; a number with no line leaves the department empty.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="phone_lines")
    number = models.CharField(_("number"), max_length=20, unique=True)  # E.164
    department = models.CharField(
        _("department"), max_length=16, choices=Department.choices, blank=True
    )
    label = models.CharField(_("label"), max_length=100, blank=True)

    class Meta:
        ordering = ["site", "number"]

    def __str__(self) -> str:
        return f"{self.number} ({self.site})"


class Call(models.Model):
    """One call, with the facts every report reads."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    # Not indexed alone: the indexes below start with it.
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="calls", db_index=False)
    department = models.CharField(
        _("department"), max_length=16, choices=Department.choices, blank=True
    )
    source = models.CharField(_("source"), max_length=16, choices=CallSource.choices)
    # The phone system's call id (CDR: uniqueid, or a digest of the row without one).
    external_id = models.CharField(max_length=128)
    direction = models.CharField(_("direction"), max_length=8, choices=CallDirection.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=CallStatus.choices, default=CallStatus.RINGING
    )
    # The numbers as the phone system sent them, and as E.164 when phonenumbers could read
    # them; a number it cannot read is kept as given and flagged, never dropped.
    caller_raw = models.CharField(_("caller"), max_length=64, blank=True)
    # Not indexed: nothing reads calls by number (callbacks are found by number in their
    # own table), and a random-order index cost an import a third of its insert time.
    caller = models.CharField(max_length=20, blank=True)
    caller_unparsed = models.BooleanField(default=False)
    called_raw = models.CharField(_("number called"), max_length=64, blank=True)
    called = models.CharField(max_length=20, blank=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls_answered",
    )
    # The agent as the phone system named them (extension, user name, e-mail).
    agent_raw = models.CharField(max_length=128, blank=True)
    started_at = models.DateTimeField(_("started"))
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField()
    # The facts (seconds), recomputed from the events whenever one arrives.
    ring_seconds = models.PositiveIntegerField(default=0)
    rings = models.PositiveSmallIntegerField(default=0)
    hold_seconds = models.PositiveIntegerField(default=0)
    longest_hold_seconds = models.PositiveIntegerField(default=0)
    holds_over_limit = models.PositiveSmallIntegerField(default=0)
    talk_seconds = models.PositiveIntegerField(default=0)
    answered = models.BooleanField(default=False)
    abandoned = models.BooleanField(default=False)
    abandoned_after_seconds = models.PositiveIntegerField(null=True, blank=True)
    voicemail = models.BooleanField(default=False)
    voicemail_url = models.URLField(max_length=1000, blank=True)
    # Agents in the order the call passed through them: [{"from": .., "to": .., "at": ..}].
    transfers = models.JSONField(default=list, blank=True)
    hangup_cause = models.CharField(max_length=64, blank=True)
    # None while the call is open or for outbound calls; INFO-PHONE is about answering.
    meets_info_phone = models.BooleanField(null=True, blank=True)
    answered_within_limit = models.BooleanField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=CallOutcome.choices, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "source", "external_id"], name="call_unique_per_source"
            ),
        ]
        indexes = [
            # The board and the reports: a site's calls of a period.
            models.Index(fields=["site", "started_at"], name="call_site_started"),
            # The stale-call timeout: open calls by their last event.
            models.Index(
                fields=["last_event_at"],
                name="call_open_last_event",
                condition=Q(status__in=["ringing", "in_progress"]),
            ),
            # The phone board's heat map: a site's missed inbound calls of the last weeks,
            # read from the index alone (the period holds about four times as many calls
            # in all; fetching each row to test its status cost 30-50 ms on SQLite).
            models.Index(
                fields=["site", "started_at"],
                name="call_missed_site_started",
                condition=Q(direction="inbound", status__in=["missed", "abandoned", "voicemail"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.caller_raw} {self.started_at:%Y-%m-%d %H:%M}"


class CallEventKind(models.TextChoices):
    RINGING = "ringing", _("Ringing")
    ANSWERED = "answered", _("Answered")
    HOLD_STARTED = "hold_started", _("Put on hold")
    HOLD_ENDED = "hold_ended", _("Taken off hold")
    TRANSFERRED = "transferred", _("Transferred")
    VOICEMAIL = "voicemail", _("Voicemail left")
    HUNG_UP = "hung_up", _("Hung up")


class CallEvent(models.Model):
    """One normalised event of a call. Duplicates are refused by the unique key."""

    # Not indexed alone: the unique (call, dedupe_key) starts with it.
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=16, choices=CallEventKind.choices)
    occurred_at = models.DateTimeField()
    agent_raw = models.CharField(max_length=128, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # Source-specific identity of the event (a digest of its normalised fields), so the
    # same event delivered twice is stored once.
    dedupe_key = models.CharField(max_length=64)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["call", "dedupe_key"], name="call_event_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.occurred_at:%H:%M:%S}"


class RawStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be processed")
    PROCESSED = "processed", _("Processed")
    QUARANTINED = "quarantined", _("Quarantined")


class CallEventRaw(models.Model):
    """A request as a phone system posted it, stored before it is read."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=16, choices=CallSource.choices)
    received_at = models.DateTimeField(db_index=True)
    content_type = models.CharField(max_length=200, blank=True)
    body = models.BinaryField()
    status = models.CharField(max_length=12, choices=RawStatus.choices, default=RawStatus.PENDING)
    error = models.TextField(blank=True)
    call = models.ForeignKey(
        Call, on_delete=models.SET_NULL, null=True, blank=True, related_name="raw_events"
    )

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} #{self.pk} ({self.status})"


class CdrImport(models.Model):
    """One Asterisk Master.csv import. The same file imported again adds nothing."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="cdr_imports")
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(default=0)
    times_utc = models.BooleanField(default=False)
    # The file as it arrived, kept before a line is read (raw first): re-reading it gives
    # the same calls, and a bad line can be checked against the original.
    stored_path = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_already_known = models.PositiveIntegerField(default=0)
    rows_bad = models.PositiveIntegerField(default=0)
    # A file that could not be read to its end (a disk error, the import killed).
    failed = models.TextField(blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return self.filename


class CdrRowError(models.Model):
    """A CDR line that could not be imported, with its number and why: nothing is skipped
    silently."""

    cdr_import = models.ForeignKey(CdrImport, on_delete=models.CASCADE, related_name="errors")
    line_number = models.PositiveIntegerField()
    reason = models.CharField(max_length=300)
    raw_line = models.TextField()

    class Meta:
        ordering = ["cdr_import", "line_number"]

    def __str__(self) -> str:
        return f"line {self.line_number}: {self.reason}"


class CallbackStatus(models.TextChoices):
    OPEN = "open", _("To call back")
    CALLED_BACK = "called_back", _("Called back")
    CUSTOMER_CALLED = "customer_called", _("The customer called again and was answered")
    MESSAGE_SENT = "message_sent", _("Not reached: message sent")
    CANCELLED = "cancelled", _("Cancelled")


class Callback(models.Model):
    """The promise the system makes for us after a missed call: we call the caller back.

    One open callback per caller number and site: a second missed call joins it as a chase.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="callbacks", db_index=False
    )
    department = models.CharField(max_length=16, choices=Department.choices, blank=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="callbacks"
    )
    number = models.CharField(_("number"), max_length=64)
    status = models.CharField(
        max_length=16, choices=CallbackStatus.choices, default=CallbackStatus.OPEN
    )
    first_call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="+")
    last_missed_call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="+")
    missed_calls = models.PositiveSmallIntegerField(default=1)
    attempts = models.PositiveSmallIntegerField(default=0)
    voicemail_url = models.URLField(max_length=1000, blank=True)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    kept_by_call = models.ForeignKey(
        Call, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kept_by_message = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "number"],
                condition=Q(status="open"),
                name="callback_one_open_per_number",
            ),
        ]
        indexes = [
            models.Index(fields=["site", "opened_at"], name="callback_site_opened"),
        ]

    def __str__(self) -> str:
        return f"{self.number} @ {self.site} ({self.get_status_display()})"


class CallbackStepKind(models.TextChoices):
    OPENED = "opened", _("Missed call: callback opened")
    CHASED = "chased", _("Missed again: chase")
    ATTEMPT = "attempt", _("Call-back attempt, not reached")
    KEPT = "kept", _("Reached: callback kept")


class CallbackStep(models.Model):
    """What one call did to a callback (opened, chased, a failed attempt, kept it).

    A call does at most one thing to one callback: the one-to-one key makes handing the
    same call to `callbacks.calls_closed` twice (a re-import, a late duplicate event) a
    no-op instead of a second chase or a second attempt.
    """

    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="steps")
    call = models.OneToOneField(Call, on_delete=models.CASCADE, related_name="callback_step")
    kind = models.CharField(max_length=8, choices=CallbackStepKind.choices)
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["callback", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.occurred_at:%Y-%m-%d %H:%M}"
