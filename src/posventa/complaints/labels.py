"""The words other modules show for complaints, kept here so that the complaints catalogue
(complaints/locale) carries their translations.

`core/labels.py` names the timeline verbs and `clocks/catalogue.py` the standards; neither
may import this app (layers), so they hold the same English text and Django's merged
catalogues find the translation here. Keep the two in step: tests/complaints/test_words.py
checks it.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop as N_

VERB_LABELS = {
    "complaint.registered": N_("Complaint registered"),
    "complaint.reopened": N_("Complaint reopened"),
    "complaint.changed": N_("Complaint details changed"),
    "complaint.misrouted": N_("Complaint with a department that cannot solve it"),
    "complaint.routing_fixed": N_("Complaint now with a department that can solve it"),
    "complaint.plan_set": N_("Resolution plan written"),
    "complaint.acknowledged": N_("Complaint acknowledged"),
    "complaint.agreement_requested": N_("Customer asked to agree the complaint is resolved"),
    "complaint.agreed": N_("Customer agreed the complaint is resolved"),
    "complaint.closed": N_("Complaint closed"),
}

STANDARD_WORDS = (
    N_("Complaint acknowledged"),
    N_(
        "Every complaint is acknowledged within 2 business days, with its reference and "
        "the name of the person who owns it."
    ),
    N_("Complaint closed in time"),
    N_(
        "A complaint still open after 14 days escalates to the service manager. It closes "
        "with the customer's agreement, or with a recorded reason after repeated attempts."
    ),
)

# The API router's own refusals (api/routers/complaints.py).
API_WORDS = (
    N_("No case %(reference)s."),
    N_("Give a case reference, or a site, a customer and a channel."),
)
