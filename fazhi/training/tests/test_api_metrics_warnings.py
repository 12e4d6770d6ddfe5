import datetime as dt
from decimal import Decimal

import time_machine

from fazhi.core import metrics, warnings
from fazhi.core.metrics import Period
from fazhi.core.warnings import WarningState
from fazhi.org.tests.factories import OfficerFactory
from fazhi.training import courses, exams
from fazhi.training.models import Candidate, Course, PaperQuestion, TrainingWarning
from fazhi.training.tests.factories import local


def _take_all_right(world, at):
    candidate = exams.start(Candidate.objects.get(sitting=world.sitting), actor=world.user, at=at)
    for q in PaperQuestion.objects.filter(sitting=world.sitting):
        exams.give_answer(candidate, q, choice=q.answer, actor=world.user, at=at)
    return exams.submit(candidate, actor=world.user, at=at + dt.timedelta(minutes=1))


def test_the_candidate_api_serves_the_paper_only_during_the_attempt(client, world):
    client.force_login(world.user)
    candidate = Candidate.objects.get(sitting=world.sitting)
    base = f"/api/v1/training/me/exams/{candidate.pk}"
    with time_machine.travel(local("2026-09-10", 8), tick=False):
        assert client.post(f"{base}/start").status_code == 422
        assert client.get(f"{base}/paper").status_code == 422
    with time_machine.travel(local("2026-09-10", 9, 30), tick=False):
        client.force_login(world.user)  # the session's idle timeout is measured in real time
        started = client.post(f"{base}/start").json()
        assert started["remaining_seconds"] == 3600
        paper = client.get(f"{base}/paper").json()
        assert len(paper) == 8
        q = PaperQuestion.objects.get(pk=paper[0]["question_id"])
        saved = client.post(
            f"{base}/answers",
            {"question_id": q.pk, "choice": q.answer},
            content_type="application/json",
        )
        assert saved.status_code == 201
        assert client.post(f"{base}/submit").json()["status"] == "marked"
        assert client.get(f"{base}/paper").status_code == 422
        mine = client.get("/api/v1/training/me/exams").json()
    assert mine[0]["score"] is None  # not published yet


def test_another_officer_cannot_reach_a_candidates_attempt(client, world, make_user):
    other = OfficerFactory(unit=world.units["s1"])
    client.force_login(make_user("officer", world.units["s1"], officer=other))
    candidate = Candidate.objects.get(sitting=world.sitting)
    assert client.get(f"/api/v1/training/me/exams/{candidate.pk}/paper").status_code == 404


def test_publishing_through_the_api_lists_the_grant(client, world):
    _take_all_right(world, local("2026-09-10", 9, 10))
    with time_machine.travel(local("2026-09-15", 10), tick=False):
        client.force_login(world.manager)
        body = client.post(f"/api/v1/training/sittings/{world.sitting.code}/publish").json()
    assert body["status"] == "published"
    assert body["candidates"][0]["outcome"]["granted_on"] == "2026-09-16"


def test_exam_pass_rate_counts_the_published_candidates_of_the_scope(world):
    _take_all_right(world, local("2026-09-10", 9, 10))
    exams.publish(world.sitting, actor=world.manager, at=local("2026-09-15", 10))
    value = metrics.get("exam_pass_rate")(
        Period(dt.date(2026, 9, 1), dt.date(2026, 9, 30)), world.units["city"]
    )
    assert (value.numerator, value.denominator, value.value) == (1, 1, Decimal("100.0"))
    other = metrics.get("exam_pass_rate")(
        Period(dt.date(2026, 9, 1), dt.date(2026, 9, 30)), world.units["d2"]
    )
    assert other.denominator == 0


def test_qualifications_expiring_counts_those_within_90_days(tree):
    OfficerFactory(
        unit=tree["s1"],
        qualification_granted_on=dt.date(2024, 1, 1),
        qualification_expires_on=dt.date(2026, 11, 30),
    )
    OfficerFactory(
        unit=tree["s1"],
        qualification_granted_on=dt.date(2024, 1, 1),
        qualification_expires_on=dt.date(2027, 3, 1),
    )
    with time_machine.travel("2026-10-01 10:00+08:00", tick=False):
        value = metrics.get("qualifications_expiring")(
            Period(dt.date(2026, 1, 1), dt.date(2026, 10, 1)), tree["city"]
        )
    assert value.numerator == 1
    assert list(value.records.values_list("qualification_expires_on", flat=True)) == [
        dt.date(2026, 11, 30)
    ]


def test_coverage_and_the_behind_plan_warning_follow_attendance(world):
    manager = world.manager
    course = courses.save_course(
        {"code": "JZ-T", "title": "执法全过程记录", "subject": "procedure", "hours": Decimal(4)},
        actor=manager,
    )
    plan = courses.save_plan(
        2026,
        world.units["city"],
        [(course, dt.date(2026, 6, 30))],
        title="2026年度计划",
        actor=manager,
    )
    at = local("2026-07-01", 12)
    warnings.run_source(__import__("fazhi.training.alerts", fromlist=["SOURCE"]).SOURCE, at)
    behind = TrainingWarning.objects.filter(
        rule="PLAN_BEHIND", officer=world.officer, state=WarningState.OPEN
    )
    assert behind.get().subject_key == str(plan.items.get().pk)
    session = courses.add_session(
        course,
        actor=manager,
        starts_on=dt.date(2026, 7, 2),
        ends_on=dt.date(2026, 7, 2),
        place="培训中心",
        trainer="王教官",
        capacity=1,
        organiser=world.units["city"],
    )
    extra = OfficerFactory(unit=world.units["s1"])
    out = courses.enrol(session, [world.officer, extra], actor=manager, at=at)
    assert (len(out.enrolled), out.full) == (1, 1)
    courses.record_attendance(out.enrolled[0], True, actor=manager)
    cell = courses.coverage(plan, [world.units["s1"]], dt.date(2026, 7, 3))[
        (world.units["s1"].pk, course.pk)
    ]
    assert (cell.completed, cell.required) == (1, 2)
    warnings.run_source(
        __import__("fazhi.training.alerts", fromlist=["SOURCE"]).SOURCE, local("2026-07-03", 12)
    )
    assert not behind.exists()
    value = metrics.get("training_coverage_rate")(
        Period(dt.date(2026, 1, 1), dt.date(2026, 7, 3)), world.units["s1"]
    )
    assert (value.numerator, value.denominator) == (1, 2)
    assert Course.objects.get(code="JZ-T").citations == []


def test_a_course_citing_a_provision_that_does_not_exist_is_refused(world, laws):
    import pytest

    with pytest.raises(courses.FazhiError, match="第九百条"):
        courses.save_course(
            {
                "code": "JZ-X",
                "title": "错",
                "subject": "law",
                "hours": Decimal(2),
                "citations": ["《中华人民共和国行政处罚法》第九百条"],
            },
            actor=world.manager,
        )


def test_the_expiry_warning_goes_to_the_officer_and_closes_on_renewal(world):
    world.officer.qualification_expires_on = dt.date(2026, 11, 1)
    world.officer.save()
    from fazhi.training import alerts

    warnings.run_source(alerts.SOURCE, local("2026-09-01", 12))
    assert list(alerts.officer_warnings(world.officer).values_list("rule", flat=True)) == [
        "QUAL_EXPIRING"
    ]
    world.officer.qualification_expires_on = dt.date(2029, 11, 1)
    world.officer.save()
    warnings.run_source(alerts.SOURCE, local("2026-09-02", 12))
    assert not alerts.officer_warnings(world.officer).exists()
