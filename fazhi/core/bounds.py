"""Parse and bound every value that crosses a boundary: query parameters, form and JSON values.

One helper set (ADR 0027): a page number, an offset or a limit is an integer within bounds; a day
lies between the founding of the People's Republic (1949-10-01) and a little after today; an
enum is one of its choices; an id is a positive 64-bit integer. A value outside its bounds raises
``BadParameter`` naming the field and what was expected; Django answers it with the 400 page
(``BadRequest``) and the API with the documented error body (fazhi/api.py). Nothing past this
module sees a page of 10^25, the year 1 or the year 9999, so no database overflow, no date
arithmetic past ``date.max`` and no 500.

>>> page_number("3")
3
>>> day("2025-03-01", field="from")
datetime.date(2025, 3, 1)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, TypeVar

from django import forms
from django.core.exceptions import BadRequest, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Schema
from ninja import pagination as ninja_pagination
from pydantic import AfterValidator, Field

from fazhi.core.errors import FazhiError

# The earliest day any record of this system can concern: the founding of the People's Republic.
# Every statute the bureau applies is later; a birth date may be earlier (see EARLIEST_BIRTH_DAY).
EARLIEST_DAY = dt.date(1949, 10, 1)
# A person alive and party to a case today was born after this day.
EARLIEST_BIRTH_DAY = dt.date(1900, 1, 1)
# Filters and schedules may look ahead: a deadline, a report period, a calendar year to come.
FUTURE_DAYS = 3 * 366
MAX_PAGE = 100_000  # 100,000 pages of 200 rows: far beyond the 1M-case city bureau
MAX_OFFSET = 10_000_000
MAX_LIMIT = 200
# Sanity bounds of an amount no statutory maximum bounds (ADR 0027): far above every fine of the
# laws the bureau applies (the largest in shared/domain is 五百万元, 反电信网络诈骗法), never 10^12.
MAX_YUAN = 100_000_000
MAX_COUNT = 100_000  # days, people, items: an int field of a rule pack without its own max
MAX_ID = 2**63 - 1  # a 64-bit primary key (PostgreSQL bigint, SQLite INTEGER)
MAX_INT_CHARS = 19  # digits of MAX_ID: longer text is refused before int() reads it


class BadParameter(FazhiError, BadRequest):
    """A query, form or JSON value that cannot be used: 400 with the field and the reason."""

    code = "invalid_parameter"


def latest_day(today: dt.date | None = None) -> dt.date:
    """Return the last day a filter or a schedule may name (today + FUTURE_DAYS)."""
    return (today or timezone.localdate()) + dt.timedelta(days=FUTURE_DAYS)


def _bad(field: str, message: str) -> BadParameter:
    return BadParameter(
        _("参数 %(field)s：%(message)s") % {"field": field, "message": message}, field=field
    )


def integer(
    value: Any,
    *,
    field: str,
    default: int | None = None,
    minimum: int = 0,
    maximum: int = MAX_ID,
) -> int:
    """Return VALUE as an integer within [MINIMUM, MAXIMUM], or DEFAULT when it is empty.

    Only decimal digits (an optional sign) are read: ``1e25``, ``1.5`` or ``0x10`` are refused,
    and so is a number of more digits than any bound (read before ``int()`` runs).
    """
    if value is None or value == "":
        if default is None:
            raise _bad(field, _("必须填写。"))
        return default
    if isinstance(value, bool):
        raise _bad(field, _("应为整数。"))
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not digits.isascii() or not digits.isdigit():
            raise _bad(field, _("应为整数，收到“%(value)s”。") % {"value": text[:40]})
        if len(digits.lstrip("0")) > MAX_INT_CHARS:
            raise _bad(
                field, _("应为 %(min)s 至 %(max)s 之间的整数。") % {"min": minimum, "max": maximum}
            )
        number = int(text)
    if not minimum <= number <= maximum:
        raise _bad(
            field, _("应为 %(min)s 至 %(max)s 之间的整数。") % {"min": minimum, "max": maximum}
        )
    return number


def page_number(value: Any, *, field: str = "page") -> int:
    """Return a page number, 1 when absent; refuse anything but 1..MAX_PAGE."""
    return integer(value, field=field, default=1, minimum=1, maximum=MAX_PAGE)


def offset(value: Any, *, field: str = "offset") -> int:
    """Return an offset, 0 when absent; refuse anything but 0..MAX_OFFSET."""
    return integer(value, field=field, default=0, minimum=0, maximum=MAX_OFFSET)


def limit(value: Any, *, field: str = "limit", default: int = 25) -> int:
    """Return a page size, DEFAULT when absent; refuse anything but 1..MAX_LIMIT."""
    return integer(value, field=field, default=default, minimum=1, maximum=MAX_LIMIT)


def identifier(value: Any, *, field: str) -> int:
    """Return a database id (1..2^63-1); a 25-digit id is refused, not sent to the database."""
    return integer(value, field=field, minimum=1, maximum=MAX_ID)


def optional_identifier(value: Any, *, field: str) -> int | None:
    """Return a database id, or None when VALUE is empty."""
    if value is None or value == "":
        return None
    return identifier(value, field=field)


def day(
    value: Any,
    *,
    field: str,
    default: dt.date | None = None,
    earliest: dt.date = EARLIEST_DAY,
    latest: dt.date | None = None,
) -> dt.date:
    """Return VALUE (YYYY-MM-DD) as a date within [EARLIEST, LATEST], or DEFAULT when empty.

    LATEST defaults to today + FUTURE_DAYS: a filter may look ahead, not to the year 9999.
    """
    if value is None or value == "":
        if default is None:
            raise _bad(field, _("必须填写日期。"))
        return default
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        found = value
    else:
        text = str(value).strip()
        try:
            found = dt.date.fromisoformat(text)
        except ValueError:
            raise _bad(
                field, _("应为日期（年-月-日），收到“%(value)s”。") % {"value": text[:40]}
            ) from None
    return within_days(found, field=field, earliest=earliest, latest=latest)


def optional_day(value: Any, *, field: str, **bounds: Any) -> dt.date | None:
    """Return VALUE as a bounded date, or None when it is empty."""
    if value is None or value == "":
        return None
    return day(value, field=field, **bounds)


def within_days(
    found: dt.date, *, field: str, earliest: dt.date = EARLIEST_DAY, latest: dt.date | None = None
) -> dt.date:
    """Return FOUND if it lies within [EARLIEST, LATEST]; raise BadParameter otherwise."""
    last = latest or latest_day()
    if not earliest <= found <= last:
        raise _bad(
            field,
            _("日期应在 %(earliest)s 至 %(latest)s 之间，收到 %(value)s。")
            % {"earliest": earliest.isoformat(), "latest": last.isoformat(), "value": found},
        )
    return found


T = TypeVar("T", bound=str)


def choice(value: Any, choices: Iterable[T] | Mapping[T, Any], *, field: str, default: T) -> T:
    """Return VALUE if it is one of CHOICES, DEFAULT when empty; refuse anything else."""
    if value is None or value == "":
        return default
    allowed = list(choices)
    for option in allowed:
        if str(value) == option:
            return option
    raise _bad(
        field,
        _("应为以下之一：%(choices)s。") % {"choices": "、".join(str(c) for c in allowed)},
    )


# --- Forms ----------------------------------------------------------------------------------------


def check_plausible_day(value: dt.date | dt.datetime | None) -> None:
    """Django validator: refuse a day before 1949-10-01 or more than FUTURE_DAYS ahead."""
    if value is None:
        return
    on = value.date() if isinstance(value, dt.datetime) else value
    last = latest_day()
    if not EARLIEST_DAY <= on <= last:
        raise ValidationError(
            gettext_lazy("日期应在 %(earliest)s 至 %(latest)s 之间。"),
            code="out_of_range",
            params={"earliest": EARLIEST_DAY.isoformat(), "latest": last.isoformat()},
        )


def check_birth_day(value: dt.date | None) -> None:
    """Django validator: refuse a birth date before 1900-01-01 or after today."""
    if value is None:
        return
    if not EARLIEST_BIRTH_DAY <= value <= timezone.localdate():
        raise ValidationError(
            gettext_lazy("出生日期应在 %(earliest)s 至今天之间。"),
            code="out_of_range",
            params={"earliest": EARLIEST_BIRTH_DAY.isoformat()},
        )


def check_not_future(value: dt.date | dt.datetime | None) -> None:
    """Django validator: refuse a time after now (an act or a birth cannot be in the future)."""
    if value is None:
        return
    if isinstance(value, dt.datetime):
        late = value > timezone.now() + dt.timedelta(minutes=5)  # clocks of two machines differ
    else:
        late = value > timezone.localdate()
    if late:
        raise ValidationError(gettext_lazy("不能晚于当前时间。"), code="future")


def at_most(limit: int, basis: str = "") -> Any:
    """Return a Django validator refusing a number above LIMIT, citing BASIS when there is one."""

    def check(value: Any) -> None:
        if value is not None and value > limit:
            if basis:
                raise ValidationError(
                    gettext_lazy("不能超过 %(max)s（%(basis)s）。"),
                    code="max_value",
                    params={"max": limit, "basis": basis},
                )
            raise ValidationError(
                gettext_lazy("不能超过 %(max)s。"), code="max_value", params={"max": limit}
            )

    return check


def form_status(form: forms.BaseForm) -> int:
    """Return the status of a page drawn with a filter FORM: 400 when its input was refused."""
    return 400 if form.is_bound and not form.is_valid() else 200


class BoundedDateField(forms.DateField):
    """A date field of a filter form: a day within [1949-10-01, today + FUTURE_DAYS]."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(check_plausible_day)


