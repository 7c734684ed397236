"""Writes the standards catalogue into the Standard table (idempotent; see clocks.catalogue)."""

from django.db import migrations


def sync(apps, schema_editor):
    from posventa.clocks.catalogue import sync_catalogue

    sync_catalogue(apps.get_model("clocks", "Standard"))


class Migration(migrations.Migration):
    dependencies = [("clocks", "0002_standard_days_override_one_open")]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
