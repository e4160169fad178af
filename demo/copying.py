"""Bulk inserts for the demo seed: PostgreSQL's COPY, with ids taken from the table's sequence.

`bulk_create` builds an INSERT with a placeholder per value and a model-field conversion per
value: for the million training records of `--scale 140` that was most of the seed (cProfile
of --scale 14: 48 s of 98 in bulk_create, 25 s of it building the SQL, 18 s in Model.__init__
of the rows it returns). COPY streams the rows as text. The ids come first, from the table's
own sequence in one query, so that the staff's ids can go into their training records and
every object's id into its history rows, as bulk_create's RETURNING gave them. Statement
triggers (the readiness stamps, reports migration 0005) fire for COPY as for INSERT.

Elsewhere than PostgreSQL (a SQLite demo) it is bulk_create.
"""

from __future__ import annotations

import json

from django.db import connection, models
from django.utils import timezone

BATCH_SIZE = 1000


def _columns(model) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields]


def _value(field: models.Field, obj):
    value = getattr(obj, field.attname)
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        return json.dumps(value)
    return value


def _take_ids(model, count: int) -> list[int]:
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_insert(model, objs: list) -> None:
    """Insert the objects, setting their ids (and auto_now timestamps) as bulk_create would."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
        return
    now = timezone.now()
    stamped = [
        f.attname for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]  # fmt: skip
    for obj, pk in zip(objs, _take_ids(model, len(objs)), strict=True):
        obj.pk = pk
        for name in stamped:
            setattr(obj, name, now)
        obj._state.adding = False
    fields = _columns(model)
    names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([_value(f, obj) for f in fields])


def copy_rows(model, attnames: list[str], rows: list[tuple]) -> None:
    """Insert plain rows (values in `attnames` order; the id from the sequence): no model
    instance is built, which is most of the cost of a million history rows."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(attnames, row, strict=True))) for row in rows],
            batch_size=BATCH_SIZE,
        )
        return
    by_name = {f.attname: f for f in model._meta.concrete_fields}
    json_at = [i for i, name in enumerate(attnames) if isinstance(by_name[name], models.JSONField)]
    pk = model._meta.pk
    columns = [pk.column] + [by_name[name].column for name in attnames]
    names = ", ".join(connection.ops.quote_name(column) for column in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    ids = _take_ids(model, len(rows))  # before the COPY: it holds the connection meanwhile
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for pk_value, row in zip(ids, rows, strict=True):
                if json_at:
                    row = list(row)
                    for i in json_at:
                        row[i] = None if row[i] is None else json.dumps(row[i])
                copy.write_row((pk_value, *row))
