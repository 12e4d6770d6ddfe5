import pytest
from hypothesis import given
from hypothesis import strategies as st

from fazhi.law.numerals import chinese_numeral, parse_chinese_numeral

EXPECTED = {
    1: "一",
    2: "二",
    3: "三",
    4: "四",
    5: "五",
    6: "六",
    7: "七",
    8: "八",
    9: "九",
    10: "十",
    11: "十一",
    12: "十二",
    13: "十三",
    14: "十四",
    15: "十五",
    16: "十六",
    17: "十七",
    18: "十八",
    19: "十九",
    20: "二十",
    100: "一百",
    101: "一百零一",
    110: "一百一十",
    119: "一百一十九",
    144: "一百四十四",
    1000: "一千",
    1005: "一千零五",
}


@pytest.mark.parametrize(("number", "text"), EXPECTED.items())
def test_numeral_is_written_as_statutes_write_it(number, text):
    assert chinese_numeral(number) == text


@pytest.mark.parametrize(("number", "text"), EXPECTED.items())
def test_statute_numeral_parses_to_its_value(number, text):
    assert parse_chinese_numeral(text) == number


@pytest.mark.parametrize("number", [-1, 10000])
def test_numeral_outside_0_to_9999_is_refused(number):
    with pytest.raises(ValueError, match=str(number)):
        chinese_numeral(number)


def test_text_that_is_not_a_numeral_is_refused():
    with pytest.raises(ValueError, match="条"):
        parse_chinese_numeral("三十条")


@given(st.integers(min_value=0, max_value=9999))
def test_parsing_a_rendered_numeral_gives_the_number_back(number):
    assert parse_chinese_numeral(chinese_numeral(number)) == number


@given(st.integers(min_value=0, max_value=9999))
def test_rendered_numeral_never_starts_with_yi_shi(number):
    assert not chinese_numeral(number).startswith("一十")


def test_every_number_up_to_9999_round_trips():
    assert [n for n in range(10000) if parse_chinese_numeral(chinese_numeral(n)) != n] == []
