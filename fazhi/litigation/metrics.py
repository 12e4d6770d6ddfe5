"""The litigation metrics: 出庭应诉率, 败诉率, 纠错率 — per unit (its subtree) and period.

- ``court_appearance_rate`` (负责人出庭应诉率): of the hearings of lawsuits held in the period
  (``status = held``, ``scheduled_at`` in the period) of matters whose responding unit is in the
  scope, those where a head (正职 or 副职 负责人) appeared (行政诉讼法 第三条第三款; the formula
  is legal-brief §4.3's: hearings where a head appeared ÷ hearings).
- ``litigation_loss_rate`` (行政诉讼败诉率): of the lawsuits (any instance) concluded in the period
  (``outcome_on`` in it), those whose outcome corrects the act: 撤销、部分撤销、确认违法、确认无效、
  变更、责令履行.
- ``correction_rate`` (行政复议纠错率): the same over the reconsiderations concluded in the period.

Concluded includes 撤回/调解/终止 (they are in the denominator, not the numerator). Which
outcomes count as a loss, and what the denominator holds, are local practice (本地实践), not a
national definition.
"""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fazhi.core.metrics import MetricValue, Period, metric, percent
from fazhi.litigation.models import (
    LAWSUITS,
    LOSSES,
    Appearance,
    Hearing,
    HearingStatus,
    Matter,
    MatterKind,
)
from fazhi.org.models import Unit


def hearings_held(period: Period, scope: Unit) -> QuerySet[Hearing]:
    return (
        Hearing.objects.filter(
            matter__unit__path__startswith=scope.path,
            matter__kind__in=LAWSUITS,
            status=HearingStatus.HELD,
            scheduled_at__gte=period.low,
            scheduled_at__lt=period.high,
        )
        .select_related("matter", "matter__unit", "head__officer", "entrusted")
        .order_by("scheduled_at", "id")
    )


def concluded(period: Period, scope: Unit, kinds: tuple[str, ...]) -> QuerySet[Matter]:
    return (
        Matter.objects.filter(
            unit__path__startswith=scope.path,
            kind__in=kinds,
            outcome_on__gte=period.start,
            outcome_on__lte=period.end,
        )
        .exclude(outcome="")
        .select_related("unit", "case")
        .order_by("outcome_on", "id")
    )


@metric(
    "court_appearance_rate",
    name=cast(str, _("行政机关负责人出庭应诉率")),
    formula=cast(
        str, _("负责人出庭应诉率 = 负责人出庭的行政诉讼庭审次数 / 已开庭的行政诉讼庭审次数 × 100%")
    ),
    unit="%",
)
def court_appearance_rate(period: Period, scope: Unit) -> MetricValue:
    held = hearings_held(period, scope)
    n = held.filter(appearance=Appearance.HEAD).count()
    d = held.count()
    return MetricValue(percent(n, d), n, d, held)


@metric(
    "litigation_loss_rate",
    name=cast(str, _("行政诉讼败诉率")),
    formula=cast(
        str,
        _(
            "行政诉讼败诉率 = 审结结果为撤销、部分撤销、确认违法、确认无效、变更、责令履行的行政诉讼案件数"
            " / 期内审结的行政诉讼案件数 × 100%"
        ),
    ),
    unit="%",
)
def litigation_loss_rate(period: Period, scope: Unit) -> MetricValue:
    done = concluded(period, scope, LAWSUITS)
    n = done.filter(outcome__in=sorted(LOSSES)).count()
    d = done.count()
    return MetricValue(percent(n, d), n, d, done)


@metric(
    "correction_rate",
    name=cast(str, _("行政复议纠错率")),
    formula=cast(
        str,
        _(
            "行政复议纠错率 = 复议决定撤销、部分撤销、确认违法、确认无效、变更、责令履行的案件数"
            " / 期内审结的行政复议案件数 × 100%"
        ),
    ),
    unit="%",
)
def correction_rate(period: Period, scope: Unit) -> MetricValue:
    done = concluded(period, scope, (MatterKind.RECONSIDERATION,))
    n = done.filter(outcome__in=sorted(LOSSES)).count()
    d = done.count()
    return MetricValue(percent(n, d), n, d, done)
