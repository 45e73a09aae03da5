"""Every list as one workbook: a sheet per YAML file, Chinese headers (the field name in the
header's comment), one row per record, drop-downs for fixed values, dates as dates, a frozen
header, column widths for Chinese text, and a first sheet that explains the columns. With the
sample data it is also the example of every list. The workbook holds the people lists (personal
data): hand it only to authorised staff.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from promo.lists.loader import Library, load_library
from promo.sheets.fields import EXPLAIN_TITLE, VALUES_TITLE, Column, Kind, SheetSpec, columns_for, sheet_specs
from promo.sheets.normalise import format_sub
from promo.sheets.plan import file_records

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
KIND_HELP = {
    Kind.text: "文字", Kind.texts: "多个词，用、分隔", Kind.date: "日期，如 2026-03-05",
    Kind.dates: "多个日期，用、分隔", Kind.int: "整数", Kind.ints: "多个整数，用、分隔", Kind.float: "数字",
    Kind.bool: "是 / 否", Kind.choice: "从下拉中选一个", Kind.choices: "一个或多个，用、分隔",
    Kind.chains: "产业链名称或简称，多个用、分隔", Kind.ref: "另一张表的编号", Kind.refs: "编号，多个用、分隔",
    Kind.amount: "元；也可写 1.5亿、15000万", Kind.sub: "每行一条，字段用 | 分隔",
}


def cell_value(col: Column, value, lib: Library):
    """A model value as the cell shows it."""
    if value is None or value == [] or value == "":
        return None
    kind = col.kind
    if kind is Kind.date:
        return value
    if kind is Kind.dates:
        return "、".join(d.isoformat() for d in value)
    if kind in (Kind.int, Kind.float, Kind.amount):
        return value
    if kind is Kind.bool:
        return "是" if value else "否"
    if kind is Kind.choice:
        return col.label(value)
    if kind is Kind.choices:
        return "、".join(col.label(v) for v in value)
    if kind is Kind.chains:
        return "、".join(lib.chain_name(c) for c in value)
    if kind is Kind.texts and any(re.search(r"[、,，;；]", str(v)) for v in value):
        return "\n".join(str(v) for v in value)          # one per line: the items hold separators
    if kind in (Kind.texts, Kind.refs, Kind.ints):
        return "、".join(str(v) for v in value)
    if kind is Kind.sub:
        return format_sub(col, value)
    return str(value.value if hasattr(value, "value") else value)




def _width(values) -> float:
    longest = 0
    for v in values:
        for line in str(v if v is not None else "").split("\n"):
            w = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
            longest = max(longest, w)
    return max(8, min(60, longest + 2))


def export_workbook(root: str | Path, out: str | Path, lib: Library | None = None) -> dict[str, int]:
    """Write the workbook; returns {sheet title: records}."""
    root = Path(root).resolve()
    lib = lib or load_library(root)
    wb = Workbook()
    explain = wb.active
    explain.title = EXPLAIN_TITLE
    values_ws = wb.create_sheet(VALUES_TITLE)
    values_ws.sheet_state = "hidden"
    value_ranges: dict[str, str] = {}

    def value_range(key: str, labels: list[str]) -> str:
        if key not in value_ranges:
            col = len(value_ranges) + 1
            letter = get_column_letter(col)
            values_ws.cell(1, col, key)
            for i, label in enumerate(labels, 2):
                values_ws.cell(i, col, label)
            value_ranges[key] = f"'{VALUES_TITLE}'!${letter}$2:${letter}${len(labels) + 1}"
        return value_ranges[key]

    counts: dict[str, int] = {}
    explain_rows: list[list] = []
    for sheet in sheet_specs(root):
        records = [record for _, record in file_records(root, sheet, lib)]
        present = {f for r in records for f in r.model_fields_set}
        sheet.columns = columns_for(sheet.spec, present)
        ws = wb.create_sheet(sheet.title)
        counts[sheet.title] = len(records)
        for c, col in enumerate(sheet.columns, 1):
            cell = ws.cell(1, c, col.header)
            cell.font = Font(bold=True)
            cell.fill = REQUIRED_FILL if col.required else HEADER_FILL
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            cell.comment = Comment(col.field, "promo")
            explain_rows.append([sheet.title, sheet.file, col.header, col.field, "是" if col.required else "",
                                 KIND_HELP[col.kind], _allowed(col, lib), col.description])
        _write_rows(ws, sheet.columns, records, lib)
        _write_dropdowns(ws, sheet, len(records), lib, value_range)
        ws.freeze_panes = "B2" if sheet.columns and sheet.columns[0].field == "id" else "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{len(records) + 1}"
    _write_explain(explain, explain_rows)
    wb.save(out)
    return counts


def _write_rows(ws, columns: list[Column], records: list, lib: Library) -> None:
    for r, record in enumerate(records, 2):
        for c, col in enumerate(columns, 1):
            value = cell_value(col, getattr(record, col.field), lib)
            cell = ws.cell(r, c, value)
            if col.kind is Kind.date and value is not None:
                cell.number_format = "yyyy-mm-dd"
            elif col.kind in (Kind.text, Kind.ref) and col.field in ("phone", "id", "wechat", "years"):
                cell.number_format = "@"
            if col.kind in (Kind.sub, Kind.texts) or (isinstance(value, str) and "\n" in value):
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _write_dropdowns(ws, sheet: SheetSpec, n: int, lib: Library, value_range) -> None:
    """Column widths, drop-downs of fixed values (for 500 new rows too) and date formats."""
    last = n + 1 + 500
    for c, col in enumerate(sheet.columns, 1):
        letter = get_column_letter(c)
        ws.column_dimensions[letter].width = _width([col.header] + [ws.cell(r, c).value for r in range(2, n + 2)])
        labels = _dropdown(col, lib)
        if labels:
            dv = DataValidation(type="list", formula1="=" + value_range(f"{sheet.model.__name__}.{col.field}", labels),
                                allow_blank=True)
            # several values in one cell: suggest, do not refuse
            dv.showErrorMessage = col.kind is Kind.choice
            if col.kind is Kind.choice:
                dv.error, dv.errorTitle = "请从下拉列表中选择", col.header
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{last}")
        if col.kind is Kind.date:
            for r in range(n + 2, n + 51):
                ws.cell(r, c).number_format = "yyyy-mm-dd"


def _dropdown(col: Column, lib: Library) -> list[str]:
    if col.kind in (Kind.choice, Kind.choices):
        return [label for _, label in col.labels] or list(col.choices)
    if col.kind is Kind.chains:
        return [c.name for c in lib.chains]
    if col.kind is Kind.int and col.choices:
        return [str(v) for v in col.choices]
    return []


def _allowed(col: Column, lib: Library) -> str:
    values = _dropdown(col, lib)
    if col.kind in (Kind.choice, Kind.choices) and col.labels:
        return "、".join(f"{label}（{v}）" if label != v else v for v, label in col.labels)
    return "、".join(values)


def _write_explain(ws, rows: list[list]) -> None:
    ws.append(["招商助手名单模板 · 每张工作表是一份名单（一个 YAML 文件），每行一条记录。"])
    ws.append(["导入：把改好的工作簿发给机器人（管理员），或运行 python bot.py lists-import 文件.xlsx --dry-run 先看会改什么。"])
    ws.append(["规则：表头可以换顺序、可以用常见叫法（手机/电话/联系方式…）；编号列留空的行按「姓名+单位」或名称匹配已有记录，"
               "匹配不上就新增；保留工作表名和编号列时，表里删掉的行会从名单中删除。人员名单是个人信息，只发给授权人员。"])
    ws.append([])
    ws.append(["工作表", "文件", "列名", "字段", "必填", "怎么填", "可选值", "字段说明"])
    header = ws.max_row
    for cell in ws[header]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for row in rows:
        ws.append(row)
    for letter, width in zip("ABCDEFGH", (16, 30, 16, 16, 6, 28, 60, 50)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = f"A{header + 1}"
    for row in ws.iter_rows(min_row=header + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
