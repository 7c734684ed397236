"""Extensions of the case page by apps above cases (promises proposes promises in the
composer and lists them beside it).

Cases must not import those apps, so each registers a `CaseExtension` in its
AppConfig.ready(), as presenters register with `clocks.subjects`. The case page includes the
extension's templates with its context; a reply sent from the composer calls its
`after_reply` inside the reply's transaction, so what the extension records (a confirmed
promise) commits with the reply or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from posventa.cases.models import Case
from posventa.core.models import User
from posventa.inbox.models import Message

# (case, user, the composer's posted data or None) -> names for the case page's context.
ContextBuilder = Callable[[Case, User, Mapping[str, Any] | None], dict[str, Any]]
# (case, author, the reply just saved, the composer's posted data). Raises ValidationError
# (the reply is then not sent, and the page shows the error) or returns a line for the
# person who sent it ("1 promise recorded.") or "".
AfterReply = Callable[[Case, User, Message, Mapping[str, Any]], str]


@dataclass(frozen=True)
class CaseExtension:
    name: str
    composer_template: str
    panel_template: str
    context: ContextBuilder
    after_reply: AfterReply


_extensions: dict[str, CaseExtension] = {}


def register(extension: CaseExtension) -> None:
    _extensions[extension.name] = extension


def extensions() -> list[CaseExtension]:
    return list(_extensions.values())


def page_context(case: Case, user: User, posted: Mapping[str, Any] | None) -> dict[str, Any]:
    context: dict[str, Any] = {"case_extensions": extensions()}
    for extension in extensions():
        context.update(extension.context(case, user, posted))
    return context


def after_reply(case: Case, user: User, message: Message, posted: Mapping[str, Any]) -> list[str]:
    lines = [extension.after_reply(case, user, message, posted) for extension in extensions()]
    return [line for line in lines if line]
