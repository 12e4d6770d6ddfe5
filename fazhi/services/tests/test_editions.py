"""Editions of the 警快办 catalogue: draft beside the live edition, freeze on publish, compare."""

from __future__ import annotations

import pytest

from fazhi.audit.models import AuditEntry
from fazhi.core.errors import FrozenRecord, PermissionDeniedError
from fazhi.core.roles import Role
from fazhi.services import editions
from fazhi.services.editions import DraftExists, EmptyEdition, FieldChange
from fazhi.services.models import EditionStatus, Material, ServiceEdition
from fazhi.services.tests.factories import service_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(make_user):
    return make_user(Role.LEGAL_OFFICER)


@pytest.fixture
def leader(make_user):
    return make_user(Role.LEADER)


def published(editor, leader) -> ServiceEdition:
    draft = editions.start_draft(actor=editor)
    editions.sync_draft(draft, actor=editor)
    return editions.publish(draft, actor=leader)


def test_first_draft_is_edition_one_and_starts_empty(editor):
    draft = editions.start_draft(actor=editor)

    assert (draft.number, draft.status, draft.entries.count()) == (1, EditionStatus.DRAFT, 0)
    assert draft.title == "警快办服务事项目录（第1版）"


def test_sync_snapshots_each_items_guide(editor):
    item = service_item(name="户口迁入", fee="不收费", promised_days=5)
    draft = editions.start_draft(actor=editor)

    result = editions.sync_draft(draft, actor=editor)

    entry = draft.entries.get()
    assert (result.added, result.removed, result.updated) == ([item.code], [], [])
    assert entry.snapshot["promised_days"] == 5
    assert entry.snapshot["materials"] == [
        {"name": "居民身份证", "original": False, "fetched": True, "required": True, "note": ""},
        {"name": "准予迁入证明", "original": True, "fetched": False, "required": True, "note": ""},
    ]


def test_publishing_freezes_the_snapshot_against_later_item_changes(editor, leader):
    item = service_item(promised_days=5)
    edition = published(editor, leader)

    item.promised_days = 3
    item.save()
    Material.objects.filter(item=item, order=2).update(name="户口迁移证")

    assert edition.entries.get().snapshot["promised_days"] == 5
    assert edition.entries.get().snapshot["materials"][1]["name"] == "准予迁入证明"
    with pytest.raises(FrozenRecord):
        editions.sync_draft(edition, actor=editor)


def test_publishing_supersedes_the_previous_edition(editor, leader):
    service_item()
    first = published(editor, leader)
    service_item(name="户口迁出")

    second = published(editor, leader)

    first.refresh_from_db()
    assert (first.status, second.status) == (EditionStatus.SUPERSEDED, EditionStatus.PUBLISHED)
    assert editions.current_edition() == second
    assert second.entries.count() == 2  # the copy of edition 1 plus the new item


def test_only_one_draft_at_a_time(editor):
    editions.start_draft(actor=editor)

    with pytest.raises(DraftExists):
        editions.start_draft(actor=editor)


def test_an_empty_draft_cannot_be_published(editor, leader):
    draft = editions.start_draft(actor=editor)

    with pytest.raises(EmptyEdition):
        editions.publish(draft, actor=leader)


def test_drafting_needs_edit_catalogue_and_publishing_needs_publish_list(editor, leader):
    service_item()
    with pytest.raises(PermissionDeniedError):
        editions.start_draft(actor=leader)
    draft = editions.start_draft(actor=editor)
    editions.sync_draft(draft, actor=editor)

    with pytest.raises(PermissionDeniedError):
        editions.publish(draft, actor=editor)


def test_diff_lists_added_removed_and_changed_fields(editor, leader):
    kept = service_item(name="户口迁入", fee="不收费")
    dropped = service_item(name="户口迁出")
    first = published(editor, leader)
    kept.fee = "工本费20元"
    kept.save()
    dropped.is_active = False
    dropped.save()
    added = service_item(name="分户")
    draft = editions.start_draft(actor=editor)
    editions.sync_draft(draft, actor=editor)

    result = editions.diff(first, draft)

    assert [e.code for e in result.added] == [added.code]
    assert [e.code for e in result.removed] == [dropped.code]
    assert [(c.code, c.fields) for c in result.changed] == [
        (kept.code, (FieldChange("fee", "不收费", "工本费20元"),))
    ]


def test_diff_as_dict_gives_added_and_removed_entries_by_the_values_asked_for(editor, leader):
    dropped = service_item(name="户口迁出")
    first = published(editor, leader)
    dropped.is_active = False
    dropped.save()
    added = service_item(name="分户")
    draft = editions.start_draft(actor=editor)
    editions.sync_draft(draft, actor=editor)

    data = editions.diff(first, draft).as_dict(lambda e: {"code": e.code, "name": e.name})

    assert data == {
        "a": first.pk,
        "b": draft.pk,
        "added": [{"code": added.code, "name": "分户"}],
        "removed": [{"code": dropped.code, "name": "户口迁出"}],
        "changed": [],
    }


def test_a_sync_that_changes_nothing_writes_no_audit_entry(editor):
    service_item()
    draft = editions.start_draft(actor=editor)
    editions.sync_draft(draft, actor=editor)
    before = AuditEntry.objects.count()

    result = editions.sync_draft(draft, actor=editor)

    assert (result.added, result.removed, result.updated) == ([], [], [])
    assert AuditEntry.objects.count() == before


def test_every_step_is_audited(editor, leader):
    service_item()
    published(editor, leader)

    actions = list(
        AuditEntry.objects.filter(action__startswith="services.edition").values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "services.edition.start_draft",
        "services.edition.sync",
        "services.edition.publish",
    ]


def test_publish_if_changed_publishes_once_then_does_nothing(editor, leader):
    service_item()

    first = editions.publish_if_changed(editor=editor, publisher=leader)
    again = editions.publish_if_changed(editor=editor, publisher=leader)

    assert (first.number, again) == (1, None)
    assert ServiceEdition.objects.count() == 1
