"""Tour-group rosters for port visas: every row checked, every rejection reported, all or nothing."""

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import Workbook

from fazhi.services import applications as ops
from fazhi.services.models import Channel, GroupRoster, HandlingMode, RosterMember
from fazhi.services.roster import RosterInvalid, attach_roster, check_rows, read_rows
from fazhi.services.tests.factories import applicant, citizen, service_item

pytestmark = pytest.mark.django_db

HEADER = "姓名,国籍,护照号码,出生日期,性别,护照有效期至\n"
ENTRY, EXIT, TODAY = dt.date(2026, 12, 10), dt.date(2026, 12, 16), dt.date(2026, 11, 25)


def csv_bytes(*rows: str, header: str = HEADER, encoding: str = "utf-8-sig") -> bytes:
    return (header + "\n".join(rows) + "\n").encode(encoding)


def check(content: bytes):
    return check_rows(read_rows(content), planned_entry=ENTRY, planned_exit=EXIT, today=TODAY)


def test_a_clean_roster_keeps_every_member_normalised():
    report = check(csv_bytes("Anna Müller,DEU,c01x00t47,1980-05-01,F,2030-01-01",
                             "John Smith,US,123456789,1975/12/31,男,2028-06-30"))  # fmt: skip
    assert report.ok
    assert report.rejected == []
    assert [(m["nationality"], m["passport_number"], m["sex"]) for m in report.members] == [
        ("DEU", "C01X00T47", "F"),
        ("USA", "123456789", "M"),
    ]


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (",DEU,C01X00T47,1980-05-01,F,2030-01-01", "姓名", "不能为空"),
        ("Anna,XXX,C01X00T47,1980-05-01,F,2030-01-01", "国籍", "ISO 3166-1"),
        ("Wang,CHN,E12345678,1980-05-01,M,2030-01-01", "国籍", "中国公民"),
        ("Anna,DEU,C0-1,1980-05-01,F,2030-01-01", "护照号码", "5–20"),
        ("Anna,DEU,C01X00T47,1980-13-01,F,2030-01-01", "出生日期", "YYYY-MM-DD"),
        ("Anna,DEU,C01X00T47,2027-01-01,F,2030-01-01", "出生日期", "不合理"),
        ("Anna,DEU,C01X00T47,1980-05-01,X,2030-01-01", "性别", "M/F"),
        (
            "Anna,DEU,C01X00T47,1980-05-01,F,2026-12-16",
            "护照有效期至",
            "晚于计划出境日期 2026-12-16",
        ),
    ],
)
def test_each_bad_field_is_rejected_with_its_row_column_and_reason(row, column, reason):
    report = check(csv_bytes("Good Person,FRA,15AB12345,1990-01-01,M,2031-01-01", row))
    assert not report.ok
    assert [(e.row, e.field) for e in report.rejected] == [(3, column)]
    assert reason in report.rejected[0].reason
    assert len(report.members) == 1


def test_a_duplicate_passport_names_the_row_it_repeats():
    report = check(csv_bytes("Anna,DEU,C01X00T47,1980-05-01,F,2030-01-01",
                             "Anna M,DEU,c01x00t47,1980-05-01,F,2030-01-01"))  # fmt: skip
    assert [(e.row, e.reason) for e in report.rejected] == [(3, "与第 2 行的护照重复")]


def test_the_same_passport_number_of_two_countries_is_not_a_duplicate():
    report = check(csv_bytes("Anna,DEU,C01X00T47,1980-05-01,F,2030-01-01",
                             "Ann,AUT,C01X00T47,1980-05-01,F,2030-01-01"))  # fmt: skip
    assert report.ok


