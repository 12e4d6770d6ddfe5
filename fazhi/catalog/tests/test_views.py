import datetime as dt

import pytest
from django.urls import reverse

from fazhi.catalog import editions
from fazhi.catalog.models import EditionStatus, ItemKind, ListEdition, ListKind
from fazhi.catalog.tests.factories import DelegationFactory, EnforcementItemFactory, add_entry
from fazhi.core.roles import Role

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(editor):
    draft = editions.start_draft(ListKind.POWER, actor=editor)
    add_entry(draft, "A1", name="旧名", levels=["district"])
    return draft


def entry_url(name, entry):
    return reverse(name, args=[entry.edition_id, entry.pk])


def test_catalogue_pages_need_a_login(client):
    response = client.get(reverse("catalog:items"))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_items_list_searches_by_code_or_name_and_filters(client, editor):
    EnforcementItemFactory(code="ZA-001", name="殴打他人", kind=ItemKind.PENALTY)
    EnforcementItemFactory(code="ZA-002", name="赌博", kind=ItemKind.PENALTY, centre_only=True)
    EnforcementItemFactory(code="XK-001", name="烟花爆竹燃放许可", permit=True, delegable=True)
    client.force_login(editor)

    def codes(**params):
        response = client.get(reverse("catalog:items"), params)
        return [item.code for item in response.context["page"]]

    assert codes(q="殴打") == ["ZA-001"]
    assert codes(q="za-00") == ["ZA-001", "ZA-002"]
    assert codes(kind="permit") == ["XK-001"]
    assert codes(centre="1") == ["ZA-002"]
    assert codes(delegable="1") == ["XK-001"]
    assert codes(delegable="0", centre="0") == ["ZA-001"]


def test_items_list_is_paginated(client, editor):
    for n in range(55):
        EnforcementItemFactory(code=f"P{n:03d}")
    client.force_login(editor)

    response = client.get(reverse("catalog:items"), {"page": 2})

    assert [item.code for item in response.context["page"]] == [f"P{n:03d}" for n in range(50, 55)]


def test_items_list_answers_htmx_with_the_table_only(client, editor):
    EnforcementItemFactory(code="ZA-001")
    client.force_login(editor)

    response = client.get(reverse("catalog:items"), {"q": "ZA"}, **HTMX)

    assert response.templates[0].name == "catalog/_items_table.html"
    assert b"<html" not in response.content


def test_item_detail_shows_delegations(client, editor, tree):
    delegation = DelegationFactory(township=tree["t1"], item__code="XZ-9", item__name="消防检查")
    client.force_login(editor)

    response = client.get(reverse("catalog:item", args=["XZ-9"]))

    assert response.status_code == 200
    assert "乙区某镇" in response.content.decode()
    assert list(response.context["delegations"]) == [delegation]


def test_editions_page_lists_each_list_kind(client, editor, draft):
    client.force_login(editor)

    response = client.get(reverse("catalog:editions"))

    lists = {row["kind"]: [e.pk for e in row["editions"]] for row in response.context["lists"]}
    assert lists == {"power": [draft.pk], "permit": []}


def test_legal_officer_starts_a_draft_from_the_page(client, editor):
    client.force_login(editor)

    response = client.post(reverse("catalog:edition_start"), {"list_kind": "permit"})

    draft = ListEdition.objects.get(list_kind="permit")
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:edition", args=[draft.pk])


def test_a_second_draft_from_the_page_is_an_error_not_a_500(client, editor, draft):
    client.force_login(editor)

    response = client.post(reverse("catalog:edition_start"), {"list_kind": "power"})

    assert response.status_code == 422
    assert "权责清单已有草稿（第1版）" in response.content.decode()


