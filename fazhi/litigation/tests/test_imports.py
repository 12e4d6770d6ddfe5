from fazhi.core.importing import Table, import_table
from fazhi.litigation.imports import MatterImporter
from fazhi.litigation.models import Matter
from fazhi.org.tests.factories import make_citizen_id

HEADERS = ["登记编号", "类别", "被申请人/被告单位代码", "复议机关/法院", "收到副本日期", "申请人/原告",
           "证件类型", "证件号码", "被复议/被诉行为", "答复/答辩日期"]  # fmt: skip


def rows(tree):
    code = tree["d1"].code
    return [
        ["OLD-1", "行政复议", code, "示例市人民政府", "2026-03-02", "李四", "身份证", make_citizen_id(1), "罚款", ""],
        ["OLD-2", "一审", code, "示例市甲区人民法院", "2026-03-02", "王五", "身份证", "110101199003070012", "拘留", ""],
        ["OLD-3", "二审", "999999", "示例市中级人民法院", "2026-03-02", "赵六", "身份证", make_citizen_id(2), "拘留", ""],
        ["OLD-4", "一审", code, "示例市甲区人民法院", "2026-03-02", "钱七", "身份证", make_citizen_id(3), "", ""],
        ["OLD-5", "一审", code, "示例市甲区人民法院", "2026-03-02", "孙八", "身份证", make_citizen_id(4), "拘留", "2026-03-10"],
    ]  # fmt: skip


def test_the_import_reports_each_rejected_row_and_is_idempotent(tree):
    report = import_table(MatterImporter("system:import"), Table(HEADERS, rows(tree)))

    reasons = {r.row: (r.field, r.reason) for r in report.as_rejections()}
    assert report.accepted == 2
    assert set(reasons) == {2, 3, 4}
    assert reasons[2][0] == "claimant_id_number"
    assert reasons[3][0] == "unit"
    assert reasons[4][0] == "act"
    imported = Matter.objects.get(number="OLD-1")
    assert imported.deadlines.get(code="FUYI_DAFU").due_at.isoformat().startswith("2026-03-16")
    assert Matter.objects.get(number="OLD-5").deadlines.get().status == "met"

    again = import_table(MatterImporter("system:import"), Table(HEADERS, rows(tree)))
    assert (again.accepted, again.unchanged) == (0, 2)
