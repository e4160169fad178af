# pg_trgm for "did you mean" (guidance.search.suggest): trigram similarity of query words to the
# words of guidance titles. TrigramExtension does nothing on SQLite, which uses difflib instead.

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("guidance", "0005_document_retired_partial_index"),
    ]

    operations = [TrigramExtension()]
