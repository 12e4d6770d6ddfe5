"""`fazhi load_laws FILE`: one official text verifies a version known only from a summary."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from fazhi.law.models import LawVersion, Provision

# A synthetic text in the statute format, standing in for the official 2025 text (not law).
ARTICLES = "\n\n".join(f"第{n}条 测试条文{n}。" for n in ("一", "二", "三"))
TEXT = f"""# 中华人民共和国治安管理处罚法

2025年6月27日 测试用文本（非官方文本）

<!-- INFO END -->

## 第一章 总则

{ARTICLES}
"""


@pytest.fixture
def official(tmp_path):
    path = tmp_path / "治安管理处罚法(2025-06-27).md"
    path.write_text(TEXT, encoding="utf-8")
    return path


def _version() -> LawVersion:
    return LawVersion.objects.get(law__code="zaglcff", label="2025-06-27")


def test_a_statute_file_replaces_the_summary_and_verifies_the_version(laws, official):
    assert _version().is_verified is False
    out, err = StringIO(), StringIO()

    call_command("load_laws", str(official), stdout=out, stderr=err)

    version = _version()
    assert version.is_verified is True
    assert version.source == official.name
    rows = version.provisions.filter(paragraph=0, article__lte=3).order_by("article")
    assert list(rows.values_list("article", "text")) == [
        (1, "测试条文一。"),
        (2, "测试条文二。"),
        (3, "测试条文三。"),
    ]
    assert "zaglcff 2025-06-27: verified text" in out.getvalue()
    # The summary's 第十九条、第二十二条 are not in the new text: reported, never deleted.
    assert "第十九条" in err.getvalue()


def test_a_dry_run_of_a_statute_file_writes_nothing(laws, official):
    before = Provision.objects.count()

    call_command("load_laws", str(official), "--dry-run", stdout=StringIO(), stderr=StringIO())

    assert Provision.objects.count() == before
    assert _version().is_verified is False


def test_the_version_can_be_named_when_the_file_name_has_no_date(laws, tmp_path):
    path = tmp_path / "official.md"
    path.write_text(TEXT, encoding="utf-8")

    with pytest.raises(CommandError, match="name the version with --label"):
        call_command("load_laws", str(path), stdout=StringIO())
    call_command(
        "load_laws", str(path), "--label", "2025-06-27", stdout=StringIO(), stderr=StringIO()
    )

    assert _version().is_verified is True


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        (TEXT.replace("治安管理处罚法", "治安管理处罚条例"), "x(2025-06-27).md", "no law titled"),
        (TEXT, "x(2024-01-01).md", "has no version '2024-01-01'"),
        (TEXT.replace("第二条", "第五条"), "x(2025-06-27).md", "x(2025-06-27).md"),
    ],
)
def test_a_file_that_names_no_known_version_is_refused(db, tmp_path, text, name, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")

    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("load_laws", str(path), stdout=StringIO())
