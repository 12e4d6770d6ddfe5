"""The 警快办 metrics: 全程网办率, 当场办结率, handling time, overdue, channels, groups served.

Every definition is written out in docs/metrics.md; in short, for a period (whole days, Shanghai
time) and a scope unit (its subtree):

- "completed" (办结) means ``status = completed`` with ``completed_at`` in the period — the only
  applications whose two flags (``fully_online``, ``on_the_spot``) are set (applications.complete);
  不予许可, 不予受理 and withdrawn applications are not 办结 here;
- "submitted" means ``submitted_at`` in the period;
- the item-side rates describe the catalogue as it is now, for the whole city.

The application figures come from three aggregate queries (``service_figures``: COUNT … FILTER
and SUM over one index range each), so that the services metrics page reads 1,000,000
applications in well under a second. The handling time and lateness are summed from columns
fixed on completion (``handling_seconds``, ``handling_days``, ``completed_late``: see
applications.fix_handling_time), not recomputed per row from timestamps and the calendar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, cast

from django.db.models import (
    Count,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fazhi.core.metrics import MetricKind, MetricValue, Period, metric, percent
from fazhi.org.models import Unit
from fazhi.services.models import (
    Application,
    ApplicationStatus,
    Channel,
    HandlingMode,
    ServiceItem,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

SHANGHAI_OFFSET = "+8 hours"  # the bureau's time zone, fixed (no daylight saving)
RUNNING = (ApplicationStatus.ACCEPTED, ApplicationStatus.APPROVED)  # the clock runs
# … and, for a limit counted from receipt, already before acceptance (due_at set at the submission).
CLOCK = (ApplicationStatus.SUBMITTED, *RUNNING)


# --- scope and the three aggregates --------------------------------------------------------------


def in_scope(scope: Unit) -> QuerySet[Application]:
    """Applications of SCOPE's subtree (unit ids read once, not joined per row)."""
    units = Unit.objects.filter(path__startswith=scope.path).values("pk")
    return Application.objects.filter(unit_id__in=units)


def _scoped_for_counting(scope: Unit) -> QuerySet[Application]:
    """As in_scope; when SCOPE's subtree holds every unit (the city), no filter at all.

    The counting queries then read their index range alone instead of testing each row's unit.
    """
    if not Unit.objects.exclude(path__startswith=scope.path).exists():
        return Application.objects.all()
    return in_scope(scope)


def _submitted(period: Period) -> Q:
    return Q(submitted_at__gte=period.low, submitted_at__lt=period.high)


def _completed(period: Period) -> Q:
    return Q(
        status=ApplicationStatus.COMPLETED,
        completed_at__gte=period.low,
        completed_at__lt=period.high,
    )


def _overdue_open(period: Period) -> Q:
    """Running and late at the as-of moment: now, or the period's last instant if earlier.

    Late means ``due_at <= at`` (STYLE §7): an hour limit from its exact hour, a day limit from
    the end of its last day. At the last instant of a past period that is ``due_at < high``,
    so a day limit whose last day is the period's last day is not yet late.
    """
    now = timezone.now()
    if period.high <= now:
        return Q(status__in=CLOCK, due_at__lt=period.high)
    return Q(status__in=CLOCK, due_at__lte=now)


def roster_items() -> QuerySet[ServiceItem, Any]:
    """The port-visa item(s) (需提交团队名单), as a subquery."""
    return ServiceItem.objects.filter(needs_roster=True).values("pk")


@dataclass(frozen=True)
class Figures:
    submitted: int
    online: int
    window: int
    self_service: int  # named as the Channel values
    completed: int
    fully_online: int
    on_the_spot: int
    seconds: int  # handling time summed over the completed
    working_days: int  # summed over the completed
    completed_late: int
    overdue_open: int
    groups: int


def service_figures(period: Period, scope: Unit) -> Figures:
    """Every application figure of PERIOD and SCOPE: three aggregate queries, each reading one
    index range (completed in the period, submitted in the period, running with a due day)."""
    scoped = _scoped_for_counting(scope)
    done = scoped.filter(_completed(period)).aggregate(
        completed=Count("pk"),
        fully_online=Count("pk", filter=Q(fully_online=True)),
        on_the_spot=Count("pk", filter=Q(on_the_spot=True)),
        seconds=Sum("handling_seconds"),
        working_days=Sum("handling_days"),
        completed_late=Count("pk", filter=Q(completed_late=True)),
        groups=Count("pk", filter=Q(item_id__in=roster_items())),
    )
    made = scoped.filter(_submitted(period)).aggregate(
        submitted=Count("pk"),
        **{c.value: Count("pk", filter=Q(channel=c)) for c in Channel},
    )
    late = scoped.filter(_overdue_open(period)).aggregate(overdue_open=Count("pk"))
    return Figures(**{key: value or 0 for key, value in (done | made | late).items()})


