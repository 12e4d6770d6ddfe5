import datetime as dt
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from fazhi.audit import log as audit
from fazhi.audit.models import AuditEntry
from fazhi.law.loader import MANIFEST, ManifestError, load_laws, read_manifest
from fazhi.law.models import Law, LawVersion, Provision


def test_first_load_creates_every_law_version_and_provision(laws):
    assert (laws.laws.created, laws.versions.created) == (15, 16)
    assert laws.provisions.created == Provision.objects.count() == 4660
    assert Provision.objects.filter(paragraph=0, item=0, version__label="2021-01-22").count() == 86


def test_loading_twice_changes_nothing(laws):
    entries = AuditEntry.objects.count()

    second = load_laws()

    assert (second.laws.created, second.laws.updated, second.laws.unchanged) == (0, 0, 15)
    assert (second.versions.created, second.versions.updated) == (0, 0)
    assert (second.provisions.created, second.provisions.updated) == (0, 0)
    assert second.provisions.unchanged == 4660
    assert second.changed is False
    assert AuditEntry.objects.count() == entries


def test_load_is_audited_by_the_loader(laws):
    actions = set(AuditEntry.objects.values_list("action", flat=True))

    assert {"law.law.create", "law.version.create", "law.provisions.load"} <= actions
    assert set(AuditEntry.objects.values_list("actor_label", flat=True)) == {"system:load_laws"}
    assert audit.verify().ok


def test_changed_text_is_restored_and_audited(laws):
    provision = Provision.objects.get(version__law__code="xzcff", article=33, paragraph=1)
    original = provision.text
    Provision.objects.filter(pk=provision.pk).update(text="被改动的条文")

    report = load_laws()

    assert report.provisions.updated == 1
    provision.refresh_from_db()
    assert provision.text == original
    entry = AuditEntry.objects.filter(action="law.provisions.load").latest("id")
    assert entry.changes["updated"]["《行政处罚法》第三十三条第一款"]["text"] == [
        "被改动的条文",
        original,
    ]


def test_dry_run_counts_but_writes_nothing(db):
    report = load_laws(dry_run=True)

    assert report.laws.created == 15
    assert Law.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_version_on_picks_the_2012_text_before_2026(laws):
    law = Law.objects.get(code="zaglcff")

    assert law.version_on(dt.date(2013, 1, 1)).label == "2012-10-26"
    assert law.version_on(dt.date(2025, 12, 31)).label == "2012-10-26"
    assert law.version_on(dt.date(2026, 1, 1)).label == "2025-06-27"
    assert law.version_on(dt.date(2012, 12, 31)) is None


def test_2025_revision_is_loaded_unverified_with_its_summaries_only(laws):
    version = LawVersion.objects.get(law__code="zaglcff", label="2025-06-27")

    assert version.is_verified is False
    assert (version.adopted_on, version.effective_from) == (
        dt.date(2025, 6, 27),
        dt.date(2026, 1, 1),
    )
    assert "官方文本" in version.note
    rows = list(version.provisions.order_by("article"))
    assert [(p.article, p.is_verified) for p in rows] == [(19, False), (22, False)]
    assert all("未核实，请以官方文本为准" in p.text for p in rows)
    assert "1年以内" in rows[1].text


def test_manifest_titles_are_the_headings_of_the_files(laws):
    assert Law.objects.get(code="xzcff").title == "中华人民共和国行政处罚法"
    assert Law.objects.get(code="gaxzajcxgd").kind == "rule"


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(MANIFEST.parent, target)
    return target / "laws.yaml"


def test_overlapping_versions_are_refused(tmp_path):
    manifest = _copy_data(tmp_path)
    text = manifest.read_text(encoding="utf-8").replace(
        "effective_to: 2025-12-31", "effective_to: 2026-01-01"
    )
    manifest.write_text(text, encoding="utf-8")

    with pytest.raises(
        ManifestError, match=r"law zaglcff: version 2012-10-26 .* overlaps version 2025-06-27"
    ):
        read_manifest(manifest)


def test_title_that_differs_from_the_file_heading_is_refused(tmp_path, db):
    manifest = _copy_data(tmp_path)
    text = manifest.read_text(encoding="utf-8").replace(
        "title: 中华人民共和国行政强制法", "title: 行政强制法"
    )
    manifest.write_text(text, encoding="utf-8")

    with pytest.raises(
        ManifestError, match="law xzqzf version 2011-06-30: title '行政强制法' differs"
    ):
        load_laws(manifest)


def test_command_prints_counts_and_fails_on_a_bad_manifest(db, tmp_path):
    out = StringIO()
    call_command("load_laws", "--dry-run", stdout=out)
    assert "[dry run] laws: created=15 updated=0 unchanged=0" in out.getvalue()
    assert "provisions: created=4660 updated=0 unchanged=0" in out.getvalue()

    manifest = _copy_data(tmp_path)
    manifest.write_text("laws: 3\n", encoding="utf-8")
    with pytest.raises(CommandError, match="top-level 'laws:' list"):
        call_command("load_laws", "--manifest", str(manifest), stdout=StringIO())
