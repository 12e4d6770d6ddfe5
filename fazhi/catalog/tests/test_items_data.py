"""The shipped enforcement-item catalogue (fazhi/catalog/data/items.csv) against the statute texts.

The checks read the statute files themselves (not the law app's loader), so the catalogue is
tested on its own: every citation must name a law whose full title is the ``#`` heading of a
statute file, and an article, paragraph (款) and item (项) that the file has.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from fazhi.catalog.models import ExerciseLevel, ItemKind
from fazhi.law.numerals import parse_chinese_numeral
from fazhi.org.models import QualificationLevel

CATALOG_DIR = Path(__file__).resolve().parents[1]
ITEMS_CSV = CATALOG_DIR / "data" / "items.csv"
REPO = CATALOG_DIR.parents[1]
# The law app's copies are preferred; the shared reference set beside the repo is the fallback.
STATUTE_DIRS = (
    REPO / "fazhi" / "law" / "data" / "statutes",
    REPO.parent / "shared" / "domain" / "laws",
)

HEADER = [
    "code",
    "name",
    "kind",
    "basis",
    "levels",
    "delegable",
    "must_use_centre",
    "required_qualification",
]
NUMERAL = "零一二三四五六七八九十百千"
CITATION_RE = re.compile(
    rf"《(?P<title>[^《》]+)》第(?P<article>[{NUMERAL}]+)条"
    rf"(?:第(?P<paragraph>[{NUMERAL}]+)款)?(?:第（(?P<item>[{NUMERAL}]+)）项)?"
)
ARTICLE_RE = re.compile(rf"^第([{NUMERAL}]+)条(?:[ \u3000]|$)")
ITEM_RE = re.compile(rf"^[（(][{NUMERAL}]+[）)]")
CODE_RE = re.compile(
    r"^(?:(?P<kind>QZ|JC|XK|QR|QT)-)?(?P<law>ZA|JT|SFZ|FZ|WA|WRJ|CX|XF)-\d{3}-\d{2}$"
)
CODE_PREFIX_KIND = {
    None: "penalty",
    "QZ": "coercion",
    "JC": "inspection",
    "XK": "permit",
    "QR": "confirmation",
    "QT": "other",
}
BOOLEANS = {"true", "false"}
QUALIFICATIONS = {"basic", "intermediate", "advanced"}


@dataclass(frozen=True)
class StatuteText:
    """The shape of one statute file: for each article, the item count of each paragraph."""

    title: str
    articles: dict[int, list[int]]


def read_statute_text(path: Path) -> StatuteText:
    """Return the title and article/paragraph/item shape of the statute file at PATH."""
    title = ""
    articles: dict[int, list[int]] = {}
    current: list[int] | None = None
    in_body = False
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip(" \t\u3000\r\ufeff")
        if line.startswith("# ") and not title:
            title = line[2:].strip()
        elif line == "<!-- INFO END -->":
            in_body = True
        elif in_body and line and not line.startswith("#"):
            if match := ARTICLE_RE.match(line):
                current = articles.setdefault(parse_chinese_numeral(match.group(1)), [0])
            elif current is not None and ITEM_RE.match(line):
                current[-1] += 1
            elif current is not None:
                current.append(0)
    return StatuteText(title, articles)


def statute_texts() -> dict[str, StatuteText]:
    """Return the statute texts by full title, from the first statute directory present."""
    for directory in STATUTE_DIRS:
        if directory.is_dir():
            texts = [read_statute_text(path) for path in sorted(directory.glob("*.md"))]
            return {text.title: text for text in texts if text.title}
    pytest.skip(
        "no statute texts: neither fazhi/law/data/statutes/ nor ../shared/domain/laws/ exists, "
        "so the citations in fazhi/catalog/data/items.csv cannot be checked"
    )


def citation_errors(basis: str, texts: dict[str, StatuteText]) -> list[str]:
    """Return why each citation in BASIS does not point at a provision of TEXTS (empty if all do)."""
    errors = []
    for part in basis.split("；"):
        match = CITATION_RE.fullmatch(part)
        if match is None:
            errors.append(f"{part!r} is not in the form 《title》第X条[第X款][第（X）项]")
            continue
        text = texts.get(match["title"])
        if text is None:
            errors.append(f"{part!r}: no statute file has the heading '# {match['title']}'")
            continue
        article = parse_chinese_numeral(match["article"])
        if article not in text.articles:
            errors.append(f"{part!r}: {match['title']} has no article {article}")
            continue
        paragraphs = text.articles[article]
        paragraph = parse_chinese_numeral(match["paragraph"]) if match["paragraph"] else 0
        if paragraph > len(paragraphs):
            errors.append(f"{part!r}: article {article} has {len(paragraphs)} paragraph(s)")
            continue
        if match["item"]:
            if not match["paragraph"] and len(paragraphs) > 1:
                errors.append(f"{part!r}: article {article} has several paragraphs; name the 款")
                continue
            item = parse_chinese_numeral(match["item"])
            if item > paragraphs[max(paragraph, 1) - 1]:
                errors.append(f"{part!r}: that paragraph has no item {item}")
    return errors


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with ITEMS_CSV.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_items_csv_has_exactly_the_importer_header():
    with ITEMS_CSV.open(encoding="utf-8", newline="") as fh:
        assert next(csv.reader(fh)) == HEADER


def test_every_row_has_a_value_in_every_column(rows):
    incomplete = [
        row["code"] for row in rows if None in row or any(v in (None, "") for v in row.values())
    ]

    assert incomplete == []


def test_catalogue_ships_at_least_120_items(rows):
    assert len(rows) >= 120


def test_item_codes_are_unique(rows):
    duplicates = [code for code, n in Counter(row["code"] for row in rows).items() if n > 1]

    assert duplicates == []


def test_item_codes_follow_the_scheme_and_their_prefix_matches_the_kind(rows):
    wrong = []
    for row in rows:
        match = CODE_RE.match(row["code"])
        if match is None or CODE_PREFIX_KIND[match["kind"]] != row["kind"]:
            wrong.append(row["code"])

    assert wrong == []


def test_kinds_levels_flags_and_qualifications_take_only_known_values(rows):
    kinds, levels = set(ItemKind.values), set(ExerciseLevel.values)
    assert {label.lower() for label in QualificationLevel.names} == QUALIFICATIONS
    wrong = [
        row["code"]
        for row in rows
        if row["kind"] not in kinds
        or not set(row["levels"].split(";")) <= levels
        or row["delegable"] not in BOOLEANS
        or row["must_use_centre"] not in BOOLEANS
        or row["required_qualification"] not in QUALIFICATIONS
    ]

    assert wrong == []


def test_levels_are_listed_once_each_from_city_down(rows):
    order = [level.value for level in ExerciseLevel]
    wrong = [
        row["code"]
        for row in rows
        if (levels := row["levels"].split(";")) != sorted(set(levels), key=order.index)
    ]

    assert wrong == []


def test_every_basis_cites_an_existing_provision_of_a_shipped_statute(rows):
    texts = statute_texts()
    errors = {row["code"]: e for row in rows if (e := citation_errors(row["basis"], texts))}

    assert errors == {}


def test_citation_check_rejects_provisions_the_statute_does_not_have():
    texts = statute_texts()
    title = "中华人民共和国治安管理处罚法"

    assert citation_errors(f"《{title}》第二十三条第一款第（五）项", texts) == []
    assert citation_errors(f"《{title}》第一百二十条", texts) == [
        f"'《{title}》第一百二十条': {title} has no article 120"
    ]
    assert citation_errors(f"《{title}》第二十三条第三款", texts) == [
        f"'《{title}》第二十三条第三款': article 23 has 2 paragraph(s)"
    ]
    assert citation_errors(f"《{title}》第二十三条第一款第（六）项", texts) == [
        f"'《{title}》第二十三条第一款第（六）项': that paragraph has no item 6"
    ]
    assert citation_errors("《治安管理处罚法》第二十三条", texts) == [
        "'《治安管理处罚法》第二十三条': no statute file has the heading '# 治安管理处罚法'"
    ]


def test_items_that_may_end_in_detention_are_not_decided_by_a_station_alone(rows):
    # 治安管理处罚法 第九十一条: 行政拘留 is decided by a 县级以上 public security organ.
    station_only = [
        row["code"]
        for row in rows
        if row["must_use_centre"] == "true"
        and not {"city", "district"} & set(row["levels"].split(";"))
    ]

    assert station_only == []


def test_only_penalties_that_may_end_in_detention_must_use_the_centre(rows):
    wrong = [
        row["code"] for row in rows if row["must_use_centre"] == "true" and row["kind"] != "penalty"
    ]

    assert wrong == []


def test_advanced_qualification_is_required_only_where_detention_is_possible(rows):
    wrong = [
        row["code"]
        for row in rows
        if row["required_qualification"] == "advanced" and row["must_use_centre"] != "true"
    ]

    assert wrong == []


def test_only_delegable_penalties_without_detention_reach_the_township_level(rows):
    wrong = [
        row["code"]
        for row in rows
        if (row["delegable"] == "true") != ("township" in row["levels"].split(";"))
        or (
            row["delegable"] == "true"
            and (row["kind"] != "penalty" or row["must_use_centre"] == "true")
        )
    ]

    assert wrong == []
