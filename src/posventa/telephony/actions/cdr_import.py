"""Asterisk Master.csv files into calls, streamed in chunks.

The file is first copied as it came (raw first) to DATA_DIR/cdr/<sha256>.csv, hashing it
on the way, and a `CdrImport` row records it. Then it is read line by line
(`telephony.cdr`) and written a chunk at a time, each chunk in its own transaction: the
new calls (one per site and uniqueid, or a digest of the line when cdr.conf logs no
uniqueid), the bad lines (`CdrRowError`, with line number, reason and text), the
counters. A call already known (the same file imported again, or a Master.csv that grew
since the last import) is counted as such and changes nothing.

Per chunk, the callers' numbers are looked up at once: a known customer's calls are
linked to them (and to their open case at the site, whose timeline shows the call); an
unknown caller becomes a new contact, as on the webhooks; a number several customers share
is left for a person. Each chunk's calls are final, so they go to `callbacks.calls_closed`
in the chunk's transaction. Memory stays flat whatever the file size: a chunk, the
site's lines and the number cache.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import operator
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from posventa.cases.models import Case
from posventa.core.bulk import insert_new, insert_rows, new_row, reserve_keys
from posventa.core.events import deferred_events, record_events
from posventa.core.models import Site, User
from posventa.customers import actions as customer_actions
from posventa.customers.models import (
    Channel,
    ContactKind,
)
from posventa.telephony.actions._common import (
    calls_became_final,
    line_departments,
    open_cases_by_customer,
    phone_points,
    rules_for,
    sole_owners,
)
from posventa.telephony.cdr import CdrProblem, CdrRecord, read_records
from posventa.telephony.facts import Rules, record_facts
from posventa.telephony.lookups import rows_in, table
from posventa.telephony.models import (
    Call,
    CallDirection,
    CallSource,
    CdrImport,
    CdrRowError,
    PhoneSettings,
)
from posventa.telephony.numbers import read_number

CHUNK_ROWS = 5000
# See `import_session`.
IMPORT_CACHE_KIB = 32 * 1024
GC_THRESHOLD = 50_000
COPY_BUFFER = 1024 * 1024
ACTOR_LABEL = "phone:asterisk_cdr"


class Readable(Protocol):
    """A file as it arrives: an open file, an upload."""

    def read(self, size: int = ..., /) -> bytes: ...


# (bytes read, total bytes, rows read so far)
Progress = Callable[[int, int, int], None]


@dataclass
class Counts:
    read: int = 0
    imported: int = 0
    known: int = 0
    bad: int = 0


def storage_dir() -> Path:
    return Path(settings.DATA_DIR) / "cdr"


def keep_file(source: Readable) -> tuple[Path, str, int]:
    """Copy the file as it came into storage, hashing it; returns (path, sha256, size)."""
    folder = storage_dir()
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".part") as copy:
        while block := source.read(COPY_BUFFER):
            digest.update(block)
            size += len(block)
            copy.write(block)
    sha = digest.hexdigest()
    target = folder / f"{sha}.csv"
    shutil.move(copy.name, target)
    return target, sha, size


def import_cdr(
    site: Site,
    source: Readable,
    *,
    filename: str,
    times_utc: bool | None = None,
    actor: User | None = None,
    on_progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> CdrImport:
    """Keep the file, then import it. `times_utc` None: the site's PhoneSettings."""
    stored, sha, size = keep_file(source)
    if times_utc is None:
        row = PhoneSettings.objects.filter(site=site).only("cdr_times_utc").first()
        times_utc = row.cdr_times_utc if row else False
    with transaction.atomic():
        record = CdrImport.objects.create(
            site=site,
            filename=filename[:255],
            sha256=sha,
            size=size,
            times_utc=times_utc,
            stored_path=str(stored),
            started_at=timezone.now(),
            imported_by=actor,
        )
    try:
        run_import(record, on_progress=on_progress, chunk_rows=chunk_rows)
    except Exception as error:
        CdrImport.objects.filter(pk=record.pk).update(failed=repr(error)[:5000])
        raise
    record.refresh_from_db()
    return record


