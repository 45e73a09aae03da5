"""The Excel export: headers, real dates and numbers, layout, and files Excel/WPS accept."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import load_workbook

from promo.meetings.export import HEADERS, SHEET_NAME, export_xlsx
from promo.meetings.store import MeetingStore
from tests.pg import backend, db  # noqa: F401

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 3, 9, 16, 30, tzinfo=UTC)       # 2025-03-10 00:30 in Heihe


class Officer:
    user_id, display_name, role, unit = 11, "张三", "officer", "爱辉区"


def _meetings():
    return [
        {"meeting_date": dt.date(2025, 3, 9), "place": "深圳", "company": "飞鹤乳业有限公司",
         "person": "刘总", "title": "副总裁", "chain_ids": ["dairy", "green_food"],
         "topic": "年产5万吨婴幼儿奶粉项目\n选址与用地", "amount_yuan": 800_000_000,
         "currency": "CNY", "stage": "contact", "next_step": "寄送园区资料",
         "followup_date": dt.date(2025, 3, 20), "logged_by": 11, "logged_by_name": "张三",
         "unit": "爱辉区", "created_at": T0},
        {"meeting_date": dt.date(2025, 3, 10), "place": "Благовещенск",
         "company": "=HYPERLINK(\"http://evil\",\"点我\")", "person": "Иван\x07 Петров",
         "title": None, "chain_ids": [], "topic": "+7 999 cross-border\x00 logistics",
         "amount_yuan": None, "amount": 1_500_000, "currency": "USD", "stage": "signed",
         "next_step": None,
         "followup_date": None, "logged_by": 16, "logged_by_name": None, "unit": "黑河自贸片区",
         "created_at": dt.datetime(2025, 3, 10, 2, 5, 59, 999999, tzinfo=UTC)},
        {"meeting_date": dt.date(2025, 3, 11), "company": "无金额", "amount_yuan": None,
         "chain_ids": [], "logged_by": 12, "logged_by_name": "李四", "unit": "爱辉区",
         "created_at": T0},
    ]


@pytest.fixture
def sheet(tmp_path):
    path = tmp_path / "out" / "对接记录.xlsx"
    n = export_xlsx(_meetings(), path, chain_names={"dairy": "乳制品"},
                    user_names={16: "孙五"})
    assert n == 3
    return load_workbook(path).active


def test_headers_and_sheet(sheet):
    assert sheet.title == SHEET_NAME == "对接记录"
    assert tuple(c.value for c in sheet[1]) == HEADERS == (
        "日期", "地点", "企业", "人员", "职务", "产业链", "洽谈内容", "金额(万元)", "阶段",
        "下一步", "回访日期", "记录人", "单位", "记录时间")
    assert sheet.max_row == 4 and sheet.max_column == 14
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:N4"
    assert all(c.font.b for c in sheet[1])


def test_rows(sheet):
    row = [c.value for c in sheet[2]]
    assert row[0] == dt.datetime(2025, 3, 9) and sheet["A2"].is_date
    assert sheet["A2"].number_format == "yyyy-mm-dd"
    assert row[1:7] == ["深圳", "飞鹤乳业有限公司", "刘总", "副总裁", "乳制品、green_food",
                        "年产5万吨婴幼儿奶粉项目\n选址与用地"]
    assert row[7] == 80000 and sheet["H2"].number_format == "#,##0.00"
    assert row[8:13] == ["对接", "寄送园区资料", dt.datetime(2025, 3, 20), "张三", "爱辉区"]
    assert sheet["K2"].is_date
    assert row[13] == dt.datetime(2025, 3, 10, 0, 30)        # Beijing time, no seconds noise
    assert sheet["N2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["G2"].alignment.wrap_text


def test_hostile_text_stays_text(sheet):
    assert sheet["B3"].value == "Благовещенск"
    assert sheet["C3"].value == "=HYPERLINK(\"http://evil\",\"点我\")"
    assert sheet["C3"].data_type == "s"                      # not a formula
    assert sheet["D3"].value == "Иван Петров"                # control character removed
    assert sheet["G3"].value == "+7 999 cross-border logistics" and sheet["G3"].data_type == "s"
    assert sheet["H3"].value == 150 and "万美元" in sheet["H3"].number_format
    assert sheet["I3"].value == "签约" and sheet["L3"].value == "孙五"
    assert sheet["N3"].value == dt.datetime(2025, 3, 10, 10, 5, 59)


def test_empty_values(sheet):
    assert [sheet.cell(4, c).value for c in (1, 3, 8, 11, 12)] == [
        dt.datetime(2025, 3, 11), "无金额", None, None, "李四"]


def test_column_widths(sheet):
    widths = {col: sheet.column_dimensions[col].width for col in "ABCDEFGHIJKLMN"}
    assert all(8 <= w <= 50 for w in widths.values())
    assert widths["C"] > widths["A"]                 # the company column fits 飞鹤乳业有限公司
    long = dict(_meetings()[0], topic="很长的洽谈内容" * 40)
    buf = io.BytesIO()
    export_xlsx([long], buf)
    assert load_workbook(buf).active.column_dimensions["G"].width == 50   # wraps instead


def test_buffer_no_rows_and_valid_zip():
    buf = io.BytesIO()
    assert export_xlsx([], buf) == 0
    buf.seek(0)
    assert zipfile.ZipFile(buf).testzip() is None
    ws = load_workbook(buf).active
    assert ws.max_row == 1 and ws.auto_filter.ref == "A1:N1"


def test_export_from_the_store(db, tmp_path):
    store = MeetingStore(db)
    for day in (3, 1, 2):
        store.add({"meeting_date": dt.date(2025, 3, day), "company": f"公司{day}",
                   "amount_yuan": day * 10_000, "stage": "入统"}, Officer, T0)
    rows = store.between(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    path = tmp_path / "m.xlsx"
    export_xlsx(rows, path)
    ws = load_workbook(path)[SHEET_NAME]
    assert [ws.cell(r, 3).value for r in (2, 3, 4)] == ["公司1", "公司2", "公司3"]
    assert [ws.cell(r, 8).value for r in (2, 3, 4)] == [1, 2, 3]
    assert {ws.cell(r, 9).value for r in (2, 3, 4)} == {"入统"}
    assert ws.cell(2, 12).value == "张三" and ws.cell(2, 13).value == "爱辉区"
