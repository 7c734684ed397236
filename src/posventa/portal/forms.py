"""The portal's two forms: a chat message into a case, and "send me a new link"."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from posventa.customers.validation import normalise_email
from posventa.portal.actions import MAX_MESSAGE_LENGTH


class ChatForm(forms.Form):
    message = forms.CharField(
        label=_("Your message"),
        max_length=MAX_MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write a message first.")},
    )
    # One per rendered form, so submitting the same form twice files the message once.
    nonce = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("nonce", secrets.token_urlsafe(12))
        super().__init__(*args, **kwargs)


class NewLinkForm(forms.Form):
    email = forms.CharField(
        label=_("Your e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": _("Enter the e-mail address we know you by.")},
    )

    def clean_email(self) -> str:
        try:
            return normalise_email(self.cleaned_data["email"])
        except ValidationError as error:
            raise ValidationError(error.message_dict["email"]) from error


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    # The portal page to go back to (checked by the view: only pages of the same link).
    next = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
