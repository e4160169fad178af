# pg_trgm for "did you mean" (guidance.search.suggest): word similarity of a query word to the
# titles of published versions, served by a partial trigram index on those titles. Created with
# SQL because Django's model state has no need to know the index (as in 0005). Nothing happens
# on SQLite, which uses difflib instead.

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "guidance_version_published_title_trgm"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON guidance_guidanceversion "
            "USING gin (title gin_trgm_ops) WHERE status = 'published'"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("guidance", "0005_document_retired_partial_index"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(forwards, backwards),
    ]
