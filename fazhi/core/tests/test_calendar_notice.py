"""Years without a State Council notice, entering the notice, re-dating, the banner and the screen."""

import datetime as dt
import io
import json
import shutil

import chinese_calendar
import pytest
import time_machine
from django.core.management import CommandError, call_command
from hypothesis import given
from hypothesis import strategies as st
from lunardate import LunarDate

from fazhi.audit.models import AuditEntry
from fazhi.cases.models import Deadline
from fazhi.cases.tests.factories import at, open_public_order_case
from fazhi.core import calendar as cal
from fazhi.core import rulepacks
from fazhi.core.calendar import CalendarFileError, WorkCalendar, statutory_days, statutory_holidays
from fazhi.core.periods import PeriodUnit, add_period
from fazhi.core.roles import Role

D = dt.date

# A notice for 2027 made up for the tests (the real one is not published yet): every festival's
# statutory days, 春节 extended to 2027-02-13, two make-up Saturdays.
NOTICE_2027 = """\
year: 2027
source: 测试用放假安排（虚构）
holidays:
  - {from: 2027-01-01, to: 2027-01-03, name: 元旦}
  - {from: 2027-02-05, to: 2027-02-13, name: 春节}
  - {from: 2027-04-03, to: 2027-04-05, name: 清明节}
  - {from: 2027-05-01, to: 2027-05-05, name: 劳动节}
  - {from: 2027-06-09, to: 2027-06-11, name: 端午节}
  - {from: 2027-09-15, to: 2027-09-17, name: 中秋节}
  - {from: 2027-10-01, to: 2027-10-07, name: 国庆节}
workdays:
  - {date: 2027-02-20, name: 春节调休上班}
  - {date: 2027-10-09, name: 国庆节调休上班}
"""


# --------------------------------------------------------------------------- statutory days


@pytest.mark.parametrize(
    ("year", "eve", "qingming", "dragon_boat", "mid_autumn"),
    [
        (2027, D(2027, 2, 5), D(2027, 4, 5), D(2027, 6, 9), D(2027, 9, 15)),
        (2028, D(2028, 1, 25), D(2028, 4, 4), D(2028, 5, 28), D(2028, 10, 3)),
        (2029, D(2029, 2, 12), D(2029, 4, 4), D(2029, 6, 16), D(2029, 9, 22)),
        (2030, D(2030, 2, 2), D(2030, 4, 5), D(2030, 6, 5), D(2030, 9, 12)),
    ],
)
def test_statutory_holidays_of_future_years(year, eve, qingming, dragon_boat, mid_autumn):
    days = statutory_days(year)
    assert days["元旦"] == (D(year, 1, 1),)
    assert days["春节"] == tuple(eve + dt.timedelta(days=n) for n in range(4))  # 除夕 to 初三
    assert days["清明节"] == (qingming,)
    assert days["劳动节"] == (D(year, 5, 1), D(year, 5, 2))
    assert days["端午节"] == (dragon_boat,)
    assert days["中秋节"] == (mid_autumn,)
    assert days["国庆节"] == (D(year, 10, 1), D(year, 10, 2), D(year, 10, 3))


@pytest.mark.parametrize("year", range(2027, 2100))
def test_lunar_dates_agree_with_an_independent_lunar_calendar(year):
    days = statutory_days(year)
    new_year = LunarDate(year, 1, 1).to_solar_date()
    assert days["春节"][1] == new_year
    assert days["春节"][0] == new_year - dt.timedelta(days=1)  # 除夕, the 29th or the 30th
    assert days["端午节"] == (LunarDate(year, 5, 5).to_solar_date(),)
    assert days["中秋节"] == (LunarDate(year, 8, 15).to_solar_date(),)
    assert days["清明节"][0].month == 4
    assert 4 <= days["清明节"][0].day <= 6


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_statutory_days_are_holidays_in_every_notice_the_package_knows(year):
    days = statutory_holidays(year)
    assert len(days) == 13
    for day, name in days.items():
        assert chinese_calendar.is_holiday(day), (day, name)
        assert not chinese_calendar.is_workday(day), (day, name)


def test_no_statutory_days_before_the_2024_revision():
    assert statutory_days(2024) == {}