class _CountingReader:
    """The stored file's lines, counting the bytes read (for the progress bar)."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.done = 0

    def __iter__(self) -> Iterator[bytes]:
        for line in self.handle:
            self.done += len(line)
            yield line


def run_import(
    record: CdrImport, *, on_progress: Progress | None = None, chunk_rows: int = CHUNK_ROWS
) -> Counts:
    """Read the stored file of `record` and write its calls, a chunk per transaction."""
    site = record.site
    zone = None if record.times_utc else ZoneInfo(site.timezone)
    writer = _ChunkWriter(site, record, rules_for(site))
    counts = Counts()
    with open(record.stored_path, "rb") as handle, import_session():
        lines = _CountingReader(handle)
        chunk: list[CdrRecord | CdrProblem] = []
        for item in read_records(lines, zone=zone):
            chunk.append(item)
            if len(chunk) >= chunk_rows:
                writer.write(chunk, counts)
                chunk = []
                if on_progress:
                    on_progress(lines.done, record.size, counts.read)
        writer.write(chunk, counts)
        if on_progress:
            on_progress(lines.done, record.size, counts.read)
    CdrImport.objects.filter(pk=record.pk).update(finished_at=timezone.now())
    return counts


@contextmanager
def import_session() -> Iterator[None]:
    """What a long import changes for its own duration, and puts back after:

    * SQLite's page cache for this connection: IMPORT_CACHE_KIB instead of the default
      2 MB. A chunk's calls go into indexes in random order (a call's customer), and with
      2 MB a page is read, written out and read again several times per chunk. The cache
      holds only copies of pages: durability is the same (WAL, each chunk committed).
    * Python's garbage collector: a chunk holds tens of thousands of objects until it is
      written, which with the default threshold (700 allocations) are scanned many times
      and promoted, setting off full collections of the whole process. Reference counting
      frees a chunk (it makes no cycles), so the collector runs every GC_THRESHOLD
      allocations instead: the same memory, far fewer scans."""
    thresholds = gc.get_threshold()
    cache = _sqlite_cache_size()
    gc.set_threshold(GC_THRESHOLD, *thresholds[1:])
    if cache is not None:
        _set_sqlite_cache_size(-IMPORT_CACHE_KIB)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if cache is not None:
            _set_sqlite_cache_size(cache)


def _sqlite_cache_size() -> int | None:
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        return int(cursor.fetchone()[0])


def _set_sqlite_cache_size(size: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA cache_size = {int(size)}")


class _ChunkWriter:
    """Writes chunks of one import: everything it keeps between chunks is small."""

    def __init__(self, site: Site, record: CdrImport, rules: Rules) -> None:
        self.site = site
        self.record = record
        self.rules = rules
        self.region = site.country
        self.lines = line_departments(site)
        fields = list(Call._meta.concrete_fields)
        names = [field.attname for field in fields]
        quote = connection.ops.quote_name
        self.insert_sql = (
            f"INSERT INTO {quote(Call._meta.db_table)} "
            f"({', '.join(quote(field.column) for field in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        self.values_of = operator.attrgetter(*names)
        self.moments = [
            position
            for position, field in enumerate(fields)
            if isinstance(field, models.DateTimeField) and field.attname != "created_at"
        ]
        self.transfers = names.index("transfers")
        self.created = names.index("created_at")
        self.no_transfers = Call._meta.get_field("transfers").get_db_prep_save([], connection)

    def write(self, chunk: list[CdrRecord | CdrProblem], counts: Counts) -> None:
        if not chunk:
            return
        records = [item for item in chunk if isinstance(item, CdrRecord)]
        problems = [item for item in chunk if isinstance(item, CdrProblem)]
        # The chunk's events (new contacts, calls on cases) in one prepared INSERT.
        with transaction.atomic(savepoint=False), deferred_events():
            if connection.vendor == "postgresql":
                # One import of a site at a time: two copies of one file must not race
                # for the same calls.
                Site.objects.select_for_update().filter(pk=self.site.pk).first()
            fresh = self._fresh(records)
            calls = [self._call(record) for record in fresh]
            self._link_customers(calls)
            self.insert_calls(calls)
            insert_rows(
                [
                    new_row(
                        CdrRowError,
                        cdr_import_id=self.record.pk,
                        line_number=problem.line_number,
                        reason=problem.reason[:300],
                        raw_line=problem.raw_line,
                    )
                    for problem in problems
                ]
            )
            counts.read += len(chunk)
            counts.imported += len(calls)
            counts.known += len(records) - len(calls)
            counts.bad += len(problems)
            CdrImport.objects.filter(pk=self.record.pk).update(
                rows_read=counts.read,
                rows_imported=counts.imported,
                rows_already_known=counts.known,
                rows_bad=counts.bad,
            )
            self._attach_instances(calls)
            calls_became_final(calls, first_time=calls)

    def insert_calls(self, calls: list[Call]) -> None:
        """INSERT the chunk's calls with one prepared statement, their keys reserved first
        (`core.bulk.reserve_keys`). Not `insert_new`: preparing each of a call's 40 values
        the ORM's way costs more than everything else a CDR row needs; these values are
        already of their column's type, so only datetimes and the JSON list need adapting."""
        if not calls:
            return
        keys = reserve_keys(Call._meta, len(calls))  # type: ignore[arg-type]
        for call, key in zip(calls, keys, strict=True):
            call.pk = key
        moment = _moment_adapter()
        now = moment(timezone.now())
        rows = []
        for call in calls:
            values = list(self.values_of(call))
            for position in self.moments:
                if values[position] is not None:
                    values[position] = moment(values[position])
            values[self.transfers] = self.no_transfers
            values[self.created] = now
            rows.append(values)
        with connection.cursor() as cursor:
            cursor.executemany(self.insert_sql, rows)
        for call in calls:
            call._state.adding = False
            call._state.db = connection.alias

    def _fresh(self, records: list[CdrRecord]) -> list[CdrRecord]:
        """The records whose call is not stored yet, once each."""
        known = {
            external_id
            for (external_id,) in rows_in(
                f"SELECT external_id FROM {table(Call)} WHERE site_id = %s AND source = %s "
                "AND external_id IN ({marks})",
                [self.site.pk, CallSource.ASTERISK_CDR],
                (record.key for record in records),
            )
        }
        fresh = []
        for record in records:
            if record.key not in known:
                known.add(record.key)
                fresh.append(record)
        return fresh

    def _call(self, record: CdrRecord) -> Call:
        outbound = record.outbound
        direction = CallDirection.OUTBOUND if outbound else CallDirection.INBOUND
        caller = read_number(record.src, self.region)
        called = read_number(record.dst, self.region)
        facts = record_facts(
            direction=direction,
            start=record.start,
            answer=record.answer,
            end=record.end,
            cause=record.disposition,
            rules=self.rules,
        )
        ours = caller.e164 if outbound else called.e164
        fields = facts.as_fields()
        fields["agent_raw"] = record.agent(outbound) if facts.answered else ""
        return new_row(
            Call,
            organisation_id=self.site.organisation_id,
            site_id=self.site.pk,
            department=self.lines.get(ours, ""),
            source=CallSource.ASTERISK_CDR,
            external_id=record.key,
            direction=direction,
            caller_raw=caller.raw,
            caller=caller.e164,
            caller_unparsed=caller.unparsed,
            called_raw=called.raw,
            called=called.e164,
            **fields,
        )

    def _link_customers(self, calls: list[Call]) -> None:
        """Known numbers to their customer and open case; unknown callers made contacts."""
        wanted = {
            (call.called if call.direction == CallDirection.OUTBOUND else call.caller)
            for call in calls
        }
        wanted.discard("")
        if not wanted:
            return
        owners = sole_owners(phone_points(self.site.organisation_id, wanted))
        callers = {
            call.caller
            for call in calls
            if call.direction == CallDirection.INBOUND and call.caller and call.caller not in owners
        }
        owners.update(self._new_contacts(callers))
        cases = open_cases_by_customer(self.site.pk, {pk for pk in owners.values() if pk})
        for call in calls:
            number = call.called if call.direction == CallDirection.OUTBOUND else call.caller
            customer_id = owners.get(number)
            if customer_id:
                call.customer_id = customer_id
                call.case_id = cases.get(customer_id)

    def _new_contacts(self, numbers: set[str]) -> dict[str, int]:
        if not numbers:
            return {}
        organisation = self.site.organisation
        ordered = sorted(numbers)
        customer_actions.serialise_identifications(organisation.pk, ordered)
        built = [
            customer_actions.build_new_customer(
                organisation, number, "", Channel.PHONE, [(ContactKind.PHONE, number)]
            )
            for number in ordered
        ]
        customers = [customer for customer, _points in built]
        for customer in customers:
            customer.first_site = self.site
        insert_new(customers)
        insert_new([point for _customer, points in built for point in points])
        record_events(
            [
                customer_actions.customer_created_event(
                    customer, [(ContactKind.PHONE, number)], actor_label=ACTOR_LABEL
                )
                for customer, number in zip(customers, ordered, strict=True)
            ]
        )
        return {number: customer.pk for customer, number in zip(customers, ordered, strict=True)}

    def _attach_instances(self, calls: Iterable[Call]) -> None:
        """The site and the open cases as instances, for the timeline events (one query)."""
        with_case = [call for call in calls if call.case_id is not None]
        cases = Case.objects.in_bulk({call.case_id for call in with_case})
        for call in calls:
            call.site = self.site
        for call in with_case:
            call.case = cases[call.case_id]


def _moment_adapter() -> Callable[[dt.datetime], object]:
    """How the connection stores an aware datetime: SQLite (in UTC) as naive text, which is
    Django's own adapter without its per-value checks; any other backend its own way."""
    if connection.vendor == "sqlite" and str(connection.timezone) == "UTC":

        def naive_text(moment: dt.datetime) -> object:
            if moment.tzinfo is dt.UTC:  # every time of a record: no copy needed
                return str(moment)[:-6]  # without its "+00:00"
            return str(moment.astimezone(dt.UTC).replace(tzinfo=None))

        return naive_text
    return connection.ops.adapt_datetimefield_value
