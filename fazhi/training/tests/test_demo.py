import datetime as dt

import time_machine

from fazhi.core import demo
from fazhi.core.warnings import WarningState
from fazhi.training.models import (
    Candidate,
    Course,
    Enrolment,
    QualificationGrant,
    Sitting,
    SittingStatus,
    TrainingPlan,
    TrainingWarning,
)


def test_the_demo_writes_the_courses_a_year_of_exams_and_the_warnings_once(db):
    with time_machine.travel("2026-12-07 10:00+08:00", tick=False):
        first = demo.load(demo.TINY, on=dt.date(2026, 12, 7), laws=True, cases=False)
        second = demo.load(demo.TINY, on=dt.date(2026, 12, 7), laws=True, cases=False)
    assert Course.objects.count() == 20
    assert TrainingPlan.objects.get().items.count() == 20
    assert Enrolment.objects.filter(status="completed").exists()
    published = Sitting.objects.filter(status=SittingStatus.PUBLISHED)
    assert published.count() == 3
    assert Candidate.objects.filter(sitting__in=published, passed=True).exists()
    assert QualificationGrant.objects.filter(applied_at__isnull=False).exists()  # recruits' 基本级
    assert QualificationGrant.objects.filter(
        applied_at__isnull=True, granted_on=dt.date(2026, 12, 8)
    ).exists()
    assert TrainingWarning.objects.filter(state=WarningState.OPEN, rule="QUAL_EXPIRING").exists()
    assert TrainingWarning.objects.filter(state=WarningState.OPEN, rule="QUAL_EXPIRED").exists()
    assert first.changed
    assert not second.changed