# --- item-side (the catalogue now) ---------------------------------------------------------------


def online_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.online().order_by("code")


def fully_online_items() -> QuerySet[ServiceItem]:
    # modes is a short JSON list of HandlingMode values; match the quoted value in its text
    # ("online" never matches inside "online_window", whose closing quote comes later).
    return online_items().filter(modes__icontains=f'"{HandlingMode.ONLINE}"')


def active_items() -> QuerySet[ServiceItem]:
    return ServiceItem.objects.filter(is_active=True).order_by("code")


@dataclass(frozen=True)
class ItemFigures:
    active: int
    on_the_spot: int
    online: int
    fully_online: int


def item_figures() -> ItemFigures:
    row = active_items().aggregate(
        active=Count("pk"),
        on_the_spot=Count("pk", filter=Q(on_the_spot=True)),
        online=Count("pk", filter=Q(is_online=True)),
    )
    return ItemFigures(**row, fully_online=fully_online_items().count())


# --- the registered metrics ----------------------------------------------------------------------


def completed_in(period: Period, scope: Unit) -> QuerySet[Application]:
    return (
        in_scope(scope)
        .filter(_completed(period))
        .select_related("item", "unit")
        .order_by("completed_at", "id")
    )


def submitted_in(period: Period, scope: Unit) -> QuerySet[Application]:
    return (
        in_scope(scope)
        .filter(_submitted(period))
        .select_related("item", "unit")
        .order_by("submitted_at", "id")
    )


def average(total: Decimal | int, count: int) -> Decimal | None:
    """TOTAL / COUNT to one decimal place (half up); None when nothing was counted."""
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def count_value(n: int, records: QuerySet[Any], d: int | None = None) -> MetricValue:
    """A count N (out of D, when a denominator is shown), with the records behind it."""
    return MetricValue(Decimal(n), n, n if d is None else d, records)


def rate_value(n: int, d: int, records: QuerySet[Any]) -> MetricValue:
    """N of D as a percentage, with the records behind it."""
    return MetricValue(percent(n, d), n, d, records)


@dataclass(frozen=True)
class Inputs:
    """What a metric is built from: the figures (read once for the page) and the period/scope."""

    period: Period
    scope: Unit
    apps: Figures
    items: ItemFigures


Builder = Callable[[Inputs], MetricValue]
BUILDERS: dict[str, Builder] = {}


def service_metric(
    code: str,
    *,
    name: StrOrPromise,
    formula: StrOrPromise,
    unit: StrOrPromise,
    kind: MetricKind = MetricKind.RATE,
) -> Callable[[Builder], Builder]:
    """Register CODE in the metric registry, computed by BUILDER from freshly read figures."""

    def decorator(builder: Builder) -> Builder:
        BUILDERS[code] = builder

        def compute(period: Period, scope: Unit) -> MetricValue:
            return builder(inputs(period, scope))

        compute.__name__ = compute.__qualname__ = f"metric_{code}"
        # core.metrics types the texts str; every app registers lazy ones (shown translated).
        metric(
            code,
            name=cast(str, name),
            formula=cast(str, formula),
            unit=cast(str, unit),
            kind=kind,
        )(compute)
        return builder

    return decorator


def inputs(period: Period, scope: Unit) -> Inputs:
    return Inputs(period, scope, service_figures(period, scope), item_figures())


def all_values(period: Period, scope: Unit) -> list[tuple[str, MetricValue]]:
    """Every services metric of PERIOD and SCOPE from one read of the figures (the page)."""
    read = inputs(period, scope)
    return [(code, BUILDERS[code](read)) for code in BUILDERS]


@service_metric(
    "services_items_fully_online_rate",
    name=_("全程网办率（事项）"),
    formula=_("支持全程网办的网上可办事项数 / 网上可办事项数 × 100%"),
    unit="%",
)
def items_fully_online_rate(i: Inputs) -> MetricValue:
    return rate_value(i.items.fully_online, i.items.online, fully_online_items())


@service_metric(
    "services_fully_online_rate",
    name=_("全程网办率（办件）"),
    formula=_("期间办结且全程网办（网上申请、未到窗口）的办件数 / 期间办结办件数 × 100%"),
    unit="%",
)
def fully_online_rate(i: Inputs) -> MetricValue:
    return rate_value(i.apps.fully_online, i.apps.completed, completed_in(i.period, i.scope))


