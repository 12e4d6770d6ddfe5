import datetime as dt

import pytest

from fazhi.audit.models import AuditEntry
from fazhi.catalog import editions
from fazhi.catalog.editions import (
    DraftExists,
    EditionDiff,
    EmptyEdition,
    EntryChange,
    FieldChange,
    InvalidEntry,
    SyncResult,
)
from fazhi.catalog.models import EditionStatus, ItemKind, ListEdition, ListEntry, ListKind
from fazhi.catalog.tests.factories import (
    EnforcementItemFactory,
    ListEditionFactory,
    add_entry,
    freeze,
)
from fazhi.core.errors import FazhiError, FrozenRecord, PermissionDeniedError
from fazhi.core.roles import Role

pytestmark = pytest.mark.django_db


def test_first_draft_of_a_list_starts_empty_as_edition_one(editor):
    draft = editions.start_draft(ListKind.POWER, actor=editor)

    assert (draft.number, draft.status, draft.based_on, draft.entries.count()) == (
        1,
        EditionStatus.DRAFT,
        None,
        0,
    )
    assert draft.title == "权责清单（第1版）"


def test_new_draft_is_a_copy_of_the_published_edition(editor, publish_list):
    live = publish_list(["A1", "A2"])
    live_entry = live.entries.get(code="A1")

    draft = editions.start_draft(ListKind.POWER, actor=editor)

    assert draft.number == 2
    assert draft.based_on == live
    copied = draft.entries.get(code="A1")
    assert copied.pk != live_entry.pk
    assert editions.entry_values(copied) == editions.entry_values(live_entry)
    assert sorted(draft.entries.values_list("code", flat=True)) == ["A1", "A2"]


def test_a_second_draft_of_the_same_list_is_refused(editor):
    editions.start_draft(ListKind.POWER, actor=editor)

    with pytest.raises(DraftExists, match="权责清单已有草稿（第1版）"):
        editions.start_draft(ListKind.POWER, actor=editor)


def test_each_list_has_its_own_draft(editor):
    editions.start_draft(ListKind.POWER, actor=editor)
    permit = editions.start_draft(ListKind.PERMIT, actor=editor)

    assert permit.number == 1


def test_start_draft_is_audited(editor):
    draft = editions.start_draft(ListKind.PERMIT, actor=editor)

    entry = AuditEntry.objects.get(action="catalog.edition.start_draft")
    assert (entry.actor, entry.object_id) == (editor, str(draft.pk))
    assert entry.changes == {
        "list_kind": "permit",
        "number": 1,
        "based_on": None,
        "entries_copied": 0,
    }


def test_publish_supersedes_the_previous_edition_the_day_before(editor, leader, publish_list):
    first = publish_list(["A1"], on=dt.date(2025, 1, 1))
    draft = editions.start_draft(ListKind.POWER, actor=editor)

    second = editions.publish(draft, actor=leader, effective_from=dt.date(2025, 7, 1))

    first.refresh_from_db()
    assert (first.status, first.effective_from, first.effective_to) == (
        EditionStatus.SUPERSEDED,
        dt.date(2025, 1, 1),
        dt.date(2025, 6, 30),
    )
    assert (second.status, second.effective_from, second.effective_to) == (
        EditionStatus.PUBLISHED,
        dt.date(2025, 7, 1),
        None,
    )
    assert second.published_by == leader
    assert editions.current_edition(ListKind.POWER) == second


def test_publish_is_audited_for_both_editions(editor, leader, publish_list):
    first = publish_list(["A1"], on=dt.date(2025, 1, 1))
    draft = editions.start_draft(ListKind.POWER, actor=editor)
    editions.publish(draft, actor=leader, effective_from=dt.date(2025, 3, 1))

    ended = AuditEntry.objects.get(action="catalog.edition.supersede")
    assert ended.object_id == str(first.pk)
    assert ended.changes == {
        "status": ["published", "superseded"],
        "effective_to": [None, "2025-02-28"],
        "superseded_by": draft.pk,
    }
    assert AuditEntry.objects.filter(action="catalog.edition.publish", actor=leader).count() == 2


