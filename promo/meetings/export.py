"""Meetings → an .xlsx sheet "对接记录" for the monthly dispatch (and whoever asks for Excel).

Real date cells (yyyy-mm-dd), amounts in 万元 as numbers, the logging time in Beijing time,
a frozen header row, an autofilter and column widths that fit Chinese text. Text is cleaned so
Excel and WPS open the file without a repair prompt: control characters are removed, cells are
cut at Excel's 32 767-character limit, and text that starts with = + - @ is stored as text,
never as a formula (a company called "=HYPERLINK(…)" must not become a link).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from promo.meetings.store import STAGE_LABELS

__all__ = ["export_xlsx", "HEADERS", "SHEET_NAME"]

SHEET_NAME = "对接记录"
HEADERS = ("日期", "地点", "企业", "人员", "职务", "产业链", "洽谈内容", "金额(万元)", "阶段",
           "下一步", "回访日期", "记录人", "单位", "记录时间")
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


def export_xlsx(meetings: Iterable[Any], path_or_buffer: str | Path | IO[bytes], *,
                chain_names: Mapping[str, str] | None = None,
                user_names: Mapping[int, str] | None = None,
                tz: str = "Asia/Shanghai") -> int:
    """Write the meetings (Meeting rows or dicts with the same keys) to an .xlsx file or a
    binary buffer. `chain_names` maps chain ids to names (ids are shown otherwise);
    `user_names` maps user ids to names (else the name stored with the meeting). Returns the
    number of rows written."""
    zone = ZoneInfo(tz)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    ws.append(list(HEADERS))
    header_font, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for cell in ws[1]:
        cell.font, cell.fill = header_font, fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
    widths = [_width(h) for h in HEADERS]
    wrap, top = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")  # shared
    n = 0
    for m in meetings:
        n += 1
        chains = [(chain_names or {}).get(c, c) for c in (_get(m, "chain_ids") or [])]
        # 万元 when the amount is known in yuan, else the amount as said, in its currency
        amount, currency = _get(m, "amount_yuan"), "CNY"
        if amount is None and _get(m, "amount") is not None:
            amount, currency = _get(m, "amount"), (_get(m, "currency") or "CNY")
        logged_by = _get(m, "logged_by")
        recorder = (user_names or {}).get(logged_by) or _get(m, "logged_by_name") or logged_by
        created = _get(m, "created_at")
        if isinstance(created, dt.datetime):
            created = (created if created.tzinfo else created.replace(tzinfo=dt.timezone.utc))
            created = created.astimezone(zone).replace(tzinfo=None, microsecond=0)
        stage = _get(m, "stage")
        row = [
            _get(m, "meeting_date"),
            _text(_get(m, "place")),
            _text(_get(m, "company")),
            _text(_get(m, "person")),
            _text(_get(m, "title")),
            _text("、".join(chains)),
            _text(_get(m, "topic")),
            round(amount / 10000, 4) if amount is not None else None,
            STAGE_LABELS.get(stage, _text(stage)) if stage else None,
            _text(_get(m, "next_step")),
            _get(m, "followup_date"),
            _text(recorder),
            _text(_get(m, "unit")),
            created,
        ]
        r = n + 1
        for c, (header, value) in enumerate(zip(HEADERS, row), start=1):
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"          # never a formula, whatever it starts with
                if value[:1] in "=+-@":
                    cell.quotePrefix = True
                widths[c - 1] = max(widths[c - 1], _width(value))
            if header in ("日期", "回访日期") and value is not None:
                cell.number_format = "yyyy-mm-dd"
                widths[c - 1] = max(widths[c - 1], 10)
            elif header == "记录时间" and value is not None:
                cell.number_format = "yyyy-mm-dd hh:mm"
                widths[c - 1] = max(widths[c - 1], 16)
            elif header == "金额(万元)" and value is not None:
                unit = _CURRENCY_UNIT.get(currency, "" if currency == "CNY" else f"万{currency}")
                cell.number_format = "#,##0.00" + (f'" {unit}"' if unit else "")
                widths[c - 1] = max(widths[c - 1], len(f"{value:,.2f}") + _width(unit) + 2)
            cell.alignment = wrap if header in _WRAP else top
    for c, w in enumerate(widths, start=1):
        header = HEADERS[c - 1]
        ws.column_dimensions[get_column_letter(c)].width = max(8, min(w + 2, _MAX_WIDTH.get(header, 30)))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{n + 1}"
    ws.sheet_view.zoomScale = 100
    wb.properties.creator = "promo bot"
    if isinstance(path_or_buffer, (str, Path)):
        Path(path_or_buffer).parent.mkdir(parents=True, exist_ok=True)
    wb.save(path_or_buffer)
    return n
