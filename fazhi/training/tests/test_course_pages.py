import datetime as dt

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fazhi.training.models import Course, CourseMaterial, CourseSession, Enrolment, TrainingPlan


def test_a_course_is_planned_given_attended_and_covered_from_the_pages(
    client, world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.manager)
    with time_machine.travel("2026-03-01 10:00+08:00", tick=False):
        client.force_login(world.manager)
        client.post(
            reverse("training:courses"),
            {
                "code": "JZ-09",
                "title": "行政处罚法适用要点",
                "subject": "law",
                "hours": "8",
                "citations": "",
            },
        )
        course = Course.objects.get(code="JZ-09")
        bad = client.post(
            reverse("training:courses"),
            {"code": "JZ-10", "title": "x", "subject": "law", "hours": "-1"},
            follow=True,
        )
        assert "学时应大于 0" in bad.content.decode()
        url = reverse("training:course", args=[course.code])
        client.post(
            url,
            {
                "action": "session",
                "starts_on": "2026-03-01",
                "ends_on": "",
                "capacity": "30",
                "place": "培训中心",
                "trainer": "王教官",
            },
        )
        client.post(
            url,
            {
                "action": "material",
                "title": "讲义",
                "file": SimpleUploadedFile("讲义.pdf", b"%PDF-1.4"),
            },
        )
        session = CourseSession.objects.get(course=course)
        client.post(url, {"action": "enrol", "session": session.pk, "unit": world.units["s1"].code})
        enrolment = Enrolment.objects.get(officer=world.officer)
        client.post(url, {"action": "attended", "enrolment": enrolment.pk})
        client.post(
            reverse("training:plans"),
            {
                "year": "2026",
                "unit": world.units["city"].code,
                "title": "2026年度计划",
                "due_JZ-09": "2026-06-30",
            },
        )
        plan = TrainingPlan.objects.get(year=2026)
        page = client.get(reverse("training:plan", args=[plan.pk])).content.decode()
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.hours_credited, enrolment.completed_on) == (
        "completed",
        8,
        dt.date(2026, 3, 1),
    )
    assert CourseMaterial.objects.get(course=course).title == "讲义"
    assert "1/1" in page
    assert plan.items.get().due_on == dt.date(2026, 6, 30)
