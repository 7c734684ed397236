"""Form fields shared by several apps."""

from __future__ import annotations

from typing import Any

from django import forms

from posventa.core.validators import validate_email_address


class EmailAddressField(forms.CharField):
    """An e-mail field that accepts every address `core.validators.is_email_address`
    accepts, "josé@ejemplo.es" (RFC 6531) included, which Django's `EmailField` refuses. A
    text input with the e-mail keyboard: browsers refuse such an address in an
    `<input type="email">`."""

    default_validators = [validate_email_address]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "email"}))
        super().__init__(**kwargs)
