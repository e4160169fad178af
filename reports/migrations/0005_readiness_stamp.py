"""Each site's readiness data version, moved by triggers on every table the rules read.

Statement-level triggers with transition tables: one upsert per statement whatever the number
of rows, so bulk loads (the demo seed's COPY, the training feed) pay once per statement. A
training record belongs to a site through its staff member: the staff member's current site
and every site their history names (a past-date assessment counts them where they were).
PostgreSQL only; elsewhere the ranking has no cache to key (reports/readiness/summary_cache.py).
"""

from django.db import migrations, models

TOUCH = """
CREATE SEQUENCE reports_readiness_version_seq;
CREATE FUNCTION reports_readiness_touch(site_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO reports_readinessstamp (site_id, version)
    SELECT site_id, nextval('reports_readiness_version_seq')
    FROM (SELECT DISTINCT site_id FROM unnest(site_ids) AS t(site_id)
          WHERE site_id IS NOT NULL ORDER BY site_id) AS touched
    ON CONFLICT (site_id) DO UPDATE SET version = EXCLUDED.version
$$;
"""

BY_SITE = """
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM reports_readiness_touch(ARRAY(SELECT site_id FROM new_rows));
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM reports_readiness_touch(ARRAY(SELECT site_id FROM old_rows));
    END IF;
    RETURN NULL;
END $$;
"""

BY_STAFF = """
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE staff_ids bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        staff_ids := ARRAY(SELECT DISTINCT staff_id FROM new_rows);
    ELSIF TG_OP = 'UPDATE' THEN
        staff_ids := ARRAY(SELECT staff_id FROM new_rows UNION SELECT staff_id FROM old_rows);
    ELSE
        staff_ids := ARRAY(SELECT DISTINCT staff_id FROM old_rows);
    END IF;
    PERFORM reports_readiness_touch(ARRAY(
        SELECT site_id FROM training_staffmember WHERE id = ANY(staff_ids)
        UNION
        SELECT site_id FROM training_historicalstaffmember WHERE id = ANY(staff_ids)
    ));
    RETURN NULL;
END $$;
"""

TABLES = {
    "sites_sitecapability": BY_SITE,
    "sites_historicalsitecapability": BY_SITE,
    "training_staffmember": BY_SITE,
    "training_historicalstaffmember": BY_SITE,
    "training_trainingrecord": BY_STAFF,
    "training_historicaltrainingrecord": BY_STAFF,
}

TRIGGERS = """
CREATE TRIGGER {table}_readiness_ins AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}();
CREATE TRIGGER {table}_readiness_upd AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {name}();
CREATE TRIGGER {table}_readiness_del AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(TOUCH)
    for table, function in TABLES.items():
        name = f"{table}_readiness_touch"
        schema_editor.execute(function.format(name=name))
        schema_editor.execute(TRIGGERS.format(table=table, name=name))
    # Every site starts with a version, so a first ranking can be cached at once.
    schema_editor.execute(
        "SELECT reports_readiness_touch(ARRAY(SELECT id FROM sites_site))"
    )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        name = f"{table}_readiness_touch"
        for event in ("ins", "upd", "del"):
            schema_editor.execute(f"DROP TRIGGER {table}_readiness_{event} ON {table}")
        schema_editor.execute(f"DROP FUNCTION {name}()")
    schema_editor.execute("DROP FUNCTION reports_readiness_touch(bigint[])")
    schema_editor.execute("DROP SEQUENCE reports_readiness_version_seq")


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0004_trend_snapshot"),
        ("sites", "0004_site_location"),
        ("training", "0005_training_record_external_id"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReadinessStamp",
            fields=[
                ("site_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("version", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(_create, _drop),
    ]
