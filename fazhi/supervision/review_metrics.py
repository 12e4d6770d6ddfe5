"""The 评查 metrics: 案件质量优良率 and 合格率 per unit (its subtree) and period.

Counted: the reviews made (``reviewed_at``) in the period of cases of the unit's subtree. The
formulas are conventional local practice (legal-brief §5, unverified as a national rule).
"""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fazhi.core.metrics import MetricValue, Period, metric, percent
from fazhi.org.models import Unit
from fazhi.supervision.models import CaseReview, ReviewGrade


def reviews_in(period: Period, scope: Unit) -> QuerySet[CaseReview]:
    return (
        CaseReview.objects.filter(
            case__unit__path__startswith=scope.path,
            reviewed_at__gte=period.low,
            reviewed_at__lt=period.high,
        )
        .select_related("case", "case__unit", "reviewer")
        .order_by("reviewed_at", "id")
    )


@metric(
    "case_quality_excellent_rate",
    # the registry keeps the lazy strings and renders them in the reader's language
    name=cast(str, _("案件质量优良率")),
    formula=cast(str, _("案件质量优良率 = (优秀 + 良好) / reviewed × 100%")),
    unit="%",
)
def excellent_rate(period: Period, scope: Unit) -> MetricValue:
    reviewed = reviews_in(period, scope)
    good = reviewed.filter(grade__in=[ReviewGrade.EXCELLENT, ReviewGrade.GOOD])
    n, d = good.count(), reviewed.count()
    return MetricValue(percent(n, d), n, d, reviewed)


@metric(
    "case_quality_pass_rate",
    name=cast(str, _("案件质量合格率")),
    formula=cast(str, _("案件质量合格率 = (reviewed − 不合格) / reviewed × 100%")),
    unit="%",
)
def pass_rate(period: Period, scope: Unit) -> MetricValue:
    reviewed = reviews_in(period, scope)
    d = reviewed.count()
    n = d - reviewed.filter(grade=ReviewGrade.FAIL).count()
    return MetricValue(percent(n, d), n, d, reviewed)