def test_inline_edit_saves_and_returns_the_row(client, editor, draft):
    entry = draft.entries.get()
    client.force_login(editor)

    response = client.post(
        entry_url("catalog:entry_edit", entry),
        {"name": "新名", "kind": "penalty", "basis_text": "依据", "levels": ["city", "district"]},
        **HTMX,
    )

    assert response.status_code == 200
    assert response.templates[0].name == "catalog/_entry_row.html"
    entry.refresh_from_db()
    assert (entry.name, entry.levels, entry.must_use_centre) == (
        "新名",
        ["city", "district"],
        False,
    )


def test_inline_edit_shows_field_level_errors(client, editor, draft):
    entry = draft.entries.get()
    client.force_login(editor)

    response = client.post(
        entry_url("catalog:entry_edit", entry),
        {"name": "", "kind": "fine", "basis_text": "依据"},
        **HTMX,
    )

    assert response.status_code == 200
    assert sorted(response.context["form"].errors) == ["kind", "name"]
    assert 'data-field="name"' in response.content.decode()
    entry.refresh_from_db()
    assert entry.name == "旧名"


def test_inline_edit_form_without_htmx_answers_422_on_errors(client, editor, draft):
    client.force_login(editor)

    response = client.post(entry_url("catalog:entry_edit", draft.entries.get()), {"name": ""})

    assert response.status_code == 422


def test_editing_a_published_entry_from_the_page_is_409_not_500(client, editor, leader, draft):
    editions.publish(draft, actor=leader, effective_from=dt.date(2025, 1, 1))
    entry = draft.entries.get()
    client.force_login(editor)
    form = {"name": "新名", "kind": "penalty", "basis_text": "依据"}

    assert client.get(entry_url("catalog:entry_edit", entry)).status_code == 409
    assert client.post(entry_url("catalog:entry_edit", entry), form).status_code == 409
    assert client.post(entry_url("catalog:entry_remove", entry)).status_code == 409
    assert client.post(reverse("catalog:edition_sync", args=[draft.pk])).status_code == 409
    entry.refresh_from_db()
    assert entry.name == "旧名"


def test_htmx_error_is_swapped_into_the_alert_area(client, editor, leader, draft):
    editions.publish(draft, actor=leader, effective_from=dt.date(2025, 1, 1))
    client.force_login(editor)

    response = client.post(entry_url("catalog:entry_remove", draft.entries.get()), **HTMX)

    assert response["HX-Retarget"] == "#edition-alerts"
    assert "已发布，不能修改" in response.content.decode()


def test_remove_entry_from_the_page(client, editor, draft):
    client.force_login(editor)

    response = client.post(entry_url("catalog:entry_remove", draft.entries.get()), **HTMX)

    assert (response.status_code, response.content) == (200, b"")
    assert not draft.entries.exists()


def test_add_entry_by_code_and_refuse_an_unknown_code(client, editor, draft):
    EnforcementItemFactory(code="B2")
    client.force_login(editor)
    url = reverse("catalog:entry_add", args=[draft.pk])

    assert client.post(url, {"code": "B2"}).status_code == 302
    response = client.post(url, {"code": "NOPE"})

    assert response.status_code == 422
    assert "事项编码“NOPE”不存在" in response.content.decode()
    assert sorted(draft.entries.values_list("code", flat=True)) == ["A1", "B2"]


def test_sync_from_the_page(client, editor, draft):
    EnforcementItemFactory(code="B2")
    client.force_login(editor)

    client.post(reverse("catalog:edition_sync", args=[draft.pk]))

    assert list(draft.entries.values_list("code", flat=True)) == ["B2"]


def test_publish_button_is_shown_only_to_publishers(client, editor, leader, draft):
    url = reverse("catalog:edition", args=[draft.pk])
    client.force_login(editor)
    assert 'data-testid="publish-form"' not in client.get(url).content.decode()
    client.force_login(leader)
    assert 'data-testid="publish-form"' in client.get(url).content.decode()


