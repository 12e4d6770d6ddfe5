"""按类别全部评查: every closed case of the listed kinds in a unit's subtree and period, drawn
through the real write path (events decide the kind), audited, and the same task when drawn twice.
"""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from fazhi.audit.models import AuditEntry
from fazhi.cases import procedure
from fazhi.cases.procedure import NewEvent
from fazhi.catalog.tests.factories import EnforcementItemFactory
from fazhi.core.errors import FazhiError, PermissionDeniedError
from fazhi.core.roles import Role
from fazhi.supervision import review
from fazhi.supervision.models import ReviewSample, SampleMode
from fazhi.supervision.tests.factories import at, open_public_order_case, record

pytestmark = pytest.mark.django_db

NOW = at("2025-02-10 09:00")
JANUARY = (dt.date(2025, 1, 1), dt.date(2025, 1, 31))


def _closed(unit, kind: str, *, closed_on: str = "2025-01-20", item=None):
    """A case of UNIT that goes through the steps of KIND and is closed on CLOSED_ON."""
    case, actor = open_public_order_case(
        unit, accepted="2025-01-02 10:00", item=item, now="2025-01-02 10:05"
    )
    record(case, actor, "notify", "2025-01-03 10:00", proposed="拟处罚", hearing_offered=True)
    decide = {"outcome": "penalty", "fine": 200}
    if kind == "detention":
        record(case, actor, "legal_review", "2025-01-04 10:00", opinion="同意")
        decide = {"outcome": "penalty", "detention_days": 5}
    elif kind == "hearing":
        record(case, actor, "hearing_request", "2025-01-03 15:00")
        record(case, actor, "hearing_notice", "2025-01-03 16:00")
        record(case, actor, "hearing", "2025-01-14 10:00")
        record(case, actor, "legal_review", "2025-01-15 10:00", opinion="同意")
        decide = {"outcome": "penalty", "fine": 3000}
    elif kind == "seizure":
        record(case, actor, "seize", "2025-01-02 11:00", property="手机一部")
        record(case, actor, "property_stored", "2025-01-02 17:00")
    decided = record(case, actor, "decide", "2025-01-16 10:00", **decide)
    if kind == "detention":
        record(case, actor, "family_notified", "2025-01-16 11:00")
    record(case, actor, "close", f"{closed_on} 12:00")
    case.refresh_from_db()
    case.decided_event = decided
    return case


@pytest.fixture
def supervisor(make_user, tree):
    return make_user(Role.SUPERVISOR, tree["d1"])


@pytest.fixture
def cases(tree):
    """甲区 (d1: s1, c1) and 乙区 (d2: s2) cases of each kind; a few that no draw may pick."""
    return {
        "plain": _closed(tree["s1"], "plain"),
        "detention": _closed(tree["s1"], "detention"),
        "detention_c1": _closed(tree["c1"], "detention"),
        "hearing": _closed(tree["s1"], "hearing"),
        "seizure": _closed(tree["s1"], "seizure"),
        "detention_february": _closed(tree["s1"], "detention", closed_on="2025-02-01"),
        "detention_other_district": _closed(tree["s2"], "detention"),
    }


def _numbers(sample: ReviewSample) -> set[str]:
    return set(sample.cases.values_list("number", flat=True))


def test_every_closed_detention_case_of_the_subtree_and_period_is_selected(supervisor, tree, cases):
    sample = review.draw_kinds(tree["d1"], *JANUARY, ["detention"], actor=supervisor, at=NOW)

    assert _numbers(sample) == {cases["detention"].number, cases["detention_c1"].number}
    assert (sample.mode, sample.kinds, sample.seed, sample.size) == (
        SampleMode.KINDS,
        ["detention"],
        None,
        2,
    )


def test_the_listed_kinds_are_a_union(supervisor, tree, cases):
    sample = review.draw_kinds(
        tree["s1"], *JANUARY, ["hearing", "seizure", "detention"], actor=supervisor, at=NOW
    )

    assert _numbers(sample) == {
        cases["detention"].number,
        cases["hearing"].number,
        cases["seizure"].number,
    }
    assert sample.kinds == ["detention", "hearing", "seizure"]


