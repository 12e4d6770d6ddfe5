"""Render and parse citations in Chinese legal form: 《中华人民共和国行政处罚法》第三十三条第一款.

``parse_citation`` turns a citation string into a ``Citation``; ``resolve_citation`` finds the
``Provision`` it names in the version of the law in force on a date; ``render_citation``
writes a provision back in legal form.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fazhi.core.errors import FazhiError
from fazhi.law.numerals import chinese_numeral, parse_chinese_numeral

if TYPE_CHECKING:
    from fazhi.law.models import Law, Provision

PRC = "中华人民共和国"
_NUMBER = r"[零一二三四五六七八九十百千0-9０-９]+"
CITATION_RE = re.compile(
    rf"^(?:《(?P<quoted>[^《》]+)》|(?P<bare>[^《》]+?))\s*"
    rf"第(?P<article>{_NUMBER})条"
    rf"(?:第(?P<paragraph>{_NUMBER})款)?"
    rf"(?:第[（(]?(?P<item>{_NUMBER})[）)]?项)?$"
)


class CitationSyntaxError(FazhiError, ValueError):
    """A citation string that is not in the form 《法》第X条[第X款][第（X）项]."""

    code = "citation_syntax"


class ProvisionNotFound(FazhiError, LookupError):
    """A well-formed citation that names no loaded law, version or provision."""

    code = "provision_not_found"


@dataclass(frozen=True)
class Citation:
    """A reference to a provision, usable before (or without) the provision being loaded."""

    law: str  # the short title (行政处罚法), the full title or the law's code
    article: int
    paragraph: int = 0
    item: int = 0
    version: str = ""  # the version label; empty means "the version in force"

    def __str__(self) -> str:
        return format_citation(self.law, self.article, self.paragraph, self.item)


def format_citation(title: str, article: int, paragraph: int = 0, item: int = 0) -> str:
    """Return 《TITLE》第X条[第X款][第（X）项].

    >>> format_citation("中华人民共和国行政处罚法", 33, 1)
    '《中华人民共和国行政处罚法》第三十三条第一款'
    >>> format_citation("中华人民共和国治安管理处罚法", 19, 0, 4)
    '《中华人民共和国治安管理处罚法》第十九条第（四）项'
    """
    text = f"《{title}》第{chinese_numeral(article)}条"
    if paragraph:
        text += f"第{chinese_numeral(paragraph)}款"
    if item:
        text += f"第（{chinese_numeral(item)}）项"
    return text


def render_citation(provision: Provision, *, short: bool = False) -> str:
    """Return the citation of a law.Provision in legal form (full title unless SHORT).

    An article of a single paragraph is cited without 第一款, as statutes cite themselves:
    《中华人民共和国治安管理处罚法》第十九条第（四）项.
    """
    law = provision.version.law
    paragraph = provision.paragraph if provision.article_paragraphs > 1 else 0
    title = law.short_title if short else law.title
    return format_citation(title, provision.article, paragraph, provision.item)


# No statute has this many articles (the Civil Code, the longest, has 1,260).
MAX_NUMBER = 9999


def _number(text: str | None) -> int:
    if not text:
        return 0
    if len(text) > 12:  # longer than any number up to MAX_NUMBER, in digits or in Chinese
        return MAX_NUMBER + 1
    if text[0] in "0123456789０１２３４５６７８９":
        return int(text)  # int() reads full-width digits too
    return parse_chinese_numeral(text)


def parse_citation(text: str) -> Citation:
    """Return the Citation that TEXT writes, e.g. 行政处罚法第三十三条第一款.

    >>> parse_citation("《中华人民共和国行政处罚法》第三十三条第一款")
    Citation(law='中华人民共和国行政处罚法', article=33, paragraph=1, item=0, version='')
    >>> parse_citation("治安管理处罚法第十九条第（四）项")
    Citation(law='治安管理处罚法', article=19, paragraph=0, item=4, version='')
    """
    cleaned = re.sub(r"\s+", "", text or "")
    match = CITATION_RE.match(cleaned)
    if not match:
        raise CitationSyntaxError(
            _("引用“%(text)s”无法识别：应为《法律名称》第X条[第X款][第（X）项]。") % {"text": text},
            field="citation",
        )
    article = _number(match["article"])
    if article < 1:
        raise CitationSyntaxError(
            _("引用“%(text)s”的条号必须大于零。") % {"text": text}, field="citation"
        )
    paragraph, item = _number(match["paragraph"]), _number(match["item"])
    if max(article, paragraph, item) > MAX_NUMBER:  # never sent to the database as an integer
        raise CitationSyntaxError(
            _("引用“%(text)s”的条、款、项号不能超过 %(max)s。") % {"text": text, "max": MAX_NUMBER},
            field="citation",
        )
    return Citation(
        law=(match["quoted"] or match["bare"]).strip(),
        article=article,
        paragraph=paragraph,
        item=item,
    )


def find_law(name: str) -> Law:
    """Return the law that NAME designates: its code, full title or short title."""
    from fazhi.law.models import Law

    name = name.strip().strip("《》")
    bare = name.removeprefix(PRC)
    law = (
        Law.objects.filter(
            Q(code=name) | Q(title=name) | Q(short_title=name) | Q(title=PRC + bare)
        ).first()
        or Law.objects.filter(short_title=bare).first()
    )
    if law is None:
        raise ProvisionNotFound(_("未找到法律法规“%(name)s”。") % {"name": name}, field="law")
    return law


def resolve_citation(citation: Citation | str, on: dt.date | None = None) -> Provision:
    """Return the provision CITATION names, in the version of its law in force ON (default today).

    A citation of an item without a paragraph (第十九条第（四）项) finds the one paragraph of
    the article that has that item.
    """
    from fazhi.law.models import Provision

    if isinstance(citation, str):
        citation = parse_citation(citation)
    law = find_law(citation.law)
    day = on or timezone.localdate()
    if citation.version:
        version = law.versions.filter(label=citation.version).first()
        if version is None:
            raise ProvisionNotFound(
                _("《%(law)s》没有版本“%(label)s”。")
                % {"law": law.title, "label": citation.version},
                field="version",
            )
    else:
        version = law.version_on(day)
        if version is None:
            raise ProvisionNotFound(
                _("《%(law)s》在 %(day)s 没有施行中的版本。") % {"law": law.title, "day": day},
                field="on",
            )
    rows = Provision.objects.select_related("version__law").filter(
        version=version, article=citation.article, item=citation.item
    )
    if citation.paragraph or not citation.item:
        rows = rows.filter(paragraph=citation.paragraph)
    found = list(rows[:2])
    if len(found) == 1:
        return found[0]
    reason = (
        _("%(citation)s 有多个款含此项，请写明第几款。")
        if found
        else _("%(citation)s 在所适用的版本（%(label)s）中不存在或未载入。")
    )
    raise ProvisionNotFound(
        reason
        % {"citation": format_citation(law.title, *_numbers(citation)), "label": version.label},
        field="citation",
    )


def _numbers(citation: Citation) -> tuple[int, int, int]:
    return citation.article, citation.paragraph, citation.item