def test_an_empty_draft_cannot_be_published(editor, leader):
    draft = editions.start_draft(ListKind.POWER, actor=editor)

    with pytest.raises(EmptyEdition):
        editions.publish(draft, actor=leader, effective_from=dt.date(2025, 1, 1))
    draft.refresh_from_db()
    assert draft.status == EditionStatus.DRAFT


def test_publish_refuses_a_date_not_after_the_live_edition(editor, leader, publish_list):
    publish_list(["A1"], on=dt.date(2025, 6, 1))
    draft = editions.start_draft(ListKind.POWER, actor=editor)

    with pytest.raises(FazhiError, match="2025-06-01") as caught:
        editions.publish(draft, actor=leader, effective_from=dt.date(2025, 6, 1))
    assert caught.value.field == "effective_from"


def test_legal_officer_edits_but_cannot_publish(editor):
    draft = editions.start_draft(ListKind.POWER, actor=editor)
    editions.add_entry_from_item(draft, EnforcementItemFactory(code="A1"), actor=editor)

    with pytest.raises(PermissionDeniedError):
        editions.publish(draft, actor=editor, effective_from=dt.date(2025, 1, 1))


def test_leader_publishes_but_cannot_edit(editor, leader):
    draft = editions.start_draft(ListKind.POWER, actor=editor)

    with pytest.raises(PermissionDeniedError):
        editions.add_entry_from_item(draft, EnforcementItemFactory(), actor=leader)
    with pytest.raises(PermissionDeniedError):
        editions.start_draft(ListKind.PERMIT, actor=leader)


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR, Role.SYSTEM_ADMIN])
def test_other_roles_can_neither_edit_nor_publish(tree, make_user, editor, role):
    user = make_user(role, tree["city"])
    draft = editions.start_draft(ListKind.POWER, actor=editor)
    editions.add_entry_from_item(draft, EnforcementItemFactory(), actor=editor)

    with pytest.raises(PermissionDeniedError):
        editions.start_draft(ListKind.PERMIT, actor=user)
    with pytest.raises(PermissionDeniedError):
        editions.publish(draft, actor=user, effective_from=dt.date(2025, 1, 1))


def test_editing_an_entry_of_a_published_edition_through_the_orm_raises(
    editor, leader, publish_list
):
    live = publish_list(["A1"])
    entry = live.entries.get()
    entry.name = "改名"

    with pytest.raises(FrozenRecord):
        entry.save()
    with pytest.raises(FrozenRecord):
        entry.delete()
    assert live.entries.get().name != "改名"


def test_an_entry_loaded_before_publication_is_frozen_after_it(editor, leader):
    draft = editions.start_draft(ListKind.POWER, actor=editor)
    entry = editions.add_entry_from_item(draft, EnforcementItemFactory(code="A1"), actor=editor)
    editions.publish(draft, actor=leader, effective_from=dt.date(2025, 1, 1))
    entry.name = "改名"

    with pytest.raises(FrozenRecord):
        entry.save()


def test_editing_a_published_entry_through_the_domain_raises(editor, leader, publish_list):
    live = publish_list(["A1"])
    entry = live.entries.get()

    with pytest.raises(FrozenRecord):
        editions.update_entry(entry, {"name": "改名"}, actor=editor)
    with pytest.raises(FrozenRecord):
        editions.remove_entry(entry, actor=editor)
    with pytest.raises(FrozenRecord):
        editions.add_entry_from_item(live, EnforcementItemFactory(), actor=editor)
    with pytest.raises(FrozenRecord):
        editions.sync_draft_from_catalogue(live, actor=editor)
    with pytest.raises(FrozenRecord):
        editions.publish(live, actor=leader, effective_from=dt.date(2026, 1, 1))


def test_a_published_edition_row_cannot_be_changed_or_deleted(editor, leader, publish_list):
    live = publish_list(["A1"])
    live.title = "新标题"

    with pytest.raises(FrozenRecord):
        live.save()
    with pytest.raises(FrozenRecord):
        ListEdition.objects.get(pk=live.pk).delete()


def test_a_superseded_edition_cannot_be_revived(editor, leader, publish_list):
    first = publish_list(["A1"], on=dt.date(2025, 1, 1))
    editions.publish(
        editions.start_draft(ListKind.POWER, actor=editor),
        actor=leader,
        effective_from=dt.date(2025, 2, 1),
    )
    first.refresh_from_db()
    first.status = EditionStatus.PUBLISHED

    with pytest.raises(FrozenRecord):
        first.save()


