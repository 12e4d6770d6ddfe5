import time_machine
from django.urls import reverse

from fazhi.core.roles import Role
from fazhi.org.tests.factories import UserFactory
from fazhi.training import exams
from fazhi.training.models import Answer, Candidate, PaperQuestion
from fazhi.training.tests.conftest import make_candidate_officer
from fazhi.training.tests.factories import local


def _candidate(world):
    return Candidate.objects.get(sitting=world.sitting, officer=world.officer)


def test_my_page_lists_my_sittings(client, world):
    client.force_login(world.user)
    with time_machine.travel(local("2026-09-05"), tick=False):
        page = client.get(reverse("training:mine"))
    assert page.status_code == 200
    assert "2026年中级执法资格考试" in page.content.decode()


def test_the_paper_is_hidden_before_the_window(client, world):
    client.force_login(world.user)
    url = reverse("training:exam", args=[_candidate(world).pk])
    with time_machine.travel(local("2026-09-10", 8, 30), tick=False):
        body = client.get(url).content.decode()
    assert 'data-testid="exam-not-open"' in body
    assert 'data-testid="question"' not in body


def test_only_the_candidate_sees_the_exam(client, world):
    other = make_candidate_officer(world.units["s1"])
    client.force_login(UserFactory(role=Role.OFFICER, scope_unit=world.units["s1"], officer=other))
    with time_machine.travel(local("2026-09-10", 9, 30), tick=False):
        assert client.get(reverse("training:exam", args=[_candidate(world).pk])).status_code == 404


def test_answers_are_saved_as_given_and_a_reload_keeps_the_time(client, world):
    client.force_login(world.user)
    candidate = _candidate(world)
    with time_machine.travel(local("2026-09-10", 9, 5), tick=False):
        client.post(reverse("training:start", args=[candidate.pk]))
    q = PaperQuestion.objects.filter(sitting=world.sitting, kind="single").first()
    with time_machine.travel(local("2026-09-10", 9, 20), tick=False):
        saved = client.post(
            reverse("training:answer", args=[candidate.pk, q.pk]), {"choice": [str(q.answer[0])]}
        )
        assert saved.status_code == 200
        assert "已保存" in saved.content.decode()
        body = client.get(reverse("training:exam", args=[candidate.pk])).content.decode()
    assert 'data-remaining="2700"' in body  # 45 minutes left of 60
    assert body.count('data-testid="question"') == 8
    assert f'value="{q.answer[0]}" id="q{q.pk}o{q.answer[0]}" checked' in body
    assert Answer.objects.filter(candidate=candidate).count() == 1


def test_after_the_deadline_the_paper_is_gone_and_handed_in(client, world):
    client.force_login(world.user)
    candidate = _candidate(world)
    exams.start(candidate, actor=world.user, at=local("2026-09-10", 9))
    with time_machine.travel(local("2026-09-10", 10, 1), tick=False):
        body = client.get(reverse("training:exam", args=[candidate.pk])).content.decode()
    assert 'data-testid="question"' not in body
    assert 'data-testid="exam-done"' in body
    candidate.refresh_from_db()
    assert candidate.submitted_at == local("2026-09-10", 10)


def test_the_sitting_page_offers_publication_only_after_the_window(client, world):
    client.force_login(world.manager)
    url = reverse("training:sitting", args=[world.sitting.code])
    with time_machine.travel(local("2026-09-10", 10), tick=False):
        body = client.get(url).content.decode()
    assert "考试截止后才能公布成绩" in body
    assert 'data-testid="publish"' not in body
    with time_machine.travel(local("2026-09-11", 10), tick=False):
        client.force_login(world.manager)  # a new day, a new session (the idle timeout)
        assert 'data-testid="publish"' in client.get(url).content.decode()


def test_a_sitting_is_created_from_the_form_with_the_pack_pass_mark(client, world):
    client.force_login(world.manager)
    with time_machine.travel(local("2026-09-01"), tick=False):
        response = client.post(
            reverse("training:sitting_create"),
            {
                "code": "ZG-2026-2B",
                "title": "补考",
                "level": "2",
                "opens_at": "2026-10-10T09:00",
                "closes_at": "2026-10-10T11:00",
                "duration_minutes": "60",
                "count_law_single": "2",
            },
        )
    assert response.status_code == 302
    sitting = exams.Sitting.objects.get(code="ZG-2026-2B")
    assert sitting.pass_mark == 70
    assert sitting.blueprint == [{"subject": "law", "kind": "single", "count": 2}]
    assert sitting.opens_at == local("2026-10-10", 9)


def test_an_absurd_identifier_is_not_a_server_error(client, world):
    client.force_login(world.user)
    huge = "9" * 25
    assert client.get(f"/training/exam/{huge}/").status_code == 404
    assert client.get(f"/api/v1/training/me/exams/{huge}/paper").status_code in {400, 404, 422}


def test_the_home_page_shows_the_open_exam_to_the_candidate_and_the_sitting_to_publish(
    client, world
):
    with time_machine.travel(local("2026-09-10", 9, 30), tick=False):
        client.force_login(world.user)
        body = client.get("/").content.decode()
        assert "正在开考" in body
    with time_machine.travel(local("2026-09-11", 9), tick=False):
        client.force_login(world.manager)
        assert "已截止待公布成绩的考试" in client.get("/").content.decode()
