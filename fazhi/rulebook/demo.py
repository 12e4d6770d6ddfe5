"""The demo's rulebook (step 85): the seed's figures — 6 legislative reserve projects, 3 proposals,
2 norms promoted nationally — plus normative documents through their whole procedure (one in
drafting awaiting its legality review, one not yet filed, one whose validity ends within six
months, one repealed by a published clean-up), a clean-up campaign under way, two major decisions,
and the 2012 → 2025 治安管理处罚法 change with a review task per citer.

Titles are examples (示例), not the bureau's real documents. Written through the domain functions
(lifecycle, cleanup, impact), so the demo's records obey the procedure pack. Idempotent: nothing is
written when the demo's first document exists.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from fazhi.core.demo import ACTOR, DemoRun, step
from fazhi.org.models import Unit, User
from fazhi.rulebook import cleanup, impact, lifecycle
from fazhi.rulebook.models import (
    CampaignScope,
    EndKind,
    Evaluation,
    LegislativeProject,
    LegislativeProposal,
    MajorDecision,
    NormativeDocument,
    ProjectRecord,
    ProjectStage,
    Promotion,
)

FIRST_TITLE = "示例市公安局关于规范养犬登记管理的规定（示例）"

# (title, stage, kind) — the six projects of the reserve (seed: 建立立法储备项目库收录6个项目)
PROJECTS = (
    ("养犬管理条例（修订）（示例）", ProjectStage.ARGUMENT, "地方性法规"),
    ("电动自行车安全管理规定（示例）", ProjectStage.DRAFTING, "政府规章"),
    ("公共安全视频图像信息系统管理办法（示例）", ProjectStage.RESEARCH, "政府规章"),
    ("寄递物流安全管理办法（示例）", ProjectStage.SUBMITTED, "政府规章"),
    ("大型群众性活动安全管理办法（修订）（示例）", ProjectStage.PLANNED, "政府规章"),
    ("低空飞行活动公共安全管理规定（示例）", ProjectStage.RESEARCH, "地方性法规"),
)
# seed: 研提3项创制性立法建议
PROPOSALS = (
    ("关于制定低空经济公共安全保障地方性法规的建议（示例）", "市人大常委会", True),
    ("关于完善新型网络违法犯罪防治的立法建议（示例）", "市人民政府", True),
    ("关于跨区域警务协作立法保障的建议（示例）", "市人大常委会", False),
)


def _years_ago(day: dt.date, years: int) -> dt.date:
    """DAY in the year YEARS earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _legal(unit: Unit) -> User | None:
    return User.objects.filter(role="legal_officer").first()


def _publish(
    unit: Unit,
    actor: User | str,
    title: str,
    number: str,
    on: dt.date,
    *,
    valid_years: int = 5,
    filed: bool = True,
    basis: tuple[str, ...] = (),
) -> NormativeDocument:
    doc = lifecycle.create_document(
        title=title,
        unit=unit,
        text=f"第一条 为了规范……，根据{basis[0] if basis else '有关法律法规'}，制定本规定。\n"
        "第二条 本规定适用于本市行政区域内的……。\n第三条 本规定自公布之日起施行。",
        actor=actor,
    )
    for citation in basis:
        lifecycle.add_basis(doc, citation, actor=actor, on=on)
    steps: tuple[tuple[str, str, dict[str, Any]], ...] = (
        (
            "consultation",
            "",
            {
                "start": on - dt.timedelta(days=60),
                "end": on - dt.timedelta(days=30),
                "where": "市公安局门户网站",
            },
        ),
        (
            "legality_review",
            "passed",
            {
                "reviewer": "市公安局法制支队",
                "opinion": "制定主体、权限、程序合法，内容与上位法不抵触。",
            },
        ),
        (
            "risk_assessment",
            "controllable",
            {"assessor": "起草单位", "report": "风险点已列明，防范措施可行。"},
        ),
        ("deliberation", "adopted", {"meeting": "局党委会议暨局长办公会"}),
        ("signing", "", {"signer": "局长"}),
    )
    for offset, (code, outcome, data) in enumerate(steps):
        lifecycle.record_step(
            doc,
            code,
            outcome=outcome,
            data={k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()},
            on=on - dt.timedelta(days=20 - offset * 3),
            actor=actor,
        )
    lifecycle.record_step(
        doc,
        "publication",
        data={
            "number": number,
            "where": "市公安局门户网站、市人民政府公报",
            "effective_from": (on + dt.timedelta(days=30)).isoformat(),
            "valid_until": _years_ago(on, -valid_years).isoformat(),
        },
        on=on,
        actor=actor,
    )
    if filed:
        lifecycle.record_step(
            doc, "filing", data={"body": "市人民政府"}, on=on + dt.timedelta(days=10), actor=actor
        )
    doc.refresh_from_db()
    return doc


