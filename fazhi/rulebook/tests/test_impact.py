"""What a change of law touches: the impact report lists exactly the citers of each changed,
removed or unresolved provision, and review tasks go through the one warning engine."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from fazhi.catalog.models import EnforcementItem, ItemKind
from fazhi.core import citations, warnings
from fazhi.core.citations import Cited, Provider
from fazhi.law.models import Law, LawKind, LawVersion, Provision
from fazhi.rulebook import alerts, impact
from fazhi.rulebook.models import ImpactTask, ImpactWarning, LawChange, TaskStatus

TITLE = "中华人民共和国测试法"


def _version(law: Law, label: str, start: dt.date, end: dt.date | None, verified: bool = True):
    return LawVersion.objects.create(
        law=law,
        label=label,
        adopted_on=start,
        effective_from=start,
        effective_to=end,
        is_verified=verified,
    )


def _article(version: LawVersion, number: int, text: str) -> Provision:
    return Provision.objects.create(version=version, article=number, text=text)


@pytest.fixture
def change(db):
    law = Law.objects.create(code="csf", title=TITLE, short_title="测试法", kind=LawKind.LAW)
    old = _version(law, "2012-01-01", dt.date(2012, 1, 1), dt.date(2025, 12, 31))
    new = _version(law, "2025-06-27", dt.date(2026, 1, 1), None)
    for number, text in ((1, "第一条原文。"), (2, "第二条原文。"), (3, "第三条原文。")):
        _article(old, number, text)
    _article(new, 1, "第一条原文。")  # unchanged
    _article(new, 2, "第二条新文。")  # changed
    # 第三条 is gone from the new (verified) text
    return law, old, new


def cite(owner: str, text: str, **kw) -> Cited:
    return Cited("test", owner, owner, "测试单位", text, "where", **kw)


@pytest.fixture
def provider():
    cited: list[Cited] = []
    citations.register(Provider("test", "测试", lambda laws: list(cited)))
    yield cited
    citations._PROVIDERS.pop("test", None)


def test_a_changed_provision_lists_exactly_its_citers(change, provider):
    law, old, new = change
    provider += [
        cite("A", f"《{TITLE}》第二条"),
        cite("B", f"《{TITLE}》第一条"),  # unchanged: counted, not listed
        cite("C", f"《{TITLE}》第三条"),  # removed
        cite("D", f"《{TITLE}》（2025）第二条"),  # pinned to the new text: nothing to review
        cite("E", f"《{TITLE}》第二条", owner_to=dt.date(2025, 6, 30)),  # ends before it
        cite("F", "《中华人民共和国行政处罚法》第二条"),  # another law
    ]
    item = EnforcementItem.objects.create(
        code="X-1", name="测试事项", kind=ItemKind.PENALTY, basis_text="见依据条款"
    )
    item.basis.add(Provision.objects.get(version=old, article=2))

    rep = impact.report(law, old, new)

    by_article = {t.key[0]: t for t in rep.touched}
    assert sorted(by_article) == [2, 3]
    assert by_article[2].status == impact.CHANGED
    assert sorted(c.owner_id for c in by_article[2].citers) == ["A", "X-1"]
    assert (by_article[2].old.text, by_article[2].new.text) == ("第二条原文。", "第二条新文。")
    assert by_article[3].status == impact.REMOVED
    assert [c.owner_id for c in by_article[3].citers] == ["C"]
    assert (rep.unchanged, rep.other_version, rep.ended_before) == (1, 1, 1)


def test_an_unverified_new_text_leaves_missing_provisions_unresolved(change, provider):
    law, old, new = change
    new.is_verified = False
    new.save()
    provider += [cite("C", f"《{TITLE}》第三条")]

    rep = impact.report(law, old, new)

    assert [(t.key[0], t.status) for t in rep.touched] == [(3, impact.UNRESOLVED)]


def test_the_shipped_public_order_law_change_lists_every_pack_citer(laws):
    rep = impact.report_for("治安管理处罚法", "2012-10-26", "2025-06-27")

    changed = {t.key[0] for t in rep.of(impact.CHANGED)}
    assert changed == {19, 22}  # the two articles the 2025 summary holds
    assert rep.of(impact.REMOVED) == []  # the 2025 text is unverified: nothing is "removed" …
    unresolved = {t.key: t for t in rep.of(impact.UNRESOLVED)}  # … but cannot be resolved yet
    assert len(unresolved) >= 40
    kinds = {c.kind for t in unresolved.values() for c in t.citers}
    assert {"pack.discretion", "pack.procedure"} <= kinds
    assert rep.ended_before > 0  # the 2012 benchmark ends on 2025-12-31: nothing to review


def test_review_tasks_open_once_per_owner_and_warn_until_reviewed(change, provider, make_user):
    law, old, new = change
    provider += [cite("A", f"《{TITLE}》第二条"), cite("A", f"《{TITLE}》第三条")]
    at = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)

    first = impact.open_tasks(impact.report(law, old, new), at=at)
    again = impact.open_tasks(impact.report(law, old, new), at=at + dt.timedelta(hours=1))

    assert (first.opened, again.opened, again.kept) == (1, 0, 1)
    task = ImpactTask.objects.get()
    assert [c["status"] for c in task.citations] == [impact.CHANGED, impact.REMOVED]
    with time_machine.travel(at, tick=False):
        warnings.run_source(alerts.TASKS, at)
    assert ImpactWarning.objects.filter(task=task, state="open").count() == 1

    impact.close_task(task, "已改引新法第二条", actor=make_user("legal_officer"))
    warnings.run_source(alerts.TASKS, at + dt.timedelta(hours=2))

    assert ImpactTask.objects.get().status == TaskStatus.DONE
    assert ImpactWarning.objects.get().closed_reason == "no_longer_applies"


def test_a_task_settles_when_its_owner_stops_citing(change, provider):
    law, old, new = change
    provider += [cite("A", f"《{TITLE}》第二条")]
    at = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    impact.open_tasks(impact.report(law, old, new), at=at)
    provider.clear()

    result = impact.open_tasks(impact.report(law, old, new), at=at + dt.timedelta(days=1))

    assert result.settled == 1
    assert ImpactTask.objects.get().still_cites is False
    assert LawChange.objects.get().summary["owners"] == 0


def test_the_command_prints_the_report_as_json(change, provider, capsys):
    provider += [cite("A", f"《{TITLE}》第二条")]

    call_command("law", "impact", "测试法", "--from", "2012", "--to", "2025-06-27", "--json")

    out = capsys.readouterr().out
    assert '"status": "changed"' in out
    assert '"label": "A"' in out


def test_the_command_names_a_missing_version(change):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有版本“2019”"):
        call_command("law", "impact", "测试法", "--from", "2019", "--to", "2025-06-27")
