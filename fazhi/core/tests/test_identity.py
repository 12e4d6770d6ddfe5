import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fazhi.core.errors import InvalidIdentifier
from fazhi.core.identity import (
    USCC_ALPHABET,
    citizen_id_check_char,
    mask_id,
    org_code_check_char,
    upgrade_legacy_id,
    uscc_check_char,
    validate_citizen_id,
    validate_uscc,
)

# The computed and quoted vectors of the legal brief §8.
VALID_IDS = [
    "110101199003070011",
    "310104198512121237",
    "440305200002294564",
    "11010519491231002X",
    "440524188001010014",
]
VALID_USCC = ["91110108MA01ABC17L", "12310104425000014X", "91350100M000100Y43"]


@pytest.mark.parametrize("number", VALID_IDS)
def test_brief_id_vectors_are_valid(number):
    assert validate_citizen_id(number).number == number


def test_lowercase_x_is_accepted_and_stored_upper():
    assert validate_citizen_id("11010519491231002x").number == "11010519491231002X"


def test_id_reports_birth_date_and_sex():
    parsed = validate_citizen_id("440305200002294564")
    assert parsed.birth_date == dt.date(2000, 2, 29)
    assert parsed.is_male is False
    assert parsed.age_on(dt.date(2018, 2, 28)) == 17
    assert parsed.age_on(dt.date(2018, 3, 1)) == 18


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110101199003070012", "check_digit"),
        ("11010119900307001", "length"),
        ("1101011990030700A1", "characters"),
        ("110101199002300011", "birth_date"),  # 30 February
        ("440305200102294568", "birth_date"),  # 2001 is not a leap year
    ],
)
def test_bad_ids_are_refused_with_the_reason(number, code):
    with pytest.raises(InvalidIdentifier) as excinfo:
        validate_citizen_id(number)
    assert excinfo.value.code == code


def test_check_digit_error_names_expected_and_actual():
    with pytest.raises(InvalidIdentifier, match="应为 1，实际为 2"):
        validate_citizen_id("110101199003070012")


def test_legacy_15_digit_number_is_upgraded():
    assert upgrade_legacy_id("110105491231002") == "11010519491231002X"


@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_any_id_with_computed_check_digit_validates(birth, seq):
    first17 = f"500103{birth:%Y%m%d}{seq:03d}"
    number = first17 + citizen_id_check_char(first17)
    parsed = validate_citizen_id(number)
    assert parsed.birth_date == birth
    assert parsed.is_male == (seq % 2 == 1)


@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    st.integers(min_value=0, max_value=999),
    st.integers(min_value=0, max_value=16),
    st.integers(min_value=1, max_value=9),
)
def test_changing_any_single_digit_breaks_the_check(birth, seq, position, delta):
    first17 = f"500103{birth:%Y%m%d}{seq:03d}"
    number = first17 + citizen_id_check_char(first17)
    digits = list(number)
    digits[position] = str((int(digits[position]) + delta) % 10)
    mutated = "".join(digits)
    # MOD 11-2 detects every single-digit substitution; a date change may be caught first.
    with pytest.raises(InvalidIdentifier):
        validate_citizen_id(mutated)


@pytest.mark.parametrize("code", VALID_USCC)
def test_brief_uscc_vectors_are_valid(code):
    assert validate_uscc(code).number == code


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91110108MA01ABC17M", "check_digit"),
        ("91110108MA01ABC1", "length"),
        ("91110108MA01ABCI7L", "characters"),  # I is not in the alphabet
        ("9111010SMA01ABC17L", "characters"),
        ("91110108MA01ABC27L", "org_check_digit"),
    ],
)
def test_bad_uscc_is_refused_with_the_reason(code, reason):
    with pytest.raises(InvalidIdentifier) as excinfo:
        validate_uscc(code)
    assert excinfo.value.code == reason


ORG_BODY = st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8)


@given(st.sampled_from("159Y"), st.sampled_from("1239"), st.integers(110000, 659999), ORG_BODY)
def test_any_uscc_with_computed_checks_validates(authority, category, region, body):
    first17 = f"{authority}{category}{region}{body}{org_code_check_char(body)}"
    if any(char not in USCC_ALPHABET for char in first17):
        return  # the org-code check may be X... which is in the alphabet; others are skipped
    code = first17 + uscc_check_char(first17)
    assert validate_uscc(code).number == code


def test_mask_keeps_first_and_last_four():
    assert mask_id("110101199003070011") == "1101**********0011"
    assert mask_id("91350100M000100Y43") == "9135**********0Y43"
    assert mask_id("") == ""
