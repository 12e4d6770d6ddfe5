"""Helpers that put a normative document through its procedure for the tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fazhi.rulebook import lifecycle
from fazhi.rulebook.models import NormativeDocument

TEXT = "第一条 为了规范本市养犬行为，制定本规定。\n第二条 本规定自公布之日起施行。"


def draft(unit: Any, actor: Any, title: str = "关于规范养犬管理的若干规定") -> NormativeDocument:
    return lifecycle.create_document(title=title, unit=unit, text=TEXT, actor=actor)


def reviewed(doc: NormativeDocument, actor: Any, on: dt.date) -> NormativeDocument:
    lifecycle.record_step(
        doc,
        "legality_review",
        outcome="passed",
        data={"reviewer": "法制支队 夏龙", "opinion": "符合法定权限和程序，内容合法。"},
        on=on,
        actor=actor,
    )
    return doc


def published(
    unit: Any,
    actor: Any,
    *,
    number: str,
    on: dt.date,
    effective_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    title: str = "关于规范养犬管理的若干规定",
) -> NormativeDocument:
    doc = reviewed(draft(unit, actor, title), actor, on)
    lifecycle.record_step(
        doc, "deliberation", outcome="adopted", data={"meeting": "局长办公会"}, on=on, actor=actor
    )
    lifecycle.record_step(doc, "signing", data={"signer": "局长"}, on=on, actor=actor)
    lifecycle.record_step(
        doc,
        "publication",
        data={
            "number": number,
            "where": "市公安局门户网站",
            "effective_from": (effective_from or on).isoformat(),
            "valid_until": valid_until.isoformat() if valid_until else "",
        },
        on=on,
        actor=actor,
    )
    doc.refresh_from_db()
    return doc