@pytest.fixture(scope="module")
def package_and_2026():
    return WorkCalendar.load()


def test_a_year_without_a_notice_counts_its_statutory_holidays(package_and_2026):
    cal_ = package_and_2026
    assert not cal_.is_known(2027)
    assert cal_.is_workday(D(2027, 1, 1)) is False  # 元旦, a Friday
    assert cal_.info(D(2027, 2, 5)).name == "春节"  # 除夕, a Friday
    assert cal_.is_workday(D(2027, 10, 4)) is True  # 调休 unknown: a Monday counts
    assert cal_.info(D(2028, 10, 3)).name == "中秋节、国庆节"


def test_two_days_from_2026_12_30_do_not_end_on_new_years_day(package_and_2026):
    period = add_period(D(2026, 12, 30), 2, PeriodUnit.DAYS, calendar=package_and_2026)
    assert period.end == D(2027, 1, 4)  # 01-01 元旦, 01-02…03 weekend
    assert period.rolled_from == D(2027, 1, 1)
    assert period.is_provisional


def test_calendar_add_command_skips_new_years_day_2027(capsys):
    call_command(
        "calendar", "add", "--from", "2026-12-30", "--amount", "2", "--unit", "days", "--json"
    )
    out = json.loads(capsys.readouterr().out)
    assert out["end"] == "2027-01-04"
    assert out["provisional"] is True
    assert "2027-01-01" in out["rule"]


def test_working_days_skip_a_lunar_holiday_of_an_unknown_year(package_and_2026):
    # 2027-02-01 (Mon) + 5 working days: 02-02…04, then 02-05…08 春节 (statutory) → 02-10.
    period = add_period(D(2027, 2, 1), 5, PeriodUnit.WORKDAYS, calendar=package_and_2026)
    assert period.end == D(2027, 2, 10)
    assert ("2027-02-05", "春节") in [(d.isoformat(), n) for d, n in period.skipped]


@time_machine.travel("2026-12-07 09:00+08:00")
def test_the_command_says_the_statutory_days_are_counted_for_the_missing_year(capsys):
    call_command("calendar")
    out = capsys.readouterr().out
    assert "MISSING: 2027" in out
    assert "statutory holidays" in out
    assert "MISSING: 2026" not in out


# --------------------------------------------------------------------------- validation


def _problems(text, **kwargs):
    with pytest.raises(CalendarFileError) as excinfo:
        cal.read_notice(text, "2027.yaml", **kwargs)
    return str(excinfo.value)


def _notice(replace_line=None, by=None, add=""):
    text = NOTICE_2027
    if replace_line:
        assert replace_line in text
        text = text.replace(replace_line, by)
    return text + add


