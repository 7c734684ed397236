"""Asterisk Master.csv imports: real files in cdr_csv's format, streamed; the same file
again adds nothing; every bad line is reported with its number and reason."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from pytest_django.fixtures import Settings as SettingsWrapper

from posventa.cases.models import Case
from posventa.core.models import Event, Site
from posventa.customers import actions as customer_actions
from posventa.customers.models import Customer
from posventa.telephony.actions import cdr_import
from posventa.telephony.models import Call, CallStatus, CdrImport, CdrRowError, PhoneSettings
from tests.telephony.cdr_files import cdr_line


@pytest.fixture(autouse=True)
def data_dir(settings: SettingsWrapper, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def run(site: Site, text: bytes, **kwargs: Any) -> CdrImport:
    return cdr_import.import_cdr(site, io.BytesIO(text), filename="Master.csv", **kwargs)


def test_an_answered_call_keeps_its_facts_in_the_sites_local_time(phone_site: Site) -> None:
    record = run(phone_site, cdr_line(ring=8, talk=60).encode())
    assert (record.rows_read, record.rows_imported, record.rows_bad) == (1, 1, 0)
    call = Call.objects.get()
    # 10:00 in Madrid in December is 09:00 UTC.
    assert call.started_at == dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    assert call.status == CallStatus.COMPLETED and call.meets_info_phone is True
    assert (call.ring_seconds, call.rings, call.talk_seconds) == (8, 2, 60)
    assert call.agent_raw == "201" and call.department == "service"
    assert call.caller == "+34600000130" and call.external_id == "1764583200.1"


def test_times_can_be_utc_as_cdr_conf_allows(phone_site: Site) -> None:
    PhoneSettings.objects.create(site=phone_site, cdr_times_utc=True)
    run(phone_site, cdr_line().encode())
    assert Call.objects.get().started_at == dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


def test_a_call_across_the_autumn_clock_change_ends_after_it_starts(phone_site: Site) -> None:
    # 02:59:50 CEST, then the clocks go back: 02:00:20 CET is 30 s later.
    line = cdr_line(start=dt.datetime(2026, 10, 25, 2, 59, 50), ring=30, talk=None)
    line = line.replace("2026-10-25 03:00:20", "2026-10-25 02:00:20")
    record = run(phone_site, line.encode())
    assert record.rows_bad == 0
    assert Call.objects.get().ring_seconds == 30


def test_quoted_names_with_quotes_and_commas_are_read(phone_site: Site) -> None:
    run(phone_site, cdr_line(clid='"Pérez, ""el de Vallecas""" <600000130>').encode())
    assert Call.objects.get().caller == "+34600000130"


def test_unanswered_and_outbound_calls(phone_site: Site) -> None:
    text = cdr_line(talk=None, ring=30, uniqueid="u1") + cdr_line(
        src="201",
        dst="600000131",
        dcontext="from-internal",
        channel="SIP/201-00000003",
        dstchannel="SIP/trunk-00000004",
        disposition="BUSY",
        talk=None,
        uniqueid="u2",
    )
    run(phone_site, text.encode())
    missed = Call.objects.get(external_id="u1")
    busy = Call.objects.get(external_id="u2")
    assert missed.status == CallStatus.MISSED and missed.meets_info_phone is False
    assert busy.direction == "outbound" and busy.status == CallStatus.BUSY
    assert busy.called == "+34600000131" and busy.meets_info_phone is None


def test_the_same_file_again_adds_nothing(phone_site: Site) -> None:
    text = (cdr_line(uniqueid="a") + cdr_line(uniqueid="b")).encode()
    run(phone_site, text)
    again = run(phone_site, text)
    assert (again.rows_imported, again.rows_already_known) == (0, 2)
    assert Call.objects.count() == 2 and Customer.objects.count() == 1


def test_a_grown_file_imports_only_its_new_lines(phone_site: Site) -> None:
    first = cdr_line(uniqueid="a")
    run(phone_site, first.encode())
    grown = run(phone_site, (first + cdr_line(uniqueid="b")).encode())
    assert (grown.rows_imported, grown.rows_already_known) == (1, 1)


def test_lines_without_uniqueid_are_known_by_their_content(phone_site: Site) -> None:
    text = (cdr_line(uniqueid=None) + cdr_line(uniqueid=None, ring=3)).encode()
    run(phone_site, text)
    assert run(phone_site, text).rows_already_known == 2
    assert Call.objects.count() == 2


