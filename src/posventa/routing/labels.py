"""The words other modules show for routing, kept here so that the routing catalogue
(routing/locale) carries their translations.

`core/labels.py` names the timeline verbs and `clocks/catalogue.py` the standards; neither
may import this app (layers), so they hold the same English text and Django's merged
catalogues find the translation here. tests/routing/test_words.py keeps the two in step.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop as N_

VERB_LABELS = {
    "case.routed_round_robin": N_("Routed: next in turn among the agents on duty"),
    "case.routed_fewest_open": N_("Routed: the agent on duty with the fewest open cases"),
    "case.routed_named_owner": N_("Routed: to the department's named owner"),
    "case.routing_found_nobody": N_("Routing found nobody on duty to take the case"),
    "routing.rule_set": N_("Routing rule set"),
    "routing.rule_cleared": N_("Routing rule removed"),
    "staff.away_set": N_("Marked away"),
    "staff.away_ended": N_("Back from away"),
}

ACTOR_LABELS = {"routing": N_("Routing (automatic)")}

STANDARD_WORDS = (
    N_("Every case has an owner"),
    N_(
        "A new case that routing could not give to anyone has an owner within 15 "
        "business minutes; otherwise it escalates to the team leads."
    ),
)