def test_a_good_notice_is_read_with_its_number_and_date():
    parsed = cal.read_notice(
        NOTICE_2027, "n.yaml", number="国办发明电[2026]12号", issued=D(2026, 11, 20)
    )
    assert parsed.complete is True
    assert (parsed.notice.number, parsed.notice.date) == ("国办发明电〔2026〕12号", D(2026, 11, 20))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # two runs share a day
            _notice(
                "  - {from: 2027-10-01, to: 2027-10-07, name: 国庆节}\n",
                "  - {from: 2027-10-01, to: 2027-10-07, name: 国庆节}\n"
                "  - {from: 2027-10-07, to: 2027-10-08, name: 测试假日}\n",
            ),
            "2027.yaml:11: holidays[7]: 2027-10-07 与 国庆节 重复",
        ),
        (  # a make-up day listed twice
            _notice(add="  - {date: 2027-02-20, name: 重复}\n"),
            "2027.yaml:14: workdays[2].date: 调休上班日 2027-02-20 重复",
        ),
        (  # a make-up day on a weekday
            _notice("{date: 2027-10-09", "{date: 2027-10-08"),
            "2027.yaml:13: workdays[1].date: 调休上班日 2027-10-08 是工作日（星期五），只能是星期六或星期日",
        ),
        (  # a make-up day inside a holiday run
            _notice("{date: 2027-02-20", "{date: 2027-02-13"),
            "2027.yaml:12: workdays[0].date: 2027-02-13 已列为春节假期，不能同时是调休上班日",
        ),
        (  # the 国庆 run leaves out October 1
            _notice("{from: 2027-10-01, to: 2027-10-07", "{from: 2027-10-02, to: 2027-10-08"),
            "2027.yaml:10: holidays[6]: 国庆节假期应包含法定节假日 2027-10-01",
        ),
        (  # the 春节 run starts after 除夕
            _notice("{from: 2027-02-05, to: 2027-02-13", "{from: 2027-02-06, to: 2027-02-13"),
            "2027.yaml:5: holidays[1]: 春节假期应包含法定节假日 2027-02-05",
        ),
        (  # a festival missing altogether
            _notice("  - {from: 2027-06-09, to: 2027-06-11, name: 端午节}\n", ""),
            "2027.yaml:4: holidays: 放假安排缺少端午节（法定节假日 2027-06-09",
        ),
        (  # a day of another year
            _notice(add="  - {date: 2028-01-08, name: 元旦调休上班}\n"),
            "2027.yaml:14: workdays[2].date: 2028-01-08 不在 2027 年内",
        ),
        (  # a run that ends before it starts
            _notice("{from: 2027-04-03, to: 2027-04-05", "{from: 2027-04-05, to: 2027-04-03"),
            "2027.yaml:6: holidays[2].to: 假期结束日早于开始日",
        ),
        (  # not a date
            _notice("{date: 2027-10-09", "{date: 2027-10-32"),
            "2027.yaml:13: 2027-10-32 不是日期（YYYY-MM-DD）",
        ),
        (  # an unknown field
            _notice("source:", "sauce:"),
            "2027.yaml:2: sauce: 未知字段",
        ),
        (  # the year is not a number
            _notice("year: 2027", "year: 二〇二七"),
            "2027.yaml:1: year: 必须是整数",
        ),
    ],
)
def test_a_wrong_notice_is_refused_naming_file_line_and_field(text, expected):
    assert expected in _problems(text)


def test_a_wrong_notice_number_is_refused():
    assert "notice.number: 通知文号应为 国办发明电〔YYYY〕N号 的形式" in _problems(
        NOTICE_2027, number="国办发2026第12号", issued=D(2026, 11, 20)
    )


def test_every_problem_of_a_notice_is_listed_at_once():
    text = _notice("{date: 2027-10-09", "{date: 2027-10-08").replace(
        "{from: 2027-10-01, to: 2027-10-07", "{from: 2027-10-02, to: 2027-10-08"
    )
    problems = _problems(text)
    assert "国庆节假期应包含法定节假日 2027-10-01" in problems
    assert "只能是星期六或星期日" in problems


def test_a_file_whose_name_is_another_year_is_refused(tmp_path):
    (tmp_path / "calendar").mkdir()
    (tmp_path / "calendar" / "2028.yaml").write_text(NOTICE_2027, encoding="utf-8")
    with pytest.raises(
        CalendarFileError, match=r"2028\.yaml:1: year: 文件名 2028\.yaml 与年份 2027 不符"
    ):
        WorkCalendar.load(tmp_path)


def test_an_imported_file_named_for_another_year_is_refused():
    with pytest.raises(
        CalendarFileError, match=r"2028\.yaml:1: year: 文件名 2028\.yaml 与年份 2027 不符"
    ):
        cal.read_notice(NOTICE_2027, "2028.yaml")


def test_the_bureau_file_for_2026_passes_the_notice_checks(settings):
    parsed = cal.load_file(settings.RULES_DIR / "calendar" / "2026.yaml")
    assert cal.check(parsed) == []
    assert cal.check_complete(parsed) == []


# --------------------------------------------------------------------------- import and re-dating


@pytest.fixture
def rules(settings, tmp_path):
    """A rules folder with the public-order pack and the calendar of 2026, not 2027."""
    (tmp_path / "procedure").mkdir()
    (tmp_path / "calendar").mkdir()
    shutil.copy(settings.RULES_DIR / "procedure" / "zhian-general.yaml", tmp_path / "procedure")
    shutil.copy(settings.RULES_DIR / "calendar" / "2026.yaml", tmp_path / "calendar")
    settings.RULES_DIR = tmp_path
    cal.default_calendar.cache_clear()
    rulepacks.reload()
    yield tmp_path
    cal.default_calendar.cache_clear()
    rulepacks.reload()


