import pytest
from django.db import connection

from fazhi.audit import log as audit
from fazhi.audit.models import AuditEntry
from fazhi.core.errors import FrozenRecord
from fazhi.core.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(make_user):
    return make_user(Role.SYSTEM_ADMIN, None, username="admin1")


def write_entries(actor, n=5):
    return [
        audit.record(actor, "test.act", ("thing", i, f"thing {i}"), changes={"n": [i, i + 1]})
        for i in range(n)
    ]


def test_entries_chain_to_each_other(actor):
    entries = write_entries(actor, 3)
    assert entries[0].prev_hash == audit.GENESIS_HASH
    assert entries[1].prev_hash == entries[0].entry_hash
    assert entries[2].prev_hash == entries[1].entry_hash
    assert audit.verify().ok
    assert audit.verify().checked == 3


def test_tampered_content_is_caught_at_that_entry(actor):
    entries = write_entries(actor)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET action = %s WHERE id = %s", ["test.other", entries[2].id]
        )
    result = audit.verify()
    assert result.first_broken_id == entries[2].id
    assert result.checked == 2


def test_removed_entry_is_caught_at_the_next_one(actor):
    entries = write_entries(actor)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].id])
    assert audit.verify().first_broken_id == entries[2].id


def test_removed_last_entry_is_caught_by_the_head(actor):
    entries = write_entries(actor)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entries[-1].id])
    assert not audit.verify().ok


def test_entries_cannot_be_changed_or_deleted_through_the_orm(actor):
    entry = write_entries(actor, 1)[0]
    entry.action = "changed"
    with pytest.raises(FrozenRecord):
        entry.save()
    with pytest.raises(FrozenRecord):
        entry.delete()


def test_an_act_needs_a_person_or_an_explicit_system_label():
    with pytest.raises(ValueError, match="real person"):
        audit.record(None, "x")
    with pytest.raises(ValueError, match="system:"):
        audit.record("somebody", "x")
    entry = audit.record("system:scan", "scan.run")
    assert entry.actor_label == "system:scan"
    assert AuditEntry.objects.count() == 1
