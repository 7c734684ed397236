"""Parse-ahead (`inbox.parse_ahead`): a worker process parses a fetch while `ingest_many`
stores it, and the outcome is exactly what parsing in this process gives.

These tests use a real spawned worker (started once, stopped at the end of the module).
They watch which slices the worker parsed through the `ParseAhead` that `ingest_many`
used, caught by wrapping `parse_ahead.start`; the pool itself is never replaced.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import pytest
from django.utils import timezone

from posventa.core.models import Site
from posventa.inbox import parse_ahead
from posventa.inbox.batch import InboundItem, ingest_many
from posventa.inbox.models import InboundRaw, InboundStatus
from posventa.inbox.normalise import InboundMessage, ParseError
from tests.inbox.factories import email_bytes, twilio_body
from tests.inbox.test_batch_ingest import FROZEN, _site, _snapshot, _traffic

UNKNOWN_CHARSET = (
    b"From: Ines <ines@example.org>\r\n"
    b"To: taller@beta.example\r\n"
    b"Subject: charset\r\n"
    b"Message-ID: <charset@example.org>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: text/plain; charset="x-unknown-foo"\r\n'
    b"\r\n"
    b"Hola \xe9\r\n"
)


@pytest.fixture(scope="module", autouse=True)
def stop_the_worker_at_the_end() -> Iterator[None]:
    yield
    parse_ahead.shutdown()


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    monkeypatch.setattr(timezone, "now", lambda: FROZEN)
    return FROZEN


@pytest.fixture
def worker_pid(settings: Any) -> int:
    """Parse-ahead on with one worker, started (the first fetch does not wait for it)."""
    settings.POSVENTA_PARSE_PROCESSES = 1
    settings.POSVENTA_PARSE_AHEAD_MIN = 40
    pid = parse_ahead.warm_up()
    assert pid is not None, "the parse-ahead worker did not start"
    return pid


@pytest.fixture
def fetches(monkeypatch: pytest.MonkeyPatch) -> list[parse_ahead.ParseAhead]:
    """The `ParseAhead` of every `ingest_many` call, to see who parsed what."""
    seen: list[parse_ahead.ParseAhead] = []
    start = parse_ahead.start

    def watched(items: Any) -> parse_ahead.ParseAhead:
        seen.append(start(items))
        return seen[-1]

    monkeypatch.setattr(parse_ahead, "start", watched)
    return seen


def _round(items: list[InboundItem], site: Site, number: int) -> list[InboundItem]:
    """The same traffic again as new messages: other Message-IDs and SMS ids (references
    to them included), IMAP-like metadata with a value JSON cannot hold as it is."""
    domain = f"@{site.slug}.example>".encode()
    renamed = []
    for index, item in enumerate(items):
        raw = item.raw.replace(domain, f".r{number}".encode() + domain)
        raw = raw.replace(f"{site.slug}&".encode(), f"{site.slug}-r{number}&".encode())
        key = f"{item.dedupe_key}-r{number}" if item.dedupe_key else ""
        metadata = {"uid": number * 100 + index, "fetched": dt.date(2026, 3, number)}
        renamed.append(
            InboundItem(item.channel, raw, item.source, site, dedupe_key=key, metadata=metadata)
        )
    return renamed


def _big_traffic(site: Site) -> list[InboundItem]:
    """The mixed traffic of test_batch_ingest three times over as new
    messages, then five redeliveries of the first ones."""
    first = _traffic(site)
    return first + _round(first, site, 1) + _round(first, site, 2) + first[:5]


def _emails(site: Site, count: int) -> list[InboundItem]:
    return [
        InboundItem(
            "email",
            email_bytes(
                from_=f"Cliente {n} <cliente{n}@example.net>",
                to=f"taller@{site.slug}.example",
                subject=f"Consulta {n}",
                message_id=f"<pa{n}@{site.slug}.example>",
                body=f"Consulta número {n}. " * (n % 7 + 1),
            ),
            source="imap",
            site=site,
        )
        for n in range(count)
    ]


def _assert_same(expected: dict[str, Any], got: dict[str, Any]) -> None:
    for part in expected:
        assert len(got[part]) == len(expected[part]), part
        for index, (mine, theirs) in enumerate(zip(got[part], expected[part], strict=True)):
            if mine != theirs and isinstance(mine, tuple):
                for field_index, (a, b) in enumerate(zip(mine, theirs, strict=True)):
                    assert a == b, f"{part} #{index} field {field_index}"
            assert mine == theirs, f"{part} #{index}"


def _parsed_by(ahead: parse_ahead.ParseAhead) -> list[str]:
    return [piece.parsed_by for piece in ahead.slices]


def test_an_offloaded_fetch_leaves_exactly_what_parsing_here_leaves(
    db: None,
    frozen_now: dt.datetime,
    settings: Any,
    worker_pid: int,
    fetches: list[parse_ahead.ParseAhead],
) -> None:
    here, offloaded = _site("alfa"), _site("beta")

    settings.POSVENTA_PARSE_PROCESSES = 0
    expected_rows = ingest_many(_big_traffic(here))
    settings.POSVENTA_PARSE_PROCESSES = 1
    got_rows = ingest_many(_big_traffic(offloaded))

    off, on = fetches
    assert off.pool is None and not off.slices
    assert on.pool is not None and "pool" in _parsed_by(on)
    assert set(_parsed_by(on)) <= {"pool", "here"} and "" not in _parsed_by(on)
    _assert_same(
        _snapshot(here.organisation, expected_rows), _snapshot(offloaded.organisation, got_rows)
    )
    # Every row this fetch stored (24 a round: each round redelivers its first message).
    assert len(on.index_of_row) == 3 * (len(_traffic(offloaded)) - 1)
    statuses = [row.status for row in got_rows]
    assert statuses.count(InboundStatus.QUARANTINED) == 6  # no sender, a collision, x3
    assert got_rows[3 * len(_traffic(offloaded))].pk == got_rows[0].pk  # a redelivery


def test_the_worker_parses_in_another_process_exactly_as_here(
    db: None, madrid: Site, worker_pid: int, fetches: list[parse_ahead.ParseAhead]
) -> None:
    assert worker_pid != os.getpid()

    rows = ingest_many(_emails(madrid, 120))

    [ahead] = fetches
    assert all(row.status == InboundStatus.PROCESSED for row in rows)
    by_pool = [piece for piece in ahead.slices if piece.parsed_by == "pool"]
    assert by_pool, _parsed_by(ahead)
    for piece in by_pool:
        assert piece.outcomes == parse_ahead.parse_slice(piece.jobs)
        assert all(isinstance(outcome, InboundMessage) for outcome in piece.outcomes)


def test_a_killed_worker_means_parsing_here_and_a_new_worker_next_time(
    db: None,
    frozen_now: dt.datetime,
    settings: Any,
    worker_pid: int,
    fetches: list[parse_ahead.ParseAhead],
    caplog: pytest.LogCaptureFixture,
) -> None:
    here, offloaded = _site("alfa"), _site("beta")
    settings.POSVENTA_PARSE_PROCESSES = 0
    expected_rows = ingest_many(_big_traffic(here))
    settings.POSVENTA_PARSE_PROCESSES = 1

    os.kill(worker_pid, signal.SIGKILL)
    pool = parse_ahead.ready_pool()
    assert pool is not None
    with pytest.raises(BrokenProcessPool):  # the pool has seen its worker die
        pool.executor.submit(os.getpid).result(timeout=30)
    with caplog.at_level(logging.WARNING, logger="posventa.inbox"):
        got_rows = ingest_many(_big_traffic(offloaded))

    assert fetches[-1].failed and set(_parsed_by(fetches[-1])) == {"here"}
    assert len([r for r in caplog.records if "Parse-ahead failed" in r.message]) == 1
    _assert_same(
        _snapshot(here.organisation, expected_rows), _snapshot(offloaded.organisation, got_rows)
    )
    replacement = parse_ahead.warm_up()
    assert replacement is not None and replacement != worker_pid


def test_a_pool_shut_down_under_a_fetch_means_parsing_here(
    db: None, madrid: Site, worker_pid: int, fetches: list[parse_ahead.ParseAhead]
) -> None:
    pool = parse_ahead.ready_pool()
    assert pool is not None
    pool.executor.shutdown(wait=True)

    rows = ingest_many(_emails(madrid, 60))

    assert fetches[-1].failed and set(_parsed_by(fetches[-1])) == {"here"}
    assert [row.status for row in rows] == [InboundStatus.PROCESSED] * 60
    assert parse_ahead.warm_up() is not None  # a new pool for the next fetch


def test_a_worker_too_slow_to_answer_means_parsing_here(
    db: None,
    madrid: Site,
    worker_pid: int,
    fetches: list[parse_ahead.ParseAhead],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parse_ahead, "RESULT_TIMEOUT", 0.0)

    rows = ingest_many(_emails(madrid, 200))

    # Whether the worker was still busy when asked or had already answered, every
    # message is parsed once and processed.
    assert [row.status for row in rows] == [InboundStatus.PROCESSED] * 200
    assert "" not in _parsed_by(fetches[-1])
    monkeypatch.undo()
    assert parse_ahead.warm_up() is not None


def test_below_the_minimum_nothing_is_handed_to_the_worker(
    db: None, madrid: Site, worker_pid: int, fetches: list[parse_ahead.ParseAhead]
) -> None:
    rows = ingest_many(_emails(madrid, 39))

    [ahead] = fetches
    assert ahead.pool is None and ahead.slices == [] and ahead.futures == []
    assert [row.status for row in rows] == [InboundStatus.PROCESSED] * 39


def test_bad_input_parsed_by_the_worker_is_quarantined_with_its_reason(
    db: None, madrid: Site, worker_pid: int, fetches: list[parse_ahead.ParseAhead]
) -> None:
    bad = [
        InboundItem("email", b"   \r\n", source="imap", site=madrid),
        InboundItem("email", b"Subject: nadie\r\n\r\nSin remitente.", source="imap", site=madrid),
        InboundItem("email", UNKNOWN_CHARSET, source="imap", site=madrid),
        InboundItem("sms", twilio_body(sender="", sid="SMbad"), source="webhook", site=madrid),
    ]
    # Bad input first: the worker takes slices from the first.
    rows = ingest_many(bad + _emails(madrid, 150))

    [ahead] = fetches
    assert ahead.slices[0].parsed_by == "pool"
    assert all(isinstance(outcome, ParseError) for outcome in ahead.slices[0].outcomes[:2])
    empty, no_sender, charset, sms = (InboundRaw.objects.get(pk=row.pk) for row in rows[:4])
    assert (empty.status, empty.reason) == (
        InboundStatus.QUARANTINED,
        "Empty e-mail: no headers and no body.",
    )
    assert no_sender.status == InboundStatus.QUARANTINED
    assert no_sender.reason == "No sender address could be read from the From header."
    assert sms.status == InboundStatus.QUARANTINED and sms.reason
    # An unknown charset is no reason to refuse a message: read as UTF-8, with a warning.
    assert charset.status == InboundStatus.PROCESSED
    assert any("x-unknown-foo" in warning for warning in charset.warnings)
    assert [row.status for row in rows[4:]] == [InboundStatus.PROCESSED] * 150


def test_an_unexpected_error_while_parsing_becomes_a_parse_error() -> None:
    [unknown, broken] = parse_ahead.parse_slice(
        [("fax", b"...", {}), ("email", None, {})]  # type: ignore[list-item]
    )

    assert isinstance(unknown, ParseError) and str(unknown) == "Unknown channel 'fax'."
    assert isinstance(broken, ParseError) and "strip" in str(broken)


def test_a_row_stored_earlier_with_other_metadata_is_parsed_from_its_own(
    db: None, madrid: Site, worker_pid: int, fetches: list[parse_ahead.ParseAhead]
) -> None:
    from posventa.inbox.batch import store_many

    items = _emails(madrid, 60)
    for item in items:
        item.metadata = {"envelope_to": ["otro@madrid.example"]}
    earlier = store_many(items[:10])  # stored, not processed yet (a crash, say)

    rows = ingest_many(_emails(madrid, 60))  # the same bytes again, other metadata

    [ahead] = fetches
    assert [row.pk for row in rows[:10]] == [row.pk for row in earlier]
    assert set(ahead.index_of_row) == {row.pk for row in rows[10:]}
    assert [row.status for row in rows] == [InboundStatus.PROCESSED] * 60


def test_prepare_starts_the_worker_for_the_first_fetch(settings: Any) -> None:
    settings.POSVENTA_PARSE_PROCESSES = 1
    parse_ahead.shutdown()

    parse_ahead.prepare()

    assert parse_ahead._pool is not None  # created, its worker starting
    pid = parse_ahead.warm_up()
    assert pid is not None and pid != os.getpid()
    assert parse_ahead.ready_pool() is not None


def test_prepare_does_nothing_when_parse_ahead_is_off(settings: Any) -> None:
    settings.POSVENTA_PARSE_PROCESSES = 0
    parse_ahead.shutdown()

    parse_ahead.prepare()

    assert parse_ahead._pool is None
