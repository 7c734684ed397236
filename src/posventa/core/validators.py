"""Validators that name the field they reject, so forms and the API can point at it."""

from __future__ import annotations

import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _


def validate_timezone_name(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("'%(value)s' is not an IANA timezone (for example Europe/Madrid)."),
            params={"value": value},
            code="invalid_timezone",
        ) from exc


def validate_country_code(value: str) -> None:
    import holidays

    if value.upper() not in holidays.list_supported_countries():
        raise ValidationError(
            _("'%(value)s' is not a country code with a public-holiday calendar."),
            params={"value": value},
            code="invalid_country",
        )


def validate_non_negative_seconds(value: int) -> None:
    if value is not None and value < 0:
        raise ValidationError(_("A target cannot be negative."), code="negative_target")


@functools.lru_cache(maxsize=8192)
def is_email_address(value: str) -> bool:
    """Whether Django's `validate_email` accepts `value`. Remembered: inbound mail checks
    the same senders' and sites' addresses again and again (twice per message, twice per
    acknowledgement), and each check runs several regular expressions."""
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True
