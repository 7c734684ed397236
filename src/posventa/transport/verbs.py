"""The labels `core.labels.VERB_LABELS` shows for transport events, marked here too so the
transport catalogue carries their translations (as promises/verbs.py does)."""

from django.utils.translation import gettext_noop

TRANSPORT_VERBS = {
    "transport.option_added": gettext_noop("Transport option added"),
    "transport.option_changed": gettext_noop("Transport option changed"),
    "transport.loaner_added": gettext_noop("Loaner car added"),
    "transport.loaner_service_changed": gettext_noop("Loaner car in or out of service"),
    "transport.shuttle_run_added": gettext_noop("Shuttle run added"),
    "transport.reserved": gettext_noop("Transport reserved"),
    "transport.released": gettext_noop("Transport reservation released"),
    "transport.loaner_out": gettext_noop("Loaner car handed over"),
    "transport.loaner_in": gettext_noop("Loaner car returned"),
    "transport.unmet": gettext_noop("Transport request could not be met"),
    "transport.unmet_arranged": gettext_noop("Transport arranged"),
    "transport.unmet_declined": gettext_noop("Customer declined the transport offered"),
    "transport.unmet_withdrawn": gettext_noop("Transport request withdrawn"),
}
