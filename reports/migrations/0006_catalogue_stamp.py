"""The catalogue's version, moved by triggers on every table requirement sets are built from.

Statement-level triggers, one update per statement whatever the number of rows. One row for
the whole catalogue: its writes are rare (guidance editors, trial set-up), and a requirement
set mixes capabilities, courses, profiles and trials. PostgreSQL only; elsewhere requirement
sets are built afresh (reports/readiness/catalogue_cache.py).
"""

from django.db import migrations, models

TOUCH = """
CREATE SEQUENCE reports_catalogue_version_seq;
CREATE FUNCTION reports_catalogue_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reports_cataloguestamp (id, version)
    VALUES (1, nextval('reports_catalogue_version_seq'))
    ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END $$;
"""

TABLES = [
    "sites_capability",
    "training_course",
    "trials_requirementprofile",
    "trials_capabilityrequirement",
    "trials_capabilityrequirement_capabilities",
    "trials_trainingrequirement",
    "trials_requirementoverride",
    "trials_trial_profiles",
]

TRIGGER = """
CREATE TRIGGER {table}_catalogue AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION reports_catalogue_touch();
"""


def _create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(TOUCH)
    for table in TABLES:
        schema_editor.execute(TRIGGER.format(table=table))
    schema_editor.execute(
        "INSERT INTO reports_cataloguestamp (id, version) "
        "VALUES (1, nextval('reports_catalogue_version_seq'))"
    )


def _drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER {table}_catalogue ON {table}")
    schema_editor.execute("DROP FUNCTION reports_catalogue_touch()")
    schema_editor.execute("DROP SEQUENCE reports_catalogue_version_seq")


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0005_readiness_stamp"),
        ("sites", "0004_site_location"),
        ("training", "0007_course_renewal_months_range"),
        ("trials", "0002_overrides_and_site_selection"),
    ]

    operations = [
        migrations.CreateModel(
            name="CatalogueStamp",
            fields=[
                ("id", models.SmallIntegerField(primary_key=True, serialize=False)),
                ("version", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(_create, _drop),
    ]