def test_legal_officer_cannot_publish_from_the_page(client, editor, draft):
    client.force_login(editor)

    response = client.post(
        reverse("catalog:edition_publish", args=[draft.pk]), {"effective_from": "2025-01-01"}
    )

    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == EditionStatus.DRAFT


def test_leader_publishes_from_the_page(client, leader, draft):
    client.force_login(leader)

    response = client.post(
        reverse("catalog:edition_publish", args=[draft.pk]), {"effective_from": "2025-03-01"}
    )

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.effective_from) == (EditionStatus.PUBLISHED, dt.date(2025, 3, 1))


def test_leader_cannot_edit_entries(client, leader, draft):
    client.force_login(leader)

    response = client.post(entry_url("catalog:entry_remove", draft.entries.get()))

    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.OFFICER, Role.SUPERVISOR])
def test_other_roles_see_a_draft_without_editing_controls(client, tree, make_user, draft, role):
    client.force_login(make_user(role, tree["city"]))

    response = client.get(reverse("catalog:edition", args=[draft.pk]))

    assert response.status_code == 200
    assert (response.context["can_edit"], response.context["can_publish"]) == (False, False)
    assert "hx-post" not in response.content.decode()


def test_diff_page_marks_added_removed_and_changed_rows(client, editor, leader, publish_list):
    old = publish_list(["K1", "K2"])
    draft = editions.start_draft(ListKind.POWER, actor=editor)
    editions.remove_entry(draft.entries.get(code="K2"), actor=editor)
    editions.update_entry(draft.entries.get(code="K1"), {"must_use_centre": True}, actor=editor)
    editions.add_entry_from_item(draft, EnforcementItemFactory(code="K3"), actor=editor)
    client.force_login(editor)

    response = client.get(reverse("catalog:diff"), {"a": old.pk, "b": draft.pk})

    html = response.content.decode()
    assert html.count('data-diff="added"') == 1
    assert html.count('data-diff="removed"') == 1
    assert html.count('data-diff="changed"') == 1
    assert "应进必进</td><td>否</td><td>→ 是</td>" in html


def test_diff_page_with_a_bad_id_is_an_error_not_a_500(client, editor):
    client.force_login(editor)

    assert client.get(reverse("catalog:diff"), {"a": "x", "b": "1"}).status_code == 422
    assert client.get(reverse("catalog:diff"), {"a": "998", "b": "999"}).status_code == 404


def test_publishing_with_htmx_redirects_the_page(client, leader, draft):
    client.force_login(leader)

    response = client.post(
        reverse("catalog:edition_publish", args=[draft.pk]),
        {"effective_from": "2025-03-01"},
        **HTMX,
    )

    assert response["HX-Redirect"] == reverse("catalog:edition", args=[draft.pk])


def test_publishing_with_a_bad_date_names_the_value(client, leader, draft):
    client.force_login(leader)

    response = client.post(
        reverse("catalog:edition_publish", args=[draft.pk]), {"effective_from": "2025-13-01"}
    )

    assert response.status_code == 422
    assert "生效日期“2025-13-01”无效" in response.content.decode()


def test_item_detail_cites_its_provisions_and_marks_unverified_ones(client, editor):
    from fazhi.law.models import Law, LawVersion, Provision

    law = Law.objects.create(
        code="zhian", title="中华人民共和国治安管理处罚法", short_title="治安管理处罚法", kind="law"
    )
    version = LawVersion.objects.create(
        law=law,
        label="2012-10-26",
        adopted_on=dt.date(2012, 10, 26),
        effective_from=dt.date(2013, 1, 1),
        is_verified=False,
    )
    item = EnforcementItemFactory(code="ZA-043")
    item.basis.add(Provision.objects.create(version=version, article=43, text="殴打他人的……"))
    client.force_login(editor)

    html = client.get(reverse("catalog:item", args=["ZA-043"])).content.decode()

    assert "《中华人民共和国治安管理处罚法》第四十三条" in html
    assert "未核实，请以官方文本为准" in html
