"""Promises in a staff message: "le llamaremos mañana", "en tekniker återkommer till dig",
"we'll call you back this afternoon".

The composer proposes a promise for each one found; the sender confirms, edits or dismisses
it, so detection only has to be good enough to propose, never to decide. It errs toward
silence: a phrase it is unsure of (a question, a negation, a past act, an act the customer
is asked to do) proposes nothing.

Each language is a small set of rules over one sentence at a time:

* the **act** (call, contact, write, send, visit, check) in a form that commits to the future:
  "will/'ll/is going to + verb", Spanish future tense or "vamos a + infinitive", Swedish "ska
  / kommer att + infinitive";
* the present tense where the language uses it for the future (Spanish "le llamamos mañana",
  Swedish "vi ringer dig i morgon") counts only with a future time or an object pronoun, and
  never beside a past time ("ayer", "igår") or a habit ("siempre", "alltid");
* the **actor** (we, a technician, the workshop, a named person), which tells who must keep it;
* the **time** (today, this afternoon, tomorrow, Monday, within 2 days, next week), read by
  `posventa.promises.when` on the site's calendar. No time means the site's default.

Regular expressions because the phrases are short and the forms few; a parser or a model
would be heavier than the problem, and could not run under a millisecond per message.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from posventa.promises.when import (
    AFTERNOON,
    DAYS,
    HOURS,
    NEXT_WEEK,
    THIS_WEEK,
    TODAY,
    TOMORROW,
    WEEKDAY,
    When,
)

CALL = "call"
CONTACT = "contact"
WRITE = "write"
SEND = "send"
VISIT = "visit"
CHECK = "check"
ACTS = (CALL, CONTACT, WRITE, SEND, VISIT, CHECK)

WE = "we"
TECHNICIAN = "technician"
WORKSHOP = "workshop"
PERSON = "person"
ACTORS = (WE, TECHNICIAN, WORKSHOP, PERSON)

LANGUAGES = ("es", "sv", "en")


@dataclass(frozen=True)
class DetectedPromise:
    language: str
    act: str
    actor: str
    # The name when the actor is a named person ("Pedro le llamará"), else "".
    actor_name: str
    # None when the sentence states no time: the site's default deadline applies.
    when: When | None
    sentence: str
    # Where the sentence is in the message (start, end), to highlight it.
    span: tuple[int, int]


# --- shared pieces ----------------------------------------------------------------------

FLAGS = re.IGNORECASE | re.UNICODE
SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
# Marks that end or split a word, turned into spaces before a sentence is split into words
# ("we'll" gives "we" and "ll"; "sms:ar" gives "sms" and "ar"). str.replace, a handful of
# times, costs less than translate or a regular expression here.
WORD_SPLITS = ("'", "\u2019", ":", ",", ";", "(", ")", '"', "«", "»", "…", "/")
NUMBER_WORDS = {
    # English
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "ten": 10,
    # Spanish
    "un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "diez": 10,
    # Swedish
    "en": 1, "ett": 1, "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7,
    "åtta": 8, "tio": 10,
}  # fmt: skip
WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
    "lunes": 0, "martes": 1, "miércoles": 2, "miercoles": 2, "jueves": 3, "viernes": 4,
    "sábado": 5, "sabado": 5, "domingo": 6,
    "måndag": 0, "tisdag": 1, "onsdag": 2, "torsdag": 3, "fredag": 4, "lördag": 5,
    "söndag": 6,
}  # fmt: skip
NUMBER = r"(\d{1,2}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + ")"


def _amount(text: str) -> int:
    return int(text) if text.isdigit() else NUMBER_WORDS[text.lower()]


def _unit_kind(unit: str) -> str:
    return HOURS if unit.lower().startswith(("h", "t")) else DAYS


TimeRule = tuple[re.Pattern[str], Callable[[re.Match[str]], When | None]]


def _fixed(kind: str, amount: int = 0) -> Callable[[re.Match[str]], When]:
    return lambda _match: When(kind, amount)


def _weekday(match: re.Match[str]) -> When:
    return When(WEEKDAY, WEEKDAYS[match.group(1).lower()])


def _counted(match: re.Match[str]) -> When:
    return When(_unit_kind(match.group(2)), _amount(match.group(1)))


def _vague(_match: re.Match[str]) -> None:
    """A future without a date ("as soon as possible"): the site's default deadline."""
    return None