def _case_due_on_2027_02_09(tree):
    # 受案 2027-01-10 + 30 days = 2027-02-09, a Tuesday after the statutory 春节 (02-05…08).
    case, actor = open_public_order_case(tree["s1"], accepted="2027-01-10 10:00")
    deadline = Deadline.objects.get(case=case, code="handling")
    assert deadline.due_at == at("2027-02-10 00:00")
    assert deadline.is_provisional
    return case, actor


def _application_due_on_2027_02_09(tree):
    from fazhi.services import applications as ops
    from fazhi.services.models import Channel
    from fazhi.services.tests.factories import (
        GOOD_FORM,
        applicant,
        citizen,
        service_item,
        window_clerk,
    )
    from fazhi.services.tests.factories import at as sat

    item = service_item(promised_days=5)
    app = ops.submit(
        item,
        applicant=applicant(),
        unit=tree["s1"],
        channel=Channel.ONLINE,
        data=GOOD_FORM,
        by=citizen(),
        at=sat("2027-01-28 09:00"),
    )
    # Accepted Friday 2027-01-29: 02-01…04 are four working days, 02-05…08 the statutory 春节.
    ops.accept(app, window_clerk(tree["s1"]), at=sat("2027-01-29 10:00"))
    app.refresh_from_db()
    assert app.due_on == D(2027, 2, 9)
    return app


