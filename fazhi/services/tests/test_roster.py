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


# --- the pages: the agency uploads, the port unit reads ---------------------------------------


def _log_in(client, who):
    from fazhi.services import citizens

    session = client.session
    session[citizens.SESSION_KEY] = who.pk
    session.save()


def _roster_post(content: bytes, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "agency": "示例国际旅行社",
        "port": "江北国际机场口岸",
        "planned_entry": "2026-12-10",
        "planned_exit": "2026-12-16",
        "file": SimpleUploadedFile("roster.csv", content, content_type="text/csv"),
        **extra,
    }


@time_machine.travel(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC))
def test_the_agency_uploads_a_roster_and_sees_every_rejected_row_when_it_is_wrong(tree, client):
    app, agency = port_visa_application(tree)
    _log_in(client, agency)
    url = f"/jkb/mine/{app.receipt}/roster/"
    bad = csv_bytes("Anna,DEU,C01X00T47,1980-05-01,F,2030-01-01", "Bob,XXX,123,1980-05-01,M,2030")
    response = client.post(url, _roster_post(bad))
    page = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="roster-rejected"' in page
    assert page.count("<td>3</td>") == 3  # nationality, passport number, expiry of row 3
    assert not GroupRoster.objects.exists()

    good = csv_bytes("Anna,DEU,C01X00T47,1980-05-01,F,2030-01-01")
    response = client.post(url, _roster_post(good))
    assert (response.status_code, response["Location"]) == (302, f"/jkb/mine/{app.receipt}/")
    assert list(app.roster.members.values_list("name", flat=True)) == ["Anna"]


@time_machine.travel(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC))
def test_another_citizen_cannot_upload_a_roster_to_someone_elses_application(tree, client):
    app, _ = port_visa_application(tree)
    _log_in(client, citizen())
    good = csv_bytes("Anna,DEU,C01X00T47,1980-05-01,F,2030-01-01")
    assert client.post(f"/jkb/mine/{app.receipt}/roster/", _roster_post(good)).status_code == 404
    assert not GroupRoster.objects.exists()


@time_machine.travel(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC))
def test_the_port_unit_sees_the_members_masked_and_cannot_approve_without_a_roster(tree, client):
    from fazhi.services.tests.factories import window_clerk

    app, _agency = port_visa_application(tree)
    clerk = window_clerk(tree["s1"])
    ops.accept(app, clerk)
    with pytest.raises(ops.ApplicationStateError, match="团队名单尚未提交"):
        ops.approve(app, clerk)
    client.force_login(clerk)
    assert (
        'data-testid="roster-missing"' in client.get(f"/services/a/{app.receipt}/").content.decode()
    )

    GroupRoster.objects.create(
        application=app, agency="社", port="口岸", planned_entry=ENTRY, planned_exit=EXIT
    )
    app.roster.members.create(
        row=2, name="Anna", nationality="DEU", passport_number="C01X00T47",
        birth_date=dt.date(1980, 5, 1), sex="F", passport_expiry=dt.date(2030, 1, 1),
    )  # fmt: skip
    page = client.get(f"/services/a/{app.receipt}/").content.decode()
    assert "C0*****47" in page
    assert "C01X00T47" not in page
    ops.approve(app, clerk)
    assert app.status == "approved"