class PageField(forms.IntegerField):
    """A page number of a filter form: 1..MAX_PAGE."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_PAGE)
        super().__init__(**kwargs)


# --- API (pydantic) -------------------------------------------------------------------------------


def _plausible_date(value: dt.date) -> dt.date:
    last = latest_day()
    if not EARLIEST_DAY <= value <= last:
        raise ValueError(f"must be between {EARLIEST_DAY.isoformat()} and {last.isoformat()}")
    return value


def _birth_date(value: dt.date) -> dt.date:
    if not EARLIEST_BIRTH_DAY <= value <= timezone.localdate():
        raise ValueError(f"must be between {EARLIEST_BIRTH_DAY.isoformat()} and today")
    return value


def _plausible_datetime(value: dt.datetime) -> dt.datetime:
    _plausible_date(value.date())
    return value


Page = Annotated[int, Field(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Field(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# A day or an instant that a record of this system can concern (1949-10-01 … today + 3 years).
PlausibleDate = Annotated[dt.date, AfterValidator(_plausible_date)]
PlausibleDateTime = Annotated[dt.datetime, AfterValidator(_plausible_datetime)]
BirthDate = Annotated[dt.date, AfterValidator(_birth_date)]  # 1900-01-01 … today


# --- API pagination: ninja's classes with an upper bound on the page and the offset ---------------


class PageNumberPagination(ninja_pagination.PageNumberPagination):
    """ninja's page-number pagination; ``page`` ≤ MAX_PAGE and ``page_size`` ≤ MAX_LIMIT."""

    class PageInput(Schema):
        page: Page = 1
        page_size: PageSize | None = None

    Input = PageInput  # type: ignore[assignment]  # ninja reads .Input; the name is unique

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_page_size", MAX_LIMIT)
        super().__init__(**kwargs)


class LimitOffsetPagination(ninja_pagination.LimitOffsetPagination):
    """ninja's limit/offset pagination; ``offset`` ≤ MAX_OFFSET and ``limit`` ≤ MAX_LIMIT."""

    class LimitOffsetInput(Schema):
        limit: PageSize = 100
        offset: Offset = 0

    Input = LimitOffsetInput  # type: ignore[assignment]  # ninja reads .Input; a unique name

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_limit", MAX_LIMIT)
        super().__init__(**kwargs)
