"""Meetings → an .xlsx sheet "对接记录" for the monthly dispatch (and whoever asks for Excel).

Real date cells (yyyy-mm-dd), amounts in 万元 as numbers, the logging time in Beijing time,
a frozen header row, an autofilter and column widths that fit Chinese text.

Amounts: "金额(万元)" holds yuan only, so it can be summed. A foreign amount is shown as said in
"原币金额(万)" with its "币种", and in "金额(万元)" only when a rate is configured (`rates`,
promo/meetings/fx.py), at the rate shown in "汇率"; the rates' date and source are stated on the
sheet "说明" and in the printed footer. Without a rate the yuan cell stays empty ("汇率" says
"未配置汇率" and "说明" counts such rows): a foreign amount is never summed as yuan.

Printing: A4 landscape, fitted to one page wide, the header row repeated on every page. Fonts:
等线 (DengXian, the East-Asian default of current Office/WPS) in every cell with the GB2312
charset, and as the East-Asian font of the workbook's theme. Text is cleaned so
Excel and WPS open the file without a repair prompt: control characters are removed, cells are
cut at Excel's 32 767-character limit, and text that starts with = + - @ is stored as text,
never as a formula (a company called "=HYPERLINK(…)" must not become a link).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.writer.theme import theme_xml

from promo.meetings.fx import CURRENCY_NAMES, FxRates
from promo.meetings.store import STAGE_LABELS

__all__ = ["export_xlsx", "HEADERS", "SHEET_NAME", "NOTES_SHEET", "FONT_NAME"]

SHEET_NAME = "对接记录"
NOTES_SHEET = "说明"
HEADERS = ("日期", "地点", "企业", "人员", "职务", "产业链", "洽谈内容", "金额(万元)", "原币金额(万)",
           "币种", "汇率", "阶段", "下一步", "回访日期", "记录人", "单位", "记录时间")
FONT_NAME = "等线"
_GB2312 = 134           # the font's East-Asian charset attribute (simplified Chinese)
_MAX_WIDTH = {"洽谈内容": 50, "下一步": 36}
_WRAP = {"洽谈内容", "下一步"}
# XML 1.0 forbids these; openpyxl raises IllegalCharacterError on them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_CURRENCY_UNIT = {"USD": "万美元", "EUR": "万欧元", "RUB": "万卢布", "HKD": "万港元", "JPY": "万日元"}
MAX_CELL = 32767


def _text(value: Any) -> str | None:
    if value is None:
        return None
    s = _CONTROL.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(s) > MAX_CELL:
        s = s[: MAX_CELL - 1] + "…"
    return s or None


def _get(m: Any, name: str, default: Any = None) -> Any:
    if isinstance(m, Mapping):
        return m.get(name, default)
    return getattr(m, name, default)


def _width(s: str) -> int:
    """Display width: CJK and other wide characters count double."""
    longest = max((line for line in s.split("\n")), key=len, default="")
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


def _font(**kw) -> Font:
    return Font(name=FONT_NAME, charset=_GB2312, family=2, sz=11, **kw)


def _east_asian_theme() -> bytes:
    """openpyxl's default theme with 等线 as the East-Asian (ea, Hans) font of both font schemes."""
    xml = theme_xml.replace('<a:ea typeface=""/>', f'<a:ea typeface="{FONT_NAME}"/>')
    xml = re.sub(r'<a:font script="Hans" typeface="[^"]*"/>', f'<a:font script="Hans" typeface="{FONT_NAME}"/>', xml)
    return xml.encode("utf-8")


def _unit(currency: str) -> str:
    return _CURRENCY_UNIT.get(currency, "" if currency == "CNY" else f"万{currency}")