@step(85, "rulebook", needs="laws")
def load_rulebook(run: DemoRun) -> None:
    if NormativeDocument.objects.filter(title=FIRST_TITLE).exists():
        return
    city = Unit.objects.filter(depth=1).order_by("path").first()
    if city is None:
        return
    actor: User | str = _legal(city) or ACTOR
    on = run.on
    zaglcff = "《中华人民共和国治安管理处罚法》"
    with transaction.atomic():
        docs = [
            _publish(
                city,
                actor,
                FIRST_TITLE,
                f"渝公规〔{on.year - 3}〕1号",
                _years_ago(on, 3),
                basis=(f"{zaglcff}第七十五条",),
            ),
            _publish(
                city,
                actor,
                "示例市公安局娱乐场所治安管理实施细则（示例）",
                f"渝公规〔{on.year - 4}〕2号",
                _years_ago(on, 4),
                basis=(f"{zaglcff}第三十九条", "《中华人民共和国行政处罚法》第十六条"),
            ),
            _publish(
                city,
                actor,
                "示例市公安局民用无人驾驶航空器公共安全管理实施办法（示例）",
                f"渝公规〔{on.year - 1}〕3号",
                _years_ago(on, 1),
                basis=("《无人驾驶航空器飞行管理暂行条例》第五条",),
            ),
            _publish(
                city,
                actor,
                "示例市公安局行政处罚裁量基准适用规则（示例）",
                f"渝公规〔{on.year - 2}〕4号",
                _years_ago(on, 2),
                basis=("《中华人民共和国行政处罚法》第三十四条",),
            ),
            # validity ends within six months: YOUXIAOQI_ENDING
            _publish(
                city,
                actor,
                "示例市公安局旅馆业治安管理若干规定（示例）",
                f"渝公规〔{on.year - 5}〕5号",
                _years_ago(on, 5) + dt.timedelta(days=120),
                basis=(f"{zaglcff}第五十六条",),
            ),
            # published 40 days ago, not yet filed: BEIAN_OVERDUE
            _publish(
                city,
                actor,
                "示例市公安局户籍业务办理规范（示例）",
                f"渝公规〔{on.year}〕6号",
                on - dt.timedelta(days=40),
                filed=False,
                basis=("《中华人民共和国行政许可法》第三十二条",),
            ),
            _publish(
                city,
                actor,
                "示例市公安局废旧金属收购业治安管理办法（示例）",
                f"渝公规〔{on.year - 6}〕7号",
                _years_ago(on, 6),
                valid_years=8,
                basis=(f"{zaglcff}第五十九条",),
            ),
        ]
        docs[1].promoted, docs[1].promoted_note = (
            Promotion.NATIONAL,
            "获评公安部优秀执法制度（示例）",
        )
        docs[3].promoted, docs[3].promoted_note = (
            Promotion.NATIONAL,
            "获评公安部优秀执法制度（示例）",
        )
        for doc in (docs[1], docs[3]):
            doc.save(update_fields=["promoted", "promoted_note"])
        Evaluation.objects.create(
            document=docs[2],
            evaluated_on=on - dt.timedelta(days=30),
            evaluator="市公安局法制支队",
            conclusion="实施效果良好，建议继续施行并总结上升为地方立法（示例）。",
        )
        # a document in drafting, awaiting its legality review
        drafting = lifecycle.create_document(
            title="示例市公安局电动自行车登记管理规定（征求意见稿）（示例）",
            unit=city,
            text="第一条 为了加强电动自行车登记管理……\n第二条 ……",
            actor=actor,
        )
        lifecycle.record_step(
            drafting,
            "consultation",
            data={
                "start": (on - dt.timedelta(days=10)).isoformat(),
                "end": (on + dt.timedelta(days=20)).isoformat(),
                "where": "市公安局门户网站",
            },
            on=on - dt.timedelta(days=10),
            actor=actor,
        )
        lifecycle.add_comment(
            drafting,
            commenter="市民王某",
            text="建议明确登记办理的时限。",
            received_on=on - dt.timedelta(days=5),
            actor=actor,
        )
        # a published clean-up: the oldest document repealed
        past = cleanup.start(
            title=f"{on.year - 1}年度行政规范性文件清理（示例）",
            scope=CampaignScope.ALL,
            started_on=on.replace(year=on.year - 1, month=3, day=1),
            due_on=on.replace(year=on.year - 1, month=6, day=30),
            actor=actor,
        )
        for entry in past.entries.select_related("document"):
            repeal = entry.document_id == docs[6].pk
            cleanup.decide(
                entry,
                outcome=EndKind.REPEALED if repeal else EndKind.CONTINUED,
                reason="调整对象已发生变化，不再适用。" if repeal else "与上位法不抵触，继续有效。",
                on=on.replace(year=on.year - 1, month=6, day=1),
                actor=actor,
            )
        cleanup.publish(past, on=on.replace(year=on.year - 1, month=6, day=20), actor=actor)
        # this year's clean-up, under way
        cleanup.start(
            title=f"{on.year}年度行政规范性文件清理（示例）",
            scope=CampaignScope.ALL,
            started_on=on - dt.timedelta(days=20),
            due_on=on + dt.timedelta(days=40),
            actor=actor,
        )
        for index, (title, stage, kind) in enumerate(PROJECTS):
            project = LegislativeProject.objects.create(
                title=title,
                stage=stage,
                kind=kind,
                sponsor=city,
                entered_on=on - dt.timedelta(days=330 - index * 40),
            )
            ProjectRecord.objects.create(
                project=project,
                kind=ProjectRecord.Kind.REPORT,
                title="立项调研报告",
                on=project.entered_on,
            )
        drone = LegislativeProject.objects.create(
            title="民用无人驾驶航空器公共安全管理办法（示例）",
            stage=ProjectStage.ADOPTED,
            kind="政府规章",
            sponsor=city,
            entered_on=_years_ago(on, 2),
            evaluated="立法后评估：规章实施以来……（示例）",
        )
        Evaluation.objects.create(
            project=drone,
            evaluated_on=on - dt.timedelta(days=60),
            evaluator="市公安局法制支队",
            conclusion="立法后评估：实施效果良好（示例）。",
        )
        for index, (title, to, answered) in enumerate(PROPOSALS):
            sent = on - dt.timedelta(days=300 - index * 60)
            LegislativeProposal.objects.create(
                title=title,
                sent_to=to,
                sent_on=sent,
                unit=city,
                reply="已列入立法调研计划（示例）。" if answered else "",
                replied_on=sent + dt.timedelta(days=45) if answered else None,
            )
        done = MajorDecision.objects.create(
            title="全市重点区域视频监控建设方案（示例）",
            unit=city,
            summary="……",
            created_at=dt.datetime.combine(on - dt.timedelta(days=90), dt.time(9), tzinfo=dt.UTC),
        )
        for code, outcome, data in (
            ("initiation", "", {"reason": "治安防控需要（示例）"}),
            ("public_participation", "", {"way": "向社会公开征求意见", "period": "30日"}),
            ("expert_argument", "", {"experts": "决策咨询论证专家", "opinion": "方案可行（示例）"}),
            (
                "risk_assessment",
                "controllable",
                {"assessor": "第三方评估机构", "report": "隐私保护风险可控（示例）"},
            ),
            (
                "legality_review",
                "passed",
                {
                    "reviewer": "市公安局法制支队",
                    "advisers": "法律顾问、公职律师",
                    "opinion": "合法（示例）",
                },
            ),
            ("deliberation", "adopted", {"meeting": "局长办公会", "minutes": "一致同意（示例）"}),
            ("publication", "", {"where": "市公安局门户网站"}),
        ):
            lifecycle.record_step(
                done, code, outcome=outcome, data=data, on=on - dt.timedelta(days=60), actor=actor
            )
        pending = MajorDecision.objects.create(
            title="电动自行车限行区域调整（示例）",
            unit=city,
            summary="……",
            created_at=dt.datetime.combine(on - dt.timedelta(days=20), dt.time(9), tzinfo=dt.UTC),
        )
        lifecycle.record_step(
            pending,
            "initiation",
            data={"reason": "交通秩序需要（示例）"},
            on=on - dt.timedelta(days=20),
            actor=actor,
        )
        rep = impact.report_for("治安管理处罚法", "2012-10-26", "2025-06-27")
        opened = impact.open_tasks(rep, actor=actor)
    run.result.created["rulebook_documents"] = NormativeDocument.objects.count()
    run.result.created["reserve_projects"] = len(PROJECTS)
    run.result.created["legislative_proposals"] = len(PROPOSALS)
    run.result.created["impact_tasks"] = opened.opened