@dataclass(frozen=True)
class Language:
    code: str
    # The cheap first pass: a sentence holds a committed promise only if it has one of the
    # `committed_words` (a modal, a future form), a present-tense one only with one of the
    # `present_words`. Most sentences have neither and cost one set lookup; the rules
    # below, slow on long text, only ever see the few sentences that pass.
    committed_words: frozenset[str]
    present_words: frozenset[str]
    # A committed future: modal + verb, future tense. Group "verb" is the act's verb;
    # "subject"/"name" the actor when the sentence names one.
    committed: tuple[re.Pattern[str], ...]
    # Present tense used for the future; needs a future time or an object, and no past or
    # habit word in the sentence.
    present: tuple[re.Pattern[str], ...]
    # A negation between the actor and the verb, or just after the verb.
    negation: re.Pattern[str]
    past_or_habit: re.Pattern[str]
    # The act asked of the customer ("call us"), not promised to them.
    towards_us: re.Pattern[str]
    acts: tuple[tuple[re.Pattern[str], str], ...]
    actors: tuple[tuple[re.Pattern[str], str], ...]
    times: tuple[TimeRule, ...]
    # Capitalised words that are not a person's name at the start of a clause.
    not_names: frozenset[str]


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, FLAGS)


def _name(pattern: str, not_names: frozenset[str]) -> str:
    """A capitalised word taken as a person's name: case-sensitive inside the otherwise
    case-blind rules, and never one of the language's capitalised non-names."""
    excluded = "|".join(sorted(not_names, key=len, reverse=True))
    return rf"\b(?P<name>(?-i:(?!(?:{excluded})\b){pattern}))"


def _acts(*pairs: tuple[str, str]) -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((_compile(pattern), act) for pattern, act in pairs)


# --- English ----------------------------------------------------------------------------

