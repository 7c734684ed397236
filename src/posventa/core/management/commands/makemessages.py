"""makemessages that also extracts `N_("...")`, the gettext_noop alias the standards
catalogue uses for titles and rules stored in English and translated on display."""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]
