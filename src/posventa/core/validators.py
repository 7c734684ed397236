"""Validators that name the field they reject, so forms and the API can point at it."""

from __future__ import annotations

import functools
import unicodedata
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, validate_email
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
    """Whether `value` is an e-mail address: what Django's `validate_email` accepts, plus
    internationalised local parts (RFC 6531: "josé@ejemplo.es", sent with SMTPUTF8), which
    it refuses. An internationalised domain it already accepts (it checks the IDNA form).

    Remembered: inbound mail checks the same senders' and sites' addresses again and again
    (twice per message, twice per acknowledgement), and each check runs several regular
    expressions."""
    try:
        validate_email(_ascii_shape(value))
    except ValidationError:
        return False
    return True


def validate_email_address(value: str) -> None:
    """`is_email_address` as a form or model validator (Django's own message, already
    translated): forms use it instead of `EmailField`, which refuses "josé@ejemplo.es"."""
    if value and not is_email_address(value):
        raise ValidationError(EmailValidator.message, code="invalid")


def _ascii_shape(value: str) -> str:
    """`value` with each non-ASCII character of its local part replaced by an ASCII
    letter, so Django's ASCII grammar checks the rest of the address. RFC 6531 lets
    UTF-8 stand wherever atext (or quoted text) may; not invisible or control characters
    (Unicode categories Z and C), which no person types in an address and which would let
    two addresses look alike."""
    local, at, domain = value.rpartition("@")
    if local.isascii():
        return value
    if any(_unfit(char) for char in local):
        return ""  # refused
    return "".join(char if char.isascii() else "a" for char in local) + at + domain


def _unfit(char: str) -> bool:
    """A non-ASCII character no address holds: invisible, a control character, or the
    replacement character (what a NUL or an undecodable byte became)."""
    return not char.isascii() and (char == "\ufffd" or unicodedata.category(char)[0] in "CZ")


@functools.lru_cache(maxsize=8192)
def canonical_email_address(value: str) -> str:
    """The form two spellings of one mailbox share, for matching: the domain lowercased
    and in its Unicode form ("Bücher.DE" and "xn--bcher-kva.de" are "bücher.de"); the
    local part lowercased when it is ASCII (mail providers treat it case-insensitively in
    practice, and "Ana@x.es" must meet "ana@x.es"), kept exactly as written when it is not:
    Unicode case mappings are not what every internationalised mail server applies, so
    folding "JOSÉ" could name another mailbox. Only the address: no name, no brackets."""
    local, at, domain = value.strip().rpartition("@")
    if not at:
        return value.strip().lower()
    if local.isascii():
        local = local.lower()
    return f"{local}@{_unicode_domain(domain)}"


def _unicode_domain(domain: str) -> str:
    domain = domain.lower()
    if domain.isascii() and "xn--" not in domain:
        return domain
    try:
        # IDNA 2003, as Django's `punycode` encodes: nameprep, then back to Unicode.
        return domain.encode("idna").decode("idna")
    except UnicodeError:
        return domain  # not a valid IDN: `is_email_address` refuses it anyway