EN_VERB = (
    r"(?P<verb>call(?:ing)?(?!\s+(?:it|us|me)\b)|ring(?:ing)?(?!\s+us\b)|phone|phoning|"
    r"give\s+you\s+a\s+(?:call|ring)|get(?:ting)?\s+back\s+to\s+you|contact(?:ing)?\s+you|"
    r"be\s+in\s+touch|get\s+in\s+touch|reach\s+out|let\s+you\s+know|update\s+you|"
    r"keep\s+you\s+(?:posted|updated|informed)|write|writing|e-?mail(?:ing)?|text(?:ing)?|"
    r"message|reply|replying|answer|send(?:ing)?|forward(?:ing)?|mail(?:ing)?|"
    r"visit(?:ing)?|come\s+(?:by|round|over|out)|stop\s+by|drop\s+by|check(?:ing)?|"
    r"look(?:ing)?\s+(?:into|at)|review(?:ing)?|inspect(?:ing)?|investigat(?:e|ing)|"
    r"find\s+out|confirm(?:ing)?)\b"
)
# Capitalised words that are not a person's name at the start of a clause.
EN_NOT_NAMES = frozenset(
    {
        "The", "A", "An", "Our", "We", "I", "Customer", "Car", "Invoice", "Part",
        "It",
        "This",
        "That",
        "There",
        "Which",
        "What",
        "Who",
        "Everything",
        "Nothing",
        "Today",
        "Tomorrow",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "Service",
        "Delivery",
        "Payment",
        "Someone",
        "Please",
        "Then",
        "Also",
        "You",
        "They",
        "Your",
        "If",
        "When",
        "And",
        "But",
        "So",
    }
)  # fmt: skip
EN_SUBJECT = (
    r"(?P<subject>\b(?:we|i|our\s+(?:team|staff|workshop|garage|service\s+(?:department|team|"
    r"advisor)|parts\s+department|technicians?|mechanics?|advisors?)|(?:a|the|one\s+of\s+our)\s+"
    r"(?:technicians?|mechanics?|engineers?|specialists?|(?:service\s+)?advisors?|colleagues?|"
    r"workshop|garage|service\s+(?:department|desk|team)|parts\s+(?:department|desk)|"
    r"dealership|workshop\s+manager|service\s+manager)|someone|somebody|he|she)|"
    + _name(r"[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?", EN_NOT_NAMES)
    + r"(?:\s+from\s+(?:the\s+)?\w+)?)"
)
EN_ADVERBS = (
    r"(?:\s+(?:personally|definitely|certainly|also|then|gladly|happily|first|"
    r"be\s+sure\s+to|make\s+sure\s+to|try\s+to|be\s+able\s+to|get\s+to))*"
)
EN_COMMITTED_WORDS = frozenset({"will", "ll", "shall", "going"})
EN_PRESENT_WORDS = frozenset(
    {
        "calling", "ringing", "phoning", "getting", "contacting", "writing", "emailing",
        "mailing", "texting", "replying", "sending", "forwarding", "visiting", "checking",
        "looking", "reviewing", "inspecting", "investigating", "confirming",
    }
)  # fmt: skip
ENGLISH = Language(
    code="en",
    committed_words=EN_COMMITTED_WORDS,
    present_words=EN_PRESENT_WORDS,
    committed=(
        _compile(
            EN_SUBJECT
            + r"(?:'ll|\u2019ll|\s+will|\s+shall|"
            + r"(?:\s+(?:is|are|am)|'m|\u2019m|'re|\u2019re)\s+going\s+to)"
            + EN_ADVERBS
            + r"\s+"
            + EN_VERB
        ),
        _compile(
            r"\byou(?:'ll|\u2019ll|\s+will)\s+(?:(?:get|receive|have)\s+(?:a|an|our)\s+"
            r"(?P<verb>call|ring|e-?mail|message|text|quote|estimate|update|answer|visit)|"
            r"(?P<verb2>hear))\s+(?:back\s+)?from\s+" + EN_SUBJECT.replace("we|i|", "us|me|")
        ),
    ),
    present=(_compile(EN_SUBJECT + r"\s+(?:are|am|is)\s+" + EN_VERB),),
    negation=_compile(r"(?:n't|n\u2019t|\bnot\b|\bnever\b|\bno\s+longer\b)"),
    past_or_habit=_compile(
        r"\b(?:yesterday|last\s+(?:week|night|month)|ago|earlier\s+today|already|always|"
        r"usually|normally|every)\b"
    ),
    towards_us=_compile(r"\b(?:to|with)\s+us\b"),
    acts=_acts(
        (r"^(?:call|ring|phon|give\s+you)", CALL),
        (r"^(?:get|contact|be\s+in|reach|let|update|keep|hear)", CONTACT),
        (r"^(?:writ|e-?mail|text|messag|repl|answer)", WRITE),
        (r"^(?:send|forward|mail|quote|estimate)", SEND),
        (r"^(?:visit|come|stop|drop)", VISIT),
        (r"^(?:check|look|review|inspect|investigat|find|confirm)", CHECK),
    ),
    actors=(
        (_compile(r"technician|mechanic|engineer|specialist"), TECHNICIAN),
        (_compile(r"workshop|garage|department|desk|dealership|manager"), WORKSHOP),
        (_compile(r"\b(?:he|she|someone|somebody|advisors?|colleagues?)\b"), PERSON),
    ),
    times=(
        (_compile(r"\bthis\s+afternoon\b|\btonight\b|\bthis\s+evening\b"), _fixed(AFTERNOON)),
        (
            _compile(
                r"\b(?:later\s+)?today\b|\bthis\s+morning\b|\bby\s+the\s+end\s+of\s+(?:the\s+)?"
                r"day\b|\bbefore\s+(?:we\s+)?clos(?:e|ing)\b"
            ),
            _fixed(TODAY),
        ),
        (_compile(r"\bday\s+after\s+tomorrow\b"), _fixed(DAYS, 2)),
        (_compile(r"\btomorrow\b"), _fixed(TOMORROW)),
        (
            _compile(
                r"\b(?:within|in)\s+(?:the\s+next\s+)?" + NUMBER + r"\s+(?:business\s+|"
                r"working\s+)?(hours?|days?)\b"
            ),
            _counted,
        ),
        (_compile(r"\bwithin\s+the\s+hour\b"), _fixed(HOURS, 1)),
        (_compile(r"\bnext\s+week\b"), _fixed(NEXT_WEEK)),
        (_compile(r"\bthis\s+week\b|\bby\s+the\s+end\s+of\s+the\s+week\b"), _fixed(THIS_WEEK)),
        (
            _compile(
                r"\b(?:on\s+|by\s+|next\s+|this\s+)?(monday|tuesday|wednesday|thursday|"
                r"friday|saturday|sunday)\b"
            ),
            _weekday,
        ),
        (
            _compile(
                r"\b(?:as\s+soon\s+as|asap|shortly|soon|once\s+we|when\s+(?:the|your)\s+"
                r"(?:car|vehicle)|when\s+we\s+(?:know|have))"
            ),
            _vague,
        ),
    ),
    not_names=EN_NOT_NAMES,
)


