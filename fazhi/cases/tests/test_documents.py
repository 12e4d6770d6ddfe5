import datetime as dt
import threading
from pathlib import Path

import docx
import pytest
from django.db import connection
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from fazhi.audit.models import AuditEntry
from fazhi.cases import document_views, documents, procedure
from fazhi.cases.documents import DocumentRefused
from fazhi.cases.docx_templates import build
from fazhi.cases.models import CaseDocument
from fazhi.cases.procedure import NewEvent, NewParty
from fazhi.cases.tests.factories import at, open_public_order_case, person
from fazhi.core.errors import PermissionDeniedError
from fazhi.core.roles import Role
from fazhi.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STATUTES = Path(documents.__file__).resolve().parent.parent / "law" / "data" / "statutes"
UNVERIFIED = (
    "注：2025年修订的《中华人民共和国治安管理处罚法》自2026年1月1日起施行；本文书所引该法"
    "条文序号依2012年修正文本，未核实，请以官方文本为准。"
)
LI_SI = NewParty(
    kind="person",
    role="suspect",
    name="李四",
    id_type="citizen_id",
    id_number="110101199003070011",
    phone="13800000000",
    address="解放路1号",
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def lines(document: CaseDocument) -> list[str]:
    """Return the document's non-empty paragraphs and table rows ("a | b | c"), in order."""
    with document.file.open("rb") as handle:
        body = docx.Document(handle)
    out = []
    for block in body.iter_inner_content():
        if isinstance(block, docx.table.Table):
            out.extend(" | ".join(cell.text for cell in row.cells) for row in block.rows)
        elif block.text:
            out.append(block.text)
    return out


def record(case, actor, kind, occurred, *, clock=None, **fields):
    return procedure.record_event(
        case, NewEvent(kind, at(occurred), **fields), actor=actor, at=at(clock or occurred)
    )


def a_case(tree, accepted="2026-03-02 10:00", parties=(LI_SI,)):
    return open_public_order_case(tree["s1"], accepted=accepted, parties=parties)


def generate(case, kind, actor, when="2026-03-20 09:00", **kwargs):
    return documents.generate_document(case, kind, actor=actor, at=at(when), **kwargs)


def test_the_acceptance_form_shows_the_case_its_parties_masked_and_the_acceptance(tree):
    case, actor = a_case(tree)
    lead = case.handler_links.get(role="lead").officer.name

    document = generate(case, "acceptance", actor, when="2026-03-02 11:00")

    assert document.number == "甲区一公（受案）字〔2026〕第00001号"
    assert lines(document) == [
        "甲区一派出所",
        "受案登记表",
        "甲区一公（受案）字〔2026〕第00001号",
        "受案单位 | 甲区一派出所",
        f"案件编号 | {case.number}",
        "案件来源 | 报警",
        "接报时间 | 2026年3月2日10时00分",
        f"接报民警 | {lead}",
        "报案人、当事人：",
        "身份 | 姓名/名称 | 证件种类 | 证件号码 | 联系方式 | 住址",
        "违法嫌疑人 | 李四 | 居民身份证 | 1101**********0011 | 13800000000 | 解放路1号",
        "案由 | 殴打他人",
        "发案时间 | 2026年3月2日8时00分",
        "发案地点 | 解放路12号",
        "简要案情 | __________",
        "受案意见 | 属本单位管辖的行政案件，建议及时调查处理",
        f"受案民警 | {lead}    2026年3月2日",
        "受案审批 | 受案部门负责人：__________    ____年__月__日",
        UNVERIFIED,
    ]


def test_a_case_accepted_under_the_verified_2012_text_carries_no_unverified_note(tree):
    case, actor = a_case(tree, accepted="2025-03-03 10:00")

    document = generate(case, "acceptance", actor, when="2025-03-03 11:00")

    assert document.number == "甲区一公（受案）字〔2025〕第00001号"
    assert UNVERIFIED not in lines(document)
    assert "接报时间 | 2025年3月3日10时00分" in lines(document)


def test_the_summons_cites_article_82_and_shows_arrival_and_departure(tree):
    case, actor = a_case(tree)
    event = record(
        case,
        actor,
        "summon",
        "2026-03-03 09:00",
        ended_at=at("2026-03-03 15:30"),
        clock="2026-03-03 16:00",
        data={"method": "传唤证", "person": "李四", "place": "甲区执法办案管理中心"},
    )

    document = generate(case, "summons", actor, event=event)

    assert document.event == event
    assert lines(document) == [
        "甲区一派出所",
        "传唤证",
        "甲区一公（传）字〔2026〕第00001号",
        "李四：",
        "因你涉嫌殴打他人，根据《中华人民共和国治安管理处罚法》第八十二条之规定，"
        "现传唤你于2026年3月3日9时00分到甲区执法办案管理中心接受询问。",
        "对无正当理由不接受传唤或者逃避传唤的人，可以强制传唤。"
        "（《中华人民共和国治安管理处罚法》第八十二条第二款）",
        "甲区一派出所（公安机关印章）",
        "2026年3月3日",
        "本证已于____年__月__日__时__分向我宣告。被传唤人（签名）：__________",
        "被传唤人到达时间：2026年3月3日9时00分    被传唤人（签名）：__________",
        "被传唤人离开时间：2026年3月3日15时30分    被传唤人（签名）：__________",
        UNVERIFIED,
    ]


def test_an_oral_summons_gets_no_summons_document(tree):
    case, actor = a_case(tree)
    record(case, actor, "summon", "2026-03-03 09:00", data={"method": "口头传唤"})

    with pytest.raises(DocumentRefused) as excinfo:
        generate(case, "summons", actor)

    assert excinfo.value.code == "oral_summons"
    assert excinfo.value.basis == "《中华人民共和国治安管理处罚法》第八十二条第一款"
    assert CaseDocument.objects.count() == 0


def test_the_notice_record_states_the_proposal_the_rights_and_the_hearing_right(tree):
    case, actor = a_case(tree)
    handlers = "、".join(link.officer.name for link in case.handler_links.order_by("-role", "pk"))
    record(
        case,
        actor,
        "notify",
        "2026-03-10 10:00",
        ended_at=at("2026-03-10 10:20"),
        clock="2026-03-10 11:00",
        data={
            "proposed": "罚款2000元",
            "proposed_fine": 2000,
            "hearing_offered": True,
            "facts": "2026年3月2日8时许，李四在解放路12号殴打王五。",
            "basis": "《中华人民共和国治安管理处罚法》第四十三条第一款",
        },
    )

    document = generate(case, "notice", actor)

    assert lines(document) == [
        "行政处罚告知笔录",
        "甲区一公（告知）字〔2026〕第00001号",
        "时间：2026年3月10日10时00分至2026年3月10日10时20分",
        "地点：甲区一派出所",
        f"告知人：{handlers}    工作单位：甲区一派出所",
        "被告知人：李四    性别：男    出生日期：1990年3月7日",
        "身份证件种类及号码：居民身份证 1101**********0011",
        "现住址：解放路1号",
        f"案由：殴打他人    案件编号：{case.number}",
        "告知内容：根据《中华人民共和国行政处罚法》第四十四条和《中华人民共和国治安管理处罚法》"
        "第九十四条的规定，现将拟作出行政处罚决定的内容及事实、理由、依据告知如下：",
        "拟作出的行政处罚：罚款2000元",
        "事实和理由：2026年3月2日8时许，李四在解放路12号殴打王五。",
        "依据：《中华人民共和国治安管理处罚法》第四十三条第一款",
        "你依法享有陈述和申辩的权利。“违反治安管理行为人有权陈述和申辩。公安机关必须充分听取"
        "违反治安管理行为人的意见，对违反治安管理行为人提出的事实、理由和证据，应当进行复核；"
        "违反治安管理行为人提出的事实、理由或者证据成立的，公安机关应当采纳。”“公安机关不得因"
        "违反治安管理行为人的陈述、申辩而加重处罚。”（《中华人民共和国治安管理处罚法》第九十四条"
        "第二款、第三款；《中华人民共和国行政处罚法》第四十五条）",
        "你有权要求举行听证（《中华人民共和国行政处罚法》第六十三条）。“公安机关作出吊销许可证"
        "以及处二千元以上罚款的治安管理处罚决定前，应当告知违反治安管理行为人有权要求举行听证；"
        "违反治安管理行为人要求听证的，公安机关应当及时依法举行听证。”（《中华人民共和国治安管理"
        "处罚法》第九十八条）“当事人要求听证的，应当在行政机关告知后五日内提出”"
        "（《中华人民共和国行政处罚法》第六十四条第一项）。",
        "问：对以上告知内容，你是否提出陈述和申辩？是否要求听证？",
        "答：__________",
        "被告知人（签名）：__________    ____年__月__日",
        "告知人（签名）：__________    ____年__月__日",
        UNVERIFIED,
    ]


def test_a_notice_without_hearing_right_omits_the_hearing_paragraph(tree):
    case, actor = a_case(tree)
    record(case, actor, "notify", "2026-03-10 10:00", data={"proposed": "警告"})

    text = lines(generate(case, "notice", actor))

    assert "问：对以上告知内容，你是否提出陈述和申辩？" in text
    assert not [line for line in text if "听证" in line]


def decided_case(tree, data=None):
    case, actor = a_case(tree)
    record(case, actor, "notify", "2026-03-10 10:00", data={"proposed": "罚款500元，行政拘留十日"})
    record(case, actor, "legal_review", "2026-03-11 10:00", data={"opinion": "同意"})
    record(
        case,
        actor,
        "decide",
        "2026-03-12 10:00",
        data=data
        or {
            "outcome": "penalty",
            "fine": 500,
            "detention_days": 10,
            "facts": "2026年3月2日8时许，李四在解放路12号殴打王五。",
            "evidence": "李四的陈述和申辩、王五的陈述、现场视频",
            "basis": "《中华人民共和国治安管理处罚法》第四十三条第一款",
        },
    )
    return case, actor


def test_the_decision_carries_the_full_id_number_penalty_payment_and_remedies(tree):
    case, actor = decided_case(tree)

    document = generate(case, "decision", actor, when="2026-03-12 11:00")

    assert lines(document) == [
        "甲区一派出所",
        "行政处罚决定书",
        "甲区一公（行罚决）字〔2026〕第00001号",
        "被处罚人：李四，性别：男，年龄：36岁，居民身份证号码：110101199003070011，住址：解放路1号。",
        "现查明：2026年3月2日8时许，李四在解放路12号殴打王五。",
        "以上事实有李四的陈述和申辩、王五的陈述、现场视频等证据证实。",
        "根据《中华人民共和国治安管理处罚法》第四十三条第一款之规定，现决定：对李四罚款500元，"
        "行政拘留十日。",
        "履行方式和期限：依照《中华人民共和国行政处罚法》第六十七条第三款，“当事人应当自收到行政"
        "处罚决定书之日起十五日内，到指定的银行或者通过电子支付系统缴纳罚款。”",
        "执行方式：依照《中华人民共和国治安管理处罚法》第一百零三条，“对被决定给予行政拘留处罚的"
        "人，由作出决定的公安机关送达拘留所执行。”",
        "如不服本决定，可以自知道或者应当知道该行政行为之日起六十日内提出行政复议申请（行政复议"
        "机关：__________；《中华人民共和国行政复议法》第二十条第一款），或者自知道或者应当知道"
        "作出行政行为之日起六个月内向__________人民法院提起行政诉讼（《中华人民共和国行政诉讼法》"
        "第四十六条第一款）。",
        "甲区一派出所（公安机关印章）",
        "2026年3月12日",
        "本决定书已向我宣告并送达。被处罚人（签名）：__________    ____年__月__日__时__分",
        UNVERIFIED,
    ]


def test_a_warning_decision_has_neither_payment_nor_detention_paragraph(tree):
    case, actor = decided_case(tree, data={"outcome": "penalty", "warning": True})

    text = lines(generate(case, "decision", actor))

    assert "根据__________之规定，现决定：对李四警告。" not in text  # the item's basis is used
    assert [line for line in text if "现决定" in line] == [
        f"根据{case.item.basis_text}之规定，现决定：对李四警告。"
    ]
    assert not [line for line in text if "履行方式" in line or "执行方式" in line]


def test_generating_the_decision_is_audited_with_its_number(tree):
    case, actor = decided_case(tree)

    document = generate(case, "decision", actor)

    entry = AuditEntry.objects.filter(action="document.generate").get()
    assert (entry.actor, entry.object_id) == (actor, str(document.pk))
    assert entry.changes == {
        "case": case.number,
        "kind": "decision",
        "number": "甲区一公（行罚决）字〔2026〕第00001号",
        "event": case.events.get(kind="decide").pk,
        "file": document.file.name,
    }
    assert document.file.name.startswith("documents/")


def test_no_decision_document_before_the_decision(tree):
    case, actor = a_case(tree)

    with pytest.raises(DocumentRefused) as excinfo:
        generate(case, "decision", actor)

    assert excinfo.value.code == "missing_event"
    assert str(excinfo.value) == f"案件 {case.number} 尚未登记“决定”环节，不能生成行政处罚决定书。"
    assert CaseDocument.objects.count() == 0
    assert not AuditEntry.objects.filter(action="document.generate").exists()


def test_a_decision_not_to_penalise_gets_no_penalty_decision_document(tree):
    case, actor = a_case(tree)
    record(case, actor, "decide", "2026-03-12 10:00", data={"outcome": "no_penalty"})

    with pytest.raises(DocumentRefused) as excinfo:
        generate(case, "decision", actor)

    assert excinfo.value.code == "no_penalty"


def test_a_corrected_event_is_replaced_by_its_correction(tree):
    case, actor = a_case(tree)
    first = record(case, actor, "summon", "2026-03-03 09:00", data={"place": "旧地点"})
    record(
        case,
        actor,
        "summon",
        "2026-03-03 09:00",
        data={"place": "甲区执法办案管理中心"},
        corrects=first,
        correction_reason="地点登记错误",
    )

    with pytest.raises(DocumentRefused) as excinfo:
        generate(case, "summons", actor, event=first)
    document = generate(case, "summons", actor)

    assert excinfo.value.code == "corrected_event"
    assert "到甲区执法办案管理中心接受询问" in lines(document)[4]


def test_two_suspects_need_the_event_to_name_the_party(tree):
    case, actor = a_case(tree, parties=(LI_SI, person("110101199003070038")))
    record(case, actor, "notify", "2026-03-10 10:00", data={"proposed": "警告"})

    with pytest.raises(DocumentRefused) as excinfo:
        generate(case, "notice", actor)

    assert excinfo.value.code == "party_not_named"


def test_numbers_run_per_unit_kind_and_year(tree):
    first, actor = a_case(tree)
    second, _ = open_public_order_case(tree["s1"], accepted="2026-03-02 10:00", actor=actor)
    other_unit, other_actor = open_public_order_case(tree["s2"], accepted="2026-03-02 10:00")
    record(first, actor, "summon", "2026-03-03 09:00", data={"person": "李四"})

    numbers = [
        generate(first, "acceptance", actor).number,
        generate(second, "acceptance", actor).number,
        generate(first, "acceptance", actor).number,  # a second copy gets its own number
        generate(first, "summons", actor).number,
        generate(other_unit, "acceptance", other_actor).number,
        generate(first, "acceptance", actor, when="2027-01-04 09:00").number,
    ]

    assert numbers == [
        "甲区一公（受案）字〔2026〕第00001号",
        "甲区一公（受案）字〔2026〕第00002号",
        "甲区一公（受案）字〔2026〕第00003号",
        "甲区一公（传）字〔2026〕第00001号",
        "乙区一公（受案）字〔2026〕第00001号",
        "甲区一公（受案）字〔2027〕第00001号",
    ]


def test_a_unit_whose_abbreviation_another_unit_shares_uses_its_full_name(tree):
    from fazhi.org.tests.factories import add_unit

    add_unit("500103-99", "甲区一公安分局", "branch", tree["d1"])  # also abbreviates to 甲区一

    assert documents.unit_short_name(tree["s1"]) == "甲区一派出所"


@given(year=st.integers(2000, 2099), sequence=st.integers(1, 99_999))
def test_the_number_pattern_reads_back_year_and_sequence(year, sequence):
    number = documents.document_number("甲区一", "行罚决", year, sequence)

    match = documents.NUMBER_PATTERN.search(number)

    assert (int(match["year"]), int(match["sequence"])) == (year, sequence)


@pytest.mark.django_db(transaction=True)
def test_concurrent_generation_never_duplicates_a_number(tree):
    case, actor = a_case(tree)
    writers = 6
    start = threading.Barrier(writers)
    numbers, errors = [], []

    def generate_one() -> None:
        try:
            start.wait()
            numbers.append(generate(case, "acceptance", actor).number)
        except Exception as exc:  # collected and asserted below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=generate_one) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(numbers) == [
        f"甲区一公（受案）字〔2026〕第{n:05d}号" for n in range(1, writers + 1)
    ]


