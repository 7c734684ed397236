"""What a clock is about, as the waiting list and the reports show it: a registry.

A clock's subject is any model (a case today; a missed call, a promise or a comeback when
the telephony, workshop and follow-up apps land). The clocks app must not import those apps,
so each app that owns a subject type registers a *presenter* in its AppConfig.ready():

    subjects.register(Case, present_cases)

A presenter takes the primary keys of one page's subjects of its type and returns one
`SubjectCard` per key it knows, in one or two queries (not one per row): the waiting list
stays at a constant number of queries per page whatever subjects it shows.

Why a registry and not only `get_absolute_url`: the list needs more than a link (the
customer, the subject line, a reference) for fifty rows at once, and a case wants its
customer joined in the same query. `get_absolute_url` is still honoured for a type nobody
registered, and a subject with no page of its own links to the clocks' own subject page,
where its obligations can be kept; so every row is a link.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse

SubjectKey = tuple[int, str]  # (content type id, primary key as text), as a clock stores it


@dataclass(frozen=True)
class SubjectCard:
    """One subject as a row shows it."""

    title: str
    url: str
    customer: str = ""
    reference: str = ""


Presenter = Callable[[Sequence[str]], dict[str, SubjectCard]]

_presenters: dict[type[models.Model], Presenter] = {}


def register(model: type[models.Model], presenter: Presenter) -> None:
    """Show subjects of `model` with `presenter` (called once per page with their keys)."""
    _presenters[model] = presenter


def subject_page_url(subject_type_id: int, subject_id: str) -> str:
    return reverse("clocks:subject", args=[subject_type_id, subject_id])


def present(
    keys: Iterable[SubjectKey], labels: dict[SubjectKey, str]
) -> dict[SubjectKey, SubjectCard]:
    """A card for every key: from the registered presenter, else from the subject itself.

    `labels` are the clocks' own labels, used as the title when nobody presents the type.
    """
    by_type: dict[int, list[str]] = defaultdict(list)
    for type_id, subject_id in keys:
        by_type[type_id].append(subject_id)
    cards: dict[SubjectKey, SubjectCard] = {}
    for type_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        presenter = _presenters.get(model) if model is not None else None
        found = presenter(ids) if presenter is not None else _fallback(model, ids, type_id, labels)
        for subject_id in ids:
            card = found.get(subject_id)
            if card is None:  # the subject was deleted, or its presenter does not know it
                card = SubjectCard(
                    labels.get((type_id, subject_id)) or "—", subject_page_url(type_id, subject_id)
                )
            cards[(type_id, subject_id)] = card
    return cards


def _fallback(
    model: type[models.Model] | None,
    ids: Sequence[str],
    type_id: int,
    labels: dict[SubjectKey, str],
) -> dict[str, SubjectCard]:
    if model is None:
        return {}
    cards = {}
    for subject in model._base_manager.filter(pk__in=ids):
        subject_id = str(subject.pk)
        get_url = getattr(subject, "get_absolute_url", None)
        url = get_url() if callable(get_url) else subject_page_url(type_id, subject_id)
        cards[subject_id] = SubjectCard(labels.get((type_id, subject_id)) or str(subject), url)
    return cards