@time_machine.travel("2027-01-29 12:00+08:00", tick=False)
def test_importing_a_notice_writes_audits_and_re_dates_what_moved(rules, tree, tmp_path):
    case, actor = _case_due_on_2027_02_09(tree)
    app = _application_due_on_2027_02_09(tree)
    source = tmp_path / "notice.yaml"
    source.write_text(NOTICE_2027, encoding="utf-8")
    out = io.StringIO()
    call_command(
        "calendar", "import", str(source), "--number", "国办发明电〔2026〕99号",
        "--date", "2026-11-20", "--by", actor.username, stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    # 02-09…13 are now 春节 and 02-14 a Sunday: both periods end on Monday 02-15.
    assert f"{case.number} handling: 2027-02-10 00:00 → 2027-02-16 00:00" in text
    assert f"{app.receipt} {app.item.name}: 2027-02-09 → 2027-02-15" in text
    assert "1 deadlines moved, 1 no longer provisional" in text
    deadline = Deadline.objects.get(case=case, code="handling")
    assert (deadline.due_at, deadline.is_provisional) == (at("2027-02-16 00:00"), False)
    app.refresh_from_db()
    assert app.due_on == D(2027, 2, 15)
    assert app.due_at == at("2027-02-16 00:00")
    written = rules / "calendar" / "2027.yaml"
    assert "国办发明电〔2026〕99号" in written.read_text(encoding="utf-8")
    reloaded = WorkCalendar.load(rules)
    assert reloaded.is_known(2027)
    assert reloaded.is_workday(D(2027, 2, 20))
    assert reloaded.notices[2027].number == "国办发明电〔2026〕99号"
    entry = AuditEntry.objects.get(action="calendar.notice.import")
    assert (entry.actor_label, entry.object_id) == (actor.username, "2027")
    assert entry.changes["number"] == "国办发明电〔2026〕99号"
    assert ["2027-02-20", "春节调休上班"] in entry.changes["workdays"]
    assert AuditEntry.objects.filter(action="case.deadlines.redate").count() == 1
    assert AuditEntry.objects.filter(action="services.application.redate").count() == 1
    # The default calendar of every process sees the new file.
    assert cal.default_calendar().is_known(2027)
    # A second import of the year needs --replace.
    with pytest.raises(CommandError, match="2027 年的放假安排已录入"):
        call_command("calendar", "import", str(source), stdout=io.StringIO())


@time_machine.travel("2027-01-10 12:00+08:00", tick=False)
def test_a_dry_run_import_lists_the_moves_and_writes_nothing(rules, tree, tmp_path):
    case, _actor = _case_due_on_2027_02_09(tree)
    source = tmp_path / "notice.yaml"
    source.write_text(NOTICE_2027, encoding="utf-8")
    out = io.StringIO()
    call_command("calendar", "import", str(source), "--dry-run", stdout=out)
    assert f"{case.number} handling: 2027-02-10 00:00 → 2027-02-16 00:00" in out.getvalue()
    assert "would move" in out.getvalue()
    assert not (rules / "calendar" / "2027.yaml").exists()
    assert not AuditEntry.objects.filter(action__in=["calendar.notice.import"]).exists()
    assert Deadline.objects.get(case=case, code="handling").due_at == at("2027-02-10 00:00")


def test_a_wrong_notice_on_the_command_line_names_the_file_and_line(rules, tmp_path):
    source = tmp_path / "notice.yaml"
    source.write_text(_notice("{date: 2027-10-09", "{date: 2027-10-08"), encoding="utf-8")
    with pytest.raises(CommandError, match=r"notice\.yaml:13: workdays\[1\]\.date"):
        call_command("calendar", "import", str(source), stdout=io.StringIO())
    assert not (rules / "calendar" / "2027.yaml").exists()


def test_a_file_broken_while_running_keeps_the_calendar_loaded_before(rules, monkeypatch):
    monkeypatch.setattr(cal.default_calendar, "RECHECK", 0)
    before = cal.default_calendar()
    (rules / "calendar" / "2027.yaml").write_text("year: 2027\nholiday: []\n", encoding="utf-8")
    assert cal.default_calendar() is before
    cal.default_calendar.cache_clear()  # a new process refuses to start counting on it
    with pytest.raises(CalendarFileError, match="holiday: 未知字段"):
        cal.default_calendar()


def test_a_changed_file_reloads_the_default_calendar(rules, monkeypatch):
    monkeypatch.setattr(cal.default_calendar, "RECHECK", 0)
    assert not cal.default_calendar().is_known(2027)
    (rules / "calendar" / "2027.yaml").write_text(
        NOTICE_2027.replace("year: 2027", "year: 2027\ncomplete: true"), encoding="utf-8"
    )
    assert cal.default_calendar().is_known(2027)


# --------------------------------------------------------------------------- banner and screen


@time_machine.travel("2027-01-10 12:00+08:00", tick=False)
def test_the_banner_tells_a_supervisor_that_deadlines_fall_in_a_year_without_a_notice(
    rules, tree, client, make_user
):
    supervisor = make_user(Role.SUPERVISOR, tree["s1"])
    client.force_login(supervisor)
    assert 'data-testid="calendar-banner"' not in client.get("/").content.decode()
    open_public_order_case(tree["s1"], accepted="2027-01-10 10:00")
    page = client.get("/").content.decode()
    assert "2027 年放假安排尚未录入，1 件期限落在该年或以后，结果为暂定" in page
    assert "/calendar/" not in page  # the link is for the 系统管理员
    officer = make_user(Role.OFFICER, tree["s1"])
    client.force_login(officer)
    assert 'data-testid="calendar-banner"' not in client.get("/").content.decode()
    client.force_login(make_user(Role.AUDIT_ADMIN))
    page = client.get("/").content.decode()
    assert 'data-testid="calendar-banner"' in page
    assert "/calendar/" not in page
    admin = make_user(Role.SYSTEM_ADMIN)
    client.force_login(admin)
    page = client.get("/").content.decode()
    assert 'data-testid="calendar-banner"' in page
    assert 'href="/calendar/"' in page


@time_machine.travel("2026-12-07 09:00+08:00", tick=False)
def test_no_banner_when_every_running_deadline_is_in_a_year_with_a_notice(
    rules, tree, client, make_user
):
    open_public_order_case(tree["s1"], accepted="2026-10-12 10:00")
    client.force_login(make_user(Role.SUPERVISOR, tree["s1"]))
    assert 'data-testid="calendar-banner"' not in client.get("/").content.decode()


@pytest.mark.parametrize(
    "role", [Role.SUPERVISOR, Role.OFFICER, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.LEADER]
)
def test_only_the_system_administrator_opens_the_calendar_screen(
    rules, tree, client, make_user, role
):
    client.force_login(
        make_user(role, tree["s1"] if role not in {Role.SECURITY_ADMIN, Role.AUDIT_ADMIN} else None)
    )
    assert client.get("/calendar/").status_code == 403
    assert client.post("/calendar/", {"year": "2027"}).status_code == 403


FORM = {
    "year": "2027",
    "number": "国办发明电〔2026〕99号",
    "issued": "2026-11-20",
    "holidays": "\n".join(
        [
            "2027-01-01 2027-01-03 元旦",
            "2027-02-05 至 2027-02-13 春节",
            "2027-04-03 2027-04-05 清明节",
            "2027-05-01 2027-05-05 劳动节",
            "2027-06-09 2027-06-11 端午节",
            "2027-09-15 2027-09-17 中秋节",
            "2027-10-01 2027-10-07 国庆节",
        ]
    ),
    "workdays": "2027-02-20 春节调休上班\n2027-10-09 国庆节调休上班",
}


@time_machine.travel("2027-01-10 12:00+08:00", tick=False)
def test_the_system_administrator_enters_a_notice_on_the_screen(rules, tree, client, make_user):
    case, _actor = open_public_order_case(tree["s1"], accepted="2027-01-10 10:00")
    admin = make_user(Role.SYSTEM_ADMIN)
    client.force_login(admin)
    page = client.get("/calendar/")
    assert page.status_code == 200
    assert "尚未录入" in page.content.decode()
    preview = client.post("/calendar/", {**FORM, "action": "preview"}).content.decode()
    assert "预览，尚未保存" in preview
    assert case.number in preview
    assert not (rules / "calendar" / "2027.yaml").exists()
    saved = client.post("/calendar/", {**FORM, "action": "save"})
    body = saved.content.decode()
    assert saved.status_code == 200
    assert "已录入" in body
    assert case.number in body
    assert "2027-02-10 00:00" in body
    assert "2027-02-16 00:00" in body
    assert (rules / "calendar" / "2027.yaml").exists()
    entry = AuditEntry.objects.get(action="calendar.notice.import")
    assert entry.actor_label == admin.username
    assert Deadline.objects.get(case=case, code="handling").is_provisional is False


def test_the_screen_lists_each_mistake_by_field_and_row(rules, client, make_user):
    client.force_login(make_user(Role.SYSTEM_ADMIN))
    form = {
        **FORM,
        "holidays": FORM["holidays"].replace("2027-10-01 2027-10-07", "2027-10-02 2027-10-08"),
        "workdays": "2027-10-08 国庆节调休上班\n2027-13-01 坏日期",
        "action": "save",
    }
    response = client.post("/calendar/", form)
    body = response.content.decode()
    assert response.status_code == 400
    assert "调休上班第 2 行：日期无效" in body
    form["workdays"] = "2027-10-08 国庆节调休上班"
    body = client.post("/calendar/", form).content.decode()
    assert "放假第 7 行：国庆节假期应包含法定节假日 2027-10-01" in body
    assert "调休上班第 1 行：调休上班日 2027-10-08 是工作日" in body
    assert not (rules / "calendar" / "2027.yaml").exists()


# --------------------------------------------------------------------------- properties


@given(st.dates(min_value=D(2026, 6, 1), max_value=D(2098, 12, 1)), st.integers(1, 40))
def test_working_days_in_years_without_a_notice_never_end_on_a_statutory_holiday(
    package_and_2026, start, n
):
    calendar = package_and_2026
    end = calendar.add_working_days(start, n)
    assert end not in statutory_holidays(end.year) or calendar.is_known(end.year)
    assert end.weekday() < 5 or end in calendar.makeup_workdays
    days = [start + dt.timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert sum(calendar.is_workday(day) for day in days) == n


@given(st.integers(2027, 2099))
def test_every_statutory_day_of_a_year_without_a_notice_is_a_rest_day(package_and_2026, year):
    calendar = package_and_2026
    days = statutory_holidays(year)
    assert 12 <= len(days) <= 13  # 13 days; 12 when 中秋 falls on 国庆 (2028-10-03)
    assert all(not calendar.is_workday(day) for day in days)
