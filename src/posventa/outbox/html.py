"""The HTML part of a plain-text message to a customer.

A signed portal address is long and frightening as text; in the HTML part it becomes a
short link ("Follow your case MAD-2026-00042"). The plain part keeps the address, for
mail readers that show text only.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.html import escape, format_html, format_html_join


def html_with_link(body: str, link: str, label: str) -> str:
    """`body` as paragraphs; the paragraph holding `link` becomes the link named `label`."""
    paragraphs: list[tuple[str]] = []
    for paragraph in body.split("\n\n"):
        if link and link in paragraph:
            paragraphs.append((format_html('<a href="{}">{}</a>', link, label),))
        else:
            paragraphs.append((escape(paragraph).replace("\n", "<br>"),))
    return format_html(
        '<!DOCTYPE html><html lang="{}"><body>{}</body></html>',
        translation.get_language(),
        format_html_join("", "<p>{}</p>", paragraphs),
    )