# --- Spanish ----------------------------------------------------------------------------

ES_FUTURE_STEMS = (
    "llamar", "contactar", "escribir", "responder", "contestar", "enviar", "mandar", "remitir",
    "visitar", "pasar", "revisar", "comprobar", "mirar", "verificar", "consultar", "estudiar",
    "averiguar", "analizar", "confirmar", "informar", "avisar", "comunicar", "acercar",
    "devolver", "volver", "pondr", "har", "ir",
)  # fmt: skip
# Written with and without the accent: many people type "llamara" for "llamará".
ES_FUTURE_ENDINGS = ("é", "e", "á", "a", "emos", "án", "an")
ES_FUTURE = (
    r"(?P<verb>(?:" + "|".join(ES_FUTURE_STEMS) + r")(?:" + "|".join(ES_FUTURE_ENDINGS) + "))"
)
ES_COMMITTED_WORDS = frozenset(
    {stem + ending for stem in ES_FUTURE_STEMS for ending in ES_FUTURE_ENDINGS}
    | {"vamos", "voy", "va", "van"}
)
ES_PRESENT_WORDS = frozenset(
    {
        "llamamos", "llamo", "escribimos", "escribo", "enviamos", "envio", "envío",
        "mandamos", "mando", "contactamos", "contacto", "avisamos", "aviso", "confirmamos",
        "confirmo", "revisamos", "reviso", "comprobamos", "compruebo", "miramos", "miro",
        "devolvemos", "devuelvo", "pasamos", "paso",
    }
)  # fmt: skip
ES_CLITIC = r"(?:(?:le|te|lo|la|les|los|las|os|se|nos|me)\s+)"
ES_INFINITIVE = (
    r"(?P<verb>(?:llamar|contactar|escribir|responder|contestar|enviar|mandar|visitar|pasar|"
    r"revisar|comprobar|mirar|verificar|consultar|averiguar|confirmar|informar|avisar|"
    r"poner|devolver|hacer)(?:le|te|lo|la|les|los|las|os|se)?)"
)
ES_PRESENT = (
    r"(?P<verb>llam(?:amos|o)|escrib(?:imos|o)|envi(?:amos|o)|envío|mand(?:amos|o)|"
    r"contact(?:amos|o)|avis(?:amos|o)|confirm(?:amos|o)|revis(?:amos|o)|comprob(?:amos)|"
    r"compruebo|mir(?:amos|o)|devolv(?:emos)|devuelvo|pas(?:amos|o)\s+por)"
)
ES_NOT_NAMES = frozenset(
    {
        "El",
        "La",
        "Los",
        "Las",
        "Un",
        "Una",
        "Nuestro",
        "Nuestra",
        "Le",
        "Te",
        "Lo",
        "Se",
        "Nos",
        "Mañana",
        "Hoy",
        "Esta",
        "Este",
        "Lunes",
        "Martes",
        "Miércoles",
        "Jueves",
        "Viernes",
        "Sábado",
        "Domingo",
        "Si",
        "Cuando",
        "Como",
        "Ya",
        "Y",
        "Pero",
        "Entonces",
        "Además",
        "Usted",
        "Ustedes",
        "Gracias",
        "Hola",
        "Buenos",
    }
)  # fmt: skip
ES_SUBJECT = (
    r"(?P<subject>\b(?:(?:un|el|nuestro|otro)\s+(?:técnico|tecnico|mecánico|mecanico|"
    r"especialista|asesor|compañero|jefe\s+de\s+taller)|(?:el|nuestro)\s+(?:taller|"
    r"servicio\s+técnico|servicio\s+tecnico|concesionario|departamento\s+de\s+\w+)|"
    r"alguien|nosotros|yo)\b|" + _name(r"[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+", ES_NOT_NAMES) + ")"
)
SPANISH = Language(
    code="es",
    committed_words=ES_COMMITTED_WORDS,
    present_words=ES_PRESENT_WORDS,
    committed=(
        # "le llamaremos", "un técnico se pondrá en contacto", "Pedro le llamará".
        _compile(r"(?:" + ES_SUBJECT + r"\s+)?(?:" + ES_CLITIC + r"){0,2}" + ES_FUTURE + r"\b"),
        # "vamos a llamarle", "le vamos a enviar", "un técnico va a revisar".
        _compile(
            r"(?:" + ES_SUBJECT + r"\s+)?(?:" + ES_CLITIC + r"){0,2}(?:vamos|voy|va|van)\s+a\s+"
            r"(?:" + ES_CLITIC + r"){0,2}" + ES_INFINITIVE + r"\b"
        ),
    ),
    present=(
        _compile(r"(?:" + ES_SUBJECT + r"\s+)?" + ES_CLITIC + r"{1,2}" + ES_PRESENT + r"\b"),
        _compile(r"(?:" + ES_SUBJECT + r"\s+)?" + ES_PRESENT + r"\b"),
    ),
    negation=_compile(r"\b(?:no|nunca|jamás|jamas|tampoco|ni)\b"),
    past_or_habit=_compile(
        r"\b(?:ayer|anteayer|anoche|pasad[oa]|hace\s+\w+\s+(?:días|dias|horas|semanas)|"
        r"siempre|normalmente|solemos|cada|ya\s+hemos)\b"
    ),
    towards_us=_compile(r"\b(?:nos\s+llam|llámenos|llamenos|llámanos|con\s+nosotros)"),
    acts=_acts(
        (r"^(?:llam|devolv|devuelv|volver)", CALL),
        (r"^(?:contact|pondr|poner|inform|avis|comunic)", CONTACT),
        (r"^(?:escrib|respond|contest)", WRITE),
        (r"^(?:envi|envío|mand|remit|har|hac)", SEND),
        (r"^(?:visit|pas|acerc|ir)", VISIT),
        (r"^(?:revis|comprob|comprueb|mir|verific|consult|estudi|averigu|analiz|confirm)", CHECK),
    ),
    actors=(
        # "jefe de taller" is a person of the workshop; "servicio técnico" the department.
        (_compile(r"jefe\s+de\s+taller"), TECHNICIAN),
        (_compile(r"taller|servicio|concesionario|departamento"), WORKSHOP),
        (_compile(r"técnico|tecnico|mecánico|mecanico|especialista"), TECHNICIAN),
        (_compile(r"asesor|compañero|alguien"), PERSON),
    ),
    times=(
        (_compile(r"\besta\s+(?:tarde|noche)\b"), _fixed(AFTERNOON)),
        (
            _compile(
                r"\bhoy(?:\s+mismo)?\b|\besta\s+mañana\b|\bantes\s+del?\s+cierre\b|"
                r"\ba\s+lo\s+largo\s+del\s+día\b|\ben\s+el\s+día\s+de\s+hoy\b"
            ),
            _fixed(TODAY),
        ),
        (_compile(r"\bpasado\s+mañana\b"), _fixed(DAYS, 2)),
        (_compile(r"(?<!esta\s)(?<!la\s)\bmañana\b"), _fixed(TOMORROW)),
        (
            _compile(
                r"\b(?:en|dentro\s+de|en\s+un\s+plazo\s+(?:máximo\s+)?de|en\s+las\s+próximas|"
                r"en\s+los\s+próximos|antes\s+de)\s+" + NUMBER + r"\s+(horas?|días?|dias?)\b"
            ),
            _counted,
        ),
        (
            _compile(r"\bla\s+(?:semana\s+que\s+viene|próxima\s+semana|semana\s+próxima)\b"),
            _fixed(NEXT_WEEK),
        ),
        (
            _compile(r"\besta\s+semana\b|\bantes\s+del\s+fin\s+de\s+semana\b"),
            _fixed(THIS_WEEK),
        ),
        (
            _compile(
                r"\b(?:el\s+)?(?:próximo\s+)?(lunes|martes|miércoles|miercoles|jueves|viernes|"
                r"sábado|sabado|domingo)\b(?!\s+pasado)"
            ),
            _weekday,
        ),
        (
            _compile(
                r"\b(?:en\s+breve|cuanto\s+antes|lo\s+antes\s+posible|en\s+cuanto|cuando\s+"
                r"(?:esté|este|tengamos|sepamos))"
            ),
            _vague,
        ),
    ),
    not_names=ES_NOT_NAMES,
)


