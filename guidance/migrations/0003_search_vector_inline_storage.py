# Keep each version's search vector in its table row (storage MAIN) instead of the TOAST table.
#
# Ranking reads the vector of every matching current version: stored out of line, each read was
# an index lookup and a fetch in the TOAST table (about 3 buffers per row); in line it is in the
# heap page already read to check the row. A vector too big for the row still moves out of line
# (MAIN only makes that the last resort, after the long text columns), so nothing can fail.
# PostgreSQL only; existing vectors are rewritten so they move in line now.

from django.db import migrations

FORWARDS = (
    "ALTER TABLE guidance_guidanceversion ALTER COLUMN search_vector SET STORAGE MAIN",
    # A new value (same lexemes and positions) is stored under the new storage rule.
    "UPDATE guidance_guidanceversion SET search_vector = search_vector || ''::tsvector "
    "WHERE search_vector IS NOT NULL",
)
BACKWARDS = (
    "ALTER TABLE guidance_guidanceversion ALTER COLUMN search_vector SET STORAGE EXTENDED",
)


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("guidance", "0002_version_body_text_search_index"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARDS), _run(BACKWARDS)),
    ]