def export_xlsx(meetings: Iterable[Any], path_or_buffer: str | Path | IO[bytes], *,
                chain_names: Mapping[str, str] | None = None,
                user_names: Mapping[int, str] | None = None,
                tz: str = "Asia/Shanghai", rates: FxRates | None = None) -> int:
    """Write the meetings (Meeting rows or dicts with the same keys) to an .xlsx file or a
    binary buffer. `chain_names` maps chain ids to names (ids are shown otherwise);
    `user_names` maps user ids to names (else the name stored with the meeting); `rates`
    converts foreign amounts to yuan (none by default). Returns the number of rows written."""
    zone = ZoneInfo(tz)
    rates = rates or FxRates()
    wb = Workbook()
    wb.loaded_theme = _east_asian_theme()
    ws = wb.active
    ws.title = SHEET_NAME
    ws.append(list(HEADERS))
    header_font, fill = _font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font, cell.fill = header_font, fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
    style = _BodyStyle(_font(), Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top"))  # shared
    widths = [_width(h) for h in HEADERS]
    n = 0
    unconverted: dict[str, int] = {}
    used: set[str] = set()
    for m in meetings:
        n += 1
        amount = _amount(m, rates)
        if amount.original is not None:
            if amount.rate is None:
                unconverted[amount.currency] = unconverted.get(amount.currency, 0) + 1
            else:
                used.add(amount.currency)
        row = _row(m, amount, zone, chain_names or {}, user_names or {})
        for c, (header, value) in enumerate(zip(HEADERS, row), start=1):
            cell = ws.cell(row=n + 1, column=c, value=value)
            widths[c - 1] = max(widths[c - 1], _format_cell(cell, header, value, amount.currency, style))
    for c, w in enumerate(widths, start=1):
        header = HEADERS[c - 1]
        ws.column_dimensions[get_column_letter(c)].width = max(8, min(w + 2, _MAX_WIDTH.get(header, 30)))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{n + 1}"
    ws.sheet_view.zoomScale = 100
    _print_setup(ws, rates)
    _notes(wb.create_sheet(NOTES_SHEET), rates, used, unconverted)
    wb.active = 0
    wb.properties.creator = "promo bot"
    if isinstance(path_or_buffer, (str, Path)):
        Path(path_or_buffer).parent.mkdir(parents=True, exist_ok=True)
    wb.save(path_or_buffer)
    return n


@dataclass(frozen=True)
class _Amount:
    """A meeting's amount for the sheet: yuan when known; a foreign amount as said (`original`
    in `currency`), and in yuan only at a configured `rate`."""
    yuan: Any = None
    original: Any = None
    currency: str = "CNY"
    rate: Any = None


@dataclass(frozen=True)
class _BodyStyle:
    font: Font
    wrap: Alignment
    top: Alignment


def _amount(m: Any, rates: FxRates) -> _Amount:
    yuan = _get(m, "amount_yuan")
    if yuan is not None or _get(m, "amount") is None:
        return _Amount(yuan)
    currency = (_get(m, "currency") or "CNY").upper()
    if currency == "CNY":
        return _Amount(_get(m, "amount"))
    original = _get(m, "amount")
    return _Amount(rates.yuan(original, currency), original, currency, rates.rate(currency))


def _local_time(created: Any, zone: ZoneInfo) -> Any:
    """The logging time in the office's zone, without tzinfo (Excel has none); naive = UTC."""
    if not isinstance(created, dt.datetime):
        return created
    created = created if created.tzinfo else created.replace(tzinfo=dt.timezone.utc)
    return created.astimezone(zone).replace(tzinfo=None, microsecond=0)


def _row(m: Any, amount: _Amount, zone: ZoneInfo, chain_names: Mapping[str, str],
         user_names: Mapping[int, str]) -> list[Any]:
    """The cells of one meeting, in the order of HEADERS."""
    chains = [chain_names.get(c, c) for c in (_get(m, "chain_ids") or [])]
    logged_by = _get(m, "logged_by")
    recorder = user_names.get(logged_by) or _get(m, "logged_by_name") or logged_by
    stage = _get(m, "stage")
    foreign = amount.original is not None
    return [
        _get(m, "meeting_date"),
        _text(_get(m, "place")),
        _text(_get(m, "company")),
        _text(_get(m, "person")),
        _text(_get(m, "title")),
        _text("、".join(chains)),
        _text(_get(m, "topic")),
        round(amount.yuan / 10000, 4) if amount.yuan is not None else None,
        round(amount.original / 10000, 4) if foreign else None,
        f"{CURRENCY_NAMES.get(amount.currency, amount.currency)} {amount.currency}" if foreign else None,
        (float(amount.rate) if amount.rate is not None else "未配置汇率") if foreign else None,
        STAGE_LABELS.get(stage, _text(stage)) if stage else None,
        _text(_get(m, "next_step")),
        _get(m, "followup_date"),
        _text(recorder),
        _text(_get(m, "unit")),
        _local_time(_get(m, "created_at"), zone),
    ]


def _format_cell(cell: Any, header: str, value: Any, currency: str, style: _BodyStyle) -> int:
    """Font, number format and alignment of a body cell; returns the width its value needs."""
    cell.font = style.font
    width = 0
    if isinstance(value, str):
        cell.data_type = "s"          # never a formula, whatever it starts with
        if value[:1] in "=+-@":
            cell.quotePrefix = True
        width = _width(value)
    if header in ("日期", "回访日期") and value is not None:
        cell.number_format = "yyyy-mm-dd"
        width = max(width, 10)
    elif header == "记录时间" and value is not None:
        cell.number_format = "yyyy-mm-dd hh:mm"
        width = max(width, 16)
    elif header == "金额(万元)" and value is not None:
        cell.number_format = "#,##0.00"
        width = max(width, len(f"{value:,.2f}") + 2)
    elif header == "原币金额(万)" and value is not None:
        unit = _unit(currency)
        cell.number_format = "#,##0.00" + (f'" {unit}"' if unit else "")
        width = max(width, len(f"{value:,.2f}") + _width(unit) + 2)
    elif header == "汇率" and isinstance(value, float):
        cell.number_format = "0.0000"
    cell.alignment = style.wrap if header in _WRAP else style.top
    return width


def _print_setup(ws, rates: FxRates) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0      # one page wide, as long as needed
    ws.print_title_rows = "1:1"                                      # the header row on every page
    ws.print_options.gridLines = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddHeader.center.text = SHEET_NAME
    # header/footer sections are limited to 255 characters altogether
    ws.oddFooter.left.text = rates.statement()[:180].replace("&", "&&")
    ws.oddFooter.right.text = "第 &P 页，共 &N 页"


def _notes(ws, rates: FxRates, used: set[str], unconverted: Mapping[str, int]) -> None:
    """The sheet "说明": what the amount columns mean, the rates with their date and source."""
    lines: list[list[Any]] = [
        ["金额说明"],
        ["金额(万元)：人民币金额（万元）；外币金额按下表汇率折合人民币，可直接求和。"],
        ["原币金额(万)、币种：外币金额按原币种记录；汇率：1 单位外币折合人民币元。"],
        [],
        ["币种", "汇率（1 单位外币 = 人民币元）", "汇率日期", "来源"],
    ]
    for code in sorted(rates.rates):
        lines.append([f"{CURRENCY_NAMES.get(code, code)} {code}", float(rates.rates[code]), rates.date,
                      rates.source])
    if not rates.rates:
        lines.append(["—", "未配置汇率（PROMO_FX_RATES、PROMO_FX_DATE、PROMO_FX_SOURCE）"])
    for code, count in sorted(unconverted.items()):
        lines.append([])
        lines.append([f"{CURRENCY_NAMES.get(code, code)} {code}：{count} 条记录未配置汇率，金额(万元)留空，未计入人民币合计。"])
    font = _font()
    for row in lines:
        ws.append(row)
    for row in ws.iter_rows():
        for cell in row:
            cell.font = _font(bold=True) if cell.row in (1, 5) else font
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, float):
                cell.number_format = "0.0000"
    for col, width in zip("ABCD", (14, 30, 12, 40)):
        ws.column_dimensions[col].width = width
