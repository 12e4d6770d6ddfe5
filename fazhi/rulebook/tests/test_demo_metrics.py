"""The demo reproduces the seed's figures (6 reserve projects, 3 proposals, 2 norms promoted
nationally) and the metrics read them, each with the records behind it."""

from __future__ import annotations

import datetime as dt

from fazhi.core import metrics
from fazhi.core.demo import TINY, DemoResult, DemoRun
from fazhi.core.metrics import Period
from fazhi.rulebook.demo import load_rulebook
from fazhi.rulebook.models import (
    DocumentWarning,
    ImpactTask,
    LegislativeProject,
    NormativeDocument,
    Promotion,
)
from fazhi.rulebook.tests.factories import draft, published, reviewed

ON = dt.date(2026, 12, 7)


def test_the_demo_holds_the_seed_figures_and_runs_once(tree, laws, make_user):
    make_user("legal_officer", tree["city"], username="legal")
    run = DemoRun(size=TINY, on=ON, laws=True, cases=False, result=DemoResult())

    load_rulebook(run)
    load_rulebook(DemoRun(size=TINY, on=ON, laws=True, cases=False, result=DemoResult()))

    year = Period(dt.date(2026, 1, 1), ON)
    assert metrics.get("reserve_projects")(year, tree["city"]).numerator == 6
    assert (
        metrics.get("legislative_proposals")(
            Period(dt.date(2025, 12, 1), ON), tree["city"]
        ).numerator
        == 3
    )
    assert NormativeDocument.objects.filter(promoted=Promotion.NATIONAL).count() == 2
    assert LegislativeProject.objects.count() == 7  # the 6 in reserve and the adopted drone rule
    assert ImpactTask.objects.filter(owner_kind="rulebook.document").exists()
    assert set(DocumentWarning.objects.filter(state="open").values_list("rule", flat=True)) == {
        "BEIAN_OVERDUE",
        "YOUXIAOQI_ENDING",
    }
    assert run.result.created["reserve_projects"] == 6


def test_the_review_rate_counts_documents_published_after_a_passed_review(tree, make_user):
    legal = make_user("legal_officer", tree["city"])
    published(tree["city"], legal, number="渝公规〔2026〕1号", on=dt.date(2026, 3, 2))
    reviewed(draft(tree["city"], legal), legal, dt.date(2026, 3, 2))  # not published: not counted

    value = metrics.get("normative_docs_reviewed_rate")(
        Period(dt.date(2026, 1, 1), ON), tree["city"]
    )

    assert (value.numerator, value.denominator, str(value.value)) == (1, 1, "100.0")
    assert [d.number for d in value.records] == ["渝公规〔2026〕1号"]
