"""The roster of a foreign tour group applying for a port visa (外国人口岸团队旅游签证).

A travel agency uploads the group's roster as CSV or XLSX, one member a row: name, nationality (ISO
3166-1 code), passport number, birth date, sex, passport expiry. Every row is checked and every rejected
row is reported with its row number, field, value and reason; a roster with any rejected row is not
stored at all (the agency corrects the file and uploads it again), so a group never travels on half a
list. Headers may be Chinese or English (HEADERS).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

import pycountry
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from fazhi.audit import log as audit
from fazhi.core.errors import FazhiError
from fazhi.services.applications import audit_actor
from fazhi.services.models import Application, ApplicationStatus, GroupRoster, RosterMember

MAX_ROWS = 1000
HEADERS = {
    "name": ("姓名", "name"),
    "nationality": ("国籍", "nationality"),
    "passport_number": ("护照号码", "passport number", "passport_number", "passport no"),
    "birth_date": ("出生日期", "birth date", "birth_date", "date of birth"),
    "sex": ("性别", "sex"),
    "passport_expiry": ("护照有效期至", "护照有效期", "passport expiry", "passport_expiry"),
}
SEXES = {"M": "M", "F": "F", "男": "M", "女": "F", "MALE": "M", "FEMALE": "F"}
# Holders of these nationalities/areas do not enter on a foreigner's port visa.
NOT_FOREIGN = {
    "CHN": _("中国公民无需办理外国人签证"),
    "HKG": _("香港居民持港澳居民来往内地通行证入境，不办理外国人签证"),
    "MAC": _("澳门居民持港澳居民来往内地通行证入境，不办理外国人签证"),
    "TWN": _("台湾居民持台湾居民来往大陆通行证入境，不办理外国人签证"),
}


class RosterInvalid(FazhiError):
    """The roster file could not be read, or some rows were rejected: nothing was stored."""

    code = "roster_invalid"

    def __init__(self, message: Any, report: RosterReport | None = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True)
class RowError:
    row: int  # the row number as the agency sees it in the file (the header is row 1)
    field: str
    value: str
    reason: str

    def __str__(self) -> str:
        return _g("第 %(row)d 行 %(field)s “%(value)s”：%(reason)s") % {
            "row": self.row,
            "field": self.field,
            "value": self.value,
            "reason": self.reason,
        }


@dataclass
class RosterReport:
    members: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.members) and not self.rejected

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": len(self.members),
            "rejected": [
                {"row": e.row, "field": e.field, "value": e.value, "reason": e.reason}
                for e in self.rejected
            ],
        }


def read_rows(content: bytes) -> list[dict[str, Any]]:
    """The rows of a CSV (UTF-8, with or without BOM, or GB18030) or XLSX file, keyed by field name."""
    table = _xlsx_rows(content) if content[:4] == b"PK\x03\x04" else _csv_rows(content)
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        raise RosterInvalid(_("名单文件是空的。"))
    header = [cell.strip().lower() for cell in table[0]]
    columns: dict[str, int] = {}
    for key, names in HEADERS.items():
        found = [i for i, cell in enumerate(header) if cell in {n.lower() for n in names}]
        if not found:
            raise RosterInvalid(
                _("名单缺少“%(column)s”列（表头可用：%(names)s）。")
                % {"column": names[0], "names": "、".join(names)}
            )
        columns[key] = found[0]
    rows: list[dict[str, Any]] = []
    for number, cells in enumerate(table[1:], start=2):
        cells = [*cells, *[""] * (len(header) - len(cells))]
        rows.append({"_row": number, **{key: cells[i].strip() for key, i in columns.items()}})
    if len(rows) > MAX_ROWS:
        raise RosterInvalid(_("名单超过 %(max)d 行，请分团申请。") % {"max": MAX_ROWS})
    return rows


def _csv_rows(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise RosterInvalid(_("无法识别名单文件的编码，请另存为 UTF-8 CSV 或 XLSX。"))
    return [list(row) for row in csv.reader(io.StringIO(text))]


def _xlsx_rows(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception as error:
        raise RosterInvalid(_("无法读取 XLSX 文件：%(e)s") % {"e": error}) from error
    rows = []
    for values in sheet.iter_rows(values_only=True):
        rows.append(["" if v is None else _cell(v) for v in values])
    return rows


def _cell(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _date(text: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    return None


def _country(code: str) -> pycountry.db.Country | None:
    code = code.strip().upper()
    if len(code) == 3:
        return pycountry.countries.get(alpha_3=code)
    if len(code) == 2:
        return pycountry.countries.get(alpha_2=code)
    return None


def check_rows(
    rows: list[dict[str, Any]], *, planned_entry: dt.date, planned_exit: dt.date, today: dt.date
) -> RosterReport:
    """Check every row; return the members to store and every rejected row with its reason."""
    report = RosterReport()
    seen: dict[tuple[str, str], int] = {}
    labels = {key: names[0] for key, names in HEADERS.items()}
    for row in rows:
        number: int = row["_row"]
        errors: list[RowError] = []

        def reject(
            key: str,
            reason: Any,
            row: dict[str, Any] = row,
            number: int = number,
            errors: list[RowError] = errors,
        ) -> None:
            errors.append(RowError(number, str(labels[key]), row[key], str(reason)))

        name = row["name"]
        if not name:
            reject("name", _("姓名不能为空"))
        elif len(name) > 100:
            reject("name", _("姓名不能超过 100 个字符"))
        country = _country(row["nationality"])
        if country is None:
            reject("nationality", _("不是 ISO 3166-1 国家代码（如 DEU、FRA、USA）"))
        elif country.alpha_3 in NOT_FOREIGN:
            reject("nationality", NOT_FOREIGN[country.alpha_3])
        passport = row["passport_number"].replace(" ", "").upper()
        if not (5 <= len(passport) <= 20 and passport.isascii() and passport.isalnum()):
            reject("passport_number", _("护照号码应为 5–20 位字母或数字"))
        birth = _date(row["birth_date"])
        if birth is None:
            reject("birth_date", _("日期格式应为 YYYY-MM-DD"))
        elif birth > today or birth < today.replace(year=today.year - 130):
            reject("birth_date", _("出生日期不合理"))
        sex = SEXES.get(row["sex"].upper())
        if sex is None:
            reject("sex", _("性别应为 M/F 或 男/女"))
        expiry = _date(row["passport_expiry"])
        if expiry is None:
            reject("passport_expiry", _("日期格式应为 YYYY-MM-DD"))
        elif expiry <= planned_exit:
            reject(
                "passport_expiry",
                _("护照有效期须晚于计划出境日期 %(exit)s") % {"exit": planned_exit.isoformat()},
            )
        if country is not None and passport:
            key = (country.alpha_3, passport)
            if key in seen:
                reject(
                    "passport_number",
                    _("与第 %(row)d 行的护照重复") % {"row": seen[key]},
                )
            else:
                seen[key] = number
        if errors or country is None:  # no country is always an error (rejected above)
            report.rejected.extend(errors)
            continue
        report.members.append(
            {
                "row": number,
                "name": name,
                "nationality": country.alpha_3,
                "passport_number": passport,
                "birth_date": birth,
                "sex": sex,
                "passport_expiry": expiry,
            }
        )
    return report


@transaction.atomic
def attach_roster(
    application: Application,
    *,
    agency: str,
    port: str,
    planned_entry: dt.date,
    planned_exit: dt.date,
    content: bytes,
    by: Any,
) -> RosterReport:
    """Check the file and store the roster of APPLICATION, replacing an earlier one; all or nothing.

    Raises RosterInvalid (with the report) if the file cannot be read or any row is rejected.
    """
    if not application.item.needs_roster:
        raise RosterInvalid(_("该事项不需要提交团队名单。"))
    if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.SUPPLEMENT):
        raise RosterInvalid(_("申请已受理或已办结，不能再更换名单。"))
    if not agency.strip() or not port.strip():
        raise RosterInvalid(_("请填写组团旅行社和入境口岸。"))
    if planned_exit < planned_entry:
        raise RosterInvalid(_("计划出境日期不能早于计划入境日期。"))
    today = timezone.localdate()
    if planned_entry < today:
        raise RosterInvalid(_("计划入境日期不能早于今天。"))
    report = check_rows(
        read_rows(content), planned_entry=planned_entry, planned_exit=planned_exit, today=today
    )
    if not report.ok:
        raise RosterInvalid(
            _("名单有 %(n)d 处错误，未保存，请修改后重新上传。") % {"n": len(report.rejected)}
            if report.rejected
            else _("名单中没有成员。"),
            report,
        )
    GroupRoster.objects.filter(application=application).delete()  # members cascade
    roster = GroupRoster.objects.create(
        application=application,
        agency=agency.strip(),
        port=port.strip(),
        planned_entry=planned_entry,
        planned_exit=planned_exit,
    )
    RosterMember.objects.bulk_create(RosterMember(roster=roster, **m) for m in report.members)
    audit.record(
        audit_actor(by),
        "services.roster",
        application,
        changes={"members": len(report.members), "agency": roster.agency, "port": roster.port},
    )
    return report
