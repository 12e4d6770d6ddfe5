"""The rulebook's papers as DOCX: a document's legality-review opinion (合法性审核意见书) and a
clean-up campaign's published list (清理结果目录), filled from the stored records into
fazhi/rulebook/docx_templates/paper.docx by docxtpl, as the case and petition documents are.
Official Chinese text whatever the interface language; each print is audited.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from docxtpl import DocxTemplate

from fazhi.cases.documents import chinese_date
from fazhi.core import auditing
from fazhi.core.errors import FazhiError
from fazhi.rulebook.cleanup import published_list
from fazhi.rulebook.models import CleanupCampaign, DocumentStep, NormativeDocument

TEMPLATE = Path(__file__).resolve().parent / "docx_templates" / "paper.docx"
OUTCOMES = {"passed": "合法", "conditional": "修改后合法", "failed": "不合法"}


class NothingToPrint(FazhiError):
    code = "nothing_to_print"


def _render(values: dict[str, Any]) -> bytes:
    template = DocxTemplate(TEMPLATE)
    template.render(values, autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def review_context(doc: NormativeDocument) -> dict[str, Any]:
    """The latest legality review of DOC, as the opinion prints it."""
    review = (
        DocumentStep.objects.filter(document=doc, step="legality_review")
        .order_by("-on", "-at")
        .first()
    )
    if review is None:
        raise NothingToPrint(_("该文件尚未登记合法性审核。"), field="step")
    data = review.data
    sections = [
        {"heading": "一、送审文件", "lines": [doc.title, f"起草单位：{doc.unit.name}"]},
        {
            "heading": "二、审核依据",
            "lines": [
                "参照《重大行政决策程序暂行条例》第二十五条至第二十八条（类推适用），对制定主体、权限、程序和内容进行合法性审核。",
                *(f"制定依据：{b.citation}" for b in doc.basis.all()),
            ],
        },
        {
            "heading": "三、审核意见",
            "lines": [line for line in str(data.get("opinion", "")).splitlines() if line.strip()],
        },
        {"heading": "四、审核结论", "lines": [OUTCOMES.get(review.outcome, review.outcome)]},
    ]
    if data.get("conditions"):
        sections.append(
            {"heading": "五、修改意见或条件", "lines": str(data["conditions"]).splitlines()}
        )
    return {
        "unit_name": doc.unit.name,
        "title": "行政规范性文件合法性审核意见书",
        "subtitle": doc.title,
        "sections": sections,
        "signature": f"审核机构及审核人：{data.get('reviewer', '')}",
        "date": chinese_date(review.on),
        "note": "本意见书随送审稿提交集体审议；未经合法性审核或者经审核不合法的，不得提交集体审议。",
    }


def cleanup_context(campaign: CleanupCampaign) -> dict[str, Any]:
    if campaign.published_on is None:
        raise NothingToPrint(_("清理结果尚未公布。"), field="published_on")
    sections = [
        {
            "heading": f"{label}（{len(rows)}件）",
            "lines": [
                f"{i}. {e.document.title}（{e.document.number}）——{e.reason}"
                for i, e in enumerate(rows, 1)
            ]
            or ["无"],
        }
        for label, rows in published_list(campaign).items()
    ]
    first = campaign.entries.select_related("document__unit").first()
    return {
        "unit_name": first.document.unit.name if first else "",
        "title": "行政规范性文件清理结果目录",
        "subtitle": campaign.title,
        "sections": sections,
        "signature": "",
        "date": chinese_date(campaign.published_on),
        "note": "",
    }


@transaction.atomic
def review_docx(doc: NormativeDocument, *, actor: Any) -> bytes:
    body = _render(review_context(doc))
    auditing.record(actor, "rulebook.document.print_review", doc, changes={})
    return body


@transaction.atomic
def cleanup_docx(campaign: CleanupCampaign, *, actor: Any) -> bytes:
    body = _render(cleanup_context(campaign))
    auditing.record(actor, "rulebook.cleanup.print", campaign, changes={})
    return body