# --- Who may generate and download ------------------------------------------------------------


def test_a_legal_officer_may_generate_but_a_supervisor_may_not(tree):
    case, _ = decided_case(tree)
    legal_officer = UserFactory(role=Role.LEGAL_OFFICER, scope_unit=tree["d1"])
    supervisor = UserFactory(role=Role.SUPERVISOR, scope_unit=tree["city"])

    assert generate(case, "decision", legal_officer).generated_by == legal_officer
    with pytest.raises(PermissionDeniedError):
        generate(case, "decision", supervisor)


def test_a_handler_outside_the_scope_may_not_generate(tree):
    case, _ = decided_case(tree)
    stranger = UserFactory(role=Role.CLERK, scope_unit=tree["s2"])

    with pytest.raises(PermissionDeniedError):
        generate(case, "decision", stranger)
    assert CaseDocument.objects.count() == 0


def test_the_download_is_an_uncached_attachment_and_is_audited(client, tree):
    case, actor = decided_case(tree)
    document = generate(case, "decision", actor)
    client.force_login(actor)

    response = client.get(reverse("case_documents:download", args=[case.number, document.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"] == document_views.DOCX
    with document.file.open("rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()
    entry = AuditEntry.objects.filter(action="document.download").get()
    assert (entry.actor, entry.object_id, entry.changes["number"]) == (
        actor,
        str(document.pk),
        document.number,
    )


def test_the_download_is_not_found_outside_the_scope(client, tree):
    case, actor = decided_case(tree)
    document = generate(case, "decision", actor)
    client.force_login(UserFactory(role=Role.SUPERVISOR, scope_unit=tree["d2"]))

    response = client.get(reverse("case_documents:download", args=[case.number, document.pk]))

    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="document.download").exists()


def test_a_document_is_not_found_under_another_case(client, tree):
    case, actor = decided_case(tree)
    other, _ = open_public_order_case(tree["s1"], accepted="2026-03-02 10:00", actor=actor)
    document = generate(case, "decision", actor)
    client.force_login(actor)

    response = client.get(reverse("case_documents:download", args=[other.number, document.pk]))

    assert response.status_code == 404


def test_posting_generate_creates_the_document_and_redirects_to_its_download(client, tree):
    case, actor = decided_case(tree)
    client.force_login(actor)

    response = client.post(reverse("case_documents:generate", args=[case.number, "decision"]))

    document = CaseDocument.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "case_documents:download", args=[case.number, document.pk]
    )
    entry = AuditEntry.objects.filter(action="document.generate").get()
    assert (entry.actor, entry.ip_address) == (actor, "127.0.0.1")


def test_posting_generate_without_the_event_creates_nothing_and_says_why(client, tree):
    case, actor = a_case(tree)
    client.force_login(actor)

    response = client.post(
        reverse("case_documents:generate", args=[case.number, "decision"]), follow=True
    )

    assert CaseDocument.objects.count() == 0
    assert [str(m) for m in response.context["messages"]] == [
        f"案件 {case.number} 尚未登记“决定”环节，不能生成行政处罚决定书。"
    ]


def test_generate_is_post_only_and_not_found_outside_the_scope(client, tree):
    case, _ = decided_case(tree)
    url = reverse("case_documents:generate", args=[case.number, "decision"])
    client.force_login(UserFactory(role=Role.CLERK, scope_unit=tree["s2"]))

    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 404


# --- The templates ------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(build.STATUTE_QUOTES))
def test_every_quoted_passage_is_the_statute_s_own_words(key):
    filename, text = build.STATUTE_QUOTES[key]

    assert text in (STATUTES / filename).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(build.TEMPLATES))
def test_the_committed_templates_are_what_the_build_script_makes(name):
    committed = docx.Document(str(Path(build.__file__).parent / name))
    rebuilt = build.TEMPLATES[name]()

    def text(document) -> list[str]:
        out = []
        for block in document.iter_inner_content():
            if isinstance(block, docx.table.Table):
                out.extend("|".join(c.text for c in row.cells) for row in block.rows)
            else:
                out.append(block.text)
        return out

    assert text(committed) == text(rebuilt)


def test_dates_are_written_the_chinese_way():
    assert documents.chinese_date(dt.date(2026, 3, 2)) == "2026年3月2日"
    assert documents.chinese_datetime(at("2026-03-02 09:05")) == "2026年3月2日9时05分"


def test_the_examples_in_the_module_docstrings_hold():
    import doctest

    result = doctest.testmod(documents)

    assert (result.failed, result.attempted) == (0, 6)
