"""The Excel export: headers, real dates and numbers, layout, and files Excel/WPS accept."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest
from openpyxl import load_workbook

from promo.meetings.export import FONT_NAME, HEADERS, NOTES_SHEET, SHEET_NAME, export_xlsx
from promo.meetings.fx import FxRates, parse_fx
from promo.meetings.store import MeetingStore

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
        "日期", "地点", "企业", "人员", "职务", "产业链", "洽谈内容", "金额(万元)", "原币金额(万)",
        "币种", "汇率", "阶段", "下一步", "回访日期", "记录人", "单位", "记录时间")
    assert sheet.max_row == 4 and sheet.max_column == 17
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:Q4"
    assert all(c.font.b for c in sheet[1])


def test_rows(sheet):
    row = [c.value for c in sheet[2]]
    assert row[0] == dt.datetime(2025, 3, 9) and sheet["A2"].is_date
    assert sheet["A2"].number_format == "yyyy-mm-dd"
    assert row[1:7] == ["深圳", "飞鹤乳业有限公司", "刘总", "副总裁", "乳制品、green_food",
                        "年产5万吨婴幼儿奶粉项目\n选址与用地"]
    assert row[7] == 80000 and sheet["H2"].number_format == "#,##0.00"
    assert row[8:11] == [None, None, None]                   # a yuan amount has no original currency
    assert row[11:16] == ["对接", "寄送园区资料", dt.datetime(2025, 3, 20), "张三", "爱辉区"]
    assert sheet["N2"].is_date
    assert row[16] == dt.datetime(2025, 3, 10, 0, 30)        # Beijing time, no seconds noise
    assert sheet["Q2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["G2"].alignment.wrap_text


def test_hostile_text_stays_text(sheet):
    assert sheet["B3"].value == "Благовещенск"
    assert sheet["C3"].value == "=HYPERLINK(\"http://evil\",\"点我\")"
    assert sheet["C3"].data_type == "s"                      # not a formula
    assert sheet["D3"].value == "Иван Петров"                # control character removed
    assert sheet["G3"].value == "+7 999 cross-border logistics" and sheet["G3"].data_type == "s"
    assert sheet["I3"].value == 150 and "万美元" in sheet["I3"].number_format
    assert sheet["L3"].value == "签约" and sheet["O3"].value == "孙五"
    assert sheet["Q3"].value == dt.datetime(2025, 3, 10, 10, 5, 59)


def test_empty_values(sheet):
    assert [sheet.cell(4, c).value for c in (1, 3, 8, 14, 15)] == [
        dt.datetime(2025, 3, 11), "无金额", None, None, "李四"]


def test_column_widths(sheet):
    widths = {col: sheet.column_dimensions[col].width for col in "ABCDEFGHIJKLMNOPQ"}
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
    assert ws.max_row == 1 and ws.auto_filter.ref == "A1:Q1"


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
    assert {ws.cell(r, 12).value for r in (2, 3, 4)} == {"入统"}
    assert ws.cell(2, 15).value == "张三" and ws.cell(2, 16).value == "爱辉区"


# =========================================================================== currencies (issue 10)

RATES = parse_fx("USD=7.10, EUR=7.80", "2026-11-30", "中国外汇交易中心 人民币汇率中间价")


def _export(meetings, **kw):
    buf = io.BytesIO()
    export_xlsx(meetings, buf, **kw)
    return load_workbook(buf)


def test_yuan_column_never_holds_a_foreign_amount(sheet):
    """A USD 150万 meeting sat in "金额(万元)" as 150 and was summed with yuan."""
    assert sheet["H3"].value is None                          # no rate configured: not converted
    assert sheet["K3"].value == "未配置汇率" and sheet["J3"].value == "美元 USD"
    yuan = [sheet.cell(r, 8).value for r in range(2, sheet.max_row + 1)]
    assert sum(v for v in yuan if v is not None) == 80000     # the column sums to yuan only
    notes = [c.value for row in sheet.parent[NOTES_SHEET].iter_rows() for c in row if c.value]
    assert any("美元 USD：1 条记录未配置汇率" in str(v) for v in notes)
    assert "未配置汇率" in sheet.oddFooter.left.text


def test_foreign_amount_in_yuan_at_the_stated_rate():
    wb = _export(_meetings(), rates=RATES)
    ws = wb[SHEET_NAME]
    assert wb.active.title == SHEET_NAME
    assert ws["H3"].value == pytest.approx(1065) and ws["H3"].number_format == "#,##0.00"
    assert ws["I3"].value == 150 and "万美元" in ws["I3"].number_format       # the original beside it
    assert ws["K3"].value == pytest.approx(7.10)
    assert ws["H2"].value == 80000 and ws["K2"].value is None
    notes = [[c.value for c in row] for row in wb[NOTES_SHEET].iter_rows()]
    usd = next(r for r in notes if r[0] == "美元 USD")
    assert usd[1] == pytest.approx(7.10) and usd[2] == dt.datetime(2026, 11, 30)
    assert usd[3] == "中国外汇交易中心 人民币汇率中间价"
    footer = ws.oddFooter.left.text
    assert "1 USD = 7.10 元" in footer and "2026-11-30" in footer and "中国外汇交易中心" in footer


def test_currency_without_a_rate_stays_out_of_the_yuan_sum():
    rub = {"meeting_date": dt.date(2025, 3, 12), "company": "Амур", "amount": 30_000_000, "currency": "RUB",
           "chain_ids": [], "logged_by": 12, "unit": "爱辉区", "created_at": T0}
    ws = _export([*_meetings(), rub], rates=RATES)[SHEET_NAME]
    assert ws["H5"].value is None and ws["I5"].value == 3000 and "万卢布" in ws["I5"].number_format
    assert ws["K5"].value == "未配置汇率"
    assert sum(ws.cell(r, 8).value or 0 for r in range(2, 6)) == pytest.approx(80000 + 1065)


@pytest.mark.parametrize("rates, date, source, message", [
    ("USD 7.1", "2026-11-30", "CFETS", "USD=7.10"),
    ("USD=abc", "2026-11-30", "CFETS", "USD=7.10"),
    ("USD=0", "2026-11-30", "CFETS", "positive"),
    ("CNY=1", "2026-11-30", "CFETS", "foreign"),
    ("USD=7.1", "", "CFETS", "PROMO_FX_DATE"),
    ("USD=7.1", "30.11.2026", "CFETS", "PROMO_FX_DATE"),
    ("USD=7.1", "2026-11-30", " ", "PROMO_FX_SOURCE"),
])
def test_bad_rate_configuration_says_what_to_write(rates, date, source, message):
    with pytest.raises(ValueError, match=message):
        parse_fx(rates, date, source)


def test_rate_configuration_forms():
    fx = parse_fx("usd=7.1;EUR = 7.8， RUB=0.088", "2026-11-30", "CFETS")
    assert {k: str(v) for k, v in fx.rates.items()} == {"USD": "7.1", "EUR": "7.8", "RUB": "0.088"}
    assert parse_fx("", None, None) == FxRates() and FxRates().rate("USD") is None
    assert fx.yuan(1_500_000, "USD") == pytest.approx(10_650_000) and fx.yuan(5, "CNY") == 5


# =========================================================================== printing and fonts

def test_print_setup(sheet):
    ps = sheet.page_setup
    assert ps.orientation == "landscape" and int(ps.paperSize) == 9                # A4
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert int(ps.fitToWidth) == 1 and int(ps.fitToHeight) == 0                    # one page wide
    assert sheet.print_title_rows == "$1:$1"                                         # header on every page
    assert "&P" in sheet.oddFooter.right.text


def test_east_asian_font_in_cells_and_theme(tmp_path):
    path = tmp_path / "f.xlsx"
    export_xlsx(_meetings(), path, rates=RATES)
    ws = load_workbook(path)[SHEET_NAME]
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.font.name == FONT_NAME == "等线" for c in cells)
    assert all(c.font.charset == 134 for c in cells)                               # GB2312
    assert ws["A1"].font.b
    with zipfile.ZipFile(path) as z:
        theme = z.read("xl/theme/theme1.xml").decode("utf-8")
        styles = z.read("xl/styles.xml").decode("utf-8")
    assert theme.count('<a:ea typeface="等线"/>') == 2 and '<a:font script="Hans" typeface="等线"/>' in theme
    assert "宋体" not in theme
    assert re.search(r'<name val="等线"\s*/>\s*<charset val="134"\s*/>', styles)


# =========================================================================== configured end to end

@pytest.mark.asyncio
async def test_export_command_uses_the_configured_rates(fakebot, tmp_path):
    """PROMO_FX_RATES / _DATE / _SOURCE reach /export's sheet."""
    from tests.botkit import OFFICER as OFFICER_ID
    from tests.botkit import build_bot, running
    from tests.conftest import NOW

    bot = build_bot(fakebot, tmp_path, PROMO_FX_RATES="USD=7.10", PROMO_FX_DATE="2026-11-30",
                    PROMO_FX_SOURCE="中国外汇交易中心 人民币汇率中间价")
    officer = bot.services.user(OFFICER_ID)
    bot.services.meetings.add({"company": "Amur Trade LLC", "meeting_date": dt.date(2026, 11, 3),
                               "amount": 2_000_000, "currency": "USD"}, officer, NOW)
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "/export")
    doc = next(c for c in calls if c.method == "sendDocument")
    wb = load_workbook(io.BytesIO(doc.files["document"].data))
    ws = wb[SHEET_NAME]
    assert ws["H2"].value == pytest.approx(1420) and ws["I2"].value == 200 and ws["K2"].value == pytest.approx(7.1)
    assert "2026-11-30" in ws.oddFooter.left.text


def test_rate_configuration_errors_stop_the_start():
    from promo.config import ConfigError, Settings

    with pytest.raises(ConfigError, match="PROMO_FX_DATE"):
        Settings.load(env={"PROMO_FX_RATES": "USD=7.1", "PROMO_FX_SOURCE": "CFETS"}, dotenv="/nonexistent.env")
    assert Settings.load(env={}, dotenv="/nonexistent.env").fx == FxRates()
