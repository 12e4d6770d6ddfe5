"""The cases app's work panels on the home page (待办), registered with ``fazhi.core.home``.

The officer sees the cases they handle by their nearest running deadline, in three disjoint
bands (已超期 / 今日到期 / 3 日内到期); the legal officer and the clerk see the cases waiting for
them (法制审核, 行政处罚决定书, deviations from the benchmark). Each figure is
``queries.count_cases`` of the very filter its link gives the case list, so the number is
exactly the rows the list shows.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from fazhi.cases import queries
from fazhi.cases.queries import CaseFilter
from fazhi.core.home import Card, Panel, link, register
from fazhi.core.roles import Capability as C
from fazhi.core.roles import Role

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from fazhi.org.models import User

BAND_LEVELS = {queries.DUE_OVERDUE: "red", queries.DUE_TODAY: "orange", queries.DUE_SOON: "yellow"}


def _case_card(
    user: User,
    at: dt.datetime,
    key: str,
    label: StrOrPromise,
    filters: CaseFilter,
    level: str,
    hint: StrOrPromise = "",
    **query: object,
) -> Card:
    count = queries.count_cases(user, filters, at=at)
    return Card(key, label, count, link("cases:list", **query), level if count else "", hint)


@register(11, "my_cases")
def my_cases_panel(user: User, at: dt.datetime) -> Panel | None:
    """The officer's cases by nearest deadline (办案民警)."""
    officer = user.officer
    if user.role != Role.OFFICER or officer is None or not user.has_capability(C.HANDLE_CASES):
        return None
    labels: dict[str, StrOrPromise] = {
        queries.DUE_OVERDUE: _("已超期"),
        queries.DUE_TODAY: _("今日到期"),
        queries.DUE_SOON: _("%(days)d 日内到期") % {"days": queries.SOON_DAYS},
    }
    hints: dict[str, StrOrPromise] = {
        queries.DUE_OVERDUE: _("最近期限已届满"),
        queries.DUE_TODAY: _("最近期限今日届满"),
        queries.DUE_SOON: _("明日起 %(days)d 日内届满") % {"days": queries.SOON_DAYS},
    }
    cards = [
        _case_card(
            user,
            at,
            f"my_cases_{band}",
            labels[band],
            CaseFilter(handler_id=officer.pk, due=band),
            BAND_LEVELS[band],
            hints[band],
            mine=1,
            due=band,
        )
        for band in queries.DUE_BANDS
    ]
    return Panel("my_cases", _("我的案件"), "folder2-open", cards=cards, is_work=True)


@register(12, "case_review")
def case_review_panel(user: User, at: dt.datetime) -> Panel | None:
    """What waits for the legal officer and the clerk (法制员、案管员)."""
    if user.role not in (Role.LEGAL_OFFICER, Role.CLERK):
        return None
    queues = (
        (
            queries.AWAITING_REVIEW,
            _("待法制审核"),
            "orange",
            _("已告知当事人，尚未登记法制审核"),
        ),
        (
            queries.AWAITING_DOCUMENT,
            _("决定待制作文书"),
            "yellow",
            _("已作出处罚决定，尚未生成行政处罚决定书"),
        ),
        (
            queries.AWAITING_DEVIATION,
            _("偏离裁量基准待核"),
            "red",
            _("决定超出基准建议幅度的未结案件"),
        ),
    )
    cards = [
        _case_card(
            user,
            at,
            f"awaiting_{queue}",
            label,
            CaseFilter(awaiting=queue),
            level,
            hint,
            awaiting=queue,
        )
        for queue, label, level, hint in queues
    ]
    return Panel("case_review", _("案件审核"), "clipboard-check", cards=cards, is_work=True)
