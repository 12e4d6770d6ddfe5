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
