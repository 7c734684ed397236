from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0003_drop_key_indexes_another_index_covers"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="portal_link_generation",
            field=models.PositiveIntegerField(
                db_default=0,
                default=0,
                editable=False,
                verbose_name="portal link generation",
            ),
        ),
    ]
