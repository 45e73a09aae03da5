"""A workbook made the way staff make them (issue 15): a merged title row, extra columns, the
headers in their own order and words, full-width digits, phones typed five ways, dates in three
styles and an Excel serial, a misspelt chain, a duplicate person. It imports with exactly the
expected records and problem lines; with errors nothing is written; fixed, it applies."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from promo.lists.loader import load_library
from promo.sheets import ImportRefused, apply_plan, plan_import

from .botkit import data_copy
from .conftest import TODAY
from .sample import person

KNOWN = person("ht-001")          # an existing hometown entrepreneur, found by name + company

HEADERS = ["序号", "姓名", "工作单位", "职务", "籍贯", "联系方式", "所属行业", "最近联系日期", "推荐人", "备注"]
ROWS = [
    ["１", "赵一鸣", "哈尔滨赵氏乳业有限公司", "董事长", "北安市", "138 0000 1111", "乳制品", "2026.3.5", "李四", "北安人，每年回乡"],
    ["２", "钱二", "深圳钱氏供应链有限公司", "总经理", "孙吴县", "+86-139-0000-2222", "跨境物流、自贸区", "2026/3/5", None, None],
    ["３", "孙三", "大连孙氏粮油有限公司", "副总经理", "嫩江市", "１３７００００３３３３", "大豆/玉米", "2026年3月5日", None, "全角数字"],
    ["４", "李四", "北京李氏科技有限公司", "总监", "五大连池市", 13600004444, "大豆精深加共", 46086, None, None],
    [None] * 10,                                                       # a blank row
    ["５", "赵一鸣", "哈尔滨赵氏乳业有限公司", "董事长", "北安市", "13800001111", "乳业", "2026-03-05", None, "重复录入"],
    ["６", KNOWN.name, KNOWN.company, KNOWN.title, KNOWN.hometown, f"(0086) {KNOWN.phone[:3]} {KNOWN.phone[3:7]} {KNOWN.phone[7:]}",
     "、".join(KNOWN.chains), dt.datetime(2026, 11, 20), None, KNOWN.notes],
    ["７", "周七", "哈尔滨周氏冷链物流有限公司", "经理", "逊克县", "1380000777", "粮食仓储", "2026-13-01", None, None],
]


def messy_workbook(rows=ROWS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"                                            # no list name: recognised by its headers
    ws.append(["2026年黑河市乡贤企业家名单（招商局汇总）"])
    ws.merge_cells("A1:J1")
    ws.append([])
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


EXPECTED_PROBLEMS = [
    "乡贤企业家名单.xlsx:Sheet1!7:G: 所属行业：未知产业链 '大豆精深加共' — 是不是「大豆精深加工产业链」？写产业链的名称、简称或编号",
    "乡贤企业家名单.xlsx:Sheet1!9:B: 与第 4 行重复：同一人（姓名和单位相同） — 删除其中一行，或把两行合并成一行",
    "乡贤企业家名单.xlsx:Sheet1!11:F: 联系方式：'1380000777' 不是电话号码 — 写 11 位手机号（如 13800001234）或带区号的座机（如 0456-8221234）",
    "乡贤企业家名单.xlsx:Sheet1!11:H: 最近联系日期：'2026-13-01' 不是有效日期 — 检查月份和日期，如 2026-03-05",
]


@pytest.fixture
def data(tmp_path):
    return data_copy(tmp_path)


def test_the_messy_workbook_gives_exactly_the_expected_records_and_problems(data):
    before = (data / "lists/people/hometown.yaml").read_bytes()
    plan = plan_import(data, messy_workbook(), "乡贤企业家名单.xlsx", today=TODAY)
    assert [str(p) for p in plan.problems] == EXPECTED_PROBLEMS
    [sheet] = plan.sheets
    assert (sheet.name, sheet.file, sheet.rows) == ("Sheet1", "lists/people/hometown.yaml", 7)
    assert sheet.ignored == ["序号", "推荐人"]
    changes = [(c.action, c.record_id, c.row, {f.field: (f.old, f.new) for f in c.fields}) for c in plan.changes]
    assert changes == [
        ("add", "ht-053", 4, {"id": ("", "ht-053"), "name": ("", "赵一鸣"), "company": ("", "哈尔滨赵氏乳业有限公司"),
                              "title": ("", "董事长"), "chains": ("", "乳制品产业链"), "phone": ("", "13800001111"),
                              "last_contact": ("", "2026-03-05"), "notes": ("", "北安人，每年回乡"), "hometown": ("", "北安市")}),
        ("add", "ht-054", 5, {"id": ("", "ht-054"), "name": ("", "钱二"), "company": ("", "深圳钱氏供应链有限公司"),
                              "title": ("", "总经理"), "chains": ("", "对俄跨境贸易物流产业链、自贸片区开放型经济"),
                              "phone": ("", "13900002222"), "last_contact": ("", "2026-03-05"), "hometown": ("", "孙吴县")}),
        ("add", "ht-055", 6, {"id": ("", "ht-055"), "name": ("", "孙三"), "company": ("", "大连孙氏粮油有限公司"),
                              "title": ("", "副总经理"), "chains": ("", "大豆精深加工产业链、玉米精深加工产业链"),
                              "phone": ("", "13700003333"), "last_contact": ("", "2026-03-05"), "notes": ("", "全角数字"),
                              "hometown": ("", "嫩江市")}),
        # an existing person, found by name + company: only what differs
        ("change", "ht-001", 10, {"last_contact": (KNOWN.last_contact.isoformat(), "2026-11-20")}),
    ]
    assert plan.texts, "the valid rows were checked with the loader too"
    with pytest.raises(ImportRefused):
        apply_plan(data, plan)
    assert (data / "lists/people/hometown.yaml").read_bytes() == before


def test_fixed_the_messy_workbook_applies(data):
    rows = [list(r) for r in ROWS]
    rows[3][6] = "大豆精深加工"            # the chain spelt right
    del rows[5]                            # the duplicate gone
    rows[6][5], rows[6][7] = "0456-822 1234", "2026年1月8日"
    plan = plan_import(data, messy_workbook(rows), "乡贤企业家名单.xlsx", today=TODAY)
    assert plan.problems == []
    assert [(c.action, c.record_id) for c in plan.changes] == [
        ("add", "ht-053"), ("add", "ht-054"), ("add", "ht-055"), ("add", "ht-056"), ("change", "ht-001"), ("add", "ht-057")]
    apply_plan(data, plan)
    lib = load_library(data, use_cache=False, today=TODAY)
    li = lib.get("people", "ht-056")
    assert (li.name, li.phone, li.chains, li.last_contact, li.list.value) == \
        ("李四", "13600004444", ["soybean"], dt.date(2026, 3, 5), "hometown")
    zhou = lib.get("people", "ht-057")
    assert (zhou.phone, zhou.last_contact) == ("0456-8221234", dt.date(2026, 1, 8))
    assert lib.get("people", "ht-001").last_contact == dt.date(2026, 11, 20)
    assert lib.get("people", "ht-001").phone == KNOWN.phone


@pytest.mark.parametrize("typed, value", [
    ("138 0000 1111", "13800001111"), ("+86-138-0000-1111", "13800001111"), ("８６１３８００００１１１１", "13800001111"),
    ("(0456) 822-1234", "0456-8221234"), ("010 6512 3456", "010-65123456"), ("+7 914 555 12 34", "+79145551234"),
])
def test_phone_formats(typed, value):
    from promo.sheets.normalise import phone

    assert phone(typed) == value


@pytest.mark.parametrize("typed, value", [
    ("2026.3.5", dt.date(2026, 3, 5)), ("2026/3/5", dt.date(2026, 3, 5)), ("2026年3月5日", dt.date(2026, 3, 5)),
    (46086, dt.date(2026, 3, 5)), ("46086", dt.date(2026, 3, 5)), ("２０２６－０３－０５", dt.date(2026, 3, 5)),
    ("20260305", dt.date(2026, 3, 5)), (dt.datetime(2026, 3, 5, 0, 0), dt.date(2026, 3, 5)),
])
def test_date_styles(typed, value):
    from promo.sheets.normalise import date

    assert date(typed) == value


@pytest.mark.parametrize("typed, value", [("1.5亿", 150_000_000), ("15000万", 150_000_000), ("3000万元", 30_000_000),
                                          ("1,500,000", 1_500_000), (2e8, 200_000_000), ("１.５亿", 150_000_000)])
def test_amounts(typed, value):
    from promo.sheets.normalise import amount

    assert amount(typed) == value


def test_yes_no_and_bad_values_name_the_fix():
    from promo.sheets.normalise import CellError, amount, boolean

    assert [boolean(v) for v in ("是", "否", "Y", "√", True)] == [True, False, True, True, True]
    with pytest.raises(CellError) as err:
        amount("很多")
    assert "1.5亿" in err.value.fix


def test_a_staff_numbering_column_called_id_is_not_taken_for_ids(data):
    wb = Workbook()
    ws = wb.active
    ws.title = "乡贤"
    ws.append(["编号", "姓名", "工作单位", "籍贯"])
    ws.append([1, "赵一鸣", "哈尔滨赵氏乳业有限公司", "北安市"])
    ws.append(["２", "钱二", "深圳钱氏供应链有限公司", "孙吴县"])
    out = io.BytesIO()
    wb.save(out)
    plan = plan_import(data, out.getvalue(), "乡贤.xlsx", today=TODAY)
    assert plan.problems == [] and plan.sheets[0].ignored == ["编号"]
    assert [(c.action, c.record_id) for c in plan.changes] == [("add", "ht-053"), ("add", "ht-054")]
