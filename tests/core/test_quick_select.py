"""QuickSelect writes the same <select> as Django's Select, without a template per option."""

from __future__ import annotations

from django import forms

from posventa.core.forms import QuickSelect

CHOICES = [("", "All"), ("1", "Madrid <centro>"), ("2", "Göteborg & Mölndal")]


class Both(forms.Form):
    plain = forms.ChoiceField(choices=CHOICES, required=False)
    quick = forms.ChoiceField(choices=CHOICES, required=False, widget=QuickSelect)


def _options(html: str) -> list[str]:
    return [part.split(">", 1)[1].split("</option", 1)[0] for part in html.split("<option")[1:]]


def test_quick_select_offers_the_same_options_as_django_select() -> None:
    form = Both()
    assert _options(str(form["quick"])) == _options(str(form["plain"]))


def test_quick_select_marks_the_chosen_value_and_nothing_else() -> None:
    html = str(Both({"quick": "2"})["quick"])
    assert '<option value="2" selected>' in html
    assert html.count(" selected") == 1


def test_quick_select_escapes_labels_and_keeps_the_widget_attributes() -> None:
    html = str(Both()["quick"])
    assert "Madrid &lt;centro&gt;" in html
    assert "Göteborg &amp; Mölndal" in html
    assert html.startswith('<select name="quick" id="id_quick">')
