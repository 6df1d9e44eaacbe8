"""Source rows: no index on run_id.

Nothing looks source rows up by their import run (runs are never deleted), so the index
only cost time: kept current for every row written, rebuilt after every bulk load. The
field changes in Django's state only; the database side drops the index by what it
covers, as migration 0004 does, so SQLite does not remake the table.
"""

import django.db.models.deletion
from django.db import migrations, models


def drop_run_index(apps, schema_editor):
    table = "contacts_sourcerecord"
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    for name, info in constraints.items():
        plain_index = info["index"] and not (info["unique"] or info["primary_key"] or info["foreign_key"])
        if plain_index and info["columns"] == ["run_id"]:
            schema_editor.execute(schema_editor._delete_index_sql(apps.get_model("contacts", "SourceRecord"), name))


class Migration(migrations.Migration):

    dependencies = [
        ("contacts", "0004_contact_indexes_without_duplicates"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="sourcerecord",
                    name="run",
                    field=models.ForeignKey(blank=True, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.SET_NULL, to="contacts.importrun"),
                ),
            ],
            database_operations=[migrations.RunPython(drop_run_index, migrations.RunPython.noop)],
        ),
    ]
