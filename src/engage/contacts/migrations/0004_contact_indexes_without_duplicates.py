"""Contacts: one index per look-up.

On PostgreSQL `db_index=True` on a text column makes two indexes (the second for LIKE,
which nothing here uses), and the single-column indexes on phone_e164 and caller_id
repeat the first column of (phone_e164, arrived_at) and (caller_id, arrived_at). Six
fewer indexes on PostgreSQL, two on SQLite: less to maintain per contact written and
to rebuild after a bulk load. The fields change in Django's state only; the database
side drops the old indexes by what they cover (their names were generated) rather than
through AlterField, which on SQLite would remake the table and lose its triggers
(service migration 0008).
"""

import django.db.models.deletion
from django.db import migrations, models

OLD_COLUMNS = ({"channel"}, {"phone_e164"}, {"place_key"}, {"incident_number"}, {"caller_id"})


def drop_single_column_indexes(apps, schema_editor):
    table = "contacts_contact"
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    for name, info in constraints.items():
        plain_index = info["index"] and not (info["unique"] or info["primary_key"] or info["foreign_key"])
        if plain_index and set(info["columns"]) in OLD_COLUMNS:
            schema_editor.execute(schema_editor._delete_index_sql(apps.get_model("contacts", "Contact"), name))


def analyze_if_analyzed(apps, schema_editor):
    """SQLite: a database with planner statistics gets them for the new indexes too.

    Dropping an index drops its statistics; a new index has none, and SQLite would then
    take the channel index as selective and prefer it to the arrival-time range.
    """
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return  # PostgreSQL's statistics are per column: indexes change nothing there
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if cursor.fetchone():
            cursor.execute("ANALYZE contacts_contact")



class Migration(migrations.Migration):

    dependencies = [
        ('contacts', '0003_source_record_join_fields'),
        ('identity', '0002_caller_merged_into_caller_name_key'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='contact',
                    name='caller',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='contacts', to='identity.caller'),
                ),
                migrations.AlterField(
                    model_name='contact',
                    name='channel',
                    field=models.CharField(choices=[('999', '999'), ('101', '101'), ('webchat', 'Web chat'), ('online_report', 'Online report'), ('social_media', 'Social media'), ('other', 'Other')], max_length=16),
                ),
                migrations.AlterField(
                    model_name='contact',
                    name='incident_number',
                    field=models.CharField(blank=True, max_length=64),
                ),
                migrations.AlterField(
                    model_name='contact',
                    name='phone_e164',
                    field=models.CharField(blank=True, max_length=20),
                ),
                migrations.AlterField(
                    model_name='contact',
                    name='place_key',
                    field=models.CharField(blank=True, max_length=300),
                ),
            ],
            database_operations=[migrations.RunPython(drop_single_column_indexes, migrations.RunPython.noop)],
        ),
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(fields=['channel'], name='contact_channel'),
        ),
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(fields=['place_key'], name='contact_place_key'),
        ),
        migrations.AddIndex(
            model_name='contact',
            index=models.Index(fields=['incident_number'], name='contact_incident_number'),
        ),
        migrations.RunPython(analyze_if_analyzed, migrations.RunPython.noop),
    ]