# --- Swedish ----------------------------------------------------------------------------

SV_INFINITIVE = (
    r"(?P<verb>ringa(?:\s+upp)?|kontakta|återkomma|höra\s+av\s+(?:oss|mig|sig)|skriva|mejla|"
    r"maila|svara|sms:?a|skicka|besöka|komma\s+(?:förbi|ut)|kolla|kontrollera|undersöka|"
    r"titta\s+på|se\s+över|gå\s+igenom|bekräfta|meddela)"
)
SV_PRESENT = (
    r"(?P<verb>ringer(?:\s+upp)?|kontaktar|återkommer|hör\s+av\s+(?:oss|mig|sig)|skriver|"
    r"mejlar|mailar|svarar|sms:?ar|skickar|besöker|kommer\s+(?:förbi|ut)|kollar|"
    r"kontrollerar|undersöker|tittar\s+på|ser\s+över|går\s+igenom|bekräftar|meddelar)"
)
SV_NOT_NAMES = frozenset(
    {
        "Kunden", "Delen", "Fakturan", "Offerten", "Kunderna", "Tiden",
        "Vi",
        "Jag",
        "Du",
        "Ni",
        "Det",
        "Den",
        "Detta",
        "Här",
        "Där",
        "Om",
        "När",
        "Då",
        "Och",
        "Men",
        "Så",
        "Tack",
        "Hej",
        "Idag",
        "Imorgon",
        "Måndag",
        "Tisdag",
        "Onsdag",
        "Torsdag",
        "Fredag",
        "Lördag",
        "Söndag",
        "Ring",
        "Kontakta",
        "En",
        "Ett",
        "Vår",
        "Bilen",
        "Verkstaden",
    }
)  # fmt: skip
SV_SUBJECT = (
    r"(?P<subject>\b(?:vi|jag|(?:en|vår|någon\s+av\s+våra)\s+(?:tekniker|mekaniker|"
    r"servicetekniker|rådgivare|servicerådgivare|kollega|kollegor)|teknikern|mekanikern|"
    r"rådgivaren|verkstaden|vår\s+verkstad|serviceavdelningen|servicemottagningen|"
    r"reservdelsavdelningen|verkstadschefen|någon)\b|"
    + _name(r"[A-ZÅÄÖ][a-zåäö]+", SV_NOT_NAMES)
    + ")"
)
SV_COMMITTED_WORDS = frozenset({"ska", "skall", "kommer"})
SV_PRESENT_WORDS = frozenset(
    {
        "ringer", "kontaktar", "återkommer", "hör", "skriver", "mejlar", "mailar", "svarar",
        "smsar", "sms", "skickar", "besöker", "kommer", "kollar", "kontrollerar", "undersöker",
        "tittar", "ser", "går", "bekräftar", "meddelar",
    }
)  # fmt: skip
SWEDISH = Language(
    code="sv",
    committed_words=SV_COMMITTED_WORDS,
    present_words=SV_PRESENT_WORDS,
    committed=(
        # "vi ska ringa dig", "en tekniker kommer att kontakta dig".
        _compile(
            SV_SUBJECT
            + r"\s+(?:ska|skall|kommer\s+att)(?:\s+(?:också|då|gärna|nog))?\s+"
            + SV_INFINITIVE
            + r"\b"
        ),
        # "i morgon ska vi ringa dig" (the verb before the subject, as Swedish word order has it).
        _compile(
            r"\b(?:ska|skall|kommer)\s+" + SV_SUBJECT + r"\s+(?:att\s+)?" + SV_INFINITIVE + r"\b"
        ),
    ),
    present=(
        # "vi ringer dig i morgon", "en tekniker återkommer till dig".
        _compile(SV_SUBJECT + r"\s+" + SV_PRESENT + r"\b"),
        # "i morgon ringer vi dig".
        _compile(SV_PRESENT + r"\s+" + SV_SUBJECT + r"\b"),
    ),
    negation=_compile(r"\b(?:inte|aldrig|ej|icke|ingen|inget)\b"),
    past_or_habit=_compile(
        r"\b(?:igår|i\s+går|i\s+förrgår|förra\s+veckan|i\s+(?:måndags|tisdags|onsdags|torsdags|"
        r"fredags|lördags|söndags)|nyss|alltid|brukar|varje|vanligtvis|normalt)\b"
    ),
    towards_us=_compile(r"\b(?:ringa?\s+oss|kontakta\s+oss|till\s+oss|hör\s+av\s+dig)\b"),
    acts=_acts(
        (r"^ring", CALL),
        (r"^(?:kontakt|återkom|hör|meddela)", CONTACT),
        (r"^(?:skriv|mejl|mail|svar|sms)", WRITE),
        (r"^skick", SEND),
        (r"^(?:besök|kom)", VISIT),
        (r"^(?:koll|kontroller|undersök|titta|tittar|se|ser|gå|går|bekräft)", CHECK),
    ),
    actors=(
        (_compile(r"tekniker|mekaniker|verkstadschef"), TECHNICIAN),
        (_compile(r"verkstad|avdelning|mottagning"), WORKSHOP),
        (_compile(r"rådgivare|kollega|någon"), PERSON),
    ),
    times=(
        (_compile(r"\bi\s+eftermiddag\b|\bi\s*kväll\b"), _fixed(AFTERNOON)),
        (
            _compile(
                r"\b(?:senare\s+)?i\s*dag\b|\bunder\s+dagen\b|\binnan\s+vi\s+stänger\b|"
                r"\bi\s+förmiddag\b"
            ),
            _fixed(TODAY),
        ),
        (_compile(r"\bi\s+övermorgon\b"), _fixed(DAYS, 2)),
        (_compile(r"\bi\s*morgon\b"), _fixed(TOMORROW)),
        (
            _compile(
                r"\b(?:inom|om|senast\s+om)\s+" + NUMBER + r"\s+(arbetsdag(?:ar)?|dag(?:ar)?|"
                r"timm(?:e|ar)|tim)\b"
            ),
            _counted,
        ),
        (_compile(r"\bnästa\s+vecka\b"), _fixed(NEXT_WEEK)),
        (
            _compile(r"\bi\s+veckan\b|\bden\s+här\s+veckan\b|\bdenna\s+vecka\b|\binnan\s+helgen\b"),
            _fixed(THIS_WEEK),
        ),
        (
            _compile(
                r"\b(?:på\s+|nu\s+på\s+|nästa\s+)?(måndag|tisdag|onsdag|torsdag|fredag|lördag|"
                r"söndag)(?:en)?\b"
            ),
            _weekday,
        ),
        (
            _compile(r"\b(?:så\s+snart|snarast|inom\s+kort|när\s+(?:bilen|vi)|så\s+fort)"),
            _vague,
        ),
    ),
    not_names=SV_NOT_NAMES,
)