def test_a_case_not_yet_closed_is_not_selected(supervisor, tree, cases):
    running, actor = open_public_order_case(tree["s1"], accepted="2025-01-02 10:00")
    record(running, actor, "notify", "2025-01-03 10:00", proposed="拟处罚")
    record(running, actor, "legal_review", "2025-01-04 10:00", opinion="同意")
    record(running, actor, "decide", "2025-01-16 10:00", outcome="penalty", detention_days=3)

    sample = review.draw_kinds(tree["s1"], *JANUARY, ["detention"], actor=supervisor, at=NOW)

    assert running.number not in _numbers(sample)
    assert _numbers(sample) == {cases["detention"].number}


def test_a_decision_corrected_to_no_detention_no_longer_counts_as_detention(
    supervisor, tree, cases
):
    case = cases["detention"]
    procedure.record_event(
        case,
        NewEvent(
            "decide",
            at("2025-01-16 10:00"),
            data={"outcome": "penalty", "fine": 200},
            corrects=case.decided_event,
            correction_reason="录入错误",
        ),
        actor=case.created_by,
        at=at("2025-01-21 10:00"),
    )

    sample = review.draw_kinds(tree["s1"], *JANUARY, ["detention"], actor=supervisor, at=NOW)

    assert _numbers(sample) == set()


def test_a_procedure_pack_and_an_item_are_kinds_too(supervisor, tree, cases):
    item = EnforcementItemFactory(code="XZCF-00999", levels=["district", "station"])
    of_item = _closed(tree["s1"], "plain", item=item)

    by_pack = review.draw_kinds(
        tree["s1"], *JANUARY, ["procedure:zhian-general"], actor=supervisor, at=NOW
    )
    by_item = review.draw_kinds(tree["s1"], *JANUARY, ["item:XZCF-00999"], actor=supervisor, at=NOW)
    by_other_pack = review.draw_kinds(
        tree["s1"], *JANUARY, ["procedure:admin-general"], actor=supervisor, at=NOW
    )

    assert _numbers(by_pack) == {
        cases[k].number for k in ("plain", "detention", "hearing", "seizure")
    } | {of_item.number}
    assert _numbers(by_item) == {of_item.number}
    assert _numbers(by_other_pack) == set()


def test_drawing_the_same_kinds_twice_returns_the_same_sample_and_writes_nothing(
    supervisor, tree, cases
):
    first = review.draw_kinds(
        tree["d1"], *JANUARY, ["hearing", "detention"], actor=supervisor, at=NOW
    )
    audits = AuditEntry.objects.count()

    again = review.draw_kinds(
        tree["d1"], *JANUARY, ["detention", "hearing", "detention"], actor=supervisor, at=NOW
    )

    assert again.pk == first.pk
    assert ReviewSample.objects.count() == 1
    assert AuditEntry.objects.count() == audits
    assert _numbers(again) == {
        cases["detention"].number,
        cases["detention_c1"].number,
        cases["hearing"].number,
    }


def test_drawing_again_adds_a_case_that_has_come_to_qualify_and_audits_it(supervisor, tree, cases):
    first = review.draw_kinds(tree["s1"], *JANUARY, ["detention"], actor=supervisor, at=NOW)
    late = _closed(tree["s1"], "detention", closed_on="2025-01-30")

    again = review.draw_kinds(tree["s1"], *JANUARY, ["detention"], actor=supervisor, at=NOW)

    assert again.pk == first.pk
    assert _numbers(again) == {cases["detention"].number, late.number}
    assert again.size == 2
    entry = AuditEntry.objects.get(action="supervision.review_sample.add")
    assert entry.changes == {"kinds": ["detention"], "added": [late.pk], "cases": 2}


def test_other_kinds_or_another_period_make_another_sample(supervisor, tree, cases):
    one = review.draw_kinds(tree["s1"], *JANUARY, ["detention"], actor=supervisor, at=NOW)
    two = review.draw_kinds(
        tree["s1"], *JANUARY, ["detention", "hearing"], actor=supervisor, at=NOW
    )
    three = review.draw_kinds(
        tree["s1"],
        dt.date(2025, 1, 1),
        dt.date(2025, 2, 28),
        ["detention"],
        actor=supervisor,
        at=NOW,
    )

    assert len({one.pk, two.pk, three.pk}) == 3
    assert _numbers(three) == {cases["detention"].number, cases["detention_february"].number}


def test_selecting_by_kinds_is_audited_with_the_kinds_and_the_cases(supervisor, tree, cases):
    sample = review.draw_kinds(tree["s1"], *JANUARY, ["hearing"], actor=supervisor, at=NOW)

    entry = AuditEntry.objects.get(action="supervision.review_sample.draw")
    assert entry.changes == {
        "unit": tree["s1"].code,
        "period": ["2025-01-01", "2025-01-31"],
        "mode": "kinds",
        "kinds": ["hearing"],
        "cases": [cases["hearing"].pk],
    }
    assert entry.object_id == str(sample.pk)


