import datetime as dt

import pytest

from fazhi.audit.models import AuditEntry
from fazhi.catalog.basis import link_basis, split_basis
from fazhi.catalog.models import EnforcementItem
from fazhi.catalog.tests.factories import EnforcementItemFactory

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 11, 25)


def test_basis_text_splits_on_full_width_semicolons():
    assert split_basis("《A》第一条；《B》第二条;\n《C》第三条") == [
        "《A》第一条",
        "《B》第二条",
        "《C》第三条",
    ]


def test_each_citation_links_to_its_provision_in_force(laws):
    item = EnforcementItemFactory(
        code="JT-091-01",
        basis_text="《中华人民共和国道路交通安全法》第九十一条第一款；《中华人民共和国行政处罚法》第九条",
    )
    report = link_basis(EnforcementItem.objects.all(), on=ON, actor="system:test")
    assert report.linked == 2
    assert report.unresolved == []
    assert sorted(
        (p.version.law.short_title, p.article, p.paragraph) for p in item.basis.all()
    ) == [
        ("行政处罚法", 9, 0),
        ("道路交通安全法", 91, 1),
    ]


def test_a_citation_of_the_old_public_order_law_links_to_the_verified_2012_text(laws):
    item = EnforcementItemFactory(
        code="ZA-023-01", basis_text="《中华人民共和国治安管理处罚法》第二十三条第一款第（一）项"
    )
    report = link_basis(EnforcementItem.objects.all(), on=ON, actor="system:test")
    provision = item.basis.get()
    assert (provision.version.label, provision.article, provision.paragraph, provision.item) == (
        "2012-10-26",
        23,
        1,
        1,
    )
    assert report.superseded == [("ZA-023-01", item.basis_text, "2012-10-26")]


def test_an_unknown_article_is_reported_not_linked(laws):
    EnforcementItemFactory(code="X", basis_text="《中华人民共和国行政处罚法》第九百条")
    report = link_basis(EnforcementItem.objects.all(), on=ON, actor="system:test")
    assert report.linked == 0
    assert [(code, citation) for code, citation, _why in report.unresolved] == [
        ("X", "《中华人民共和国行政处罚法》第九百条")
    ]


def test_linking_twice_changes_nothing_and_audits_once(laws):
    EnforcementItemFactory(code="A", basis_text="《中华人民共和国行政处罚法》第九条")
    first = link_basis(EnforcementItem.objects.all(), on=ON, actor="system:test")
    second = link_basis(EnforcementItem.objects.all(), on=ON, actor="system:test")
    assert (first.changed_items, second.changed_items) == (1, 0)
    assert AuditEntry.objects.filter(action="catalog.items.link_basis").count() == 1


def test_the_item_page_says_when_the_basis_is_a_superseded_text(laws, client, make_user, tree):
    from fazhi.core.roles import Role

    item = EnforcementItemFactory(
        code="ZA-023-01", basis_text="《中华人民共和国治安管理处罚法》第二十三条第一款第（一）项"
    )
    link_basis(EnforcementItem.objects.all(), on=ON, actor="system:test")
    client.force_login(make_user(Role.OFFICER, tree["s1"]))
    page = client.get(f"/catalog/items/{item.code}/").content.decode()
    assert 'data-testid="superseded-basis"' in page
    assert "2012-10-26" in page
