"""The rulebook's metrics: documents reviewed for legality, clean-ups overdue, the legislative
reserve and proposals — each a registered metric with its formula and the records behind it."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

from fazhi.core.metrics import MetricKind, MetricValue, Period, metric, percent
from fazhi.org.models import Unit
from fazhi.rulebook.models import (
    CleanupEntry,
    DocumentStep,
    LegislativeProject,
    LegislativeProposal,
    NormativeDocument,
    ProjectStage,
)

PASSED = ("passed", "conditional")


def _t(text: StrOrPromise) -> str:
    return cast(str, text)  # core.metrics types the texts str; they are lazy (shown translated)


def _units(scope: Unit) -> QuerySet[Any]:
    units: QuerySet[Any] = Unit.objects.filter(path__startswith=scope.path).values("pk")
    return units


def _value(numerator: int, denominator: int, records: QuerySet[Any], rate: bool) -> MetricValue:
    value = percent(numerator, denominator) if rate else Decimal(numerator)
    return MetricValue(value, numerator, denominator, records)


@metric(
    "normative_docs_reviewed_rate",
    name=_t(_("规范性文件合法性审核率")),
    formula=_t(
        _(
            "期间公布的规范性文件中，公布前经合法性审核（结论为合法或修改后合法）的件数 ÷ 期间公布的规范性文件件数 × 100%"
        )
    ),
    unit="%",
    kind=MetricKind.RATE,
)
def reviewed_rate(period: Period, scope: Unit) -> MetricValue:
    published = NormativeDocument.objects.filter(
        unit_id__in=_units(scope), published_on__gte=period.start, published_on__lte=period.end
    )
    reviewed = DocumentStep.objects.filter(
        document=OuterRef("pk"), step="legality_review", outcome__in=PASSED
    )
    rows = published.annotate(reviewed=Exists(reviewed))
    total = rows.count()
    done = rows.filter(reviewed=True).count()
    return MetricValue(
        percent(done, total), done, total, rows.filter(reviewed=True).order_by("published_on")
    )


@metric(
    "cleanup_overdue",
    name=_t(_("清理超期未结文件")),
    formula=_t(
        _("截至期末，所在清理的完成期限已过而仍无清理结论的文件件数（分母：清理中的文件件数）")
    ),
    unit=_t(pgettext_lazy("rulebook unit", "件")),
    kind=MetricKind.COUNT,
)
def cleanup_overdue(period: Period, scope: Unit) -> MetricValue:
    entries = CleanupEntry.objects.filter(
        document__unit_id__in=_units(scope), campaign__started_on__lte=period.end
    )
    late = entries.filter(
        outcome="", campaign__due_on__lt=period.end, campaign__published_on__isnull=True
    )
    return _value(late.count(), entries.count(), late.select_related("document", "campaign"), False)


@metric(
    "reserve_projects",
    name=_t(_("立法储备项目")),
    formula=_t(_("截至期末已入库、尚未通过的立法储备项目数（已通过的转为立法后评估）")),
    unit=_t(pgettext_lazy("rulebook unit", "个")),
    kind=MetricKind.COUNT,
)
def reserve_projects(period: Period, scope: Unit) -> MetricValue:
    rows = LegislativeProject.objects.filter(
        sponsor_id__in=_units(scope), entered_on__lte=period.end
    ).exclude(stage=ProjectStage.ADOPTED)
    return _value(rows.count(), rows.count(), rows.select_related("sponsor"), False)


@metric(
    "legislative_proposals",
    name=_t(_("创制性立法建议")),
    formula=_t(_("期间报送的立法建议数（分母：截至期末累计报送数）")),
    unit=_t(pgettext_lazy("rulebook unit", "项")),
    kind=MetricKind.COUNT,
)
def legislative_proposals(period: Period, scope: Unit) -> MetricValue:
    upto = LegislativeProposal.objects.filter(unit_id__in=_units(scope), sent_on__lte=period.end)
    rows = upto.filter(sent_on__gte=period.start)
    return _value(rows.count(), upto.count(), rows, False)
