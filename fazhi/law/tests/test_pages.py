import datetime as dt

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse

from fazhi.core.roles import Role
from fazhi.law.models import Provision


@pytest.fixture
def reader(client, make_user, laws):
    client.force_login(make_user(Role.OFFICER))
    return client


def test_law_pages_need_a_login(client, laws):
    response = client.get(reverse("law:laws"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_any_role_may_read_the_law_list(client, make_user, laws):
    client.force_login(make_user(Role.AUDIT_ADMIN))

    response = client.get(reverse("law:laws"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "行政处罚法" in html
    assert "2021-07-15" in html
    assert html.count('data-testid="unverified"') == 1  # the 2025 治安管理处罚法 revision


@time_machine.travel(dt.datetime(2025, 10, 8, 9, tzinfo=dt.UTC))
def test_law_page_shows_the_version_in_force_with_article_anchors(reader):
    response = reader.get(reverse("law:law_detail", args=["zaglcff"]))

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["version"].label == "2012-10-26"
    assert 'id="a119"' in html
    assert "第一节 扰乱公共秩序的行为和处罚" in html
    assert 'data-testid="unverified-banner"' not in html


@time_machine.travel(dt.datetime(2026, 1, 2, 9, tzinfo=dt.UTC))
def test_law_page_shows_the_unverified_revision_from_2026(reader):
    response = reader.get(reverse("law:law_detail", args=["zaglcff"]))

    html = response.content.decode()
    assert response.context["version"].label == "2025-06-27"
    assert 'data-testid="unverified-banner"' in html
    assert "未核实，请以官方文本为准" in html
    assert 'id="a19"' in html
    assert 'id="a20"' not in html


def test_version_switch_shows_the_chosen_text(reader):
    response = reader.get(reverse("law:law_detail", args=["zaglcff"]), {"version": "2012-10-26"})

    assert response.context["version"].label == "2012-10-26"
    assert len(response.context["articles"]) == 119


def test_unknown_version_is_not_found(reader):
    response = reader.get(reverse("law:law_detail", args=["zaglcff"]), {"version": "1999-01-01"})

    assert response.status_code == 404


def test_provision_page_shows_one_article_with_its_parts(reader):
    url = reverse("law:provision", args=["xzcff", "2021-01-22", 33])

    response = reader.get(url)

    html = response.content.decode()
    assert response.status_code == 200
    assert "《中华人民共和国行政处罚法》第三十三条" in html
    assert "《中华人民共和国行政处罚法》第三十三条第三款" in html
    assert 'data-bs-toggle="popover"' in html
    assert reverse("law:provision", args=["xzcff", "2021-01-22", 34]) in html


def test_provision_page_of_a_one_paragraph_article_lists_only_its_items(reader):
    response = reader.get(reverse("law:provision", args=["zaglcff", "2012-10-26", 19]))

    assert [(p.paragraph, p.item) for p in response.context["parts"]] == [
        (1, i) for i in range(1, 6)
    ]
    assert "第一款" not in response.content.decode()


def test_provision_page_of_missing_article_is_not_found(reader):
    response = reader.get(reverse("law:provision", args=["xzcff", "2021-01-22", 87]))

    assert response.status_code == 404


def _render(source: str, **context) -> str:
    return Template("{% load law_tags %}" + source).render(Context(context))


def test_cite_tag_renders_citation_with_text_in_a_popover(laws):
    provision = Provision.objects.get(version__law__code="xzcff", article=33, paragraph=1)

    html = _render("{% cite p %}", p=provision)

    assert ">《中华人民共和国行政处罚法》第三十三条第一款</a>" in html
    assert 'data-bs-toggle="popover"' in html
    assert 'data-bs-content="违法行为轻微并及时改正，没有造成危害后果的' in html
    assert 'href="/law/xzcff/2021-01-22/33/"' in html
    assert "未核实" not in html


def test_cite_tag_marks_an_unverified_provision(laws):
    html = _render(
        "{% cite '治安管理处罚法第二十二条' on=day short=True %}", day=dt.date(2026, 3, 1)
    )

    assert ">《治安管理处罚法》第二十二条</a>" in html
    assert 'data-testid="unverified"' in html


def test_cite_tag_shows_an_unresolvable_citation_as_written(laws):
    html = _render("{% cite '行政处罚法第九十九条' %}")

    assert "行政处罚法第九十九条" in html
    assert "未找到条文" in html
    assert "popover" not in html
