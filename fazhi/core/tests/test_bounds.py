"""fazhi.core.bounds and fazhi.core.text: values parsed and bounded once (ADR 0027)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from fazhi.core import bounds, text
from fazhi.core.clock import SHANGHAI
from fazhi.core.importing import Column, Importer, Outcome, Table, import_table

TODAY = dt.date(2026, 11, 20)
NOON = dt.datetime(2026, 11, 20, 10, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "value", ["9223372036854775807", "1e25", "1.5", "0x10", "-1", "0", "abc", "１", "1" * 25]
)
def test_a_page_number_outside_1_to_max_page_is_refused_naming_the_page(value):
    with pytest.raises(bounds.BadParameter) as refused:
        bounds.page_number(value)

    assert refused.value.field == "page"
    assert "page" in str(refused.value)


@given(st.integers(min_value=1, max_value=bounds.MAX_PAGE))
def test_every_page_number_within_bounds_is_read_as_itself(number):
    assert bounds.page_number(str(number)) == number


def test_an_absent_page_is_the_first():
    assert bounds.page_number(None) == 1
    assert bounds.page_number("") == 1


@given(st.text(max_size=30))
def test_an_integer_is_either_refused_naming_its_field_or_within_its_bounds(value):
    outcome: object
    try:
        outcome = bounds.integer(value, field="n", default=5, minimum=1, maximum=100)
    except bounds.BadParameter as refused:
        outcome = refused.field

    assert outcome == "n" or 1 <= outcome <= 100


@pytest.mark.parametrize("value", ["0001-01-01", "1949-09-30", "9999-12-31", "2030-01-01"])
def test_a_day_outside_1949_10_01_to_three_years_ahead_is_refused(value):
    with (
        time_machine.travel(NOON, tick=False),
        pytest.raises(bounds.BadParameter) as refused,
    ):
        bounds.day(value, field="from")

    assert refused.value.field == "from"
    assert "1949-10-01" in str(refused.value)


def test_a_day_within_bounds_is_read_and_an_absent_one_is_the_default():
    with time_machine.travel(NOON, tick=False):
        assert bounds.day("1949-10-01", field="from") == dt.date(1949, 10, 1)
        assert bounds.day("2029-11-20", field="to") == dt.date(2029, 11, 20)
        assert bounds.day("", field="on", default=TODAY) == TODAY


def test_a_malformed_day_names_the_field_and_the_value():
    with pytest.raises(bounds.BadParameter) as refused:
        bounds.day("2025-02-30", field="on")

    assert refused.value.field == "on"
    assert "2025-02-30" in str(refused.value)


def test_a_choice_is_one_of_its_options():
    assert bounds.choice("month", ["month", "year"], field="period", default="month") == "month"
    assert bounds.choice("", ["month", "year"], field="period", default="year") == "year"
    with pytest.raises(bounds.BadParameter):
        bounds.choice("nope", ["month", "year"], field="period", default="month")


def test_at_most_cites_the_provision_of_its_maximum():
    check = bounds.at_most(20, "《公安机关办理行政案件程序规定》第一百六十二条")

    check(20)
    with pytest.raises(ValidationError) as refused:
        check(21)

    assert "第一百六十二条" in str(refused.value.messages[0] % refused.value.params)


# --- Text ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["a\x00b", "\x07", "name\x1b[31m", "张三\u202e", "\u2066x", "\x85", "\x7f"]
)
def test_control_characters_and_bidi_overrides_are_found(value):
    assert text.find_forbidden(value) is not None
    with pytest.raises(ValidationError):
        text.check_clean_text(value)


@pytest.mark.parametrize("value", ["张三", "第一行\n第二行\r\n", "a\tb", "Ünïcode ✓", ""])
def test_ordinary_text_with_tabs_and_line_breaks_is_clean(value):
    assert text.find_forbidden(value) is None
    text.check_clean_text(value)


def test_a_forbidden_character_in_json_is_found_with_its_path():
    data = {"parties": [{"name": "张三"}, {"name": "李\x00四"}]}

    assert text.forbidden_in(data) == ("parties.1.name", (1, "\x00"))


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x","点此")', '\'=HYPERLINK("http://x","点此")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tX", "'\tX"),
        ("\r=1", "'\r=1"),
        ("-5", "-5"),
        ("+86", "+86"),
        ("1.5e3", "1.5e3"),
        ("行政拘留", "行政拘留"),
        (500, 500),
    ],
)
def test_a_cell_that_would_start_a_formula_is_neutralised(cell, written):
    assert text.neutralise_cell(cell) == written


def test_the_csv_writer_neutralises_every_cell():
    out = io.StringIO()

    text.csv_writer(out).writerow(["CF-1", '=HYPERLINK("http://x")', 3])

    assert next(csv.reader(io.StringIO(out.getvalue()))) == [
        "CF-1",
        '\'=HYPERLINK("http://x")',
        "3",
    ]


class _Names(Importer):
    kind = "names"
    columns = (Column("name", "姓名", required=True),)
    unique_in_file = ("name",)

    def parse(self, raw):
        return {"name": raw["name"]}

    def upsert(self, values):
        return Outcome.CREATED


def test_an_import_cell_with_a_nul_is_rejected_naming_the_row_and_the_column(db):
    table = Table(headers=["姓名"], rows=[["张三"], ["李\x00四"]])

    report = import_table(_Names("system:test"), table, dry_run=True)

    rejected = report.as_rejections()
    assert [(r.row, r.field) for r in rejected] == [(2, "name")]
    assert "U+0000" in rejected[0].reason


def test_the_published_list_csv_neutralises_an_item_named_as_a_formula(client, db):
    from django.urls import reverse

    from fazhi.catalog.models import EditionStatus, ListKind
    from fazhi.catalog.tests.factories import ListEditionFactory, add_entry, freeze

    edition = ListEditionFactory(list_kind=ListKind.POWER)
    add_entry(edition, "GA-CF-001", name='=HYPERLINK("http://evil.example","点此查看")')
    freeze(edition, EditionStatus.PUBLISHED)

    body = client.get(reverse("portal:list_csv", args=["power"])).content.decode("utf-8-sig")

    rows = list(csv.reader(io.StringIO(body)))
    assert '\'=HYPERLINK("http://evil.example","点此查看")' in rows[1]
    assert not any(cell.startswith("=") for row in rows for cell in row)
