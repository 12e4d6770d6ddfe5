"""The life of an application (办件): submit, accept or refuse, 补正, approve or reject, complete.

Every operation checks the state it starts from, appends one ApplicationEvent, writes an audit entry
and saves the application in one transaction; nothing else changes an application's state.

The clock (办结期限): the promised time limit runs from acceptance — or from receipt where the statute
counts from receiving the application (``ServiceItem.clock_from``) — in the item's unit, counted by
fazhi.core.periods.add_period: working days (行政许可法 第四十二条, 第八十二条: 期限以工作日计算，不含法定
节假日) and calendar days (日) with the start day not counted, a calendar-day period whose last day is
a rest day ending on the next working day; hours from the exact instant, never extended. A request
for more materials (补正) after acceptance stops it; the materials' arrival resumes it with the units
left.
A request before acceptance is the one-time notice of 第三十二条第一款第（四）项: a limit counted from
acceptance has not started; a limit counted from receipt has (its due instant is fixed at the
submission) and stops like one after acceptance, resuming with the units left. The statutes that count
from receipt (RECEIPT_PROVISIONS) provide no pause, so a resumed limit of such an item never ends
after the statutory limit counted from the receipt without a pause (``statutory_due``).

The two flags the report's rates count are fixed when an application completes:
- ``fully_online`` (全程网办): applied online and completed without one visit to a window;
- ``on_the_spot`` (当场办结): completed on the day it was submitted, at that one visit, without 补正.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhi.audit import log as audit
from fazhi.core.calendar import WorkCalendar, default_calendar
from fazhi.core.clock import SHANGHAI, local_day
from fazhi.core.errors import FazhiError, InvalidIdentifier, PermissionDeniedError
from fazhi.core.identity import validate_citizen_id
from fazhi.core.periods import Period, PeriodUnit, add_period
from fazhi.core.roles import Capability as C
from fazhi.org.models import Unit
from fazhi.services import formspec
from fazhi.services.models import (
    Application,
    ApplicationEvent,
    Bundle,
    BundleApplication,
    Channel,
    Citizen,
    ClockFrom,
    GroupRoster,
    HandlingMode,
    ServiceItem,
    Step,
)
from fazhi.services.models import (
    ApplicationStatus as S,
)

BASIS_ACCEPT = "《中华人民共和国行政许可法》第三十二条"
BASIS_TIME_LIMIT = "《中华人民共和国行政许可法》第四十二条、第八十二条"
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


class ApplicationStateError(FazhiError):
    """The step does not fit the application's state (e.g. completing what was never approved)."""

    code = "application_state"


@dataclass(frozen=True)
class Applicant:
    name: str
    id_number: str
    phone: str
    id_type: str = "id_card"  # id_card | passport | other


def new_receipt(on: dt.date) -> str:
    """A receipt code the applicant can type: JKB + date + 6 random characters (no I/L/O/U)."""
    tail = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(6))
    return f"JKB{on:%Y%m%d}{tail}"


def _actor(user: Any) -> str:
    if isinstance(user, Citizen):
        return f"citizen:{user.pk}"
    return user.get_username() if hasattr(user, "get_username") else str(user)


def audit_actor(by: Any) -> Any:
    """What the audit log records as the actor: the staff user, or "citizen:<id>"."""
    return f"citizen:{by.pk}" if isinstance(by, Citizen) else by


def _require_handler(user: Any, application: Application) -> None:
    """Staff steps: the HANDLE_SERVICES capability and the application's unit inside the scope."""
    if isinstance(user, Citizen) or not user.has_capability(C.HANDLE_SERVICES):
        raise PermissionDeniedError(_("您没有办理警快办事项的权限。"))
    if not Application.objects.visible_to(user).filter(pk=application.pk).exists():
        raise PermissionDeniedError(_("该办件不在您的管辖范围内。"))


