"""API tokens: how programs (a DMS, a call-centre tool, a script) act as a staff member.

Only the SHA-256 of a token is stored, so a database dump or a backup never holds a usable
credential; the plaintext is shown once, when the token is created (`api.actions`). A
token acts with its user's access, optionally narrowed to some sites: a token for the
Madrid booking tool cannot read Göteborg's cases even when its user may.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from posventa.core.models import Site


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What uses this token."))
    # The first characters of the plaintext, to tell tokens apart in lists and logs.
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Empty: every site the user may see, now and later.
    sites = models.ManyToManyField(
        Site,
        blank=True,
        related_name="+",
        verbose_name=_("sites"),
        help_text=_("Limit the token to these sites; empty means all the user's sites."),
    )
    created_at = models.DateTimeField(_("created"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
