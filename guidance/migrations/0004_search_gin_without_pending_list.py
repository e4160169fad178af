# The search GIN index without a pending list (fastupdate = off), PostgreSQL only.
#
# With fastupdate on, vectors written since the last (auto)vacuum wait in an unsorted pending list
# that every search scans in full: with 2,000 freshly published versions that scan was about 200
# buffers and 1.5-2 ms per query, twice per search page (count and ranking). Guidance is published
# rarely and searched often, so each publish now updates the index directly. The entries already
# pending are moved into the index now. The model's GinIndex keeps its default options (state
# unchanged); this is a storage parameter of the existing index.

from django.db import migrations

INDEX = "guidance_version_search_gin"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {INDEX} SET (fastupdate = off)")
        schema_editor.execute(f"SELECT gin_clean_pending_list('{INDEX}'::regclass)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX {INDEX} RESET (fastupdate)")


class Migration(migrations.Migration):

    dependencies = [
        ("guidance", "0003_search_vector_inline_storage"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