@service_metric(
    "services_items_on_the_spot_rate",
    name=_("当场办结率（事项）"),
    formula=_("可当场办结的有效事项数 / 有效事项数 × 100%"),
    unit="%",
)
def items_on_the_spot_rate(i: Inputs) -> MetricValue:
    records = active_items().filter(on_the_spot=True)
    return rate_value(i.items.on_the_spot, i.items.active, records)


@service_metric(
    "services_on_the_spot_rate",
    name=_("当场办结率（办件）"),
    formula=_("期间当场办结（提交当天、一次到窗口、未补正）的办件数 / 期间办结办件数 × 100%"),
    unit="%",
)
def on_the_spot_rate(i: Inputs) -> MetricValue:
    return rate_value(i.apps.on_the_spot, i.apps.completed, completed_in(i.period, i.scope))


@service_metric(
    "services_average_working_days",
    name=_("平均办理时长（工作日）"),
    formula=_("Σ 提交日至办结日之间的工作日数（提交日不计，办结日计） / 期间办结办件数"),
    unit=_("个工作日"),
    kind=MetricKind.AVERAGE,
)
def average_working_days(i: Inputs) -> MetricValue:
    n, d = i.apps.working_days, i.apps.completed
    return MetricValue(average(n, d), n, d, completed_in(i.period, i.scope))


@service_metric(
    "services_average_hours",
    name=_("平均办理时长（小时）"),
    formula=_("Σ (办结时间 − 提交时间，小时) / 期间办结办件数"),
    unit=_("小时"),
    kind=MetricKind.AVERAGE,
)
def average_hours(i: Inputs) -> MetricValue:
    d, hours = i.apps.completed, Decimal(i.apps.seconds) / 3600
    return MetricValue(average(hours, d), round(hours), d, completed_in(i.period, i.scope))


@service_metric(
    "services_overdue_open",
    name=_("逾期未办结办件"),
    formula=_(
        "计时中（已受理、已准予，或自收到申请起算而尚未受理）且在统计时点（期间结束时与当前时刻中较早者）"
        "已届办结期限的办件数"
        "（小时时限自期满时刻起，日时限自期满日结束时起）"
    ),
    unit=_("件"),
    kind=MetricKind.COUNT,
)
def overdue_open(i: Inputs) -> MetricValue:
    records = (
        in_scope(i.scope)
        .filter(_overdue_open(i.period))
        .select_related("item", "unit")
        .order_by("due_at", "id")
    )
    return count_value(i.apps.overdue_open, records)


@service_metric(
    "services_completed_late",
    name=_("超期办结办件"),
    formula=_("期间办结且办结日（上海时间）晚于办结期限的办件数（分母：期间办结办件数）"),
    unit=_("件"),
    kind=MetricKind.COUNT,
)
def completed_late(i: Inputs) -> MetricValue:
    records = completed_in(i.period, i.scope).filter(completed_late=True)
    return count_value(i.apps.completed_late, records, i.apps.completed)


CHANNEL_NAMES = {  # written out, so that each name is one translatable string
    Channel.ONLINE: (
        _("网上申请件数"),
        _("期间提交且申请渠道为“网上”的办件数（分母：期间提交办件数）"),
    ),
    Channel.WINDOW: (
        _("窗口申请件数"),
        _("期间提交且申请渠道为“窗口”的办件数（分母：期间提交办件数）"),
    ),
    Channel.SELF_SERVICE: (
        _("自助终端申请件数"),
        _("期间提交且申请渠道为“自助终端”的办件数（分母：期间提交办件数）"),
    ),
}


def _channel_metric(channel: Channel) -> None:
    name, formula = CHANNEL_NAMES[channel]

    @service_metric(
        f"services_applications_{channel.value}",
        name=name,
        formula=formula,
        unit=_("件"),
        kind=MetricKind.COUNT,
    )
    def build(i: Inputs) -> MetricValue:
        records = submitted_in(i.period, i.scope).filter(channel=channel)
        return count_value(getattr(i.apps, channel.value), records, i.apps.submitted)


for _channel in Channel:
    _channel_metric(_channel)


@service_metric(
    "services_groups_served",
    name=_("口岸团队旅游签证服务团队数"),
    formula=_("期间办结的需提交团队名单事项（口岸团队旅游签证）办件数，一件为一个团队"),
    unit=_("个"),
    kind=MetricKind.COUNT,
)
def groups_served(i: Inputs) -> MetricValue:
    records = completed_in(i.period, i.scope).filter(item_id__in=roster_items())
    return count_value(i.apps.groups, records)
