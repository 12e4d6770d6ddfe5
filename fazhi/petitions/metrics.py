"""The petitions and mediation figures in the one metric registry (fazhi.core.metrics).

For a period (whole days, Shanghai) and a scope unit (its subtree, by the handling unit):

- accepted: petitions with ``accepted_on`` in the period (受理 = the written notice that kept at
  least one claim as a petition, 第二十三条);
- routed: claims classified in the period whose route is a statutory channel (诉访分离, 第三十一条)
  out of all claims classified in the period — overall and per channel;
- on time: handling periods (第三十四条, extension included) that fell due or were met in the
  period, met on or before their last day;
- repeat: petitions received in the period from a petitioner who petitioned before (same ID
  number, or same name and phone);
- mediation success: mediations that ended in the period whose agreement was performed.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from django.db.models import Count, F, Q, QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from fazhi.core.metrics import MetricKind, MetricValue, Period, metric, percent
from fazhi.org.models import Unit
from fazhi.petitions.models import (
    MEDIATION_ENDED,
    Claim,
    Deadline,
    Mediation,
    MediationStatus,
    Petition,
    Track,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Compute = Callable[[Period, Unit], MetricValue]


def register(
    code: str,
    *,
    name: StrOrPromise,
    formula: StrOrPromise,
    unit: StrOrPromise,
    kind: MetricKind = MetricKind.RATE,
) -> Callable[[Compute], Compute]:
    """Register CODE in the one registry (its texts stay lazy: translated when shown)."""
    return metric(
        code,
        name=cast(str, name),
        formula=cast(str, formula),
        unit=cast(str, unit),
        kind=kind,
        app="petitions",
    )


def _units(scope: Unit) -> QuerySet[Unit, dict[str, int]]:
    units: QuerySet[Unit, dict[str, int]] = Unit.objects.filter(path__startswith=scope.path).values(
        "pk"
    )
    return units


def _whole_city(scope: Unit) -> bool:
    """True when SCOPE's subtree holds every unit: the counts then need no unit filter."""
    return not Unit.objects.exclude(path__startswith=scope.path).exists()


def _in(scope: Unit, field: str) -> Q:
    """Rows of SCOPE's subtree through FIELD (no condition for the whole city)."""
    return Q() if _whole_city(scope) else Q(**{f"{field}__in": _units(scope)})


def petitions_in(scope: Unit) -> QuerySet[Petition]:
    return Petition.objects.filter(_in(scope, "unit_id"))


