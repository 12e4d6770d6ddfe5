"""The written notices (信访事项告知书) as DOCX, filled from the stored notice: the template is
fazhi/petitions/docx_templates/notice.docx (built by build.py beside it), rendered by docxtpl as
the case documents are (fazhi.cases.documents). The notice's text is the one stored when it was
recorded (append-only), so the document always says what the petitioner was told.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.db import transaction
from docxtpl import DocxTemplate

from fazhi.audit import log as audit
from fazhi.cases.documents import chinese_date, unit_short_name
from fazhi.petitions.models import Notice, NoticeKind

TEMPLATE = Path(__file__).resolve().parent / "docx_templates" / "notice.docx"
TITLES = {
    NoticeKind.ACCEPTANCE: "信访事项受理告知书",
    NoticeKind.ROUTING: "信访事项处理途径告知书",
    NoticeKind.EXTENSION: "信访事项延期办理告知书",
}
CODES = {NoticeKind.ACCEPTANCE: "信受", NoticeKind.ROUTING: "信告", NoticeKind.EXTENSION: "信延"}


def context(notice: Notice) -> dict[str, Any]:
    """The template's values: official Chinese text, whatever the interface language."""
    petition = notice.petition
    year = notice.sent_on.year
    sequence = Notice.objects.filter(
        petition__unit=petition.unit, kind=notice.kind, sent_on__year=year, pk__lte=notice.pk
    ).count()
    short = unit_short_name(petition.unit)
    return {
        "unit_name": petition.unit.name,
        "title": TITLES[NoticeKind(notice.kind)],
        "number": f"{short}公（{CODES[NoticeKind(notice.kind)]}）字〔{year}〕第{sequence:05d}号",
        "lines": [line for line in notice.body.splitlines() if line.strip()],
        "method": notice.method,
        "date": chinese_date(notice.sent_on),
    }


@transaction.atomic
def notice_docx(notice: Notice, *, actor: Any, ip_address: str | None = None) -> bytes:
    """Return the notice as DOCX and record who printed it."""
    template = DocxTemplate(TEMPLATE)
    template.render(context(notice), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    audit.record(
        actor,
        "petition.notice.print",
        notice.petition,
        changes={"notice": notice.pk, "kind": notice.kind},
        ip_address=ip_address,
    )
    return out.getvalue()
