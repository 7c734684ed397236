"""The schedule file: the generic one is valid, a dealership's file is checked line by
line, and a file with a bad line is refused whole, naming the line (command and import)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from posventa import cli
from posventa.advisor import actions, schedule
from posventa.advisor.advice import advise, rules_of
from posventa.advisor.models import MaintenanceSchedule
from posventa.core import actions as core_actions
from posventa.core.events import timeline
from posventa.core.models import Organisation
from posventa.customers.models import Vehicle

HEADER = ",".join(schedule.COLUMNS)
DEALER_FILE = f"""# Volvo dealership: brake fluid every 2 years, 30,000 km service covers it.
{HEADER}
brake-fluid,Volvo,,,,24,,,inspection-30k brake-fluid,,,
oil-service,Volvo,XC40,petrol,20000,12,10000,6,oil-service inspection-30k,,,
adblue,Volvo,,diesel,15000,,,,oil-service,AdBlue top-up,Recarga de AdBlue,Påfyllning av AdBlue
"""
BAD_FILE = f"""{HEADER}
brake-fluid,Volvo,,,,24,,,brake-fluid,,,
Oil Service,Volvo,,,15000,12,,,oil-service,,,
oil-service,,XC40,,15000,12,,,oil-service,,,
coolant,Volvo,,kerosene,abc,12,,,coolant,,,
brake-fluid,Volvo,,,,36,,,brake-fluid,,,
wipers,Volvo,,,,12,,,,Wipers,,
"""


def test_the_generic_schedule_is_valid_and_documents_every_item() -> None:
    rules = schedule.generic_rules()
    assert {rule.code for rule in rules} >= {"oil-service", "brake-fluid", "inspection-30k"}
    assert all(rule.appointment_types for rule in rules)


def test_every_bad_line_is_named_with_its_field() -> None:
    with pytest.raises(schedule.ScheduleError) as refused:
        schedule.parse_schedule(BAD_FILE)
    named = {(error.line, error.field) for error in refused.value.errors}
    assert (3, "code") in named  # "Oil Service" is not a code
    assert (4, "model") in named  # a model without its make
    assert (5, "fuel") in named and (5, "km") in named
    assert (6, "code") in named  # the same rule as line 2
    assert (7, "appointment_types") in named
    assert (7, "label_es") in named and (7, "label_sv") in named
    assert 2 not in {error.line for error in refused.value.errors}


def test_a_missing_column_is_named_on_the_header_line() -> None:
    with pytest.raises(schedule.ScheduleError) as refused:
        schedule.parse_schedule("# comment\ncode,make,km\nbrake-fluid,,24\n")
    assert refused.value.errors[0].line == 2
    assert refused.value.errors[0].field == "header"
    assert "months" in refused.value.errors[0].message


def test_the_validation_command_counts_the_rules_of_a_good_file(tmp_path: Path) -> None:
    path = tmp_path / "volvo.csv"
    path.write_text(DEALER_FILE, encoding="utf-8")
    out = io.StringIO()
    call_command("validate_schedule", str(path), stdout=out)
    assert "3 rules, all valid" in out.getvalue()


def test_the_validation_command_names_each_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD_FILE, encoding="utf-8")
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("validate_schedule", str(path), stdout=io.StringIO())
    text = str(refused.value)
    assert "refused" in text
    for line in (3, 4, 5, 6, 7):
        assert f"line {line}," in text


def test_the_validation_command_names_a_file_it_cannot_read(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(HEADER.encode() + b"\nbrake-fluid,Citro\xebn,,,,24,,,brake-fluid,,,\n")
    with pytest.raises(CommandError, match="not UTF-8"):
        call_command("validate_schedule", str(path))
    with pytest.raises(CommandError, match=r"missing\.csv"):
        call_command("validate_schedule", str(tmp_path / "missing.csv"))


def test_an_imported_file_overrides_the_generic_rules_for_its_make(
    group: Organisation, car: Vehicle, tmp_path: Path
) -> None:
    path = tmp_path / "volvo.csv"
    path.write_text(DEALER_FILE, encoding="utf-8")
    call_command("import_schedule", group.slug, str(path), stdout=io.StringIO())
    imported = MaintenanceSchedule.objects.get(organisation=group, active=True)
    assert imported.rules == 3 and imported.text == DEALER_FILE
    assert [event.verb for event in timeline(imported)] == ["advisor.schedule_imported"]
    assert "adblue" in {rule.code for rule in rules_of(group.pk)}
    # The dealer's brake fluid is done with the inspection service: one appointment.
    advice = advise(car, today=timezone.localdate())
    brake = next(item for item in advice.items if item.code == "brake-fluid")
    assert brake.appointment_type_codes == ("inspection-30k", "brake-fluid")
    assert advice.appointment_type_codes == ("inspection-30k",)


def test_a_file_with_a_bad_line_is_refused_whole_and_the_previous_one_stays(
    group: Organisation,
) -> None:
    first = actions.import_schedule(group, name="volvo.csv", text=DEALER_FILE)
    with pytest.raises(ValidationError) as refused:
        actions.import_schedule(group, name="bad.csv", text=BAD_FILE)
    assert "file" in refused.value.message_dict
    assert len(refused.value.message_dict["file"]) >= 5
    assert list(MaintenanceSchedule.objects.filter(organisation=group)) == [first]
    assert MaintenanceSchedule.objects.get(pk=first.pk).active


def test_a_new_file_replaces_the_active_one_and_keeps_the_old_one(group: Organisation) -> None:
    first = actions.import_schedule(group, name="volvo.csv", text=DEALER_FILE)
    second = actions.import_schedule(
        group, name="volvo-2027.csv", text=f"{HEADER}\nbrake-fluid,Volvo,,,,36,,,brake-fluid,,,\n"
    )
    assert not MaintenanceSchedule.objects.get(pk=first.pk).active
    assert MaintenanceSchedule.objects.get(pk=second.pk).active
    assert "adblue" not in {rule.code for rule in rules_of(group.pk)}


def test_the_import_command_names_an_unknown_organisation(db: None, tmp_path: Path) -> None:
    path = tmp_path / "volvo.csv"
    path.write_text(DEALER_FILE, encoding="utf-8")
    with pytest.raises(CommandError, match="organisation"):
        call_command("import_schedule", "nobody", str(path))


def test_the_console_script_validates_a_file_by_its_friendly_name(
    db: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "volvo.csv"
    path.write_text(DEALER_FILE, encoding="utf-8")
    assert cli.main(["validate_schedule", str(path)]) == 0
    assert "3 rules, all valid" in capsys.readouterr().out


def test_one_organisations_file_never_changes_another_organisations_advice(
    group: Organisation, car: Vehicle
) -> None:
    other = core_actions.create_organisation("Otro Grupo Inventado", "otro-inventado")
    actions.import_schedule(
        other, name="strict.csv", text=f"{HEADER}\nbrake-fluid,Volvo,,,,6,,,brake-fluid,,,\n"
    )
    assert rules_of(group.pk) == schedule.generic_rules()
    brake = next(
        item for item in advise(car, today=timezone.localdate()).items if item.code == "brake-fluid"
    )
    assert brake.reason.startswith("Brake fluid: every 2 years")


def test_advice_for_a_vehicle_costs_three_queries_once_its_file_is_read(
    car: Vehicle, django_assert_num_queries: Any
) -> None:
    actions.import_schedule(car.organisation, name="volvo.csv", text=DEALER_FILE)
    with django_assert_num_queries(4):  # a new file's text is read once
        advise(car, today=timezone.localdate())
    with django_assert_num_queries(3):  # readings, history, which file is active
        advise(car, today=timezone.localdate())
