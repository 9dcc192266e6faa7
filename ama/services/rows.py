"""Writing a different value to each of many rows in one statement sent once: `UPDATE … WHERE pk = %s` executed
for every row (DB-API executemany), each value prepared by its model field as the ORM would.

Django's bulk_update builds a CASE WHEN per row per field and resolves each as an expression: in bench/tallies.py
(batches of 100 rows, eleven fields) it took 85 % of the refresher's own CPU time; this takes 8 %."""

from django.db import connection


def update_each(model, fields: list[str], objects: list) -> None:
    """Write `fields` of each of `objects` (instances of `model` with their pk set) to its row."""
    if not objects:
        return
    meta, quote = model._meta, connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    params = [[field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns] +
              [meta.pk.get_db_prep_save(obj.pk, connection)] for obj in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
