"""Parse a statute text in the Markdown form the product ships (fazhi/law/data/statutes/).

The format (one file per version of a law)::

    # 中华人民共和国行政处罚法            <- the full title
    2021年1月22日 …修订                  <- header lines, up to the marker
    <!-- INFO END -->
    ## 第一章 总则                       <- chapter
    ### 第一节 一般规定                  <- section (节), optional
    第一条 为了规范行政处罚的设定和实施……   <- an article (条) and its first paragraph (款)
    另一段                               <- a further paragraph of the same article
    （一）警告、通报批评；                <- an item (项) of the paragraph before it

Each non-empty line is one paragraph. The numbering of articles and items must run without
gaps; a text that breaks the format raises StatuteFormatError naming the file and the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fazhi.law.numerals import parse_chinese_numeral

INFO_END = "<!-- INFO END -->"
NUMERAL = "零一二三四五六七八九十百千"
ARTICLE_RE = re.compile(rf"^第([{NUMERAL}]+)条(之[{NUMERAL}]+)?(?:[ \u3000]+|$)(.*)$")
ITEM_RE = re.compile(rf"^[（(]([{NUMERAL}]+)[）)]")
# Zero-width and byte-order characters that some sources leave in otherwise empty lines.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff"))


class StatuteFormatError(ValueError):
    """A statute file that does not follow the format; names the file, line and reason."""

    def __init__(self, source: str, line: int, reason: str) -> None:
        super().__init__(f"{source}:{line}: {reason}")
        self.source = source
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class Paragraph:  # 款
    text: str  # the paragraph's own sentence(s), without its items
    items: tuple[str, ...] = ()  # 项, each as written: "（一）警告、通报批评；"

    @property
    def full_text(self) -> str:
        """Return the paragraph with its items, one per line."""
        return "\n".join((self.text, *self.items)) if self.text else "\n".join(self.items)


@dataclass(frozen=True)
class Article:  # 条
    number: int
    chapter: str
    section: str
    paragraphs: tuple[Paragraph, ...]

    @property
    def text(self) -> str:
        return "\n".join(paragraph.full_text for paragraph in self.paragraphs)


@dataclass(frozen=True)
class ParsedProvision:
    """One row for law.Provision: the article (0, 0), a paragraph (n, 0) or an item (n, m)."""

    article: int
    paragraph: int
    item: int
    chapter: str
    section: str
    text: str
    article_paragraphs: int
    is_verified: bool = True


@dataclass(frozen=True)
class Statute:
    title: str
    header: tuple[str, ...]
    articles: tuple[Article, ...]

    def article(self, number: int) -> Article:
        return self.articles[number - 1]

    def provisions(self) -> Iterator[ParsedProvision]:
        """Yield one row per article, one per paragraph and one per item, in reading order."""
        for art in self.articles:
            count = len(art.paragraphs)
            yield ParsedProvision(art.number, 0, 0, art.chapter, art.section, art.text, count)
            for p_no, para in enumerate(art.paragraphs, start=1):
                yield ParsedProvision(
                    art.number, p_no, 0, art.chapter, art.section, para.full_text, count
                )
                for i_no, item in enumerate(para.items, start=1):
                    yield ParsedProvision(
                        art.number, p_no, i_no, art.chapter, art.section, item, count
                    )


def _clean(line: str) -> str:
    return line.translate(INVISIBLE).strip(" \t\u3000\r\n")


def _heading(text: str) -> str:
    # "第一章 总 则" -> "第一章 总则": the inner space only spreads two characters on paper.
    number, _, name = text.partition(" ")
    name = re.sub(r"[ \u3000]+", "", name)
    return f"{number} {name}" if name else number


def parse_statute(text: str, source: str = "<text>") -> Statute:
    """Return the statute that TEXT holds; SOURCE names it in errors."""
    lines = text.splitlines()
    title = ""
    header: list[str] = []
    body_start = None
    for index, raw in enumerate(lines):
        line = _clean(raw)
        if line.startswith("# ") and not title:
            title = line[2:].strip()
        elif line == INFO_END:
            body_start = index + 1
            break
        elif line and title:
            header.append(line)
    if not title:
        raise StatuteFormatError(source, 1, "no '# title' line")
    if body_start is None:
        raise StatuteFormatError(source, len(lines), f"no {INFO_END!r} marker after the header")

    articles: list[Article] = []
    chapter = section = ""
    # The article being read: its number, chapter, section and paragraphs as [text, [items]].
    current: tuple[int, str, str] | None = None
    paragraphs: list[tuple[str, list[str]]] = []

    def close_article() -> None:
        if current is not None:
            number, art_chapter, art_section = current
            paras = tuple(Paragraph(p_text, tuple(items)) for p_text, items in paragraphs)
            articles.append(Article(number, art_chapter, art_section, paras))

    for index in range(body_start, len(lines)):
        line_no = index + 1
        line = _clean(lines[index])
        if not line:
            continue
        if line.startswith("### "):
            section = _heading(line[4:].strip())
            continue
        if line.startswith("## "):
            chapter, section = _heading(line[3:].strip()), ""
            continue
        if line.startswith("#"):
            raise StatuteFormatError(source, line_no, f"unexpected heading {line!r}")
        if match := ARTICLE_RE.match(line):
            if match.group(2):
                raise StatuteFormatError(
                    source, line_no, f"article {match.group(0)[:12]!r}: 第X条之Y is not supported"
                )
            number = parse_chinese_numeral(match.group(1))
            expected = len(articles) + (1 if current is None else 2)
            if number != expected:
                raise StatuteFormatError(
                    source,
                    line_no,
                    f"article 第{match.group(1)}条 is {number}, expected {expected}",
                )
            close_article()
            current = (number, chapter, section)
            paragraphs = [(match.group(3).strip(), [])]
            continue
        if current is None:
            raise StatuteFormatError(
                source, line_no, f"text before the first article: {line[:20]!r}"
            )
        if match := ITEM_RE.match(line):
            items = paragraphs[-1][1]
            number = parse_chinese_numeral(match.group(1))
            if number != len(items) + 1:
                raise StatuteFormatError(
                    source,
                    line_no,
                    f"item {match.group(0)} of article {current[0]} is {number}, "
                    f"expected {len(items) + 1}",
                )
            items.append(line)
            continue
        paragraphs.append((line, []))
    close_article()
    if not articles:
        raise StatuteFormatError(source, len(lines), "no article found")
    return Statute(title=title, header=tuple(header), articles=tuple(articles))


def read_statute(path: Path) -> Statute:
    """Parse the statute file at PATH."""
    return parse_statute(path.read_text(encoding="utf-8"), source=path.name)
