"""Form fields shared by several apps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

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


class QuickSelect(forms.Select):
    """A `<select>` whose options are written in Python instead of through Django's two
    widget templates per option (about 150 µs each): the waiting list's filter bar, with
    about a hundred sites, standards and teams, spent 18 ms of every page on them.

    Same markup as `forms.Select` for flat choices (value, selected, label, the widget's
    attributes); option groups are written as plain options.
    """

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (
                    option["value"],
                    mark_safe(" selected") if option["selected"] else "",
                    option["label"],
                )
                for _group, group_options, _index in widget["optgroups"]
                for option in group_options
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), options
        )
