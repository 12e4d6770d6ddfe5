"""Render and parse citations in Chinese legal form: 《中华人民共和国行政处罚法》第三十三条第一款."""

from __future__ import annotations

from dataclasses import dataclass

from fazhi.law.numerals import chinese_numeral


@dataclass(frozen=True)
class Citation:
    """A reference to a provision, usable before (or without) the provision being loaded."""

    law: str  # the short title (行政处罚法) or the full title
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


def render_citation(provision) -> str:
    """Return the citation of a law.Provision in full legal form."""
    return format_citation(
        provision.version.law.title, provision.article, provision.paragraph, provision.item
    )