def test_update_entry_changes_fields_and_audits_before_and_after(editor):
    draft = editions.start_draft(ListKind.POWER, actor=editor)
    entry = add_entry(draft, "A1", name="旧名", levels=["district"])

    updated = editions.update_entry(
        entry, {"name": "新名", "levels": ["township", "city"]}, actor=editor
    )

    assert (updated.name, updated.levels) == ("新名", ["city", "township"])
    audit = AuditEntry.objects.get(action="catalog.entry.update")
    assert audit.changes == {
        "levels": [["district"], ["city", "township"]],
        "name": ["旧名", "新名"],
    }


def test_an_edit_that_changes_nothing_writes_no_audit(editor):
    draft = editions.start_draft(ListKind.POWER, actor=editor)
    entry = add_entry(draft, "A1", name="旧名")

    editions.update_entry(entry, {"name": "旧名"}, actor=editor)

    assert not AuditEntry.objects.filter(action="catalog.entry.update").exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"levels": ["county"]}, "levels", "行使层级“county”无效"),
        ({"kind": "fine"}, "kind", "fine"),
        ({"name": ""}, "name", ""),
        ({"code": "B2"}, "code", "字段“code”不能修改"),
        ({"must_use_centre": "yes"}, "must_use_centre", "“yes”不是是/否值"),
    ],
)
def test_update_entry_names_the_bad_field(editor, fields, field, message):
    draft = editions.start_draft(ListKind.POWER, actor=editor)
    entry = add_entry(draft, "A1", name="旧名")

    with pytest.raises(InvalidEntry) as caught:
        editions.update_entry(entry, fields, actor=editor)

    assert caught.value.field == field
    assert message in caught.value.errors[field][0]
    entry.refresh_from_db()
    assert entry.name == "旧名"


def test_add_entry_refuses_a_code_already_in_the_draft(editor):
    draft = editions.start_draft(ListKind.POWER, actor=editor)
    item = EnforcementItemFactory(code="A1")
    editions.add_entry_from_item(draft, item, actor=editor)

    with pytest.raises(FazhiError, match="A1") as caught:
        editions.add_entry_from_item(draft, item, actor=editor)
    assert caught.value.field == "code"


def test_remove_entry_deletes_it_and_keeps_its_values_in_the_audit(editor):
    draft = editions.start_draft(ListKind.POWER, actor=editor)
    entry = add_entry(draft, "A1", name="旧名")

    editions.remove_entry(entry, actor=editor)

    assert not draft.entries.exists()
    audit = AuditEntry.objects.get(action="catalog.entry.remove")
    assert audit.changes["name"] == ["旧名", None]


def test_sync_builds_the_permit_list_from_active_permit_items(editor):
    EnforcementItemFactory(code="P1", permit=True)
    EnforcementItemFactory(code="P2", permit=True, inactive=True)
    EnforcementItemFactory(code="X1", kind=ItemKind.PENALTY)
    draft = editions.start_draft(ListKind.PERMIT, actor=editor)

    result = editions.sync_draft_from_catalogue(draft, actor=editor)

    assert result == SyncResult(added=["P1"], removed=[], updated=[])
    assert list(draft.entries.values_list("code", flat=True)) == ["P1"]


def test_sync_builds_the_power_list_from_all_active_items(editor):
    EnforcementItemFactory(code="P1", permit=True)
    EnforcementItemFactory(code="X1", kind=ItemKind.PENALTY)
    EnforcementItemFactory(code="X2", inactive=True)
    draft = editions.start_draft(ListKind.POWER, actor=editor)

    editions.sync_draft_from_catalogue(draft, actor=editor)

    assert list(draft.entries.values_list("code", flat=True)) == ["P1", "X1"]