RULES = {language.code: language for language in (SPANISH, SWEDISH, ENGLISH)}
# Future-ish words that let the present tense count without a stated time (Spanish
# "le llamamos cuando esté lista", Swedish "vi ringer dig"): an object pronoun naming the
# customer.
PRESENT_OBJECT = {
    "es": _compile(r"^(?:le|te|les|os)\b|\b(?:le|te|les|os)\s+\w+$"),
    "sv": _compile(r"^\s*(?:dig|er|upp|till\s+dig|till\s+er)\b"),
    "en": _compile(r"$^"),  # English present progressive needs a stated time
}


# --- the search -------------------------------------------------------------------------


def detect_promises(text: str, languages: tuple[str, ...] = LANGUAGES) -> list[DetectedPromise]:
    """Every promise in `text`, at most one per sentence, in the order they appear.

    `languages` lists the ones to try, most likely first (the site's, then the others): a
    sentence takes the first language whose rules find a promise in it.
    """
    rules = [RULES[code] for code in languages]
    triggers = _triggers(tuple(languages))
    found = []
    for start, end, sentence in _sentences(text):
        if sentence.endswith("?") or sentence.startswith("¿"):
            continue
        words = _words(sentence)
        if triggers.isdisjoint(words):
            continue
        for rule in rules:
            promise = _promise_in(rule, sentence, words, (start, end))
            if promise is not None:
                found.append(promise)
                break
    return found


