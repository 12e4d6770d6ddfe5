"""The working-day calendar screen (系统管理员 enters a year's holiday notice) and the banner shown
to administrators and supervisors while running deadlines fall in a year without a notice."""

from __future__ import annotations

import datetime as dt
import re
from functools import cached_property
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.core import calendar as cal
from fazhi.core.access import requires
from fazhi.core.roles import ADMIN_ROLES
from fazhi.core.roles import Capability as C

MAX_UPLOAD = 200_000  # bytes: a notice is a page of text


# --------------------------------------------------------------------------- the banner


class CalendarBanner:
    """Computed on first use in a template, at most once per request (``request._calendar_banner``)."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.can_import = bool(request.user.has_capability(C.IMPORT_REFERENCE_DATA))  # type: ignore[union-attr]

    @cached_property
    def _figures(self) -> tuple[int, int]:
        today = timezone.localdate()
        year = cal.default_calendar().first_missing_year(today.year)
        return year, cal.pending_from(dt.date(year, 1, 1))

    @property
    def year(self) -> int:
        return self._figures[0]

    @property
    def count(self) -> int:
        return self._figures[1]

    @property
    def show(self) -> bool:
        return self.count > 0


def banner(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``calendar_banner`` for the three administrators and the supervisors
    (SUPERVISE), else nothing; only the 系统管理员 gets the link to the calendar screen."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if not (user.has_capability(C.SUPERVISE) or getattr(user, "role", None) in ADMIN_ROLES):
        return {}
    existing = getattr(request, "_calendar_banner", None)
    if existing is None:
        existing = CalendarBanner(request)
        request._calendar_banner = existing  # type: ignore[attr-defined]
    return {"calendar_banner": existing}


# --------------------------------------------------------------------------- the screen

_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


def _form_lines(text: str, label: str, dates: int) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse "2027-01-01 2027-01-03 元旦" (holidays) or "2027-02-20 春节调休上班" (make-up days)."""
    rows, errors = [], []
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"\s*(至|到|~|～|—|–)\s*", " ", raw.strip())
        if not line:
            continue
        found = _DATE.findall(line)
        name = _DATE.sub(" ", line).strip()
        try:
            days = [
                dt.date.fromisoformat("-".join(f"{int(p):02d}" for p in d.split("-")))
                for d in found
            ]
        except ValueError:
            errors.append(_("%(label)s第 %(n)d 行：日期无效") % {"label": label, "n": number})
            continue
        if not days or len(days) > dates or not name:
            errors.append(
                _("%(label)s第 %(n)d 行：应写成“%(example)s”")
                % {
                    "label": label,
                    "n": number,
                    "example": "2027-10-01 2027-10-07 国庆节"
                    if dates == 2
                    else "2027-10-09 国庆节调休上班",
                }
            )
            continue
        if dates == 2:
            rows.append({"from": days[0], "to": days[-1], "name": name, "_row": number})
        else:
            rows.append({"date": days[0], "name": name, "_row": number})
    return rows, errors


def _label(
    problem: cal.Problem, holidays: list[dict[str, Any]], workdays: list[dict[str, Any]]
) -> str:
    match = re.match(r"^(holidays|workdays)\[(\d+)\]", problem.field)
    if match:
        rows = holidays if match.group(1) == "holidays" else workdays
        what = _("放假") if match.group(1) == "holidays" else _("调休上班")
        return _("%(what)s第 %(n)d 行：%(message)s") % {
            "what": what,
            "n": rows[int(match.group(2))]["_row"],
            "message": problem.message,
        }
    names = {
        "year": _("年份"),
        "notice.number": _("通知文号"),
        "notice.date": _("通知日期"),
        "holidays": _("放假"),
    }
    return f"{names.get(problem.field, problem.field)}：{problem.message}"


