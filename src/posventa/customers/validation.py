"""Normalising and validating what identifies a customer or a vehicle.

Every function here is pure (no database) and raises a `ValidationError` keyed by the field
name the caller gives, so a form, the API or an adapter can point at the bad input.

Phone numbers are stored in E.164 ("+34612345678") so that a number typed by staff as
"612 34 56 78", received by SMS as "+34612345678" and by WhatsApp as
"whatsapp:+34612345678" are the same contact point.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from typing import TYPE_CHECKING

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from posventa.core.validators import canonical_email_address, is_email_address

if TYPE_CHECKING:  # django-stubs is a development dependency only
    from django_stubs_ext import StrOrPromise

# Prefixes that channel providers put in front of a number (Twilio uses "whatsapp:").
_PHONE_URI_PREFIXES = ("whatsapp:", "tel:", "sms:")


def _error(field: str, message: StrOrPromise, code: str, **params: object) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code, params=params)})


def normalise_email(value: str, *, field: str = "email") -> str:
    """The stored form of an address (`core.validators.canonical_email_address`): the
    domain lowercased and in Unicode, an ASCII local part lowercased (mail providers treat
    it case-insensitively in practice, and matching "Ana@X.es" to "ana@x.es" matters more
    than the RFC's letter), an internationalised one ("josé@ejemplo.es") kept as written."""
    email = (value or "").strip()
    if email[:7].lower() == "mailto:":
        email = email[7:]
    email = canonical_email_address(email)
    if not is_email_address(email):
        raise _error(
            field, _("'%(value)s' is not a valid e-mail address."), "invalid_email", value=value
        )
    return email


def normalise_phone(
    value: str, region: str = "ES", *, field: str = "phone", strict: bool = True
) -> str:
    """Return the number in E.164, reading national numbers with `region` as the default.

    `strict` requires the number to be valid for its country's numbering plan (what staff
    type must be right). Numbers that arrived from a carrier are only required to be
    *possible* (strict=False): the network delivered them, and our numbering metadata may
    be older than a newly opened range, so refusing one would lose a customer's message.
    """
    raw = (value or "").strip()
    for prefix in _PHONE_URI_PREFIXES:
        if raw.lower().startswith(prefix):
            raw = raw[len(prefix) :].strip()
    try:
        number = phonenumbers.parse(raw, (region or "ES").upper())
    except phonenumbers.NumberParseException as exc:
        raise _error(
            field, _("'%(value)s' is not a phone number."), "invalid_phone", value=value
        ) from exc
    acceptable = (
        phonenumbers.is_valid_number(number) if strict else phonenumbers.is_possible_number(number)
    )
    if not acceptable:
        raise _error(
            field,
            _("'%(value)s' is not a valid phone number (read with %(region)s as the country)."),
            "invalid_phone",
            value=value,
            region=(region or "ES").upper(),
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_search_candidates(query: str, regions: list[str]) -> set[str]:
    """E.164 forms a search query could mean, one per region it may be national in."""
    found: set[str] = set()
    for region in regions or ["ES"]:
        try:
            found.add(normalise_phone(query, region, strict=False))
        except ValidationError:
            continue
    return found


def search_key(value: str) -> str:
    """Casefold and drop accents, so that searches ignore both ("Ångström" -> "angstrom")."""
    decomposed = unicodedata.normalize("NFKD", (value or "").casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char)).strip()


def normalise_plate(value: str) -> str:
    """The matching key of a number plate: uppercase letters and digits only.

    "1234-bcd", "1234 BCD" and "1234BCD" are the same plate; the original stays on the
    vehicle for display because some countries' formatting carries meaning.
    """
    return "".join(char for char in (value or "").upper() if char.isalnum())


# --- VIN (ISO 3779) --------------------------------------------------------------------

VIN_LENGTH = 17
VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# ISO 3779 / 49 CFR 565 transliteration. I, O and Q are never used (they read as 1 and 0).
VIN_LETTER_VALUES = {
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_CHARSET = re.compile(r"^[A-HJ-NPR-Z0-9]+$")
# Regions whose law makes position 9 a check digit: North America (WMI 1-5, 49 CFR 565.15)
# and China (WMI L, GB 16735). Elsewhere position 9 belongs to the manufacturer.
CHECK_DIGIT_MANDATORY_WMI_STARTS = frozenset("12345L")


class VinCheck(enum.StrEnum):
    """What the check digit told us about a VIN that was accepted."""

    VERIFIED = "verified"  # position 9 is the correct check digit
    NOT_APPLICABLE = "n/a"  # position 9 is a letter other than X: no check digit
    UNVERIFIED = "unverified"  # digit/X that does not match, in a region that does not mandate it


def vin_check_digit(vin: str) -> str:
    """The ISO 3779 check digit of a 17-character VIN (position 9 is ignored)."""
    total = sum(
        weight * (int(char) if char.isdigit() else VIN_LETTER_VALUES[char])
        for char, weight in zip(vin, VIN_WEIGHTS, strict=True)
    )
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def normalise_vin(value: str, *, field: str = "vin") -> tuple[str, VinCheck]:
    """Uppercase a VIN, drop spaces and dashes, validate it and report its check digit.

    Rule: 17 characters from the ISO 3779 set (digits and A-Z without I, O, Q). When the
    manufacturer's region mandates a check digit (first character 1-5 or L) position 9 must
    equal the computed check digit, otherwise the VIN is refused. In every other region a
    digit or X in position 9 is compared too, but a mismatch is accepted as UNVERIFIED,
    because European and Asian makers may put anything there and refusing a real VIN would
    lose the vehicle.
    """
    vin = re.sub(r"[\s-]", "", value or "").upper()
    if len(vin) != VIN_LENGTH:
        raise _error(
            field,
            _("A VIN has 17 characters; '%(value)s' has %(length)d."),
            "vin_length",
            value=value,
            length=len(vin),
        )
    forbidden = sorted(set(vin) & set("IOQ"))
    if forbidden:
        raise _error(
            field,
            _("A VIN never contains I, O or Q (found %(letters)s); did you mean 1 or 0?"),
            "vin_ioq",
            letters=", ".join(forbidden),
        )
    if not _VIN_CHARSET.match(vin):
        raise _error(
            field,
            _("A VIN has only letters and digits; got '%(value)s'."),
            "vin_chars",
            value=value,
        )
    expected = vin_check_digit(vin)
    if vin[8] == expected:
        return vin, VinCheck.VERIFIED
    if vin[0] in CHECK_DIGIT_MANDATORY_WMI_STARTS:
        raise _error(
            field,
            _(
                "The check digit (9th character) of %(vin)s should be %(expected)s; "
                "one of the characters is probably mistyped."
            ),
            "vin_check_digit",
            vin=vin,
            expected=expected,
        )
    if vin[8].isdigit() or vin[8] == "X":
        return vin, VinCheck.UNVERIFIED
    return vin, VinCheck.NOT_APPLICABLE


_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


def normalise_language(value: str, *, field: str = "language") -> str:
    """A BCP 47-style language tag, lowercased ("es", "sv", "pt-br"); empty means unknown.

    Not limited to the UI's languages: a customer may speak one we do not translate into.
    """
    tag = (value or "").strip().lower().replace("_", "-")
    if tag and not _LANGUAGE_TAG.match(tag):
        raise _error(
            field,
            _("'%(value)s' is not a language code such as es, sv or en."),
            "invalid_language",
            value=value,
        )
    return tag