@functools.lru_cache(maxsize=8)
def _triggers(languages: tuple[str, ...]) -> frozenset[str]:
    rules = [RULES[code] for code in languages]
    return frozenset().union(*(rule.committed_words | rule.present_words for rule in rules))


def _words(sentence: str) -> set[str]:
    lowered = sentence.rstrip(".!").lower()
    for mark in WORD_SPLITS:
        lowered = lowered.replace(mark, " ")
    return set(lowered.split())


def _sentences(text: str) -> Iterator[tuple[int, int, str]]:
    for match in SENTENCE.finditer(text):
        sentence = match.group(0).strip()
        if sentence:
            yield match.start(), match.end(), sentence


def _promise_in(
    rule: Language, sentence: str, words: set[str], span: tuple[int, int]
) -> DetectedPromise | None:
    committed = not rule.committed_words.isdisjoint(words)
    present = not rule.present_words.isdisjoint(words)
    if not (committed or present):
        return None
    match = _committed(rule, sentence) if committed else None
    # The present tense is a promise only where no past or habit word is (checked first:
    # it is one search, the times are ten).
    present = present and match is None and not rule.past_or_habit.search(sentence)
    when, has_time = _time_in(rule, sentence) if match or present else (None, False)
    if match is None and present:
        match = _present(rule, sentence, has_time)
    if match is None:
        return None
    verb = match.group("verb") or _group(match, "verb2")
    actor, name = _actor(rule, match)
    if actor is None:
        return None
    return DetectedPromise(rule.code, _act(rule, verb), actor, name, when, sentence, span)


