from openpyxl import Workbook

from fazhi.core.importing import import_file, importers
from fazhi.training.models import Question

HEADERS = [
    "试题编号",
    "等级",
    "科目",
    "题型",
    "题干",
    "选项",
    "答案",
    "分值",
    "评分要点",
    "考查条款",
    "可用",
]
LAW = "《中华人民共和国行政处罚法》"
ROWS = [
    [
        "TK-1",
        "基本级",
        "法律适用",
        "单选",
        "执法人员不得少于几人？",
        "一名|两名|三名",
        "B",
        "2",
        "",
        f"{LAW}第四十二条",
        "是",
    ],
    [
        "TK-2",
        "中级",
        "执法程序",
        "多选",
        "应当法制审核的情形有：",
        "重大公共利益|经过听证|疑难复杂|简易程序警告",
        "ABC",
        "4",
        "",
        f"{LAW}第五十八条",
        "",
    ],
    [
        "TK-3",
        "基本级",
        "执法程序",
        "判断",
        "陈述申辩不得加重处罚。",
        "",
        "正确",
        "",
        "",
        f"{LAW}第四十五条",
        "",
    ],
    ["TK-4", "中级", "法律适用", "案例", "请评析……", "", "", "20", "", f"{LAW}第四十二条", ""],
    ["TK-5", "特级", "法律适用", "单选", "……", "甲|乙", "A", "", "", f"{LAW}第四十二条", ""],
    ["TK-6", "基本级", "法律适用", "单选", "……", "甲|乙", "C", "", "", f"{LAW}第四十二条", ""],
    ["TK-7", "基本级", "法律适用", "单选", "……", "甲|乙", "A", "", "", f"{LAW}第九百条", ""],
    ["TK-8", "基本级", "法律适用", "单选", "……", "甲|乙", "AB", "", "", f"{LAW}第四十二条", ""],
]


def _xlsx(tmp_path, rows):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "bank.xlsx"
    book.save(path)
    return path


def test_the_bank_imports_from_xlsx_with_every_bad_row_named_and_again_changes_nothing(
    db, laws, tmp_path
):
    importer = importers()["questions"]
    path = _xlsx(tmp_path, ROWS)
    report = import_file(importer("system:test"), path)
    assert report.accepted == 3
    got = {(r.row, r.field) for r in report.as_rejections()}
    assert got == {
        (4, "marking_guide"),
        (5, "level"),
        (6, "answer"),
        (7, "citations"),
        (8, "answer"),
    }
    assert "第九百条" in next(r.reason for r in report.rejected if r.row == 7)
    assert Question.objects.get(code="TK-2").answer == [0, 1, 2]
    assert Question.objects.get(code="TK-3").options == ["正确", "错误"]
    again = import_file(importer("system:test"), path)
    assert (again.accepted, again.unchanged) == (0, 3)


def test_the_bank_page_imports_an_upload_and_reports_each_rejected_row(
    client, world, laws, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    path = _xlsx(tmp_path, ROWS[:1] + ROWS[4:5])
    client.force_login(world.manager)
    upload = SimpleUploadedFile("bank.xlsx", path.read_bytes())
    client.post(reverse("training:bank_import"), {"file": upload})
    page = client.get(reverse("training:bank")).content.decode()
    assert "第 2 行 level" in page
    assert Question.objects.filter(code="TK-1").exists()


def test_a_question_marked_for_review_stays_out_of_new_papers(client, world):
    from django.urls import reverse

    from fazhi.training import exams
    from fazhi.training.tests.factories import BLUEPRINT, local

    question = Question.objects.filter(kind="multiple", level=2).first()
    client.force_login(world.manager)
    client.post(reverse("training:question_review", args=[question.pk]), {"needs_review": "1"})
    question.refresh_from_db()
    assert question.needs_review is True
    sitting = exams.create_sitting(
        code="RE",
        title="复考",
        level=2,
        organiser=world.units["city"],
        opens_at=local("2026-10-10", 9),
        closes_at=local("2026-10-10", 11),
        duration_minutes=60,
        blueprint=BLUEPRINT,
        actor=world.manager,
        paper_seed=3,
    )
    paper = exams.draw_paper(sitting, actor=world.manager)
    assert question.pk not in {q.question_id for q in paper}