def test_english_headers_gb18030_csv_and_xlsx_are_read_alike():
    english = "name,nationality,passport number,birth date,sex,passport expiry\n"
    row = "Anna,DEU,C01X00T47,1980-05-01,F,2030-01-01"
    book = Workbook()
    book.active.append(["姓名", "国籍", "护照号码", "出生日期", "性别", "护照有效期至"])
    book.active.append(["Anna", "DEU", "C01X00T47", dt.date(1980, 5, 1), "F", dt.date(2030, 1, 1)])
    xlsx = io.BytesIO()
    book.save(xlsx)
    results = [
        check(content).members
        for content in (csv_bytes(row, header=english), csv_bytes(row, encoding="gb18030"),
                        xlsx.getvalue())
    ]  # fmt: skip
    assert results[0] == results[1] == results[2]
    assert len(results[0]) == 1


def test_a_missing_column_is_named():
    with pytest.raises(RosterInvalid, match="护照号码"):
        read_rows(b"name,nationality,birth date,sex,passport expiry\nA,DEU,1980-01-01,F,2030-01-01")


def port_visa_application(tree):
    item = service_item(
        name="外国人口岸团队旅游签证", category="exit_entry", needs_roster=True,
        modes=[HandlingMode.ONLINE], form=[],
    )  # fmt: skip
    agency = citizen(name="示例国际旅行社")
    app = ops.submit(
        item, applicant=applicant("李经理"), unit=tree["s1"], channel=Channel.ONLINE, data={},
        by=agency,
    )  # fmt: skip
    return app, agency


@time_machine.travel(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC))
def test_a_roster_with_any_rejected_row_stores_nothing(tree):
    app, agency = port_visa_application(tree)
    content = csv_bytes("Anna,DEU,C01X00T47,1980-05-01,F,2030-01-01",
                        "Bob,GBR,123,1980-05-01,M,2030-01-01")  # fmt: skip
    with pytest.raises(RosterInvalid) as invalid:
        attach_roster(app, agency="示例国际旅行社", port="江北国际机场口岸", planned_entry=ENTRY,
                      planned_exit=EXIT, content=content, by=agency)  # fmt: skip
    assert invalid.value.report.as_dict() == {
        "accepted": 1,
        "rejected": [{"row": 3, "field": "护照号码", "value": "123",
                      "reason": "护照号码应为 5–20 位字母或数字"}],
    }  # fmt: skip
    assert (GroupRoster.objects.count(), RosterMember.objects.count()) == (0, 0)


@time_machine.travel(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC))
def test_uploading_a_corrected_roster_replaces_the_earlier_one(tree):
    app, agency = port_visa_application(tree)
    first = csv_bytes("Anna,DEU,C01X00T47,1980-05-01,F,2030-01-01")
    second = csv_bytes("Anna,DEU,C01X00T47,1980-05-01,F,2030-01-01",
                       "Bob,GBR,123456789,1980-05-01,M,2030-01-01")  # fmt: skip
    for content in (first, second):
        attach_roster(app, agency="示例国际旅行社", port="江北国际机场口岸", planned_entry=ENTRY,
                      planned_exit=EXIT, content=content, by=agency)  # fmt: skip
    assert list(app.roster.members.values_list("row", "passport_number")) == [
        (2, "C01X00T47"), (3, "123456789"),
    ]  # fmt: skip
    assert GroupRoster.objects.count() == 1


@time_machine.travel(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC))
def test_an_item_without_a_roster_or_an_accepted_application_refuses_one(tree):
    app, agency = port_visa_application(tree)
    plain = ops.submit(
        service_item(), applicant=applicant(), unit=tree["s1"], channel=Channel.ONLINE,
        data={"reason": "x", "move_date": "2026-01-01", "household": "家庭户"}, by=agency,
    )  # fmt: skip
    kwargs = {"agency": "社", "port": "口岸", "planned_entry": ENTRY, "planned_exit": EXIT,
                  "content": csv_bytes("Anna,DEU,C01X00T47,1980-05-01,F,2030-01-01"), "by": agency}  # fmt: skip
    with pytest.raises(RosterInvalid, match="不需要提交团队名单"):
        attach_roster(plain, **kwargs)
    with pytest.raises(RosterInvalid, match="早于今天"):
        attach_roster(app, **{**kwargs, "planned_entry": dt.date(2026, 11, 1)})
