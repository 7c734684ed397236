"""Our e-mail ingestion against django-helpdesk's, on the same messages, machine and run.

Target ("One inbox, one case, one story"): raw e-mail → customer match → case → clocks must
run at least 10 times the rate at which django-helpdesk turns e-mails into tickets.

    python bench/ingest_vs_helpdesk.py [--quick] [--messages N] [--sqlite-only] [--no-helpdesk]

1. N realistic RFC 5322 messages are generated once (fixed seed) into a temporary folder:
   invented customers on several domains (some write about several topics, so the customer
   is matched, not created), plain text or text + HTML, a small PDF or photo on some, and
   replies that carry In-Reply-To/References to an earlier message of their thread.
2. django-helpdesk (pinned below) is installed with pip into its own virtual environment,
   cached under var/bench/helpdesk-venv-<version>, next to a minimal Django project (SQLite
   file database, with the same WAL pragmas ours uses) made in the temporary folder. A Queue
   reads the local-directory mailbox (`email_box_type='local'`). This very script, run by
   that venv's interpreter, times helpdesk's own `helpdesk.email.process_email()` (the body
   of its `get_email` management command). The messages reach the mailbox in rounds, as a
   cron-driven poller would see them: first messages, then first replies, and so on, because
   helpdesk lists the folder in arbitrary order and would otherwise open a new ticket for a
   reply read before its original. Only the `process_email()` calls are timed.
3. Ours: the same bytes, in arrival order, through `inbox.actions.ingest` via
   `bench/ingest.py`'s `run_posventa()`, on a temporary SQLite file database and then on
   PostgreSQL (DATABASE_URL if it is a postgres URL, else
   postgres://postgres@127.0.0.1:5432/posventa_bench_ingest; dropped and re-created).
   Each backend runs in its own child process (Django settings are per process).
4. Both sides are checked, not just timed: one ticket/case per thread, one follow-up or
   message per e-mail, an empty mailbox / every raw row processed, and every case with its
   open clocks.

Both sides get the same 20 warm-up messages first (not counted); ours then starts its
parse-ahead worker, as the IMAP poller does at start-up (`bench/ingest.py`'s
`start_as_a_service`). The last line printed is
one JSON object; "helpdesk" is null when helpdesk could not be installed or run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # bench/ is on the path: the script's own folder

HELPDESK_VERSION = "2.6.1"  # pip resolves its own Django (5.2.x for this version)
HELPDESK_VENV = _common.VAR_BENCH / f"helpdesk-venv-{HELPDESK_VERSION}"
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/posventa_bench_ingest"
TARGET_RATIO = 10.0
SEED = 20260415
WARMUP = 20
SITE_ADDRESS = "taller@bench.example"  # bench/ingest.py's bench site receives here
REPLY_SHARE = 0.35  # share of messages that answer an earlier message of their thread
REPEAT_CUSTOMER_SHARE = 0.3  # share of new threads opened by someone who wrote before
MAX_THREAD = 4  # messages per thread, so helpdesk needs at most four mailbox rounds
BASE_TIME = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)

# Invented people: no name here comes from real correspondence.
FIRST_NAMES = [
    "Nerea", "Iker", "Ainhoa", "Bruno", "Lucía", "Mateo", "Elsa", "Hugo", "Greta", "Viggo",
    "Saga", "Oskar", "Irene", "Pablo", "Alba", "Teo", "Maja", "Linnea", "Axel", "Carmen",
]  # fmt: skip
SURNAMES = [
    "Ortega Sanz", "Ibarra Gil", "Lindqvist", "Moreno Vidal", "Ekdahl", "Soler Ruiz",
    "Bergkvist", "Navarro Pardo", "Holmgren", "Campos León", "Sjöberg", "Arias Peña",
]  # fmt: skip
DOMAINS = ["example.net", "example.org", "example.com", "correo.example", "post.example"]
TOPICS = [
    ("Revisión de los 30.000 km", "¿Qué incluye la revisión de los 30.000 km y cuánto cuesta?"),
    ("Ruido al frenar", "Desde la semana pasada el coche hace un chirrido al frenar."),
    ("Cita para cambiar neumáticos", "Quisiera pedir cita para cambiar los cuatro neumáticos."),
    ("Presupuesto de la distribución", "¿Me pueden dar un presupuesto para la distribución?"),
    ("Garantía de la batería", "La batería falla y el coche aún está en garantía."),
    ("Factura de la última visita", "En la factura aparece una mano de obra que no entiendo."),
    ("Bromsvätska eller stor service?", "Räcker det med bromsvätska vid 3 000 mil?"),
    ("Varningslampa för motorn", "Motorlampan lyser sedan i går kväll."),
    ("Boka vinterdäck", "Jag vill boka byte till vinterdäck nästa vecka."),
    ("Recall notice for my car", "I received a recall letter; can you book the update?"),
]
FOLLOW_UPS = [
    "¿Alguna novedad? No he recibido respuesta.",
    "Adjunto más detalles, por si ayudan.",
    "Perdón, se me olvidó decir que el coche es diésel.",
    "Har ni hunnit titta på det här?",
    "Any update on this? Thanks.",
]


# --- the messages (standard library only: the helpdesk child imports this module too) ------


@dataclass
class Generated:
    name: str  # file name in the messages folder
    raw: bytes
    thread: int
    depth: int  # 0 for the first message of a thread, 1 for the first reply...
    html: bool
    attachment: bool


@dataclass
class Thread:
    sender: tuple[str, str]
    subject: str
    message_ids: list[str] = field(default_factory=list)
    first_line: str = ""


def _plate(rng: random.Random) -> str:
    return f"{rng.randrange(10_000):04d} {''.join(rng.choices('BCDFGHJKLMNPRSTVWXYZ', k=3))}"


def _new_sender(rng: random.Random, number: int, tag: str) -> tuple[str, str]:
    first, surname = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    local = f"{first.lower()}.{surname.split()[0].lower()}.{tag}{number}"
    local = local.translate(str.maketrans("áéíóúöä", "aeiouoa"))
    return f"{first} {surname}", f"{local}@{rng.choice(DOMAINS)}"


def _html(text: str) -> str:
    paragraphs = "".join(
        f"<blockquote>{p[2:]}</blockquote>" if p.startswith("> ") else f"<p>{p}</p>"
        for p in text.split("\n")
        if p
    )
    return f"<html><body>{paragraphs}</body></html>"


def _attachment(rng: random.Random, number: int) -> tuple[bytes, str, str, str]:
    if rng.random() < 0.5:
        body = b"%PDF-1.4\n" + rng.randbytes(rng.randrange(2_000, 12_000)) + b"\n%%EOF\n"
        return body, "application", "pdf", f"presupuesto-{number}.pdf"
    body = b"\xff\xd8\xff\xe0" + rng.randbytes(rng.randrange(3_000, 15_000)) + b"\xff\xd9"
    return body, "image", "jpeg", f"foto-{number}.jpg"


def _compose(
    rng: random.Random, number: int, tag: str, thread: Thread, text: str
) -> tuple[bytes, bool, bool]:
    message = EmailMessage()
    name, address = thread.sender
    message["From"] = f"{name} <{address}>"
    message["To"] = f"Taller Banco <{SITE_ADDRESS}>"
    message["Subject"] = thread.subject if not thread.message_ids else f"Re: {thread.subject}"
    message["Date"] = format_datetime(BASE_TIME + dt.timedelta(seconds=90 * number))
    message_id = f"<{tag}{number}.{rng.getrandbits(48):012x}@{address.split('@')[1]}>"
    message["Message-ID"] = message_id
    if thread.message_ids:
        message["In-Reply-To"] = thread.message_ids[-1]
        message["References"] = " ".join(thread.message_ids)
    thread.message_ids.append(message_id)
    # Quoted-printable keeps the files ASCII: helpdesk opens its mailbox files as text.
    message.set_content(text, cte="quoted-printable")
    draw = rng.random()
    html = draw < 0.5
    if html:
        message.add_alternative(_html(text), subtype="html", cte="quoted-printable")
    attachment = draw < 0.12 or draw > 0.92
    if attachment:
        data, maintype, subtype, filename = _attachment(rng, number)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(message), html, attachment


def generate(count: int, *, seed: int = SEED, tag: str = "m") -> list[Generated]:
    """`count` e-mails in arrival order. Every thread's first message has a subject its
    sender uses for no other thread, so "one thread, one case" holds for both systems (ours
    also threads on sender + subject; helpdesk only on In-Reply-To and its own tracking ID).
    """
    rng = random.Random(f"{seed}-{tag}")
    threads: list[Thread] = []
    growing: list[int] = []  # threads that may still get a reply
    senders: list[tuple[str, str]] = []
    subjects_of: dict[str, set[str]] = {}
    generated = []
    for number in range(count):
        if growing and rng.random() < REPLY_SHARE:
            index = rng.choice(growing)
            thread = threads[index]
            text = (
                f"{rng.choice(FOLLOW_UPS)}\n\n{thread.sender[0]} escribió:\n> {thread.first_line}"
            )
        else:
            if senders and rng.random() < REPEAT_CUSTOMER_SHARE:
                sender = rng.choice(senders)
            else:
                sender = _new_sender(rng, len(senders), tag)
                senders.append(sender)
            subject, question = rng.choice(TOPICS)
            used = subjects_of.setdefault(sender[1], set())
            if subject in used:
                subject = f"{subject} ({_plate(rng)})"
            used.add(subject)
            index = len(threads)
            threads.append(Thread(sender, subject, first_line=question))
            growing.append(index)
            text = f"Hola,\n\n{question}\n\nMatrícula {_plate(rng)}.\n\n{sender[0].split()[0]}"
            thread = threads[index]
        depth = len(thread.message_ids)
        raw, html, attachment = _compose(rng, number, tag, thread, text)
        if len(thread.message_ids) >= MAX_THREAD:
            growing.remove(index)
        generated.append(Generated(f"{tag}{number:06d}.eml", raw, index, depth, html, attachment))
    return generated


def write_messages(folder: Path, count: int) -> dict[str, Any]:
    """Write the warm-up and measured messages to `folder` and return the manifest."""
    folder.mkdir(parents=True)
    warmup = generate(WARMUP, tag="w")
    measured = generate(count)
    for message in (*warmup, *measured):
        (folder / message.name).write_bytes(message.raw)
    rounds: list[list[str]] = [[] for _ in range(MAX_THREAD)]
    for message in measured:
        rounds[message.depth].append(message.name)
    manifest = {
        "folder": str(folder),
        "warmup": [m.name for m in warmup],
        "order": [m.name for m in measured],
        "rounds": [names for names in rounds if names],
        "messages": count,
        "threads": len({m.thread for m in measured}),
        "replies": sum(1 for m in measured if m.depth > 0),
        "senders": len({_sender_of(m.raw) for m in measured}),
        "with_html": sum(1 for m in measured if m.html),
        "with_attachment": sum(1 for m in measured if m.attachment),
        "bytes": sum(len(m.raw) for m in measured),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return manifest


def _sender_of(raw: bytes) -> str:
    start = raw.index(b"From: ")
    line = raw[start : raw.index(b"\n", start)]
    return line[line.rindex(b"<") + 1 : line.rindex(b">")].decode()


# --- django-helpdesk's side (runs under the helpdesk venv's interpreter) --------------------

HELPDESK_SETTINGS = """\
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "Europe/Madrid"
SITE_ID = 1
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "helpdesk",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "hdproject.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
# The same SQLite settings as posventa's embedded default, so neither side is slowed by
# a rollback journal the other does not use.
DATABASES = {"default": {
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": BASE / "helpdesk.sqlite3",
    "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE"},
}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "static/"
MEDIA_ROOT = BASE / "media"
MEDIA_URL = "media/"
# Acknowledgements are rendered and handed to the mail backend, as posventa writes its own
# acknowledgement to its outbox; neither side talks to an SMTP server here.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "taller@bench.example"
HELPDESK_TEAMS_MODE_ENABLED = False
LOGGING = {"version": 1, "disable_existing_loggers": False,
           "root": {"handlers": [], "level": "ERROR"}}
