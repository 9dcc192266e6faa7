"""Rows inserted in one plain `INSERT … VALUES (…), (…) RETURNING id` statement.

Django's bulk_create on PostgreSQL (5.2) sends many rows as one array per column (`UNNEST`), and psycopg, binding
on the client, quotes each array element in Python with a regular expression: for the live events an inbox batch
stores (a few kB of HTML each) that was 13 % of a reply's processing on PostgreSQL. Here each value is its own
parameter, quoted by libpq. Used where rows are written on the inbox's hot path."""

from collections.abc import Sequence

from django.db import connections, router


def insert_rows(objs: Sequence, *, skip_conflict_on: str | tuple[str, ...] = "") -> list:
    """INSERT `objs` (instances of one model, not saved yet), every field prepared as bulk_create prepares it
    (defaults, auto_now), each given its id (or inserted with the ids they hold: all or none, see reserve_ids);
    returns those inserted. `skip_conflict_on`: a unique field (or fields, a unique constraint's) whose conflict
    skips the row (ON CONFLICT DO NOTHING), with an earlier row of `objs` too: the rows skipped keep no id and are
    not returned."""
    if not objs:
        return []
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection, meta = connections[alias], model._meta
    with_ids = objs[0].pk is not None  # ids given (reserve_ids)
    if any((obj.pk is not None) != with_ids for obj in objs):
        raise ValueError("insert_rows: either every row holds its id or none does")
    quote = connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if with_ids or field is not meta.auto_field]
    one_row = f"({', '.join(['%s'] * len(fields))})"
    returning = quote(meta.pk.column)
    conflict = ""
    if skip_conflict_on:
        unique = [meta.get_field(name) for name in (
            (skip_conflict_on,) if isinstance(skip_conflict_on, str) else skip_conflict_on)]
        columns = ", ".join(quote(field.column) for field in unique)
        conflict, returning = f" ON CONFLICT ({columns}) DO NOTHING", f"{returning}, {columns}"
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
           f"VALUES {', '.join([one_row] * len(objs))}{conflict} RETURNING {returning}")
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for obj in objs for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returned = cursor.fetchall()
    if skip_conflict_on:  # matched by the unique values (the rows skipped are missing from RETURNING)
        by_value: dict = {}
        for obj in objs:  # the first of equal rows is the one inserted
            by_value.setdefault(tuple(getattr(obj, field.attname) for field in unique), obj)
        inserted = [(by_value[tuple(values)], pk) for pk, *values in returned]
    else:
        inserted = list(zip(objs, (pk for pk, in returned), strict=True))
    for obj, pk in inserted:
        obj.pk, obj._state.adding, obj._state.db = pk, False, alias
    return [obj for obj, _pk in inserted]


def reserve_ids(model, count: int) -> list[int]:
    """`count` ids for rows of `model` to be inserted later in this transaction with insert_rows (its id field
    automatic), taken from the table's own counter so that no other insert takes them; those not used are gaps.
    PostgreSQL: the id sequence's next values. SQLite: its AUTOINCREMENT counter moved on, which needs the write
    lock held, so only inside a transaction that has it (ours begin IMMEDIATE)."""
    alias = router.db_for_write(model)
    connection, meta = connections[alias], model._meta
    quote, table, column = connection.ops.quote_name, meta.db_table, meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [quote(table), column, count])
            return [row[0] for row in cursor.fetchall()]
        if not connection.in_atomic_block:
            raise RuntimeError("reserve_ids on SQLite needs the write lock: call it inside a transaction")
        cursor.execute(f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
                       f"coalesce((SELECT max({quote(column)}) FROM {quote(table)}), 0))", [table])
        last = cursor.fetchone()[0]
        cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [last + count, table])
        if not cursor.rowcount:
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last + count])
    return list(range(last + 1, last + count + 1))
