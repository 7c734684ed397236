"""What a person reads for the codes the event log stores: verbs and automatic actors.

The log keeps stable codes (`customer.vehicle_owned`, `inbound:email`, `sweeper`) so that
reports and the API can rely on them; every page shows them through `describe_verb` and
`describe_actor`, in the reader's language. Every verb recorded anywhere in the code has a
label here: `tests/core/test_labels.py` reads the source for `record_event(...)` and its
siblings and fails on a verb without one, so a new event cannot reach a page as a code.
Lives in core (which imports no domain app) because every app's pages show events.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

VERB_LABELS: dict[str, Promise] = {
    # organisation, sites, staff
    "organisation.created": gettext_lazy("Organisation created"),
    "organisation.changed": gettext_lazy("Organisation details changed"),
    "site.created": gettext_lazy("Site created"),
    "site.changed": gettext_lazy("Site details changed"),
    "site.hours_changed": gettext_lazy("Opening hours changed"),
    "site.calendar_changed": gettext_lazy("Calendar changed"),
    "site.closure_added": gettext_lazy("Closure added"),
    "site.holiday_override": gettext_lazy("Opens on a public holiday"),
    "site.standard_policy_changed": gettext_lazy("Standard target changed"),
    "site.standard_policy_cleared": gettext_lazy("Standard target back to the default"),
    "site.escalation_policy_changed": gettext_lazy("Escalation path changed"),
    "staff.role_granted": gettext_lazy("Role granted"),
    "staff.role_revoked": gettext_lazy("Role withdrawn"),
    "staff.certified": gettext_lazy("Certification recorded"),
    "staff.hours_changed": gettext_lazy("Working hours changed"),
    "staff.absence_recorded": gettext_lazy("Absence recorded"),
    "staff.absence_cancelled": gettext_lazy("Absence cancelled"),
    "team.created": gettext_lazy("Team created"),
    "api_token.created": gettext_lazy("API token created"),
    "api_token.revoked": gettext_lazy("API token revoked"),
    # channels and the inbox
    "channels.config_changed": gettext_lazy("Channel settings changed"),
    "channels.imap_mailbox_added": gettext_lazy("Mailbox added"),
    "channels.imap_uidvalidity_changed": gettext_lazy("Mailbox was reset by the mail server"),
    "channels.mail_route_added": gettext_lazy("E-mail address routed to a site"),
    "channels.token_issued": gettext_lazy("Endpoint token issued"),
    "channels.token_revoked": gettext_lazy("Endpoint token revoked"),
    "channels.webhook_credential_set": gettext_lazy("Webhook credential set"),
    "inbound.quarantined": gettext_lazy("Incoming message quarantined"),
    "inbound.refused": gettext_lazy("Incoming request refused"),
    "inbound.retried": gettext_lazy("Quarantined message processed again"),
    # cases
    "case.opened": gettext_lazy("Case opened"),
    "case.acknowledged": gettext_lazy("Receipt acknowledged"),
    "case.assigned": gettext_lazy("Case assigned"),
    "case.message_received": gettext_lazy("Message from the customer"),
    "case.automatic_message_received": gettext_lazy("Automatic message received"),
    "case.replied": gettext_lazy("Reply sent"),
    "case.note_added": gettext_lazy("Internal note added"),
    "case.call_logged": gettext_lazy("Call logged"),
    "case.transferred": gettext_lazy("Case transferred"),
    "case.status_changed": gettext_lazy("Status changed"),
    "case.resolved": gettext_lazy("Case resolved"),
    "case.reopened": gettext_lazy("Case reopened"),
    "case.closed": gettext_lazy("Case closed"),
    "case.customer_merged": gettext_lazy("Customer merged into another record"),
    "case.acknowledgement_withheld": gettext_lazy("Automatic acknowledgement not sent"),
    "case.vehicle_linked": gettext_lazy("Vehicle linked"),
    "case.team_changed": gettext_lazy("Team changed"),
    # complaints (their translations live in complaints/locale, see complaints/labels.py)
    "complaint.registered": gettext_lazy("Complaint registered"),
    "complaint.reopened": gettext_lazy("Complaint reopened"),
    "complaint.changed": gettext_lazy("Complaint details changed"),
    "complaint.misrouted": gettext_lazy("Complaint with a department that cannot solve it"),
    "complaint.routing_fixed": gettext_lazy("Complaint now with a department that can solve it"),
    "complaint.plan_set": gettext_lazy("Resolution plan written"),
    "complaint.acknowledged": gettext_lazy("Complaint acknowledged"),
    "complaint.agreement_requested": gettext_lazy(
        "Customer asked to agree the complaint is resolved"
    ),
    "complaint.agreed": gettext_lazy("Customer agreed the complaint is resolved"),
    "complaint.closed": gettext_lazy("Complaint closed"),
    # promises
    "promise.made": gettext_lazy("Promise made"),
    "promise.reassigned": gettext_lazy("Promise reassigned"),
    "promise.renegotiated": gettext_lazy("New deadline agreed with the customer"),
    "promise.cancelled": gettext_lazy("Promise cancelled"),
    "promise.kept": gettext_lazy("Promise kept"),
    # workshop (workshop/verbs.py)
    "appointment.booked": gettext_lazy("Appointment booked"),
    "appointment.rescheduled": gettext_lazy("Appointment moved"),
    "appointment.cancelled": gettext_lazy("Appointment cancelled"),
    "appointment.arrived": gettext_lazy("Customer arrived for the appointment"),
    "appointment.no_show": gettext_lazy("Customer did not come"),
    "appointment.reminded": gettext_lazy("Appointment reminder sent"),
    "booking_request.opened": gettext_lazy("Booking request: to contact again"),
    "booking_request.attempted": gettext_lazy("Contact attempt about a booking"),
    "booking_request.booked": gettext_lazy("Booking request: booked"),
    "booking_request.declined": gettext_lazy("Booking request: declined"),
    "booking_request.unreachable": gettext_lazy("Booking request: unreachable"),
    # clocks
    "clock.started": gettext_lazy("Clock started"),
    "clock.skipped": gettext_lazy("Clock not started"),
    "clock.paused": gettext_lazy("Clock paused"),
    "clock.resumed": gettext_lazy("Clock resumed"),
    "clock.satisfied": gettext_lazy("Clock met"),
    "clock.cancelled": gettext_lazy("Clock cancelled"),
    "clock.reassigned": gettext_lazy("Clock reassigned"),
    "clock.replanned": gettext_lazy("Deadline recalculated"),
    "clock.warned": gettext_lazy("Owner warned"),
    "clock.breached": gettext_lazy("Deadline missed"),
    "clock.escalated": gettext_lazy("Escalated"),
    # callbacks (telephony.callbacks)
    "callback.opened": gettext_lazy("Missed call: callback to make"),
    "callback.chased": gettext_lazy("Called again while waiting for our callback"),
    "callback.attempted": gettext_lazy("Callback attempt: not reached"),
    "callback.called_back": gettext_lazy("Called back"),
    "callback.customer_called": gettext_lazy("Customer called again and was answered"),
    "callback.message_sent": gettext_lazy("Not reached: written message sent"),
    # customers and vehicles
    "customer.created": gettext_lazy("Customer created"),
    "customer.contact_point_added": gettext_lazy("Contact detail added"),
    "customer.preferences_changed": gettext_lazy("Contact preferences changed"),
    "customer.consent_granted": gettext_lazy("Consent given"),
    "customer.consent_withdrawn": gettext_lazy("Consent withdrawn"),
    "customer.needs_review": gettext_lazy("Possible duplicate to review"),
    "customer.reviewed": gettext_lazy("Duplicate check done"),
    "customer.merged": gettext_lazy("Duplicate merged in"),
    "customer.merged_into": gettext_lazy("Merged into another customer"),
    "customer.vehicle_owned": gettext_lazy("Vehicle linked to the customer"),
    "customer.vehicle_released": gettext_lazy("Vehicle no longer the customer's"),
    "customer.portal_links_revoked": gettext_lazy("Signed out of the portal everywhere"),
    "vehicle.registered": gettext_lazy("Vehicle registered"),
    "vehicle.owner_changed": gettext_lazy("Vehicle owner changed"),
    "vehicle.odometer_read": gettext_lazy("Odometer reading recorded"),
    "vehicle.odometer_corrected": gettext_lazy("Odometer reading corrected"),
    # the maintenance advisor
    "vehicle.serviced": gettext_lazy("Maintenance recorded"),
    "vehicle.described": gettext_lazy("Vehicle fuel and model year changed"),
    "advisor.schedule_imported": gettext_lazy("Maintenance schedule imported"),
    "advisor.service_history_imported": gettext_lazy("Service history imported"),
    # repair orders (workshop)
    "repair_order.opened": gettext_lazy("Repair order opened"),
    "repair_order.comeback": gettext_lazy("Back with the same concern: comeback"),
    "repair_order.job_added": gettext_lazy("Job added"),
    "repair_order.job_assigned": gettext_lazy("Job assigned to a technician"),
    "repair_order.job_approved": gettext_lazy("Job approved by the customer"),
    "repair_order.job_declined": gettext_lazy("Job declined by the customer"),
    "repair_order.job_started": gettext_lazy("Work started"),
    "repair_order.job_done": gettext_lazy("Job done"),
    "repair_order.moved": gettext_lazy("Repair order state changed"),
    "repair_order.quality_passed": gettext_lazy("Quality check passed"),
    "repair_order.quality_failed": gettext_lazy("Quality check failed: back to work"),
    "repair_order.delivered": gettext_lazy("Vehicle delivered"),
    "repair_order.inspection_carried": gettext_lazy("Last visit's inspection carried forward"),
    "repair_order.inspection_item": gettext_lazy("Inspection item recorded"),
    "repair_order.trouble_code": gettext_lazy("Trouble code read"),
    "repair_order.campaign_checked": gettext_lazy("Recall or campaign checked"),
    "workshop.trouble_codes_loaded": gettext_lazy("Trouble code descriptions loaded"),
    "repair_order.estimate_issued": gettext_lazy("Estimate issued"),
    "repair_order.variation": gettext_lazy("Estimate changed: the customer must be told"),
    "repair_order.estimate_sent": gettext_lazy("Estimate sent to the customer"),
    "repair_order.part_ordered": gettext_lazy("Part ordered"),
    "repair_order.part_received": gettext_lazy("Part received"),
    "repair_order.survey_answered": gettext_lazy("Follow-up survey answered"),
    "repair_order.write_up_started": gettext_lazy("Write-up started"),
    "repair_order.needs_confirmed": gettext_lazy("Needs confirmed and inspection asked"),
    "repair_order.walkaround": gettext_lazy("Walk-around documented"),
    "repair_order.contact_verified": gettext_lazy("Contact data verified"),
    "repair_order.maintenance_offered": gettext_lazy("Due maintenance offered"),
    "repair_order.signed": gettext_lazy("Customer signed the write-up"),
    "repair_order.write_up_finished": gettext_lazy("Write-up finished"),
    # invoices, dispute holds and collection actions (billing)
    "invoice.recorded": gettext_lazy("Invoice recorded"),
    "invoice.changed": gettext_lazy("Invoice updated"),
    "invoice.imported": gettext_lazy("Invoices imported"),
    "hold.placed": gettext_lazy("Dispute hold placed"),
    "hold.lifted": gettext_lazy("Dispute hold lifted"),
    "hold.restored": gettext_lazy("Dispute hold restored: the dispute was reopened"),
    "collection.recorded": gettext_lazy("Collection action recorded"),
    "collection.refused": gettext_lazy("Collection action refused during the dispute"),
    # outgoing messages and the portal
    "notification.queued": gettext_lazy("Message queued"),
    "notification.sent": gettext_lazy("Message sent"),
    "notification.retrying": gettext_lazy("Sending failed, retrying"),
    "notification.retry_requested": gettext_lazy("Sending retried by staff"),
    "notification.dead": gettext_lazy("Message could not be sent"),
    "portal.link_sent": gettext_lazy("Portal link sent"),
    # calls (telephony)
    "call.received": gettext_lazy("Call received"),
    "call.missed": gettext_lazy("Call missed"),
    "call.made": gettext_lazy("Call made"),
    "call.attached": gettext_lazy("Call put on the case"),
    "call_event.quarantined": gettext_lazy("Phone event quarantined"),
    "phone.config_changed": gettext_lazy("Phone settings changed"),
    # alternative transport (transport/verbs.py) and competitors' hours (INFO-HOURS)
    "transport.option_added": gettext_lazy("Transport option added"),
    "transport.option_changed": gettext_lazy("Transport option changed"),
    "transport.loaner_added": gettext_lazy("Loaner car added"),
    "transport.loaner_service_changed": gettext_lazy("Loaner car in or out of service"),
    "transport.shuttle_run_added": gettext_lazy("Shuttle run added"),
    "transport.reserved": gettext_lazy("Transport reserved"),
    "transport.released": gettext_lazy("Transport reservation released"),
    "transport.loaner_out": gettext_lazy("Loaner car handed over"),
    "transport.loaner_in": gettext_lazy("Loaner car returned"),
    "transport.unmet": gettext_lazy("Transport request could not be met"),
    "transport.unmet_arranged": gettext_lazy("Transport arranged"),
    "transport.unmet_declined": gettext_lazy("Customer declined the transport offered"),
    "transport.unmet_withdrawn": gettext_lazy("Transport request withdrawn"),
    "competitor.added": gettext_lazy("Competitor added"),
    "competitor.changed": gettext_lazy("Competitor hours changed"),
    "competitor.removed": gettext_lazy("Competitor removed"),
    # routing (translations in routing/locale, see routing/labels.py)
    "case.routed_round_robin": gettext_lazy("Routed: next in turn among the agents on duty"),
    "case.routed_fewest_open": gettext_lazy("Routed: the agent on duty with the fewest open cases"),
    "case.routed_named_owner": gettext_lazy("Routed: to the department's named owner"),
    "case.routing_found_nobody": gettext_lazy("Routing found nobody on duty to take the case"),
    "routing.rule_set": gettext_lazy("Routing rule set"),
    "routing.rule_cleared": gettext_lazy("Routing rule removed"),
    "staff.away_set": gettext_lazy("Marked away"),
    "staff.away_ended": gettext_lazy("Back from away"),
}

# Admin edits are recorded as "<model>.admin_added" / "<model>.admin_changed" for any model.
ADMIN_SUFFIXES: dict[str, Promise] = {
    "admin_added": gettext_lazy("Added in the admin"),
    "admin_changed": gettext_lazy("Changed in the admin"),
}

# Who did it, when no person did: the processes that write events under a label.
ACTOR_LABELS: dict[str, Promise] = {
    "system": gettext_lazy("Posventa (automatic)"),
    "sweeper": gettext_lazy("Deadline watch (automatic)"),
    "outbox": gettext_lazy("Outgoing messages (automatic)"),
    "inbox": gettext_lazy("Inbox (automatic)"),
    "imap": gettext_lazy("Mailbox reader (automatic)"),
    "portal": gettext_lazy("Customer portal"),
    "customer": gettext_lazy("The customer"),
    "web_form": gettext_lazy("Web form"),
    "http_email": gettext_lazy("E-mail endpoint"),
    "twilio_sms": gettext_lazy("SMS gateway"),
    "twilio_whatsapp": gettext_lazy("WhatsApp gateway"),
    "phone:generic": gettext_lazy("Phone system"),
    "phone:zammad_cti": gettext_lazy("Phone system (Zammad CTI)"),
    "phone:twilio": gettext_lazy("Twilio Voice (automatic)"),
    "phone:asterisk_cdr": gettext_lazy("Asterisk call records"),
    "phone_events": gettext_lazy("Phone events endpoint"),
    "phone_zammad": gettext_lazy("Zammad CTI endpoint"),
    "phone_twilio": gettext_lazy("Twilio Voice endpoint"),
    "routing": gettext_lazy("Routing (automatic)"),
}

# The channel of an "inbound:<channel>" actor (the inbox's channels, named here because
# core imports no domain app).
INBOUND_CHANNEL_LABELS: dict[str, Promise] = {
    "email": gettext_lazy("e-mail"),
    "web_form": gettext_lazy("the web form"),
    "portal_chat": gettext_lazy("the portal chat"),
    "sms": gettext_lazy("SMS"),
    "whatsapp": gettext_lazy("WhatsApp"),
    "letter": gettext_lazy("letter"),
    "phone": gettext_lazy("phone"),
}


def describe_verb(verb: str) -> str:
    """The human label of an event verb, in the active language."""
    label = VERB_LABELS.get(verb)
    if label is not None:
        return str(label)
    _noun, _dot, action = verb.partition(".")
    if action in ADMIN_SUFFIXES:
        return str(ADMIN_SUFFIXES[action])
    # A verb a newer app records before it has a label still reads as words, not a code.
    return verb.replace(".", " ").replace("_", " ").capitalize()


def describe_actor(label: str) -> str:
    """The human name of an automatic actor ("inbound:email" → "Received by e-mail")."""
    if not label:
        return ""
    known = ACTOR_LABELS.get(label)
    if known is not None:
        return str(known)
    prefix, _colon, channel = label.partition(":")
    if prefix == "inbound" and channel:
        name = INBOUND_CHANNEL_LABELS.get(channel)
        return _("Received by %(channel)s") % {
            "channel": str(name) if name is not None else channel.replace("_", " ")
        }
    return label.replace("_", " ")


# Where a reading or a consent came from, as the code records it (free text elsewhere is
# shown as typed).
SOURCE_LABELS: dict[str, Promise] = {
    "workshop": gettext_lazy("workshop"),
    "write-up": gettext_lazy("write-up"),
    "customer": gettext_lazy("the customer"),
    "telematics": gettext_lazy("telematics"),
    "import": gettext_lazy("import"),
    "portal": gettext_lazy("customer portal"),
    "sms STOP": gettext_lazy("SMS reply STOP"),
    "phone call": gettext_lazy("phone call"),
    "staff": gettext_lazy("staff"),
    "demo": gettext_lazy("demo data"),
    "maintenance": gettext_lazy("maintenance record"),
}


def describe_source(source: str) -> str:
    known = SOURCE_LABELS.get(source)
    return str(known) if known is not None else source