def test_an_unknown_kind_is_refused_naming_it(supervisor, tree, cases):
    with pytest.raises(FazhiError, match="没有案件类别“arson”") as refused:
        review.draw_kinds(tree["s1"], *JANUARY, ["detention", "arson"], actor=supervisor, at=NOW)
    assert refused.value.field == "kinds"
    with pytest.raises(FazhiError, match="执法事项编码“NOPE”不存在") as refused:
        review.draw_kinds(tree["s1"], *JANUARY, ["item:NOPE"], actor=supervisor, at=NOW)
    assert refused.value.field == "items"
    with pytest.raises(FazhiError, match="至少选择一个案件类别"):
        review.draw_kinds(tree["s1"], *JANUARY, [], actor=supervisor, at=NOW)
    assert not ReviewSample.objects.exists()


def test_a_unit_outside_the_scope_cannot_be_selected(supervisor, tree, cases):
    with pytest.raises(PermissionDeniedError):
        review.draw_kinds(tree["d2"], *JANUARY, ["detention"], actor=supervisor, at=NOW)


def test_an_officer_cannot_select_cases_for_review(make_user, tree, cases):
    with pytest.raises(PermissionDeniedError):
        review.draw_kinds(
            tree["s1"], *JANUARY, ["detention"], actor=make_user(Role.OFFICER, tree["s1"]), at=NOW
        )


def test_a_random_sample_needs_a_seed_and_a_kinds_sample_has_none(supervisor, tree):
    fields = {
        "unit": tree["s1"],
        "period_start": JANUARY[0],
        "period_end": JANUARY[1],
        "size": 1,
        "created_by": supervisor,
        "created_at": NOW,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewSample.objects.create(mode=SampleMode.RANDOM, seed=None, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewSample.objects.create(mode=SampleMode.KINDS, seed=7, kinds=["hearing"], **fields)


# --- the page ---------------------------------------------------------------------------------


def test_the_form_selects_the_ticked_kinds_and_the_typed_items(client, supervisor, tree, cases):
    item = EnforcementItemFactory(code="XZCF-00998", levels=["district", "station"])
    of_item = _closed(tree["s1"], "plain", item=item)
    client.force_login(supervisor)

    response = client.post(
        reverse("supervision:review_sample_new"),
        {
            "mode": "kinds",
            "unit": tree["d1"].code,
            "period_start": "2025-01-01",
            "period_end": "2025-01-31",
            "kinds": ["hearing", "seizure"],
            "items": "XZCF-00998，",
        },
    )

    sample = ReviewSample.objects.get()
    assert response.status_code == 302
    assert sample.kinds == ["hearing", "item:XZCF-00998", "seizure"]
    page = client.get(response["Location"])
    assert {case.number for case, _done in page.context["rows"]} == {
        cases["hearing"].number,
        cases["seizure"].number,
        of_item.number,
    }
    assert page.context["kind_labels"] == [
        "举行听证的案件",
        f"执法事项：{item.name}",
        "扣押财物的案件",
    ]
    assert "按类别全部评查" in page.content.decode()


def test_the_form_offers_every_kind_and_procedure_pack(client, supervisor):
    client.force_login(supervisor)

    page = client.get(reverse("supervision:review_sample_new"))

    codes = [code for code, _label in page.context["kind_choices"]]
    assert codes == [
        "detention",
        "hearing",
        "seizure",
        "legal_review",
        "mediation",
        "litigation_corrected",  # contributed by the litigation app
        "procedure:admin-general",
        "procedure:zhian-fast",
        "procedure:zhian-general",
        "procedure:zhian-simple",
    ]
    assert 'name="kinds" value="procedure:zhian-simple"' in page.content.decode()


def test_the_form_shows_a_refusal_and_stores_nothing(client, supervisor, tree, cases):
    client.force_login(supervisor)

    page = client.post(
        reverse("supervision:review_sample_new"),
        {
            "mode": "kinds",
            "unit": tree["d1"].code,
            "period_start": "2025-01-01",
            "period_end": "2025-01-31",
        },
    )

    assert page.status_code == 400
    assert "请至少选择一个案件类别" in page.content.decode()
    assert not ReviewSample.objects.exists()
