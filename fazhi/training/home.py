"""The training home panels, registered with ``fazhi.core.home``: the candidate's exams to take
(待办) and, for the training department, sittings to mark or publish and the warnings of its
scope."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from fazhi.core.home import Card, Panel, link, register
from fazhi.core.roles import Capability as C

if TYPE_CHECKING:
    from fazhi.org.models import User


@register(13, "my_exams")
def my_exams_panel(user: User, at: dt.datetime) -> Panel | None:
    """The exams the user's officer is registered for that are open now or still to come."""
    if not user.has_capability(C.TAKE_EXAMS) or user.officer_id is None:
        return None
    from fazhi.training.models import Candidate, CandidateStatus

    mine = Candidate.objects.filter(officer_id=user.officer_id)
    open_now = mine.filter(
        status__in=[CandidateStatus.REGISTERED, CandidateStatus.STARTED],
        sitting__opens_at__lte=at,
        sitting__closes_at__gt=at,
    ).count()
    coming = mine.filter(status=CandidateStatus.REGISTERED, sitting__opens_at__gt=at).count()
    if not open_now and not coming:
        return None
    return Panel(
        "my_exams",
        _("我的考试"),
        "pencil-square",
        cards=[
            Card(
                "exams_open",
                _("正在开考"),
                open_now,
                link("training:mine"),
                "orange" if open_now else "",
            ),
            Card("exams_coming", _("待参加的考试"), coming, link("training:mine")),
        ],
        is_work=True,
    )


@register(55, "training")
def training_panel(user: User, at: dt.datetime) -> Panel | None:
    """Sittings to mark or publish, and the open qualification and plan warnings of the scope."""
    if not user.has_capability(C.MANAGE_TRAINING):
        return None
    from fazhi.core.warnings import WarningState
    from fazhi.org.models import Officer
    from fazhi.training import exams
    from fazhi.training.models import SittingStatus, TrainingWarning

    to_publish = (
        exams.visible_sittings(user).filter(status=SittingStatus.READY, closes_at__lte=at).count()
    )
    warnings = TrainingWarning.objects.filter(
        state=WarningState.OPEN, officer__in=Officer.objects.visible_to(user)
    )
    expiring = (
        warnings.filter(rule__in=["QUAL_EXPIRING", "QUAL_EXPIRED"])
        .values("officer")
        .distinct()
        .count()
    )
    behind = warnings.filter(rule="PLAN_BEHIND").values("officer").distinct().count()
    return Panel(
        "training",
        _("教育训练与执法资格"),
        "mortarboard",
        cards=[
            Card(
                "sittings_to_publish",
                _("已截止待公布成绩的考试"),
                to_publish,
                link("training:sittings"),
                "yellow" if to_publish else "",
            ),
            Card(
                "qualifications_warned",
                _("资格即将到期或已过期的民警"),
                expiring,
                link("training:warnings"),
                "orange" if expiring else "",
            ),
            Card("behind_plan", _("培训计划课程逾期的民警"), behind, link("training:warnings")),
        ],
    )
