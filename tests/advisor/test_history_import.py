"""Service history from a DMS export: stored first, each line recorded or reported with
its number and reason, nothing recorded twice when the file comes again."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from posventa.advisor import actions
from posventa.advisor.advice import Status, advise
from posventa.advisor.models import ServiceImport, ServiceRecord, ServiceSource
from posventa.core.events import timeline
from posventa.customers.models import Vehicle


def export(car: Vehicle) -> str:
    today = timezone.localdate()
    return (
        "vin,date,km,items,reference,note\n"
        f"{car.vin},{today.replace(day=1).isoformat()},,brake-fluid|coolant,DMS-1,\n"
        f"{car.vin},{today.isoformat()},30100,inspection-30k oil-service,,Revisión completa\n"
        f"WVWZZZ1KZ8W999999,{today.isoformat()},1000,oil-service,DMS-3,\n"
        f"{car.vin},28/11/2025,15000,oil-service,DMS-4,\n"
        f"{car.vin},{today.isoformat()},100,brake-fluid,DMS-5,\n"
        f"{car.vin},{today.isoformat()},,flux-capacitor,DMS-6,\n"
    )


def test_each_line_is_recorded_or_reported_with_its_reason(car: Vehicle) -> None:
    text = export(car)
    received = actions.import_service_history(car.organisation, name="dms.csv", text=text)
    assert ServiceImport.objects.get(pk=received.pk).text == text  # kept as received
    assert (received.recorded, received.known, received.refused) == (2, 0, 4)
    assert [(e["line"], e["field"]) for e in received.errors] == [
        (4, "vin"),
        (5, "date"),
        (6, "km"),
        (7, "items"),
    ]
    imported = ServiceRecord.objects.filter(vehicle=car, source=ServiceSource.IMPORTED)
    assert imported.count() == 2
    assert [event.verb for event in timeline(received)] == ["advisor.service_history_imported"]
    due = {item.code: item.status for item in advise(car, today=timezone.localdate()).items}
    assert due["brake-fluid"] == Status.LATER and due["inspection-30k"] == Status.LATER


def test_the_same_file_again_records_nothing_twice(car: Vehicle) -> None:
    actions.import_service_history(car.organisation, name="dms.csv", text=export(car))
    again = actions.import_service_history(car.organisation, name="dms.csv", text=export(car))
    assert (again.recorded, again.known) == (0, 2)
    assert ServiceRecord.objects.filter(vehicle=car, source=ServiceSource.IMPORTED).count() == 2
    assert ServiceImport.objects.count() == 2


def test_a_file_without_the_columns_is_stored_and_refused_on_its_header(car: Vehicle) -> None:
    received = actions.import_service_history(
        car.organisation, name="wrong.csv", text="matricula,fecha\n9999ZZZ,2025-01-01\n"
    )
    assert received.recorded == 0 and received.errors[0]["field"] == "header"
    assert ServiceImport.objects.filter(pk=received.pk, text__startswith="matricula").exists()


def test_the_command_reports_each_refused_line(car: Vehicle, tmp_path: Path) -> None:
    path = tmp_path / "dms.csv"
    path.write_text(export(car), encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("import_service_history", car.organisation.slug, str(path))
    text = str(refused.value)
    assert "2 recorded, 0 already recorded, 4 refused" in text
    assert "line 4, vin:" in text and "line 7, items:" in text
    clean = tmp_path / "clean.csv"
    clean.write_text("\n".join(export(car).splitlines()[:3]) + "\n", encoding="utf-8")
    out = io.StringIO()
    call_command("import_service_history", car.organisation.slug, str(clean), stdout=out)
    assert "0 recorded, 2 already recorded, 0 refused" in out.getvalue()
