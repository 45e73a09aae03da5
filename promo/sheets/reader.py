"""A workbook (.xlsx) or a CSV file → sheets of rows of cell values.

Merged cells take the value of their top-left cell (a county merged over five rows belongs to
each of them); blank rows are dropped; a CSV is read as UTF-8 (with or without BOM) or, as
Excel and WPS save it on Chinese Windows, GB18030.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv")
OTHER_SPREADSHEETS = (".xls", ".et", ".ods", ".numbers", ".wps")


class ReadError(ValueError):
    def __init__(self, message: str, fix: str):
        super().__init__(message)
        self.message, self.fix = message, fix


@dataclass
class RawSheet:
    name: str
    rows: list[tuple[int, list]] = field(default_factory=list)   # (1-based row number, cells)


def read(data: bytes, filename: str) -> list[RawSheet]:
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        return [_read_csv(data, Path(filename).stem)]
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(data)
    if suffix in OTHER_SPREADSHEETS:
        raise ReadError(f"不能直接读取 {suffix} 文件", "在 Excel / WPS 中「另存为」Excel 工作簿 (.xlsx) 或 CSV 后再导入")
    raise ReadError(f"'{filename}' 不是表格文件", "请发送 Excel 工作簿 (.xlsx) 或 CSV 文件")


def _read_xlsx(data: bytes) -> list[RawSheet]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ReadError(f"无法打开工作簿（{type(exc).__name__}）",
                        "用 Excel / WPS 打开后重新「另存为」.xlsx 再导入") from None
    sheets = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible" and ws.title.startswith("_"):
            continue
        grid = [list(row) for row in ws.iter_rows(values_only=True)]
        for merged in ws.merged_cells.ranges:
            top = grid[merged.min_row - 1][merged.min_col - 1] if merged.min_row - 1 < len(grid) else None
            for r in range(merged.min_row, min(merged.max_row, len(grid)) + 1):
                row = grid[r - 1]
                for c in range(merged.min_col, merged.max_col + 1):
                    if c - 1 < len(row):
                        row[c - 1] = top
        sheets.append(RawSheet(ws.title, _non_blank(grid)))
    return sheets


def _read_csv(data: bytes, name: str) -> RawSheet:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ReadError("CSV 文件的编码无法识别", "另存为「CSV UTF-8（逗号分隔）」后再导入")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    grid = [list(row) for row in csv.reader(io.StringIO(text), dialect)]
    return RawSheet(name, _non_blank(grid))


def _non_blank(grid: list[list]) -> list[tuple[int, list]]:
    out = []
    for n, row in enumerate(grid, 1):
        cells = [None if (isinstance(v, str) and not v.strip()) else v for v in row]
        if any(v is not None for v in cells):
            out.append((n, cells))
    return out