def _check_applicant(applicant: Applicant) -> Applicant:
    errors: dict[str, list[str]] = {}
    if not applicant.name.strip():
        errors["applicant_name"] = [str(_("请填写申请人姓名。"))]
    if applicant.id_type == "id_card":
        try:
            number = validate_citizen_id(applicant.id_number).number
        except InvalidIdentifier as error:
            errors["applicant_id_number"] = [str(error)]
            number = applicant.id_number
    else:
        number = applicant.id_number.strip().upper()
        if not 5 <= len(number) <= 20 or not number.isalnum():
            errors["applicant_id_number"] = [
                str(_("证件号码应为 5–20 位字母或数字：%(v)s") % {"v": applicant.id_number})
            ]
    if not formspec.PHONE.match(applicant.phone):
        errors["applicant_phone"] = [
            str(_("手机号应为 11 位数字，以 1 开头：%(v)s") % {"v": applicant.phone})
        ]
    if errors:
        raise formspec.FormInvalid(errors)
    return Applicant(applicant.name.strip(), number, applicant.phone, applicant.id_type)


def _event(
    application: Application,
    step: Step,
    actor: Any,
    at: dt.datetime,
    *,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> ApplicationEvent:
    event = ApplicationEvent.objects.create(
        application=application,
        step=step,
        at=at,
        actor=_actor(actor),
        reason=reason,
        data=data or {},
    )
    audit.record(
        audit_actor(actor),
        f"services.{step}",
        application,
        changes={
            "status": application.status,
            **({"reason": reason} if reason else {}),
            **(data or {}),
        },
        at=at,
    )
    if step != Step.SUBMIT:
        # The application's deadline warnings follow its new state at once (accepted, 补正 …).
        from fazhi.core import warnings as warning_engine

        warning_engine.refresh("application", [application.pk], at=timezone.now())
    return event


def _mode_for(item: ServiceItem, channel: str) -> str:
    if channel == Channel.ONLINE:
        if not item.is_online:
            raise ApplicationStateError(
                _("事项“%(item)s”不支持网上申请，请到窗口办理。") % {"item": item.name}
            )
        for mode in (HandlingMode.ONLINE, HandlingMode.ONLINE_WINDOW):
            if mode in item.modes:
                return mode
        raise ApplicationStateError(
            _("事项“%(item)s”只能到窗口办理。") % {"item": item.name}, field="channel"
        )
    return HandlingMode.WINDOW


def submit(
    item: ServiceItem,
    *,
    applicant: Applicant,
    unit: Unit,
    channel: str,
    data: Mapping[str, Any],
    by: Any,
    idempotency_key: str | None = None,
    at: dt.datetime | None = None,
    bundle_application: BundleApplication | None = None,
) -> Application:
    """Create an application; a repeated IDEMPOTENCY_KEY returns the first one, unchanged.

    BY is the Citizen applying online, or the window clerk (a staff user) for a walk-in applicant.
    Every error of the form and of the applicant is reported at once (FormInvalid).
    """
    if idempotency_key:
        earlier: Application | None = Application.objects.filter(
            idempotency_key=idempotency_key
        ).first()
        if earlier is not None:
            return earlier
    if channel not in Channel.values:
        raise ApplicationStateError(_("未知的申请渠道：%(v)s") % {"v": channel}, field="channel")
    if not item.is_active:
        raise ApplicationStateError(_("事项“%(item)s”已停止办理。") % {"item": item.name})
    if isinstance(by, Citizen):
        if channel != Channel.ONLINE:
            raise ApplicationStateError(_("群众账号只能网上申请。"), field="channel")
    elif not by.has_capability(C.HANDLE_SERVICES):
        raise PermissionDeniedError(_("您没有办理警快办事项的权限。"))
    elif by.scope_unit is None or not unit.path.startswith(by.scope_unit.path):
        raise PermissionDeniedError(_("该办理单位不在您的管辖范围内。"))
    mode = _mode_for(item, channel)
    errors: dict[str, list[str]] = {}
    try:
        applicant = _check_applicant(applicant)
    except formspec.FormInvalid as invalid:
        errors.update(invalid.errors)
    try:
        cleaned = formspec.clean(item.form, data)
    except formspec.FormInvalid as invalid:
        errors.update(invalid.errors)
    if errors:
        raise formspec.FormInvalid(errors)
    at = at or timezone.now()
    try:
        with transaction.atomic():
            application = Application.objects.create(
                receipt=new_receipt(local_day(at)),
                item=item,
                bundle_application=bundle_application,
                unit=unit,
                channel=channel,
                mode=mode,
                citizen=by if isinstance(by, Citizen) else None,
                applicant_name=applicant.name,
                applicant_id_type=applicant.id_type,
                applicant_id_number=applicant.id_number,
                applicant_phone=applicant.phone,
                form_data=cleaned,
                submitted_at=at,
                visits=0 if channel == Channel.ONLINE else 1,
                created_by=None if isinstance(by, Citizen) else by,
                idempotency_key=idempotency_key or None,
            )
            event_data: dict[str, Any] = {"channel": channel}
            if item.clock_from == ClockFrom.RECEIVED:
                # The limit runs from receipt (the submission, online or at the window).
                due = item_due(application, at, item.promised_days)
                application.due_on, application.due_at = due.on, due.at
                application.save(update_fields=["due_on", "due_at"])
                event_data |= _due_data(due)
            _event(application, Step.SUBMIT, by, at, data=event_data)
    except IntegrityError:
        # Two submissions with the same key raced: the other one won; return it.
        if idempotency_key:
            winner: Application | None = Application.objects.filter(
                idempotency_key=idempotency_key
            ).first()
            if winner is not None:
                return winner
        raise
    return application


def _expect(application: Application, *states: str) -> None:
    if application.status not in states:
        raise ApplicationStateError(
            _("办件 %(receipt)s 当前状态为“%(status)s”，不能进行此操作。")
            % {"receipt": application.receipt, "status": application.get_status_display()}
        )


def _when(application: Application, at: dt.datetime | None) -> dt.datetime:
    """The time of a step: now by default; never before the submission, never in the future."""
    now = timezone.now()
    at = at or now
    if at < application.submitted_at:
        raise ApplicationStateError(
            _("环节时间 %(at)s 早于申请提交时间 %(submitted)s。")
            % {
                "at": f"{at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
                "submitted": f"{application.submitted_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
            },
            field="at",
        )
    if at > now + dt.timedelta(minutes=5):
        raise ApplicationStateError(
            _("环节时间 %(at)s 晚于当前时间。")
            % {"at": f"{at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"},
            field="at",
        )
    return at


def working_days_between(start: dt.date, end: dt.date, cal: WorkCalendar | None = None) -> int:
    """Working days after START up to and including END (START not counted, as periods count)."""
    cal = cal or default_calendar()
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += cal.is_workday(day)
    return count


def due_date(start: dt.date, days: int, cal: WorkCalendar | None = None) -> dt.date:
    """The last day of DAYS working days from START; 0 days (当场办结) is START itself."""
    cal = cal or default_calendar()
    return start if days < 1 else cal.add_working_days(start, days)


@dataclass(frozen=True)
class Due:
    """Where a time limit started at an instant ends: its last day and the instant it is missed."""

    on: dt.date  # the last day (for an hour limit: the day of the instant)
    at: dt.datetime  # late from this instant on (half-open, STYLE §7)
    period: Period | None  # None: 0 units (当场办结 / nothing left)


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, SHANGHAI)


