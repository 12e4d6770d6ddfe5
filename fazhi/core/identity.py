"""Identity numbers: 公民身份号码 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015).

The algorithms are those of the legal brief §8 (shared/domain/legal-brief.md):

* 公民身份号码: 6-digit address code + birth date YYYYMMDD + 3-digit sequence (odd = male)
  + a check character by ISO 7064 MOD 11-2 (weights 7,9,10,5,8,4,2,1,6,3,7,9,10,5,8,4,2,
  check = "10X98765432"[S mod 11]).
* 统一社会信用代码: 18 characters over 0-9 and the capitals without I, O, Z, S, V; positions
  9-17 are a GB 11714 organisation code with its own check; position 18 is a MOD 31 check
  with weights 3^(i-1) mod 31.

>>> validate_citizen_id("11010519491231002x").number
'11010519491231002X'
>>> validate_uscc("91350100M000100Y43").number
'91350100M000100Y43'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from fazhi.core.age import age_on
from fazhi.core.errors import InvalidIdentifier

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # GB 11714 body: digits and capitals


@dataclass(frozen=True)
class CitizenId:
    number: str
    birth_date: dt.date
    is_male: bool

    @property
    def region_code(self) -> str:
        return self.number[:6]

    def age_on(self, day: dt.date) -> int:
        """Return the age in 周岁 on DAY: from the day after the birthday (ADR 0015)."""
        return age_on(self.birth_date, day)


@dataclass(frozen=True)
class CreditCode:
    number: str

    @property
    def registering_authority(self) -> str:
        return self.number[0]

    @property
    def category(self) -> str:
        return self.number[:2]

    @property
    def region_code(self) -> str:
        return self.number[2:8]

    @property
    def organisation_code(self) -> str:
        return self.number[8:17]


def citizen_id_check_char(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def validate_citizen_id(raw: str) -> CitizenId:
    """Return the parsed 公民身份号码, or raise InvalidIdentifier saying what is wrong.

    Accepts a lowercase x and returns it as X (legal brief §8). 15-digit legacy numbers are
    not accepted here: they are converted by ``upgrade_legacy_id`` first, on purpose, so that
    a stored number is always the 18-character form.
    """
    number = (raw or "").strip().upper()
    if len(number) != 18:
        raise InvalidIdentifier(
            _("身份证号应为18位，实际为%(length)d位。") % {"length": len(number)},
            code="length",
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdentifier(
            _("身份证号前17位应为数字，第18位应为数字或X。"),
            code="characters",
        )
    if number[:2] in {"00"} or number[:6] == "000000":
        raise InvalidIdentifier(_("身份证号的地址码无效。"), code="region")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdentifier(
            _("身份证号中的出生日期 %(date)s 不是有效日期。") % {"date": number[6:14]},
            code="birth_date",
        ) from None
    if birth.year < 1850 or birth > dt.date.today():  # noqa: DTZ011 - a calendar date, no instant
        raise InvalidIdentifier(
            _("身份证号中的出生日期 %(date)s 不在合理范围内。") % {"date": birth.isoformat()},
            code="birth_date",
        )
    expected = citizen_id_check_char(number[:17])
    if number[17] != expected:
        raise InvalidIdentifier(
            _("身份证号校验码错误：第18位应为 %(expected)s，实际为 %(actual)s。")
            % {"expected": expected, "actual": number[17]},
            code="check_digit",
        )
    return CitizenId(number=number, birth_date=birth, is_male=int(number[16]) % 2 == 1)


def upgrade_legacy_id(raw15: str) -> str:
    """Return the 18-character form of a 15-digit legacy number ("19" + check character)."""
    if len(raw15) != 15 or not raw15.isdigit():
        raise InvalidIdentifier(_("旧版身份证号应为15位数字。"), code="length")
    first17 = raw15[:6] + "19" + raw15[6:]
    return first17 + citizen_id_check_char(first17)


def org_code_check_char(body8: str) -> str:
    """Return the GB 11714 check character for an 8-character organisation code body."""
    total = sum(
        ORG_CODE_ALPHABET.index(char) * weight
        for char, weight in zip(body8, ORG_CODE_WEIGHTS, strict=True)
    )
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def uscc_check_char(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters."""
    total = sum(
        USCC_ALPHABET.index(char) * weight
        for char, weight in zip(first17, USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(raw: str) -> CreditCode:
    """Return the parsed 统一社会信用代码, or raise InvalidIdentifier saying what is wrong."""
    number = (raw or "").strip().upper()
    if len(number) != 18:
        raise InvalidIdentifier(
            _("统一社会信用代码应为18位，实际为%(length)d位。") % {"length": len(number)},
            code="length",
        )
    bad = sorted({char for char in number if char not in USCC_ALPHABET})
    if bad:
        raise InvalidIdentifier(
            _("统一社会信用代码含有不允许的字符：%(chars)s（不使用 I、O、Z、S、V）。")
            % {"chars": "、".join(bad)},
            code="characters",
        )
    if not number[2:8].isdigit():
        raise InvalidIdentifier(
            _("统一社会信用代码第3至8位应为行政区划代码（数字）。"), code="region"
        )
    org_body, org_check = number[8:16], number[16]
    if org_code_check_char(org_body) != org_check:
        raise InvalidIdentifier(
            _("统一社会信用代码中的组织机构代码（第9至17位）校验码错误。"),
            code="org_check_digit",
        )
    expected = uscc_check_char(number[:17])
    if number[17] != expected:
        raise InvalidIdentifier(
            _("统一社会信用代码校验码错误：第18位应为 %(expected)s，实际为 %(actual)s。")
            % {"expected": expected, "actual": number[17]},
            code="check_digit",
        )
    return CreditCode(number=number)


def mask_id(number: str) -> str:
    """Return the number with everything but the first 4 and last 4 characters hidden.

    >>> mask_id("110101199003070011")
    '1101**********0011'
    """
    if not number:
        return ""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
