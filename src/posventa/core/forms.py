"""Form fields shared by several apps."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from posventa.core.models import Competitor, Weekday
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


class CompetitorForm(forms.Form):
    """A competitor's name and one open interval per weekday (blank: closed that day).

    "00:00" as closing time means midnight. Parsing and per-day order are checked here, on
    the day's own field; `core.actions.add_competitor` checks the week again.
    """

    name = forms.CharField(label=_("Competitor"), max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in Weekday.choices:
            time = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
            self.fields[f"opens_{value}"] = forms.TimeField(
                label=_("%(day)s opens") % {"day": label}, required=False, widget=time
            )
            self.fields[f"closes_{value}"] = forms.TimeField(
                label=_("%(day)s closes") % {"day": label}, required=False, widget=time
            )

    def day_fields(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (str(label), self[f"opens_{value}"], self[f"closes_{value}"])
            for value, label in Weekday.choices
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for value, _label in Weekday.choices:
            opens, closes = data.get(f"opens_{value}"), data.get(f"closes_{value}")
            if opens is None and closes is None:
                continue
            if opens is None:
                self.add_error(f"opens_{value}", _("Give the opening time, or leave both empty."))
            elif closes is None:
                self.add_error(f"closes_{value}", _("Give the closing time (00:00 for midnight)."))
            elif closes != dt.time(0) and closes <= opens:
                self.add_error(f"closes_{value}", _("Closes before it opens."))
        return data

    def intervals(self) -> list[tuple[int, dt.time, dt.time | None]]:
        """The week as `core.actions` takes it; call after is_valid()."""
        week = []
        for value, _label in Weekday.choices:
            opens = self.cleaned_data.get(f"opens_{value}")
            closes = self.cleaned_data.get(f"closes_{value}")
            if opens is not None and closes is not None:
                week.append((value, opens, None if closes == dt.time(0) else closes))
        return week

    @classmethod
    def for_competitor(cls, competitor: Competitor) -> CompetitorForm:
        initial: dict[str, Any] = {"name": competitor.name}
        for row in competitor.hours.all():
            initial[f"opens_{row.weekday}"] = row.start
            initial[f"closes_{row.weekday}"] = row.end or dt.time(0)
        return cls(initial=initial)