def test_sync_adds_removes_and_refreshes_but_keeps_responsibility(editor):
    item = EnforcementItemFactory(code="A1", name="新名")
    EnforcementItemFactory(code="A3")
    draft = editions.start_draft(ListKind.POWER, actor=editor)
    add_entry(draft, "A1", name="旧名", levels=["district", "station"], responsibility="受理责任")
    add_entry(draft, "A2")

    result = editions.sync_draft_from_catalogue(draft, actor=editor)

    assert result == SyncResult(added=["A3"], removed=["A2"], updated=["A1"])
    entry = draft.entries.get(code="A1")
    assert (entry.name, entry.item, entry.responsibility) == ("新名", item, "受理责任")
    audit = AuditEntry.objects.get(action="catalog.edition.sync")
    assert audit.changes["changed"] == {"A1": {"name": ["旧名", "新名"]}}
    assert list(audit.changes["removed"]) == ["A2"]


def test_sync_twice_changes_nothing_the_second_time(editor):
    EnforcementItemFactory(code="A1")
    draft = editions.start_draft(ListKind.POWER, actor=editor)
    editions.sync_draft_from_catalogue(draft, actor=editor)

    assert editions.sync_draft_from_catalogue(draft, actor=editor) == SyncResult([], [], [])
    assert AuditEntry.objects.filter(action="catalog.edition.sync").count() == 1


def test_diff_lists_added_removed_and_changed_fields_exactly(db):
    a = ListEditionFactory(number=1)
    add_entry(a, "K1", name="同一事项")
    add_entry(a, "K2", name="被删事项")
    add_entry(a, "K3", name="旧名", levels=["district"], must_use_centre=False)
    freeze(a)
    b = ListEditionFactory(number=2)
    add_entry(b, "K1", name="同一事项")
    add_entry(b, "K3", name="新名", levels=["district", "station"], must_use_centre=True)
    add_entry(b, "K4", name="新增事项")

    result = editions.diff(a, b)

    assert [e.code for e in result.added] == ["K4"]
    assert [e.code for e in result.removed] == ["K2"]
    assert result.changed == (
        EntryChange(
            code="K3",
            name="新名",
            fields=(
                FieldChange("name", "旧名", "新名"),
                FieldChange("levels", ["district"], ["district", "station"]),
                FieldChange("must_use_centre", False, True),
            ),
        ),
    )
    assert not result.is_empty


def test_diff_of_an_edition_with_itself_is_empty(db):
    a = ListEditionFactory()
    add_entry(a, "K1")

    assert editions.diff(a, a).is_empty


def test_diff_as_dict_is_json_ready(db):
    a = ListEditionFactory(number=1)
    add_entry(a, "K1", name="旧名")
    freeze(a)
    b = ListEditionFactory(number=2)
    add_entry(b, "K1", name="新名")

    assert editions.diff(a, b).as_dict() == {
        "a": a.pk,
        "b": b.pk,
        "added": [],
        "removed": [],
        "changed": [
            {
                "code": "K1",
                "name": "新名",
                "fields": [{"field": "name", "before": "旧名", "after": "新名"}],
            }
        ],
    }


def test_draft_edits_do_not_touch_the_published_edition(editor, publish_list):
    live = publish_list(["A1"])
    draft = editions.start_draft(ListKind.POWER, actor=editor)
    editions.update_entry(draft.entries.get(code="A1"), {"name": "草稿名"}, actor=editor)

    assert live.entries.get(code="A1").name != "草稿名"
    assert isinstance(editions.diff(live, draft), EditionDiff)
    assert [c.code for c in editions.diff(live, draft).changed] == ["A1"]
    assert ListEntry.objects.filter(code="A1").count() == 2


def test_a_new_entry_starts_with_the_responsibility_text_of_its_kind(editor):
    EnforcementItemFactory(code="X1", kind=ItemKind.PENALTY)
    EnforcementItemFactory(code="P1", permit=True)
    draft = editions.start_draft(ListKind.POWER, actor=editor)

    editions.sync_draft_from_catalogue(draft, actor=editor)

    penalty, permit = draft.entries.get(code="X1"), draft.entries.get(code="P1")
    assert penalty.responsibility.startswith("1.立案责任")
    assert "4.告知责任" in penalty.responsibility
    assert permit.responsibility.startswith("1.受理责任")


def test_the_stored_title_is_chinese_whatever_the_ui_language(editor):
    from django.utils import translation

    with translation.override("en"):
        draft = editions.start_draft(ListKind.POWER, actor=editor)
    assert draft.title == "权责清单（第1版）"
