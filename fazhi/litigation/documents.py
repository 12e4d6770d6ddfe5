"""Draft the 行政复议答复书 and the 行政诉讼答辩状 of a matter as DOCX, from the templates in
docx_templates/ (built by its build.py), with docxtpl as the case documents are
(fazhi.cases.documents): the header, the parties, the act, the day the copy arrived and the last
day to file are filled; the facts, basis and opinion are the legal officer's to write.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate

from fazhi.audit import log as audit
from fazhi.cases.documents import chinese_date
from fazhi.core.clock import SHANGHAI
from fazhi.litigation.models import AgencyHead, DeadlineStatus, HeadPost, Matter

TEMPLATE_DIR = Path(__file__).resolve().parent / "docx_templates"


def template_of(matter: Matter) -> str:
    return "defence" if matter.is_lawsuit else "reply"


def context(matter: Matter, at: dt.datetime) -> dict[str, Any]:
    """The text every placeholder of the matter's draft shows."""
    today = at.astimezone(SHANGHAI).date()
    head = (
        AgencyHead.objects.serving_on(today)
        .filter(unit=matter.unit, post=HeadPost.PRINCIPAL)
        .select_related("officer")
        .first()
    )
    code = "YINGSU_DABIAN" if matter.is_lawsuit else "FUYI_DAFU"
    deadline = matter.deadlines.filter(code=code).first()
    due = ""
    if deadline is not None and deadline.status != DeadlineStatus.STOPPED:
        due = chinese_date(deadline.due_at - dt.timedelta(days=1))
    return {
        "number": matter.number,
        "respondent": matter.unit.name,
        "head": f"{head.officer.name}（{head.title or head.get_post_display()}）" if head else "",
        "claimant": matter.claimant_name,
        "act": matter.act,
        "act_document": f"（{matter.act_document}）" if matter.act_document else "",
        "body": matter.body,
        "docket": f"（{matter.docket_number}）" if matter.docket_number else "",
        "received": chinese_date(matter.received_on),
        "due": due or "法定期限",
        "today": chinese_date(today),
    }


def draft(matter: Matter, *, actor: Any, at: dt.datetime) -> tuple[str, bytes]:
    """Return the file name and the DOCX bytes of MATTER's reply or defence draft (audited)."""
    kind = template_of(matter)
    template = DocxTemplate(TEMPLATE_DIR / f"{kind}.docx")
    template.render(context(matter, at), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    audit.record(actor, "litigation.document.draft", matter, changes={"template": kind}, at=at)
    label = "答辩状" if kind == "defence" else "答复书"
    return f"{matter.number}-{label}.docx", out.getvalue()
