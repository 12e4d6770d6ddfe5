"""The English catalogue is complete, and the strings of the rule files are in it (fazhi.core.data_i18n).

When one of these fails after a change: `fazhi i18n extract-data` (rule files changed), then
`fazhi makemessages -l en --no-obsolete`, translate every empty or fuzzy entry of
locale/en/LC_MESSAGES/django.po, and `make messages`.
"""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from fazhi.core import data_i18n
from fazhi.core.periods import describe_period

PO = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def entries(text: str) -> list[tuple[str, list[str], set[str]]]:
    """Return (msgid, msgstrs, flags) of each entry of a .po file, the header left out."""
    out = []
    for block in re.split(r"\n\s*\n", text):
        flags: set[str] = set()
        fields: dict[str, str] = {}
        key = ""
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                fields[key] += ast.literal_eval(line)
            else:
                key, _sep, rest = line.partition(" ")
                fields[key] = ast.literal_eval(rest)
        if fields.get("msgid"):
            strs = [v for k, v in fields.items() if k.startswith("msgstr")]
            out.append((fields["msgid"], strs, flags))
    return out


@pytest.fixture(scope="module")
def catalogue() -> list[tuple[str, list[str], set[str]]]:
    return entries(PO.read_text(encoding="utf-8"))


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    empty = [m for m, strs, _f in catalogue if not all(s.strip() for s in strs)]
    fuzzy = [m for m, _s, flags in catalogue if "fuzzy" in flags]
    assert not empty, f"{len(empty)} untranslated entries in {PO.name}, e.g. {empty[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries in {PO.name}, e.g. {fuzzy[:5]}"


def test_translations_keep_the_named_placeholders(catalogue):
    wrong = [
        (m, s)
        for m, strs, _f in catalogue
        for s in strs
        if set(PLACEHOLDER.findall(m)) != set(PLACEHOLDER.findall(s))
    ]
    assert not wrong, wrong[:5]


def test_the_generated_module_is_up_to_date_with_the_rule_files():
    assert data_i18n.GENERATED.read_text(encoding="utf-8") == data_i18n.render(), (
        "fazhi/core/data_msgids.py is out of date with rules/: run `fazhi i18n extract-data`, "
        "then `fazhi makemessages -l en --no-obsolete` and translate the new entries."
    )


def test_every_string_of_the_rule_files_is_in_the_catalogue(catalogue):
    translated = {m for m, _s, _f in catalogue}
    missing = [m for _src, ms in data_i18n.collect() for m in ms if m not in translated]
    assert not missing, f"not in {PO.name} (run makemessages and translate): {missing[:5]}"


def test_data_msgids_cover_events_deadlines_refusals_and_holidays():
    found = {m for _src, ms in data_i18n.collect() for m in ms}
    assert {"要求听证", "听证", "办案期限", "国庆节", "周末", "中秋节、国庆节"} <= found
    assert "应当在举行听证的七日（工作日）前将举行听证通知书送达听证申请人。" in found


def test_a_period_names_its_holidays_in_english():
    facts = {
        "start": "2026-09-30",
        "end": "2026-10-08",
        "amount": 5,
        "unit": "days",
        "skipped": [["2026-10-03", "国庆节"], ["2026-10-04", "周末"]],
        "basis": "《公安机关办理行政案件程序规定》第三十五条",
    }
    with translation.override("en"):
        text = describe_period(facts)
    assert "National Day" in text
    assert "国庆节" not in text


@pytest.mark.django_db
def test_the_case_page_names_the_packs_events_and_deadlines_in_english(tree, client):
    from django.urls import reverse

    from fazhi.cases.tests.factories import open_public_order_case

    case, actor = open_public_order_case(tree["s1"], accepted="2026-09-05 10:00")
    client.force_login(actor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "Case-handling period" in page
    assert "Public-order cases (ordinary procedure)" in page
    assert '<span class="fw-semibold">Acceptance</span>' in page
    assert "办案期限" not in page