def test_the_optional_columns_of_cdr_conf_are_accepted(phone_site: Site) -> None:
    line = cdr_line(uniqueid="u9", extra=("userfield", "", "1764583200.1", 7))
    assert run(phone_site, line.encode()).rows_imported == 1


def test_every_bad_line_is_reported_and_every_good_one_imported(phone_site: Site) -> None:
    good = cdr_line(uniqueid="good-1")
    lines = [
        good.encode(),
        b'"","1","2","ctx"\n',
        cdr_line(uniqueid="bad-date")
        .replace("2026-12-01 10:00:00", "2026-13-45 25:00:00", 1)
        .encode(),
        cdr_line(uniqueid="bad-utf8").encode().replace(b"Cliente", b"Cli\xe9nte"),
        cdr_line(uniqueid="good-2", src="anonymous").encode(),
        b"\n",
        cdr_line(uniqueid="bad-disp", disposition="EXPLODED").encode(),
        cdr_line(uniqueid="good-3").encode(),
    ]
    record = run(phone_site, b"".join(lines))
    assert (record.rows_imported, record.rows_bad) == (3, 4)
    errors = {error.line_number: error.reason for error in CdrRowError.objects.all()}
    assert sorted(errors) == [2, 3, 4, 7]
    assert "columns" in errors[2] and "start" in errors[3]
    assert "UTF-8" in errors[4] and "disposition" in errors[7]
    assert "Cli\ufffdnte" in CdrRowError.objects.get(line_number=4).raw_line
    # A number phonenumbers cannot read is kept as given and flagged, never dropped.
    unknown = Call.objects.get(external_id="good-2")
    assert unknown.caller_raw == "anonymous" and unknown.caller == "" and unknown.caller_unparsed


def test_a_known_caller_is_linked_and_the_call_goes_on_their_open_case(
    phone_site: Site, email_case: Case
) -> None:
    customer = email_case.customer
    customer_actions.add_contact_point(customer, "phone", "+34600000130", region="ES")
    run(phone_site, cdr_line(talk=None, ring=40).encode())
    call = Call.objects.get()
    assert call.customer == customer and call.case == email_case
    event = Event.objects.get(verb="call.missed")
    assert event.subject_id == str(email_case.pk)


def test_an_unknown_caller_becomes_a_contact_staff_can_merge(phone_site: Site) -> None:
    run(phone_site, (cdr_line(uniqueid="a") + cdr_line(uniqueid="b")).encode())
    customer = Customer.objects.get()
    assert customer.contact_points.get().value == "+34600000130"
    assert customer.first_site == phone_site
    assert set(Call.objects.values_list("customer", flat=True)) == {customer.pk}


def test_the_raw_file_is_kept_before_it_is_read(phone_site: Site, data_dir: Path) -> None:
    text = cdr_line().encode()
    record = run(phone_site, text)
    assert Path(record.stored_path).read_bytes() == text
    assert Path(record.stored_path).parent == data_dir / "cdr" and record.size == len(text)


def test_the_command_imports_with_a_progress_bar(phone_site: Site, tmp_path: Path) -> None:
    path = tmp_path / "Master.csv"
    path.write_text("".join(cdr_line(uniqueid=str(n)) for n in range(30)) + '"broken\n')
    out = io.StringIO()
    call_command("import_cdr", "madrid", str(path), "--utc", stdout=out)
    text = out.getvalue()
    assert "[##############################] 100%" in text and "rows/s" in text
    assert "30 calls imported" in text and "1 bad rows" in text
    assert "line 31:" in text
    assert CdrImport.objects.get().times_utc


def test_the_command_is_silent_at_verbosity_0(phone_site: Site, tmp_path: Path) -> None:
    path = tmp_path / "Master.csv"
    path.write_text(cdr_line())
    out = io.StringIO()
    call_command("import_cdr", "madrid", str(path), verbosity=0, stdout=out)
    assert out.getvalue() == "" and Call.objects.count() == 1


def test_the_command_names_a_bad_argument(phone_site: Site, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="site"):
        call_command("import_cdr", "nowhere", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="path"):
        call_command("import_cdr", "madrid", str(tmp_path / "missing.csv"))
