"""A case title made from a message's first line is cut at a word, with an ellipsis."""

from __future__ import annotations

from posventa.inbox.processing import shorten_at_word


def test_a_short_line_is_kept_whole() -> None:
    assert shorten_at_word("Knackande ljud från framvagnen", 80) == "Knackande ljud från framvagnen"


def test_a_long_line_is_cut_at_a_word_boundary_with_an_ellipsis() -> None:
    line = "Hola, soy Jacinto. ¿Puedo llevar el Model 3 el jueves a las 9 para la revisión?"
    title = shorten_at_word(line, 40)
    assert title == "Hola, soy Jacinto. ¿Puedo llevar el…"
    assert len(title) <= 40 and line.startswith(title[:-1])


def test_a_single_long_word_is_cut_where_it_must() -> None:
    assert shorten_at_word("x" * 50, 10) == "x" * 9 + "…"
