"""Triggers on contacts that keep ServiceCallerDay honest, and its first build.

A contact whose caller changes from one caller to another (merge, split, re-linkage) or
that is deleted marks its callers in ServiceDirtyCaller; a contact given its first caller
after it was aggregated (resolution after a report; a newer contact, beyond the
watermark, is aggregated with its caller by the catch-up) marks its day (UTC date +- 1,
which covers the local day) in ServiceDirtyDay. Triggers see every path, bulk updates included. Days already
aggregated are marked dirty so the next report builds their caller rows.
"""
from django.db import migrations

SQLITE = [
    """CREATE TRIGGER service_contact_caller_changed AFTER UPDATE OF caller_id ON contacts_contact
    WHEN OLD.caller_id IS NOT NEW.caller_id
    BEGIN
        INSERT OR IGNORE INTO service_servicedirtyday (day)
            SELECT date(NEW.arrived_at, d) FROM (SELECT '-1 day' AS d UNION ALL SELECT '+0 days' UNION ALL SELECT '+1 day')
            WHERE OLD.caller_id IS NULL AND NEW.id <= (SELECT last_contact_id FROM service_servicewatermark WHERE id = 1);
        INSERT OR IGNORE INTO service_servicedirtycaller (caller_id) SELECT OLD.caller_id WHERE OLD.caller_id IS NOT NULL;
        INSERT OR IGNORE INTO service_servicedirtycaller (caller_id)
            SELECT NEW.caller_id WHERE OLD.caller_id IS NOT NULL AND NEW.caller_id IS NOT NULL;
    END""",
    """CREATE TRIGGER service_contact_deleted AFTER DELETE ON contacts_contact WHEN OLD.caller_id IS NOT NULL
    BEGIN
        INSERT OR IGNORE INTO service_servicedirtycaller (caller_id) VALUES (OLD.caller_id);
    END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS service_contact_caller_changed", "DROP TRIGGER IF EXISTS service_contact_deleted"]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION service_contact_caller_changed() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            INSERT INTO service_servicedirtycaller (caller_id) VALUES (OLD.caller_id) ON CONFLICT DO NOTHING;
            RETURN OLD;
        END IF;
        IF OLD.caller_id IS NULL THEN
            IF (NEW.id > (SELECT last_contact_id FROM service_servicewatermark WHERE id = 1)) IS NOT FALSE THEN
                RETURN NEW;  -- not aggregated yet: the watermark's catch-up will take it with its caller
            END IF;
            INSERT INTO service_servicedirtyday (day)
                SELECT (NEW.arrived_at AT TIME ZONE 'UTC')::date + d FROM (VALUES (-1), (0), (1)) AS v(d)
                ON CONFLICT DO NOTHING;
        ELSE
            INSERT INTO service_servicedirtycaller (caller_id) VALUES (OLD.caller_id) ON CONFLICT DO NOTHING;
            IF NEW.caller_id IS NOT NULL THEN
                INSERT INTO service_servicedirtycaller (caller_id) VALUES (NEW.caller_id) ON CONFLICT DO NOTHING;
            END IF;
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER service_contact_caller_changed AFTER UPDATE OF caller_id ON contacts_contact FOR EACH ROW
    WHEN (OLD.caller_id IS DISTINCT FROM NEW.caller_id) EXECUTE FUNCTION service_contact_caller_changed()""",
    """CREATE TRIGGER service_contact_deleted AFTER DELETE ON contacts_contact FOR EACH ROW
    WHEN (OLD.caller_id IS NOT NULL) EXECUTE FUNCTION service_contact_caller_changed()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS service_contact_caller_changed ON contacts_contact",
    "DROP TRIGGER IF EXISTS service_contact_deleted ON contacts_contact",
    "DROP FUNCTION IF EXISTS service_contact_caller_changed()",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


def mark_aggregated_days(apps, schema_editor) -> None:
    """Days already in ServiceHour get their ServiceCallerDay rows at the next report."""
    hour = apps.get_model("service", "ServiceHour")._meta.db_table
    dirty = apps.get_model("service", "ServiceDirtyDay")._meta.db_table
    schema_editor.execute(f"INSERT INTO {dirty} (day) SELECT DISTINCT day FROM {hour} WHERE day NOT IN (SELECT day FROM {dirty})")


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0007_callerday"),
        ("contacts", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRES}),
                             _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP})),
        migrations.RunPython(mark_aggregated_days, migrations.RunPython.noop),
    ]
