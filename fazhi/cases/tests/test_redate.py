import io
import shutil

import pytest
from django.core.management import CommandError, call_command

from fazhi.audit.models import AuditEntry
from fazhi.cases.deadlines import redate_all
from fazhi.cases.models import Deadline
from fazhi.cases.tests.factories import at, open_public_order_case
from fazhi.core import calendar as calendar_module
from fazhi.core import rulepacks

pytestmark = pytest.mark.django_db

CALENDAR_2027 = """\
year: 2027
complete: true
source: 测试用节假日安排（虚构）
holidays:
  - {from: 2027-01-11, to: 2027-01-11, name: 测试假日}
"""


@pytest.fixture
def rules(settings, tmp_path):
    """A rules folder with the general public-order pack and a calendar that knows 2026, not 2027."""
    (tmp_path / "procedure").mkdir()
    (tmp_path / "calendar").mkdir()
    shutil.copy(settings.RULES_DIR / "procedure" / "zhian-general.yaml", tmp_path / "procedure")
    shutil.copy(settings.RULES_DIR / "calendar" / "2026.yaml", tmp_path / "calendar")
    settings.RULES_DIR = tmp_path
    calendar_module.default_calendar.cache_clear()
    rulepacks.reload()
    yield tmp_path
    calendar_module.default_calendar.cache_clear()
    rulepacks.reload()


def _case_due_in_2027(tree):
    # 受案 2026-12-10 + 30 days: the last day 2027-01-09 is a Saturday, so the period ends on
    # Monday 2027-01-11 — counted on weekends alone, 2027 having no holiday notice yet.
    case, actor = open_public_order_case(tree["s1"], accepted="2026-12-10 10:00")
    return case, actor


def test_a_deadline_reaching_an_unknown_year_is_provisional(rules, tree):
    case, _ = _case_due_in_2027(tree)
    deadline = Deadline.objects.get(case=case, code="handling")
    assert deadline.due_at == at("2027-01-12 00:00")
    assert deadline.is_provisional is True
    assert "2027 年节假日安排尚未载入" in deadline.explanation


def test_refresh_moves_a_deadline_onto_the_new_years_calendar_and_audits_it(rules, tree):
    case, actor = _case_due_in_2027(tree)
    (rules / "calendar" / "2027.yaml").write_text(CALENDAR_2027, encoding="utf-8")
    out = io.StringIO()
    call_command("calendar", "refresh", "--by", actor.username, stdout=out)
    deadline = Deadline.objects.get(case=case, code="handling")
    assert deadline.due_at == at("2027-01-13 00:00")  # 2027-01-11 is now a holiday
    assert deadline.is_provisional is False
    assert "期满日 2027-01-12" in deadline.explanation
    assert "尚未载入" not in deadline.explanation
    entry = AuditEntry.objects.get(action="case.deadlines.redate")
    assert (entry.actor_label, entry.object_id) == (actor.username, str(case.pk))
    assert entry.changes == {
        "handling": {
            "due_at": ["2027-01-12T00:00:00+08:00", "2027-01-13T00:00:00+08:00"],
            "is_provisional": [True, False],
        }
    }
    assert "1 deadlines moved, 1 no longer provisional" in out.getvalue()
    assert f"{case.number} handling: 2027-01-12 00:00 → 2027-01-13 00:00" in out.getvalue()


def test_a_dry_run_reports_the_move_and_writes_nothing(rules, tree):
    case, _ = _case_due_in_2027(tree)
    (rules / "calendar" / "2027.yaml").write_text(CALENDAR_2027, encoding="utf-8")
    out = io.StringIO()
    call_command("calendar", "refresh", "--dry-run", stdout=out)
    assert "1 deadlines would move" in out.getvalue()
    deadline = Deadline.objects.get(case=case, code="handling")
    assert (deadline.due_at, deadline.is_provisional) == (at("2027-01-12 00:00"), True)
    assert not AuditEntry.objects.filter(action="case.deadlines.redate").exists()


def test_refresh_without_a_calendar_change_moves_nothing_and_audits_nothing(rules, tree):
    _case_due_in_2027(tree)
    open_public_order_case(tree["s1"], accepted="2026-03-02 10:00")
    result = redate_all(actor="system:calendar", at=at("2026-12-11 09:00"))
    assert (result.cases, result.moved, result.changed) == (2, 0, 0)
    assert not AuditEntry.objects.filter(action="case.deadlines.redate").exists()


def test_refresh_is_audited_as_the_calendar_task_without_by(rules, tree):
    _case_due_in_2027(tree)
    (rules / "calendar" / "2027.yaml").write_text(CALENDAR_2027, encoding="utf-8")
    call_command("calendar", "refresh", stdout=io.StringIO())
    assert AuditEntry.objects.get(action="case.deadlines.redate").actor_label == "system:calendar"


def test_refresh_by_an_unknown_account_is_refused(rules, tree):
    with pytest.raises(CommandError, match="--by 'nobody'"):
        call_command("calendar", "refresh", "--by", "nobody", stdout=io.StringIO())