def due_after(start: dt.datetime, amount: int, unit: str, cal: WorkCalendar | None = None) -> Due:
    """Return where AMOUNT UNITs started at the instant START end (add_period counts them).

    Working and calendar days count from START's day (not counted) to the end of the last day;
    hours from START itself. 0 units: the end of START's day (当场办结), or START itself for hours.
    """
    unit = PeriodUnit(unit)
    start = start.astimezone(SHANGHAI)
    if amount < 1:
        if unit is PeriodUnit.HOURS:
            return Due(local_day(start), start, None)
        return Due(local_day(start), _end_of(local_day(start)), None)
    begin = start if unit is PeriodUnit.HOURS else local_day(start)
    period = add_period(begin, amount, unit, calendar=cal)
    if unit is PeriodUnit.HOURS:
        return Due(local_day(period.due_at), period.due_at, period)
    last = period.end.date() if isinstance(period.end, dt.datetime) else period.end
    return Due(last, period.due_at, period)


def units_between(
    since: dt.datetime, until: dt.datetime, unit: str, cal: WorkCalendar | None = None
) -> int:
    """The units of a limit used from SINCE to UNTIL: as add_period counts them (start not counted);
    hours begun count as whole hours (the clock is never in the agency's favour)."""
    unit = PeriodUnit(unit)
    if unit is PeriodUnit.HOURS:
        seconds = max((until - since).total_seconds(), 0)
        return int(-(-seconds // 3600))
    first, last = local_day(since), local_day(until)
    if unit is PeriodUnit.DAYS:
        return max((last - first).days, 0)
    return working_days_between(first, last, cal)


# The provisions that count a limit from receipt, with their words (checked against ../shared/domain
# /laws): an item with ``clock_from: received`` cites one of them in its basis.
RECEIPT_PROVISIONS = {
    "《信访工作条例》第二十三条第二款": "自收到信访事项之日起15日内书面告知",
    "《公安机关办理行政案件程序规定》第二百二十三条第一款": "在收到被处罚人提出暂缓执行行政拘留申请之时起二十四小时内作出决定",
    "《中华人民共和国居民身份证法》第十二条第一款": "自公民提交《居民身份证申领登记表》之日起六十日内发放居民身份证",
}


def receipt_basis(item: ServiceItem) -> str:
    """The provision of ITEM's basis that counts its limit from receipt ("" when none is cited)."""
    return next((p for p in RECEIPT_PROVISIONS if p in (item.basis_text or "")), "")


def counts_from_receipt(application: Application) -> bool:
    return application.item.clock_from == ClockFrom.RECEIVED


def statutory_due(application: Application) -> Due | None:
    """For an item counted from receipt: where its statutory limit, started at the submission and
    never paused, ends (the statutes of RECEIPT_PROVISIONS provide no pause); else None."""
    item = application.item
    if not counts_from_receipt(application) or not item.statutory_days:
        return None
    return due_after(application.submitted_at, item.statutory_days, item.statutory_unit)


def resumed_due(application: Application, at: dt.datetime, left: int) -> tuple[Due, bool]:
    """Where a clock resumed at AT with LEFT units ends, and whether the statutory limit of an
    item counted from receipt cut it short (the promise never ends after the law)."""
    due = item_due(application, at, left)
    legal = statutory_due(application)
    if legal is not None and legal.at < due.at:
        return legal, True
    return due, False


def clock_start(application: Application, accepted_at: dt.datetime) -> dt.datetime:
    """Where the item's limit starts: at acceptance, or at receipt (the submission) where the
    statute counts from receiving the application (``ServiceItem.clock_from``)."""
    if application.item.clock_from == ClockFrom.RECEIVED:
        return min(application.submitted_at, accepted_at)
    return accepted_at


def current_run(application: Application) -> tuple[dt.datetime, int] | None:
    """Where the running clock last (re)started and how many units it had then: the arrival of the
    last 补正 with the units left, else the acceptance or receipt with the whole limit; None when
    no clock runs (not started, stopped for 补正, or ended)."""
    if application.status not in (S.SUBMITTED, S.ACCEPTED, S.APPROVED):
        return None
    if application.due_at is None or application.clock_stopped_at is not None:
        return None
    resumed = application.events.filter(step=Step.SUPPLEMENT).order_by("-at", "-id").first()
    if resumed is not None and resumed.data.get("days_left") is not None:
        return resumed.at, int(resumed.data["days_left"])
    if application.accepted_at is not None:
        return clock_start(application, application.accepted_at), application.item.promised_days
    if counts_from_receipt(application):
        return application.submitted_at, application.item.promised_days
    return None


def provisional_years(application: Application, cal: WorkCalendar | None = None) -> tuple[int, ...]:
    """The years without a State Council holiday notice that the running limit counts through
    (``Period.missing_years`` of its period): its last day is provisional until the notice is
    entered (which re-dates it, fazhi/services/redate.py). Hour limits read no calendar."""
    run = current_run(application)
    if run is None or application.due_on is None:
        return ()
    cal = cal or default_calendar()
    start, amount = run
    due = due_after(start, amount, application.item.promised_unit, cal)
    if due.period is not None and due.at == application.due_at:
        return due.period.missing_years
    if application.item.promised_unit == PeriodUnit.HOURS:
        return ()
    # Cut short by the statutory limit (or 0 units left): the days from the start to the last day.
    return tuple(cal.missing_years(local_day(start), application.due_on))


def item_due(application: Application, start: dt.datetime, amount: int) -> Due:
    """Where AMOUNT units of APPLICATION's item's promised limit, started at START, end."""
    return due_after(start, amount, application.item.promised_unit)


def _due_data(due: Due) -> dict[str, str]:
    """The event data of a (re)started clock: the last day and the exact instant."""
    return {"due_on": due.on.isoformat(), "due_at": due.at.isoformat()}


@transaction.atomic
def accept(application: Application, user: Any, *, at: dt.datetime | None = None) -> Application:
    """受理: the clock of the promised time limit starts (行政许可法 第三十二条、第四十二条)."""
    _require_handler(user, application)
    _expect(application, S.SUBMITTED)
    at = _when(application, at)
    application.status = S.ACCEPTED
    application.accepted_at = at
    fixed_on, fixed_at = application.due_on, application.due_at
    if counts_from_receipt(application) and fixed_on is not None and fixed_at is not None:
        # Counted from receipt: the due instant was fixed at the submission (or at the arrival of
        # a 补正 asked before acceptance); acceptance does not move it.
        data = {"due_on": fixed_on.isoformat(), "due_at": fixed_at.isoformat()}
    else:
        due = item_due(application, clock_start(application, at), application.item.promised_days)
        application.due_on, application.due_at = due.on, due.at
        data = _due_data(due)
    application.save(update_fields=["status", "accepted_at", "due_on", "due_at"])
    _event(application, Step.ACCEPT, user, at, data=data)
    return application


@transaction.atomic
def refuse(
    application: Application, user: Any, *, reason: str, at: dt.datetime | None = None
) -> Application:
    """不予受理, with the reason the applicant is told (行政许可法 第三十二条)."""
    _require_handler(user, application)
    _expect(application, S.SUBMITTED, S.SUPPLEMENT)
    if not reason.strip():
        raise ApplicationStateError(_("不予受理必须说明理由。"), field="reason", basis=BASIS_ACCEPT)
    at = _when(application, at)
    application.status = S.REFUSED
    application.decided_at = at
    application.clock_stopped_at = None
    application.save(update_fields=["status", "decided_at", "clock_stopped_at"])
    _event(application, Step.REFUSE, user, at, reason=reason.strip())
    return application


@transaction.atomic
def ask_supplement(
    application: Application,
    user: Any,
    *,
    missing: list[str],
    at: dt.datetime | None = None,
) -> Application:
    """一次性告知补正: list everything missing at once; after acceptance the clock stops."""
    _require_handler(user, application)
    _expect(application, S.SUBMITTED, S.ACCEPTED)
    missing = [m.strip() for m in missing if m.strip()]
    if not missing:
        raise ApplicationStateError(
            _("请一次性列明需要补正的全部内容。"), field="missing", basis=BASIS_ACCEPT
        )
    at = _when(application, at)
    data: dict[str, Any] = {"missing": missing, "was": application.status}
    receipt_clock = (
        application.status == S.SUBMITTED
        and counts_from_receipt(application)
        and application.due_at is not None
    )
    if application.status == S.ACCEPTED or receipt_clock:
        # The clock ran since acceptance (or receipt), or since the last 补正 arrived (it resumed
        # then).
        resumed = application.events.filter(step=Step.SUPPLEMENT).order_by("-at", "-id").first()
        if resumed is not None and resumed.data.get("days_left") is not None:
            since = resumed.at
        elif receipt_clock:
            since = application.submitted_at
        else:
            since = clock_start(application, application.accepted_at or at)
        application.days_used += units_between(since, at, application.item.promised_unit)
        application.clock_stopped_at = at
        data["days_used"] = application.days_used
    application.status = S.SUPPLEMENT
    application.save(update_fields=["status", "days_used", "clock_stopped_at"])
    _event(application, Step.ASK_SUPPLEMENT, user, at, data=data)
    return application


@transaction.atomic
def supplement(application: Application, by: Any, *, at: dt.datetime | None = None) -> Application:
    """The materials arrived: back to where it was; a stopped clock resumes with the days left."""
    if isinstance(by, Citizen):
        if application.citizen_id != by.pk:
            raise PermissionDeniedError(_("这不是您的申请。"))
    else:
        _require_handler(by, application)
    _expect(application, S.SUPPLEMENT)
    at = _when(application, at)
    asked = application.events.filter(step=Step.ASK_SUPPLEMENT).order_by("-at", "-id").first()
    was = asked.data.get("was", S.SUBMITTED) if asked else S.SUBMITTED
    application.status = was
    data: dict[str, Any] = {}
    if was == S.ACCEPTED or application.clock_stopped_at is not None:
        # A stopped clock (after acceptance, or before it for a limit counted from receipt).
        left = max(application.item.promised_days - application.days_used, 0)
        due, capped = resumed_due(application, at, left)
        application.due_on, application.due_at = due.on, due.at
        application.clock_stopped_at = None
        data = {"days_left": left, **_due_data(due), **({"statutory_cap": True} if capped else {})}
    application.save(update_fields=["status", "due_on", "due_at", "clock_stopped_at"])
    _event(application, Step.SUPPLEMENT, by, at, data=data)
    return application


@transaction.atomic
def record_visit(application: Application, user: Any, *, at: dt.datetime | None = None) -> None:
    """The applicant came to a window for this application (it is then no longer 全程网办)."""
    _require_handler(user, application)
    at = _when(application, at)
    application.visits += 1
    application.save(update_fields=["visits"])
    _event(application, Step.VISIT, user, at)


@transaction.atomic
def approve(application: Application, user: Any, *, at: dt.datetime | None = None) -> Application:
    _require_handler(user, application)
    _expect(application, S.ACCEPTED)
    if (
        application.item.needs_roster
        and not GroupRoster.objects.filter(application=application).exists()
    ):
        raise ApplicationStateError(_("团队名单尚未提交，不能准予。"), field="roster")
    at = _when(application, at)
    application.status = S.APPROVED
    application.decided_at = at
    application.save(update_fields=["status", "decided_at"])
    _event(application, Step.APPROVE, user, at)
    return application


@transaction.atomic
def reject(
    application: Application, user: Any, *, reason: str, at: dt.datetime | None = None
) -> Application:
    """不予许可, with the reason (and, in the decision document, the remedies)."""
    _require_handler(user, application)
    _expect(application, S.ACCEPTED)
    if not reason.strip():
        raise ApplicationStateError(_("不予许可必须说明理由。"), field="reason")
    at = _when(application, at)
    application.status = S.REJECTED
    application.decided_at = at
    application.completed_at = at
    application.save(update_fields=["status", "decided_at", "completed_at"])
    _event(application, Step.REJECT, user, at, reason=reason.strip())
    _complete_bundle_if_done(application, at)
    return application


@transaction.atomic
def complete(application: Application, user: Any, *, at: dt.datetime | None = None) -> Application:
    """办结: fix the two flags the rates count (全程网办, 当场办结) from what actually happened."""
    _require_handler(user, application)
    _expect(application, S.APPROVED)
    at = _when(application, at)
    had_supplement = application.events.filter(step=Step.ASK_SUPPLEMENT).exists()
    application.status = S.COMPLETED
    application.completed_at = at
    application.fully_online = application.channel == Channel.ONLINE and application.visits == 0
    application.on_the_spot = (
        application.channel != Channel.ONLINE
        and application.visits == 1
        and not had_supplement
        and local_day(at) == local_day(application.submitted_at)
    )
    fix_handling_time(application)
    application.save(
        update_fields=[
            "status",
            "completed_at",
            "fully_online",
            "on_the_spot",
            *HANDLING_FIELDS,
        ]
    )
    _event(
        application,
        Step.COMPLETE,
        user,
        at,
        data={"fully_online": application.fully_online, "on_the_spot": application.on_the_spot},
    )
    _complete_bundle_if_done(application, at)
    return application


HANDLING_FIELDS = ("handling_seconds", "handling_days", "completed_late")


def fix_handling_time(application: Application, cal: WorkCalendar | None = None) -> None:
    """Fix on completion what the metrics sum: the time taken and whether it ran late.

    ``handling_days``: working days after the submission day up to and including the completion
    day (Shanghai dates, the working-day calendar); ``completed_late``: completed at or after
    ``due_at`` — for a day limit, on a day after ``due_on`` (docs/metrics.md).
    """
    submitted, completed = application.submitted_at, application.completed_at
    if completed is None:  # called on completion, once completed_at is set
        raise TypeError(f"application {application.receipt} has no completed_at")
    application.handling_seconds = int((completed - submitted).total_seconds())
    application.handling_days = working_days_between(
        local_day(submitted), local_day(completed), cal
    )
    if application.due_at is not None:
        application.completed_late = completed >= application.due_at
    else:
        application.completed_late = (
            application.due_on is not None and local_day(completed) > application.due_on
        )


def complete_on_the_spot(
    application: Application, user: Any, *, at: dt.datetime | None = None
) -> Application:
    """A window clerk accepts, approves and completes an on-the-spot item in one go."""
    if not application.item.on_the_spot:
        raise ApplicationStateError(
            _("事项“%(item)s”不能当场办结。") % {"item": application.item.name}
        )
    with transaction.atomic():
        accept(application, user, at=at)
        approve(application, user, at=at)
        return complete(application, user, at=at)


@transaction.atomic
def withdraw(application: Application, citizen: Citizen, *, at: dt.datetime | None = None) -> None:
    if application.citizen_id != citizen.pk:
        raise PermissionDeniedError(_("这不是您的申请。"))
    _expect(application, S.SUBMITTED, S.SUPPLEMENT, S.ACCEPTED)
    at = _when(application, at)
    application.status = S.WITHDRAWN
    application.completed_at = at
    application.save(update_fields=["status", "completed_at"])
    _event(application, Step.WITHDRAW, citizen, at)
    _complete_bundle_if_done(application, at)


def _complete_bundle_if_done(application: Application, at: dt.datetime) -> None:
    parent = application.bundle_application
    if parent is None or parent.completed_at is not None:
        return
    if not parent.parts.exclude(completed_at__isnull=False).exists():
        parent.completed_at = at
        parent.save(update_fields=["completed_at"])
        audit.record("system:services", "services.bundle_complete", parent, at=at)


def submit_bundle(
    bundle: Bundle,
    *,
    applicant: Applicant,
    units: Mapping[int, Unit] | Unit,
    channel: str,
    data: Mapping[str, Any],
    by: Any,
    idempotency_key: str | None = None,
    at: dt.datetime | None = None,
) -> BundleApplication:
    """One combined form, each key asked once; one sub-application per item, all or none.

    UNITS is the handling unit of every item, or a mapping item id → unit.
    """
    if idempotency_key:
        earlier = BundleApplication.objects.filter(idempotency_key=idempotency_key).first()
        if earlier is not None:
            return earlier
    items = [entry.item for entry in bundle.entries.select_related("item").order_by("order")]
    fields = formspec.combine(item.form for item in items)
    cleaned = formspec.clean(fields, data)  # every error of the combined form at once
    at = at or timezone.now()
    try:
        parent = _create_bundle(
            bundle, items, applicant, units, channel, data, cleaned, by, idempotency_key, at
        )
    except IntegrityError:
        # Two submissions with the same key raced: the other one won; return it.
        earlier = BundleApplication.objects.filter(idempotency_key=idempotency_key).first()
        if idempotency_key and earlier is not None:
            return earlier
        raise
    return parent


@transaction.atomic
def _create_bundle(
    bundle: Bundle,
    items: list[ServiceItem],
    applicant: Applicant,
    units: Mapping[int, Unit] | Unit,
    channel: str,
    data: Mapping[str, Any],
    cleaned: dict[str, Any],
    by: Any,
    idempotency_key: str | None,
    at: dt.datetime,
) -> BundleApplication:
    """Create the bundle application and its parts in one transaction."""
    parent = BundleApplication.objects.create(
        receipt=new_receipt(local_day(at)),
        bundle=bundle,
        citizen=by if isinstance(by, Citizen) else None,
        applicant_name=applicant.name.strip(),
        form_data=cleaned,
        submitted_at=at,
        idempotency_key=idempotency_key or None,
    )
    for item in items:
        unit = units if isinstance(units, Unit) else units[item.pk]
        own = {f["key"]: data.get(f["key"], "") for f in item.form}
        submit(
            item,
            applicant=applicant,
            unit=unit,
            channel=channel,
            data=own,
            by=by,
            at=at,
            bundle_application=parent,
        )
    audit.record(
        audit_actor(by),
        "services.bundle_submit",
        parent,
        changes={"bundle": bundle.code, "parts": len(items)},
        at=at,
    )
    return parent