def _group(match: re.Match[str], name: str) -> str:
    return (match.groupdict().get(name) or "") if name in match.re.groupindex else ""


def _committed(rule: Language, sentence: str) -> re.Match[str] | None:
    for pattern in rule.committed:
        for match in pattern.finditer(sentence):
            if _acceptable(rule, sentence, match):
                return match
    return None


def _present(rule: Language, sentence: str, has_time: bool) -> re.Match[str] | None:
    for pattern in rule.present:
        for match in pattern.finditer(sentence):
            after = sentence[match.end() :]
            if not (has_time or _names_the_customer(rule, match, after)):
                continue
            if _acceptable(rule, sentence, match):
                return match
    return None


def _names_the_customer(rule: Language, match: re.Match[str], after: str) -> bool:
    """Whether the present tense points at the customer ("le llamamos", "vi ringer dig"),
    which makes it a promise even without a stated time."""
    if rule.code == "es":
        return bool(PRESENT_OBJECT["es"].search(match.group(0)))
    return bool(PRESENT_OBJECT[rule.code].search(after.strip()[:12]))


def _acceptable(rule: Language, sentence: str, match: re.Match[str]) -> bool:
    """Not negated, not an act asked of the customer, not a name that is no name."""
    name = _group(match, "name")
    if name and name.split()[0] in rule.not_names:
        return False
    clause = sentence[max(0, match.start() - 24) : match.end()]
    after = sentence[match.end() : match.end() + 16]
    if rule.negation.search(_clause_tail(clause)) or rule.negation.match(after.strip()):
        return False
    return not rule.towards_us.search(sentence[match.start() : match.end() + 12])


def _clause_tail(text: str) -> str:
    """The part of `text` after the last comma or conjunction: "no sé si, pero le
    llamaremos" is not negated by the "no" of another clause."""
    return re.split(r",|;|\bbut\b|\bpero\b|\bmen\b", text)[-1]


def _actor(rule: Language, match: re.Match[str]) -> tuple[str | None, str]:
    name = _group(match, "name")
    subject = _group(match, "subject").lower()
    if name:
        return PERSON, name
    if not subject:
        # Spanish future and present carry the person in the verb: -emos/-amos/-é is us;
        # -á (third person) needs a subject we can name, else nobody is promising.
        verb = match.group("verb").lower() if match.group("verb") else ""
        if (
            rule.code == "es"
            and re.search(r"(?:á|a|án|an)$", verb)
            and not verb.endswith(("amos", "emos"))
        ):
            return (None, "") if not verb.startswith(("vamos",)) else (WE, "")
        return WE, ""
    for pattern, actor in rule.actors:
        if pattern.search(subject):
            return actor, ""
    return WE, ""


def _act(rule: Language, verb: str) -> str:
    for pattern, act in rule.acts:
        if pattern.search(verb):
            return act
    return CONTACT


def _time_in(rule: Language, sentence: str) -> tuple[When | None, bool]:
    """The time the sentence states (the first rule that matches), and whether it states
    one at all (a vague future states a time but no date)."""
    for pattern, read in rule.times:
        match = pattern.search(sentence)
        if match:
            return read(match), True
    return None, False
