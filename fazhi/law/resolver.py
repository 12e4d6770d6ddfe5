"""Check the citations of the rule packs against the law data files, without the database.

``fazhi.core.rulepacks`` asks the function registered with ``set_citation_resolver`` (see
``LawConfig.ready``) whether a citation names a provision. This module answers from
``fazhi/law/data`` — the manifest and the statute texts that ``fazhi load_laws`` loads — so that
``fazhi rules test`` and the app's pack loading work on a fresh database, and give the same
answer as the database once the laws are loaded.

A citation is checked against the versions of its law in force while the pack is (a version named
after the title, 《…》（2012）第一百一十五条, is checked alone). Where one of those versions is
known only from a summary (its official text not at hand, ``is_verified: false``), a provision
missing from the summary may still be the carried-over provision of an earlier text: it is
accepted if a verified version of the law has it (the pack must then say the number is unverified).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fazhi.law.citations import PRC, CitationSyntaxError, parse_citation
from fazhi.law.loader import MANIFEST, provisions_of, read_manifest
from fazhi.law.numerals import chinese_numeral

_VERSION = re.compile(r"^(《[^《》]+》)[（(]([^（）()]+)[）)]")


@dataclass(frozen=True)
class VersionIndex:
    label: str
    effective_from: dt.date
    effective_to: dt.date | None
    is_verified: bool
    keys: frozenset[tuple[int, int, int]]  # (article, paragraph, item) rows of the text

    def overlaps(self, first: dt.date, last: dt.date | None) -> bool:
        return (last is None or self.effective_from <= last) and (
            self.effective_to is None or first <= self.effective_to
        )


@dataclass(frozen=True)
class LawIndex:
    code: str
    title: str
    versions: tuple[VersionIndex, ...]


@lru_cache(maxsize=4)
def law_index(manifest: Path = MANIFEST) -> dict[str, LawIndex]:
    """Return every law of MANIFEST by each name a citation may use (code, title, short title)."""
    names: dict[str, LawIndex] = {}
    for spec in read_manifest(manifest):
        versions = tuple(
            VersionIndex(
                label=version.label,
                effective_from=version.effective_from,
                effective_to=version.effective_to,
                is_verified=version.is_verified,
                keys=frozenset(
                    (row.article, row.paragraph, row.item)
                    for row in provisions_of(spec, version, manifest.parent)
                ),
            )
            for version in spec.versions
        )
        law = LawIndex(spec.code, spec.title, versions)
        for name in (spec.code, spec.title, spec.short_title, spec.title.removeprefix(PRC)):
            names.setdefault(name, law)
    return names


def _where(article: int, paragraph: int, item: int) -> str:
    text = f"第{chinese_numeral(article)}条"
    if paragraph:
        text += f"第{chinese_numeral(paragraph)}款"
    if item:
        text += f"第（{chinese_numeral(item)}）项"
    return text


def _missing(
    keys: frozenset[tuple[int, int, int]], article: int, paragraph: int, item: int
) -> str | None:
    """Return why (ARTICLE, PARAGRAPH, ITEM) is not among KEYS, or None if it is (uniquely)."""
    if (article, 0, 0) not in keys:
        count = max((a for a, _p, _i in keys), default=0)
        return f"{_where(article, 0, 0)} does not exist (the text has {count} articles)"
    paragraphs = max((p for a, p, _i in keys if a == article), default=0)
    if paragraph and (article, paragraph, 0) not in keys:
        return f"{_where(article, 0, 0)} has no 第{chinese_numeral(paragraph)}款 ({paragraphs} 款)"
    if not item:
        return None
    if paragraph:
        if (article, paragraph, item) in keys:
            return None
        return f"{_where(article, paragraph, 0)} has no 第（{chinese_numeral(item)}）项"
    holders = sorted(p for a, p, i in keys if a == article and i == item)
    if len(holders) == 1:
        return None
    if holders:
        return f"several 款 of {_where(article, 0, 0)} have a 第（{chinese_numeral(item)}）项: name the 款"
    return f"{_where(article, 0, 0)} has no 第（{chinese_numeral(item)}）项"


def check_citation(
    text: str, first: dt.date, last: dt.date | None, manifest: Path = MANIFEST
) -> str | None:
    """Return why TEXT names no provision in force between FIRST and LAST, or None if it does."""
    hint = ""
    if match := _VERSION.match(text):
        hint = match.group(2)
        text = match.group(1) + text[match.end() :]
    try:
        citation = parse_citation(text)
    except CitationSyntaxError:
        return "not in the form 《法律名称》第X条[第X款][第（X）项]"
    laws = law_index(manifest)
    law = laws.get(citation.law) or laws.get(citation.law.removeprefix(PRC))
    if law is None:
        return f"unknown law 《{citation.law}》 (fazhi/law/data/laws.yaml has no such title)"
    numbers = (citation.article, citation.paragraph, citation.item)
    if hint:
        year = re.match(r"\d{4}", hint)  # （2012）, （2012年修正）: the version of that year
        chosen = [
            v
            for v in law.versions
            if v.label.startswith(hint) or (year and v.label.startswith(year.group(0)))
        ]
        if not chosen:
            labels = ", ".join(v.label for v in law.versions)
            return f"《{law.title}》 has no version {hint!r} (versions: {labels})"
    else:
        chosen = [v for v in law.versions if v.overlaps(first, last)]
        if not chosen:
            span = f"{first} – {last or 'open'}"
            return f"《{law.title}》 has no version in force while the pack is ({span})"
    problems = [_missing(v.keys, *numbers) for v in chosen]
    if any(problem is None for problem in problems):
        return None
    if not all(v.is_verified for v in chosen):
        verified = [v for v in law.versions if v.is_verified]
        if any(_missing(v.keys, *numbers) is None for v in verified):
            return None  # a summary's gap: the provision of the earlier (verified) text
        if verified:  # say what the full text lacks, not what the summary does
            labels = "、".join(v.label for v in verified)
            return f"in 《{law.title}》（{labels}）{_missing(verified[0].keys, *numbers)}"
    labels = "、".join(v.label for v in chosen)
    return f"in 《{law.title}》（{labels}）{problems[0]}"
