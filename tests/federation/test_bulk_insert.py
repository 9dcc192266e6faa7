"""federation.bulk_insert.insert_rows: rows written in one INSERT … VALUES … RETURNING, each given its id, every
value as it went in (hostile text included), a conflict skipped only where asked for."""

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from federation.bulk_insert import insert_rows, reserve_ids
from federation.models import Actor, Follow, InboxMessage

pytestmark = pytest.mark.django_db
HOSTILE = "it's a \\ back'slash \"quote\" {\"json\": [1]} ' OR 1=1; -- é 中 \u2028 <script>"


def message(n: int, **fields) -> InboxMessage:
    return InboxMessage(ap_id=f"https://remote.example/activities/{n}", activity_type="Like",
                        actor_ap_id="https://remote.example/users/a", domain="remote.example", **fields)


def test_rows_go_in_in_one_statement_with_their_ids_and_values_and_their_defaults():
    rows = [message(n, body={"n": n, "text": HOSTILE, "list": [HOSTILE, None]}, result=HOSTILE[:200])
            for n in range(3)]
    with CaptureQueriesContext(connection) as queries:
        assert insert_rows(rows) == rows
    assert len(queries) == 1
    assert len({row.pk for row in rows} - {None}) == 3
    for n, row in enumerate(rows):
        stored = InboxMessage.objects.get(pk=row.pk)
        assert stored.ap_id == f"https://remote.example/activities/{n}"
        assert stored.body == {"n": n, "text": HOSTILE, "list": [HOSTILE, None]}
        assert stored.result == HOSTILE[:200]
        assert stored.state == InboxMessage.State.QUEUED and stored.received_at is not None  # the defaults
        assert not row._state.adding


def test_a_conflict_is_skipped_only_when_asked_and_the_rows_inserted_are_returned():
    insert_rows([message(1, body={})])
    again, new = message(1, body={"second": True}), message(2, body={"new": True})
    assert insert_rows([again, new], skip_conflict_on="ap_id") == [new]
    assert again.pk is None and InboxMessage.objects.get(ap_id=again.ap_id).body == {}
    assert InboxMessage.objects.get(pk=new.pk).body == {"new": True}
    with pytest.raises(IntegrityError):
        insert_rows([message(1, body={})])  # not asked: the constraint says so


def test_nothing_to_insert_is_no_statement():
    with CaptureQueriesContext(connection) as queries:
        assert insert_rows([]) == []
    assert len(queries) == 0


def actor(name: str) -> Actor:
    return Actor.objects.create(ap_id=f"https://{name}.example/users/{name}", username=name, domain=f"{name}.example",
                                inbox=f"https://{name}.example/users/{name}/inbox")


def test_a_conflict_on_several_fields_skips_later_equal_rows_of_the_same_statement():
    alice, carol, bob = actor("alice"), actor("carol"), actor("bob")
    rows = [Follow(follower=alice, followed=bob, state=Follow.State.ACCEPTED),
            Follow(follower=alice, followed=bob, state=Follow.State.PENDING),  # the same pair: skipped
            Follow(follower=carol, followed=bob, state=Follow.State.PENDING)]
    assert insert_rows(rows, skip_conflict_on=("follower", "followed")) == [rows[0], rows[2]]
    assert rows[1].pk is None
    assert sorted(Follow.objects.values_list("follower__username", "state")) == [
        ("alice", Follow.State.ACCEPTED), ("carol", Follow.State.PENDING)]


def test_ids_reserved_are_the_next_ones_rows_take_them_and_later_rows_come_after_the_block():
    insert_rows([message(1, body={})])
    before = InboxMessage.objects.get().pk
    reserved = reserve_ids(InboxMessage, 5)
    assert reserved == list(range(reserved[0], reserved[0] + 5)) and reserved[0] > before
    rows = [message(n, body={"n": n}) for n in (2, 3)]
    for row, pk in zip(rows, reserved, strict=False):
        row.pk = pk
    assert insert_rows(rows) == rows
    assert [InboxMessage.objects.get(pk=pk).body for pk in reserved[:2]] == [{"n": 2}, {"n": 3}]
    later = message(4, body={})
    insert_rows([later])
    assert later.pk > reserved[-1]  # the unused ones stay gaps
    assert reserve_ids(InboxMessage, 1)[0] > later.pk


@pytest.mark.django_db(transaction=True)
def test_ids_are_reserved_on_sqlite_only_inside_a_transaction():
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's sequences need no lock")
    with pytest.raises(RuntimeError, match="inside a transaction"):
        reserve_ids(InboxMessage, 1)


def test_rows_with_ids_and_rows_without_are_refused_together():
    with_id = message(1, body={})
    with_id.pk = reserve_ids(InboxMessage, 1)[0]
    with pytest.raises(ValueError, match="every row holds its id or none"):
        insert_rows([with_id, message(2, body={})])
    assert not InboxMessage.objects.exists()