"""

HELPDESK_URLS = """\
from django.urls import include, path

urlpatterns = [path("helpdesk/", include("helpdesk.urls"))]
"""


def ensure_helpdesk_venv() -> tuple[Path | None, str]:
    """The cached venv's python, or None and why it could not be made."""
    python = HELPDESK_VENV / "bin" / "python"
    ready = HELPDESK_VENV / ".bench-ready"
    if ready.exists() and python.exists():
        return python, ""
    shutil.rmtree(HELPDESK_VENV, ignore_errors=True)
    HELPDESK_VENV.parent.mkdir(parents=True, exist_ok=True)
    print(f"Installing django-helpdesk=={HELPDESK_VERSION} into {HELPDESK_VENV} ...", flush=True)
    steps = [
        [sys.executable, "-m", "venv", str(HELPDESK_VENV)],
        [str(python), "-m", "pip", "install", "-q", f"django-helpdesk=={HELPDESK_VERSION}"],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            return None, f"{' '.join(step[:4])} failed: {' | '.join(tail)}"
    ready.write_text(HELPDESK_VERSION)
    return python, ""


def make_helpdesk_project(folder: Path) -> None:
    package = folder / "hdproject"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(HELPDESK_SETTINGS)
    (package / "urls.py").write_text(HELPDESK_URLS)
    (folder / "mailbox").mkdir()


def helpdesk_child(project: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    import django

    django.setup()
    from django.conf import settings
    from django.core import mail
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # Installed only in the helpdesk venv this function runs in, not in ours.
    import helpdesk  # type: ignore[import-not-found]
    from helpdesk.email import process_email  # type: ignore[import-not-found]
    from helpdesk.models import (  # type: ignore[import-not-found]
        FollowUp,
        FollowUpAttachment,
        Queue,
        Ticket,
    )

    mailbox = project / "mailbox"
    Queue.objects.create(
        title="Taller Banco",
        slug="taller",
        email_address=SITE_ADDRESS,
        allow_email_submission=True,
        email_box_type="local",
        email_box_local_dir=str(mailbox),
        email_box_interval=0,
        logging_type="none",
    )
    source = Path(manifest["folder"])

    def deliver_and_process(names: list[str]) -> float:
        for name in names:  # delivery is the mail server's work: not timed
            shutil.copyfile(source / name, mailbox / name)
        started = time.perf_counter()
        process_email(quiet=True)
        return time.perf_counter() - started

    deliver_and_process(manifest["warmup"])
    warm_tickets, warm_followups = Ticket.objects.count(), FollowUp.objects.count()
    mail.outbox.clear()
    round_seconds = [deliver_and_process(names) for names in manifest["rounds"]]
    elapsed = sum(round_seconds)
    count = manifest["messages"]
    return {
        "version": getattr(helpdesk, "__version__", HELPDESK_VERSION),
        "django": django.get_version(),
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "messages": count,
        "seconds": round(elapsed, 3),
        "round_seconds": [round(s, 3) for s in round_seconds],
        "messages_per_second": round(count / elapsed, 1),
        "warmup_tickets": warm_tickets,
        "tickets": Ticket.objects.count() - warm_tickets,
        "followups": FollowUp.objects.count() - warm_followups,
        "attachments": FollowUpAttachment.objects.count(),
        "acknowledgements_sent": len(mail.outbox),
        "left_in_mailbox": len(os.listdir(mailbox)),
    }


def run_helpdesk(workdir: Path, manifest_path: Path) -> tuple[dict[str, Any] | None, str]:
    return run_in_helpdesk(workdir, Path(__file__), [str(manifest_path)])


def run_in_helpdesk(
    workdir: Path, script: Path, arguments: list[str]
) -> tuple[dict[str, Any] | None, str]:
    """Run `script --helpdesk-child PROJECT *arguments` under django-helpdesk's venv, in a
    fresh helpdesk project under `workdir` (bench/sweeper.py times its escalation this
    way too). Returns the child's last JSON line, or None and why it failed."""
    python, problem = ensure_helpdesk_venv()
    if python is None:
        return None, problem
    project = workdir / "helpdesk"
    make_helpdesk_project(project)
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DATABASE_URL")},
        "DJANGO_SETTINGS_MODULE": "hdproject.settings",
        "PYTHONPATH": str(project),
        "PYTHONIOENCODING": "utf-8",
        "LC_ALL": "C.UTF-8",
    }
    command = [str(python), str(script), "--helpdesk-child", str(project), *arguments]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return None, "helpdesk run failed: " + " | ".join(done.stderr.strip().splitlines()[-3:])
    return _common.last_json_line(done.stdout), ""


# --- our side (runs under this checkout's venv) -------------------------------------------


def ours_child(backend: str, manifest: dict[str, Any]) -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    import ingest as ingest_bench  # bench/ingest.py, owned by the cases engineer
    from posventa.cases.models import Case
    from posventa.clocks.models import OPEN_STATES, Clock
    from posventa.customers.models import Customer
    from posventa.inbox.models import Attachment, Direction, InboundRaw, Message
    from posventa.outbox.models import Notification

    folder = Path(manifest["folder"])
    site = ingest_bench._bench_site()
    ingest_bench.run_posventa([(folder / n).read_bytes() for n in manifest["warmup"]], site)
    ingest_bench.start_as_a_service()
    inbound = Message.objects.filter(direction=Direction.INBOUND)
    warm = {
        "cases": Case.objects.count(),
        "messages": inbound.count(),
        "customers": Customer.objects.count(),
        "raw": InboundRaw.objects.count(),
        "notifications": Notification.objects.count(),
    }
    messages = [(folder / name).read_bytes() for name in manifest["order"]]
    started = time.perf_counter()
    rate = ingest_bench.run_posventa(messages, site)
    elapsed = time.perf_counter() - started

    raw_statuses: dict[str, int] = {}
    for status in InboundRaw.objects.values_list("status", flat=True):
        raw_statuses[status] = raw_statuses.get(status, 0) + 1
    case_ids = {str(pk) for pk in Case.objects.values_list("pk", flat=True)}
    open_clocks = Clock.objects.filter(state__in=OPEN_STATES, subject_type__model="case")
    cases_with_open_clock = len(set(open_clocks.values_list("subject_id", flat=True)) & case_ids)
    return {
        "backend": backend,
        "vendor": connection.vendor,
        "messages": len(messages),
        "seconds": round(elapsed, 3),
        "messages_per_second": round(rate, 1),
        "cases": Case.objects.count() - warm["cases"],
        "messages_stored": inbound.count() - warm["messages"],
        "customers": Customer.objects.count() - warm["customers"],
        "attachments": Attachment.objects.count(),
        "raw_statuses": raw_statuses,
        "cases_without_open_clock": len(case_ids) - cases_with_open_clock,
        "open_clocks": open_clocks.count(),
        "acknowledgements_queued": Notification.objects.count() - warm["notifications"],
    }


def run_ours(backend: str, url: str, manifest_path: Path, data_dir: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--ours-child", backend, str(manifest_path)]
    env = _common.django_environment(url, data_dir)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"backend": backend, "error": " | ".join(done.stderr.strip().splitlines()[-3:])}
    return _common.last_json_line(done.stdout)


# --- checks and report ----------------------------------------------------------------------


def check_helpdesk(result: dict[str, Any], manifest: dict[str, Any]) -> list[str]:
    problems = []
    if result["tickets"] != manifest["threads"]:
        problems.append(f"{result['tickets']} tickets for {manifest['threads']} threads")
    if result["followups"] != manifest["messages"]:
        problems.append(f"{result['followups']} follow-ups for {manifest['messages']} e-mails")
    if result["left_in_mailbox"]:
        problems.append(f"{result['left_in_mailbox']} e-mails left unprocessed in the mailbox")
    return problems


def check_ours(result: dict[str, Any], manifest: dict[str, Any]) -> list[str]:
    problems = []
    if result["cases"] != manifest["threads"]:
        problems.append(f"{result['cases']} cases for {manifest['threads']} threads")
    if result["messages_stored"] != manifest["messages"]:
        problems.append(f"{result['messages_stored']} messages for {manifest['messages']} e-mails")
    if result["customers"] != manifest["senders"]:
        problems.append(f"{result['customers']} customers for {manifest['senders']} senders")
    not_processed = {k: v for k, v in result["raw_statuses"].items() if k != "processed"}
    if not_processed:
        problems.append(f"raw rows not processed: {not_processed}")
    if result["cases_without_open_clock"]:
        problems.append(f"{result['cases_without_open_clock']} cases without an open clock")
    return problems


def describe(label: str, result: dict[str, Any], problems: list[str]) -> str:
    verdict = "correct" if not problems else "WRONG: " + "; ".join(problems)
    return (
        f"{label:>22}: {result['messages_per_second']:8.1f} e-mails/s "
        f"({result['messages']} in {result['seconds']:.2f} s) — {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 messages instead of 2000")
    parser.add_argument("--messages", type=int, help="how many messages (overrides --quick)")
    parser.add_argument("--sqlite-only", action="store_true", help="skip our PostgreSQL run")
    parser.add_argument("--no-helpdesk", action="store_true", help="skip django-helpdesk")
    parser.add_argument("--helpdesk-child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--ours-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.helpdesk_child:
        project, manifest_path = map(Path, args.helpdesk_child)
        _common.emit(helpdesk_child(project, json.loads(manifest_path.read_text())))
        return
    if args.ours_child:
        backend, manifest_path = args.ours_child
        _common.emit(ours_child(backend, json.loads(Path(manifest_path).read_text())))
        return

    count = args.messages or (200 if args.quick else 2000)
    with tempfile.TemporaryDirectory(prefix="posventa-bench-helpdesk-") as temp:
        workdir = Path(temp)
        manifest = write_messages(workdir / "messages", count)
        manifest_path = workdir / "messages" / "manifest.json"
        print(
            f"{count} e-mails in {manifest['threads']} threads from {manifest['senders']} "
            f"senders: {manifest['replies']} replies (In-Reply-To), {manifest['with_html']} "
            f"with an HTML part, {manifest['with_attachment']} with an attachment, "
            f"{manifest['bytes'] / 1024:.0f} KiB",
            flush=True,
        )

        helpdesk: dict[str, Any] | None = None
        helpdesk_problem = "skipped (--no-helpdesk)"
        if not args.no_helpdesk:
            helpdesk, helpdesk_problem = run_helpdesk(workdir, manifest_path)
        if helpdesk is None:
            print(f"django-helpdesk: not measured: {helpdesk_problem}")
        else:
            helpdesk["problems"] = check_helpdesk(helpdesk, manifest)
            label = f"django-helpdesk {helpdesk['version']}"
            print(describe(label, helpdesk, helpdesk["problems"]), flush=True)

        ours = [run_ours("sqlite", f"sqlite:///{workdir / 'ours.sqlite3'}", manifest_path, workdir)]
        if not args.sqlite_only:
            url = os.environ.get("DATABASE_URL", "")
            url = url if url.startswith("postgres") else DEFAULT_PG_URL
            unreachable = _common.postgres_reachable(url)
            if unreachable:
                ours.append({"backend": "postgresql", "error": f"not reachable: {unreachable}"})
            else:
                _common.create_database(url, drop_first=True)
                ours.append(run_ours("postgresql", url, manifest_path, workdir))
    for result in ours:
        if "error" in result:
            print(f"{'posventa ' + result['backend']:>22}: failed: {result['error']}")
            continue
        result["problems"] = check_ours(result, manifest)
        print(describe(f"posventa {result['backend']}", result, result["problems"]))

    summary: dict[str, Any] = {
        "benchmark": "ingest_vs_helpdesk",
        "messages": count,
        "threads": manifest["threads"],
        "target_ratio": TARGET_RATIO,
        "helpdesk": helpdesk,
        "helpdesk_problem": helpdesk_problem if helpdesk is None else None,
        "posventa": ours,
    }
    for result in ours:
        if helpdesk is not None and "error" not in result:
            ratio = result["messages_per_second"] / helpdesk["messages_per_second"]
            summary[f"ratio_{result['backend']}"] = round(ratio, 1)
            print(f"{'ratio ' + result['backend']:>22}: {ratio:.1f} x helpdesk's rate")
    sqlite_ratio = summary.get("ratio_sqlite")
    all_correct = not (helpdesk or {}).get("problems") and all(
        "error" not in r and not r["problems"] for r in ours
    )
    summary["correct"] = all_correct
    summary["meets_target"] = bool(all_correct and sqlite_ratio and sqlite_ratio >= TARGET_RATIO)
    print(
        f"{'target':>22}: >= {TARGET_RATIO:.0f} x, SQLite on both sides: {summary['meets_target']}"
    )
    _common.emit(summary)


if __name__ == "__main__":
    main()