def _from_form(post: QueryDict) -> tuple[cal.CalendarFile | None, list[str]]:
    errors: list[str] = []
    try:
        year = int(post.get("year", ""))
    except ValueError:
        return None, [_("年份：请填写四位数的年份")]
    number = cal.normalise_number(post.get("number", ""))
    issued_raw = post.get("issued", "").strip()
    try:
        issued = dt.date.fromisoformat(issued_raw)
    except ValueError:
        issued = None
        errors.append(_("通知日期：不是日期（YYYY-MM-DD）"))
    if not number:
        errors.append(_("通知文号：请填写，如 国办发明电〔2026〕12号"))
    holidays, more = _form_lines(post.get("holidays", ""), _("放假"), 2)
    errors += more
    workdays, more = _form_lines(post.get("workdays", ""), _("调休上班"), 1)
    errors += more
    if errors:
        return None, errors
    data = {
        "year": year,
        "complete": True,
        "source": _("国务院办公厅关于%(year)d年部分节假日安排的通知") % {"year": year},
        "notice": {"number": number, "date": issued},
        "holidays": [{k: v for k, v in row.items() if k != "_row"} for row in holidays],
        "workdays": [{k: v for k, v in row.items() if k != "_row"} for row in workdays],
    }
    try:
        parsed = cal.parse_file(data, "form")
        problems = cal.check_complete(parsed, data)
        if problems:
            raise cal.CalendarFileError("form", problems)
    except cal.CalendarFileError as exc:
        return None, [_label(p, holidays, workdays) for p in exc.problems]
    return parsed, []


def _runs(days: dict[dt.date, str]) -> list[str]:
    """{01-28: 春节, 01-29: 春节, …} → ["01-28…31 春节", …]: consecutive days of one name."""
    runs: list[list[Any]] = []
    for day, name in sorted(days.items()):
        if runs and runs[-1][2] == name and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1][1] = day
        else:
            runs.append([day, day, name])
    return [
        f"{first:%m-%d} {name}" if first == last else f"{first:%m-%d}…{last:%d} {name}"
        for first, last, name in runs
    ]


def _years(calendar: cal.WorkCalendar) -> list[dict[str, Any]]:
    this_year = timezone.localdate().year
    rows = []
    for year in range(this_year - 1, this_year + 3):
        notice = calendar.notices.get(year)
        rows.append(
            {
                "year": year,
                "known": calendar.is_known(year),
                "notice": notice,
                "statutory": _runs(cal.statutory_holidays(year)),
            }
        )
    return rows


@requires(C.IMPORT_REFERENCE_DATA)
def calendar_page(request: HttpRequest) -> HttpResponse:
    """GET: the years and their notices; POST: check (预览) or enter (录入) a year's notice."""
    calendar = cal.default_calendar()
    context: dict[str, Any] = {"errors": [], "result": None, "form": request.POST}
    if request.method == "POST":
        upload = request.FILES.get("file")
        parsed: cal.CalendarFile | None = None
        if upload is not None:
            if (upload.size or 0) > MAX_UPLOAD:
                context["errors"] = [_("文件过大")]
            else:
                try:
                    text = upload.read().decode("utf-8")
                    parsed = cal.read_notice(text, upload.name or "notice.yaml")
                except UnicodeDecodeError:
                    context["errors"] = [_("文件不是 UTF-8 编码的文本")]
                except cal.CalendarFileError as exc:
                    context["errors"] = str(exc).splitlines()
        else:
            parsed, context["errors"] = _from_form(request.POST)
        if parsed is not None:
            try:
                context["result"] = cal.import_notice(
                    parsed,
                    actor=request.user,
                    at=timezone.now(),
                    replace=request.POST.get("replace") == "on",
                    dry_run=request.POST.get("action") != "save",
                )
                context["parsed"] = parsed
                if not context["result"].dry_run:
                    context["form"] = {}  # entered: the form is for the next year
            except cal.CalendarFileError as exc:
                context["errors"] = [p.message for p in exc.problems]
            calendar = cal.default_calendar()
    context["years"] = _years(calendar)
    context["next_year"] = calendar.first_missing_year(timezone.localdate().year)
    status = 400 if context["errors"] else 200
    return render(request, "core/calendar.html", context, status=status)