def _within(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lte": period.end})


@register(
    "petitions_accepted",
    name=_("受理信访事项数"),
    formula=_("统计期内受理（书面告知受理）的信访事项数；分母为统计期内登记的信访事项数"),
    unit=_("件"),
    kind=MetricKind.COUNT,
)
def petitions_accepted(period: Period, scope: Unit) -> MetricValue:
    rows = petitions_in(scope)
    accepted = rows.filter(_within("accepted_on", period)).order_by("-accepted_on", "-id")
    n = accepted.count()
    return MetricValue(Decimal(n), n, rows.filter(_within("received_on", period)).count(), accepted)


@register(
    "petition_repeat_rate",
    name=_("重复信访率"),
    formula=_(
        "统计期内登记的重复信访事项数（同一信访人此前已有信访事项）/ 统计期内登记的信访事项数 × 100%"
    ),
    unit="%",
)
def petition_repeat_rate(period: Period, scope: Unit) -> MetricValue:
    received = petitions_in(scope).filter(_within("received_on", period))
    repeats = received.filter(repeat_of__isnull=False).order_by("-received_on", "-id")
    n, d = repeats.count(), received.count()
    return MetricValue(percent(n, d), n, d, repeats)


def _classified(period: Period, scope: Unit) -> QuerySet[Claim]:
    return Claim.objects.filter(
        _in(scope, "petition__unit_id"),
        classified_on__gte=period.start,
        classified_on__lte=period.end,
    ).exclude(route="")


@register(
    "petition_routed_rate",
    name=_("诉访分离导入法定途径率"),
    formula=_(
        "统计期内甄别的诉求中导入法定途径（复议、诉讼、仲裁、刑事立案、办案程序、调解、检举控告）的诉求数 / 统计期内甄别的诉求数 × 100%"
    ),
    unit="%",
)
def petition_routed_rate(period: Period, scope: Unit) -> MetricValue:
    claims = _classified(period, scope)
    counts = claims.aggregate(d=Count("pk"), n=Count("pk", filter=~Q(track=Track.PETITION)))
    n, d = counts["n"], counts["d"]
    return MetricValue(percent(n, d), n, d, claims.order_by("-classified_on", "-id"))


def _routed_to(track: Track) -> Compute:
    def compute(period: Period, scope: Unit) -> MetricValue:
        claims = _classified(period, scope)
        routed = claims.filter(track=track).order_by("-classified_on", "-id")
        n, d = routed.count(), claims.count()
        return MetricValue(percent(n, d), n, d, routed)

    compute.__module__ = __name__
    return compute


for _track in (
    Track.RECONSIDERATION,
    Track.LITIGATION,
    Track.CRIMINAL,
    Track.CASE,
    Track.MEDIATION,
    Track.ARBITRATION,
    Track.ACCUSATION,
):
    register(
        f"petition_routed_rate_{_track.value}",
        name=format_lazy(_("诉求导入{track}的比例"), track=_track.label),
        formula=format_lazy(
            _("统计期内甄别后导入{track}的诉求数 / 统计期内甄别的诉求数 × 100%"), track=_track.label
        ),
        unit="%",
    )(_routed_to(_track))


@register(
    "petition_ontime_rate",
    name=_("信访事项按期办结率"),
    formula=_(
        "办理期限（含经批准延长）在统计期内届满或在统计期内答复的已受理事项中，在期满日（含）前出具处理意见的事项数 / 该类事项数 × 100%"
    ),
    unit="%",
)
def petition_ontime_rate(period: Period, scope: Unit) -> MetricValue:
    due = Deadline.objects.filter(
        Q(_within("due_on", period)) | Q(_within("met_on", period)),
        _in(scope, "petition__unit_id"),
        code="handling",
    ).exclude(status="stopped")
    counts = due.aggregate(
        d=Count("pk"), n=Count("pk", filter=Q(met_on__isnull=False, met_on__lte=F("due_on")))
    )
    n, d = counts["n"], counts["d"]
    records = Petition.objects.filter(pk__in=due.values("petition_id")).order_by(
        "-received_on", "-id"
    )
    return MetricValue(percent(n, d), n, d, records)


def mediations_in(scope: Unit) -> QuerySet[Mediation]:
    return Mediation.objects.filter(_in(scope, "unit_id"))


@register(
    "mediations_started",
    name=_("受理调解的矛盾纠纷数"),
    formula=_("统计期内开始调解的矛盾纠纷数（治安调解与驻所人民调解）"),
    unit=_("件"),
    kind=MetricKind.COUNT,
)
def mediations_started(period: Period, scope: Unit) -> MetricValue:
    rows = mediations_in(scope).filter(_within("started_on", period)).order_by("-started_on", "-id")
    n = rows.count()
    return MetricValue(Decimal(n), n, n, rows)


@register(
    "mediation_success_rate",
    name=_("调解成功率"),
    formula=_(
        "统计期内结束的调解中，达成协议并已履行的件数 / 统计期内结束的调解件数（已履行、调解不成、协议未履行）× 100%"
    ),
    unit="%",
)
def mediation_success_rate(period: Period, scope: Unit) -> MetricValue:
    ended = (
        mediations_in(scope)
        .filter(_within("ended_on", period), status__in=MEDIATION_ENDED)
        .order_by("-ended_on", "-id")
    )
    n, d = ended.filter(status=MediationStatus.PERFORMED).count(), ended.count()
    return MetricValue(percent(n, d), n, d, ended)


def codes() -> list[str]:
    """The codes this module registers (for the record templates' test)."""
    from fazhi.core import metrics as registry

    return [m.code for m in registry.all_metrics() if m.app == "petitions"]
