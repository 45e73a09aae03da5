"""An import: which list each sheet is, which record each row is, what changes field by field,
and every problem as `FILE:SHEET!ROW:COLUMN: what is wrong — how to fix`.

`plan_import` never writes: it reads the workbook, matches rows to the records (by id, or by
name + company where a row has no id), builds the new YAML texts and loads them, in a scratch
copy of the data folder, with the same loader and checks as `python bot.py check`.
`apply_plan` writes them (keeping the previous version for `undo_last`), and only when the plan
has no errors and the lists have not changed since it was made.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter
from pydantic import ValidationError

from promo.lists import models
from promo.lists.loader import DataError, _describe, load_library
from promo.sheets.fields import (EXPLAIN_TITLE, LIST_WORDS, VALUES_TITLE, Column, SheetSpec, columns_for, header_key,
                     header_words, sheet_specs)
from promo.sheets.normalise import CellError, ChainNames, blank, convert, folded, nfkc
from promo.sheets.reader import RawSheet, ReadError, read
from promo.sheets.yamlio import ListFile, read_records, write_with_backup

MAX_PREVIEW = 40          # characters of a value shown in a change


@dataclass(frozen=True)
class SheetProblem:
    file: str                     # the workbook's name
    sheet: str | None
    row: int | None
    column: str | None            # the column letter, as Excel shows it
    message: str
    fix: str
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file
        if self.sheet:
            where += f":{self.sheet}"
            if self.row:
                where += f"!{self.row}"
                if self.column:
                    where += f":{self.column}"
        tag = "" if self.severity == "error" else "提示: "
        return f"{where}: {tag}{self.message} — {self.fix}"


@dataclass
class FieldChange:
    field: str
    header: str
    old: str
    new: str


@dataclass
class Change:
    action: str                   # add | change | remove
    file: str                     # the YAML file, relative to the data folder
    sheet: str
    row: int | None
    record_id: str
    label: str
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class SheetSummary:
    name: str
    title: str                    # the list it was read as
    file: str
    rows: int
    ignored: list[str] = field(default_factory=list)     # headers not read (notes, 序号 …)


@dataclass
class ImportPlan:
    source: str
    changes: list[Change] = field(default_factory=list)
    problems: list[SheetProblem] = field(default_factory=list)
    sheets: list[SheetSummary] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)   # file → new text, only files that change
    base: dict[str, str] = field(default_factory=dict)    # file → hash of its text when planned
    fingerprint: str = ""                                 # of every list file when planned

    @property
    def errors(self) -> list[SheetProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def problem(self, sheet: str | None, row: int | None, column: str | None, message: str, fix: str,
                severity: str = "error") -> None:
        self.problems.append(SheetProblem(self.source, sheet, row, column, message, fix, severity))

    def count(self, action: str) -> int:
        return sum(c.action == action for c in self.changes)

    @property
    def digest(self) -> str:
        return hashlib.sha256(json.dumps([self.texts, self.base], sort_keys=True, ensure_ascii=False)
                              .encode()).hexdigest()[:16]


class ImportRefused(Exception):
    def __init__(self, message: str, fix: str):
        super().__init__(message)
        self.message, self.fix = message, fix


# --------------------------------------------------------------------------- records in the lists

@dataclass
class _Entry:
    file: str
    index: int                    # among the file's records (mappings), in file order
    raw: dict                     # the record as written (plain values)
    record: Any                   # the validated model
    key: tuple | None


def natural_key(model, values: dict) -> tuple | None:
    """How a row without id finds its record: name + company for people, the ends of a road,
    the title of a material, the name of anything named."""
    def f(name):
        v = values.get(name)
        return folded(v) if v else ""
    if model is models.Person:
        return ("person", f("name"), f("company")) if f("name") else None
    if "a" in model.model_fields and "b" in model.model_fields:
        ends = sorted([f("a"), f("b")])
        return ("road", *ends) if all(ends) else None
    if model is models.Material:
        return ("title", f("title")) if f("title") else None
    if "name" in model.model_fields:
        return ("name", f("name"), f("title")) if f("name") else None
    return None


def _plain_value(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain_value(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    return value


def file_records(root: Path, sheet: SheetSpec, lib=None) -> list[tuple[dict, Any]]:
    """(record as written, validated model) of one file, in file order. From the loaded library
    where every record has an id (it is cached: parsing a large YAML list takes tens of seconds),
    else by reading the file."""
    if lib is not None:
        records = [r for r in lib.lists.get(sheet.list_name, [])
                   if getattr(r, "id", None) and lib.where.get((sheet.list_name, r.id), ("",))[0] == sheet.file]
        with_id = all(getattr(r, "id", None) for r in lib.lists.get(sheet.list_name, []))
        if with_id:
            return [({k: _plain_value(v) for k, v in r.model_dump(include=r.model_fields_set).items()
                      if k not in sheet.spec.extra}, r) for r in records]
    out: list[tuple[dict, Any]] = []
    for raw in read_records(root / sheet.file):
        out.append((raw, sheet.model.model_validate({**raw, **sheet.spec.extra})))
    return out


def lists_fingerprint(root: Path) -> str:
    """Changes when any list file changes (a plan made before is then made again)."""
    from promo.lists.loader import discover, fingerprint

    return fingerprint(root, discover(root))


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _display(col: Column | None, value, lib) -> str:
    from promo.sheets.export import cell_value

    if value is None or value == [] or value == "":
        return "（空）"
    shown = cell_value(col, value, lib) if col else value
    if isinstance(shown, dt.date):
        shown = shown.isoformat()
    text = str(shown).replace("\n", " / ")
    return text if len(text) <= MAX_PREVIEW else text[:MAX_PREVIEW - 1] + "…"


# --------------------------------------------------------------------------- which list is a sheet

def _words_for(sheet: SheetSpec) -> list[str]:
    return LIST_WORDS.get(sheet.spec.pattern, [])


def _map_headers(cells: list, sheet: SheetSpec) -> tuple[dict[int, Column], list[str], int]:
    """(column index → Column, ignored headers, score: headers of the sheet's usual columns)."""
    all_cols = columns_for(sheet.spec, present=set(sheet.model.model_fields))
    usual = {c.field for c in columns_for(sheet.spec)}
    words: dict[str, Column] = {}
    for c in all_cols:           # a column's own header and field name first, then the synonyms
        words.setdefault(header_key(c.header), c)
        words.setdefault(header_key(c.field), c)
    for c in all_cols:
        for w in header_words(c):
            words.setdefault(w, c)
    mapping, ignored, used, score = {}, [], set(), 0
    for i, cell in enumerate(cells):
        if cell is None or str(cell).strip() == "":
            continue
        col: Column | None = words.get(header_key(cell))
        if col is None or col.field in used:
            ignored.append(str(cell).strip()[:20])
            continue
        mapping[i] = col
        used.add(col.field)
        score += col.field in usual
    return mapping, ignored, score


_NO_HEADERS = ("认不出这是哪张名单，也找不到表头",
               "第一行写表头（如 姓名、单位、手机、籍贯），或把工作表命名为名单名（如 乡贤企业家），或用 --list 指定")
Found = tuple[SheetSpec, int, dict[int, Column], list[str]]


def _hinted(sheets: list[SheetSpec], hint: str) -> list[SheetSpec]:
    h = hint.strip().lower()
    named = [s for s in sheets if h in (s.title.lower(), Path(s.file).stem.lower(), s.file.lower(),
                                        s.list_name.lower(), str(s.spec.extra.get("list", "")).lower())]
    return named or [s for s in sheets if any(h == w.lower() or w in hint for w in _words_for(s))]


def _by_name(sheets: list[SheetSpec], name: str) -> list[SheetSpec]:
    """The lists a sheet's name points at by its longest list word (乡贤名单 → hometown)."""
    lowered = name.lower()
    by_word = [(max(len(w) for w in _words_for(s) if w.lower() in lowered), s) for s in sheets
               if any(w.lower() in lowered for w in _words_for(s))]
    top = max((n for n, _ in by_word), default=0)
    return [s for n, s in by_word if n == top]


def _best_header(raw: RawSheet, candidates: list[SheetSpec]):
    best = None
    for sheet in candidates:
        for index, (_, cells) in enumerate(raw.rows[:10]):
            mapping, ignored, score = _map_headers(cells, sheet)
            if best is None or score > best[0]:
                best = (score, sheet, index, mapping, ignored)
    return best


def _rivals(raw: RawSheet, candidates: list[SheetSpec], sheet: SheetSpec, index: int, score: int) -> set[str]:
    """Other lists whose headers fit this sheet as well: say so rather than guess."""
    return {other.title for other in candidates if other.spec.pattern != sheet.spec.pattern
            and _map_headers(raw.rows[index][1], other)[2] == score}


def _recognise(raw: RawSheet, sheets: list[SheetSpec], hint: str | None) -> Found | tuple[str, str]:
    """(SheetSpec, index of the header row in raw.rows, mapping, ignored), or (problem, fix)."""
    name = raw.name.strip()
    exact = [s for s in sheets if name in (s.title, Path(s.file).stem, s.file)]
    if hint:
        candidates = _hinted(sheets, hint)
        if not candidates:
            return f"--list '{hint}' 不是已知名单", "写工作表名（如 乡贤企业家）或文件名（如 hometown）"
    else:
        candidates = exact or _by_name(sheets, name) or sheets
    best = _best_header(raw, candidates)
    if (best is None or best[0] < 2) and candidates is not sheets and not hint and not exact:
        best = _best_header(raw, sheets)              # the name misled: try every list
        candidates = sheets
    if best is None or best[0] < 2:
        return _NO_HEADERS
    score, sheet, index, mapping, ignored = best
    rivals = set() if exact or hint else _rivals(raw, candidates, sheet, index, score)
    if rivals:
        return (f"分不清是「{sheet.title}」还是「{'」「'.join(sorted(rivals))}」",
                "把工作表命名为名单名（如 乡贤企业家），或用 --list 指定")
    return sheet, index, mapping, ignored


# --------------------------------------------------------------------------- planning

def plan_import(root: str | Path, data: bytes, filename: str, *, list_hint: str | None = None,
                today: dt.date | None = None) -> ImportPlan:
    root = Path(root).resolve()
    plan = ImportPlan(Path(filename).name, fingerprint=lists_fingerprint(root))
    try:
        lib = load_library(root, today=today)
    except DataError as exc:
        plan.problem(None, None, None, f"现有名单本身有 {len(exc.problems)} 处问题，不能导入",
                     "先运行 python bot.py check 修好名单（或 /undo_import 撤销上次导入）")
        return plan
    try:
        raws = read(data, filename)
    except ReadError as exc:
        plan.problem(None, None, None, exc.message, exc.fix)
        return plan
    planner = _Planner(root, plan, lib)
    readable = 0
    for raw in raws:
        if raw.name in (EXPLAIN_TITLE, VALUES_TITLE) or not raw.rows:
            continue
        found = _recognise(raw, planner.sheets, list_hint)
        if len(found) == 2:
            message, fix = found
            if message:
                plan.problem(raw.name, None, None, message, fix, "warning" if len(raws) > 1 else "error")
            continue
        readable += 1
        planner.read_sheet(raw, found)
    if not readable and not plan.problems:
        plan.problem(None, None, None, "文件里没有可以导入的工作表", "第一行写表头，每行一条记录")
    planner.write_texts()
    if plan.texts:
        _check_staged(root, plan, lib, planner.row_of, today)
    return plan


@dataclass
class _Edit:
    action: str                   # add | change | remove
    entry: _Entry | None          # the record changed or removed
    values: dict
    order: list[str]              # the model's field order (where new keys go)
    file: str


@dataclass
class _Sheet:
    """One sheet being read: which list, which columns, how its rows find records."""

    raw: RawSheet
    spec: SheetSpec
    header_index: int
    mapping: dict[int, Column]
    ignored: list[str]
    existing: list[_Entry]

    def __post_init__(self) -> None:
        header = self.raw.rows[self.header_index][1]
        self.letters = {col.field: get_column_letter(i + 1) for i, col in self.mapping.items()}
        self.typed = {col.field: str(header[i]).strip() for i, col in self.mapping.items()}
        self.header_keys = {header_key(c) for c in header if c is not None}
        # a sheet named after its file, with ids, is the whole file (rows it lacks are removed,
        # blank cells clear); any other sheet only adds and changes what it says
        self.authoritative = "id" in self.letters and self.raw.name.strip() in (self.spec.title, Path(self.spec.file).stem)
        self.order = list(self.spec.model.model_fields)
        self.by_id = {e.record.id: e for e in self.existing if getattr(e.record, "id", None)}
        self.by_key: dict[tuple, list[_Entry]] = {}
        for e in self.existing:
            if e.key:
                self.by_key.setdefault(e.key, []).append(e)
        self.matched: set[tuple[str, int]] = set()
        self.rows = 0


class _Planner:
    def __init__(self, root: Path, plan: ImportPlan, lib) -> None:
        self.root, self.plan, self.lib = root, plan, lib
        self.sheets = sheet_specs(root)
        self.chains = ChainNames(lib.chains)
        self.files: dict[str, ListFile] = {}
        self.entries: dict[str, list[_Entry]] = {}            # spec pattern → records of its files
        self.seen: dict[tuple, tuple[str, int]] = {}          # (pattern, id or key) → first (sheet, row)
        self.planned_ids: dict[str, set[str]] = {}
        self.row_of: dict[tuple[str, str], tuple[str, int, dict[str, str]]] = {}   # (file, id) → sheet, row, letters
        self.edits: list[_Edit] = []

    def list_file(self, rel: str) -> ListFile:
        if rel not in self.files:
            self.files[rel] = ListFile(self.root / rel)
        return self.files[rel]

    def group(self, sheet: SheetSpec) -> list[_Entry]:
        key = sheet.spec.pattern
        if key not in self.entries:
            self.entries[key] = [_Entry(s.file, index, raw, record, natural_key(s.model, raw))
                                 for s in self.sheets if s.spec.pattern == key
                                 for index, (raw, record) in enumerate(file_records(self.root, s, self.lib))]
        return self.entries[key]

    # ------------------------------------------------------------------ a sheet
    def read_sheet(self, raw: RawSheet, found: tuple[SheetSpec, int, dict[int, Column], list[str]]) -> None:
        spec, header_index, mapping, ignored = found
        existing = self.group(spec)
        id_at = next((i for i, col in mapping.items() if col.field == "id"), None)
        if id_at is not None and _row_numbers(raw.rows[header_index + 1:], id_at) and \
                not any(str(getattr(e.record, "id", "") or "").isdigit() for e in existing):
            # a "编号" column of 1, 2, 3 … numbers the rows of a staff table: it is not our ids
            ignored.append(str(raw.rows[header_index][1][id_at]).strip()[:20])
            mapping = {i: col for i, col in mapping.items() if i != id_at}
        sheet = _Sheet(raw, spec, header_index, mapping, ignored, existing)
        for rownum, cells in raw.rows[header_index + 1:]:
            if {header_key(c) for c in cells if c is not None} == sheet.header_keys:
                continue                            # the header repeated (a printed page break)
            self.read_row(sheet, rownum, cells)
        if sheet.authoritative:
            self.removals(sheet)
        self.plan.sheets.append(SheetSummary(raw.name, spec.title, spec.file, sheet.rows, ignored))

    def removals(self, sheet: _Sheet) -> None:
        for e in sheet.existing:
            if e.file == sheet.spec.file and (e.file, e.index) not in sheet.matched:
                rid = getattr(e.record, "id", "") or ""
                name = getattr(e.record, "name", None) or getattr(e.record, "title", None) or rid
                self.plan.changes.append(Change("remove", e.file, sheet.raw.name, None, rid, str(name)))
                self.edits.append(_Edit("remove", e, {}, sheet.order, e.file))

    # ------------------------------------------------------------------ a row
    def cells(self, sheet: _Sheet, rownum: int, cells: list) -> tuple[dict[str, Any], bool]:
        values: dict[str, Any] = {}
        bad = False
        for i, col in sheet.mapping.items():
            cell = cells[i] if i < len(cells) else None
            values[col.field] = None
            if blank(cell):
                continue
            try:
                values[col.field] = convert(col, cell, self.chains)
            except CellError as exc:
                self.plan.problem(sheet.raw.name, rownum, sheet.letters[col.field],
                                  f"{sheet.typed[col.field]}：{exc.message}", exc.fix)
                bad = True
        return values, bad

    def match(self, sheet: _Sheet, rownum: int, values: dict) -> tuple[bool, _Entry | None, tuple | None]:
        """(found without ambiguity, the record the row is, the row's natural key)."""
        key = natural_key(sheet.spec.model, values)
        if values.get("id"):
            return True, sheet.by_id.get(values["id"]), key
        if not key:      # records whose id is made from their fields (a unit's target of a year)
            rid = _computed_id(sheet, values)
            return True, (sheet.by_id.get(rid) if rid else None), key
        found = sheet.by_key.get(key, [])
        if not found and sheet.spec.model is models.Person and not values.get("company"):
            found = [e for e in sheet.existing if e.key and e.key[:2] == key[:2]]
        if len(found) > 1:
            self.plan.problem(sheet.raw.name, rownum, sheet.letters.get("name"), "名单里有多条同名记录，不知道改哪一条",
                              "在编号列写上要改的记录的编号（用 lists-export 导出可以看到编号）")
            return False, None, key
        return True, (found[0] if found else None), key

    def duplicate(self, sheet: _Sheet, rownum: int, values: dict, entry: _Entry | None, key) -> bool:
        """Whether an earlier row already is this record (then say so)."""
        row_id = values.get("id")
        pattern = sheet.spec.spec.pattern
        ident = row_id or (getattr(entry.record, "id", None) if entry else None)
        keys = [k for k in ((pattern, "id", ident) if ident else None,
                            (pattern, "key", key) if key and not row_id else None) if k]
        first = next((self.seen[k] for k in keys if k in self.seen), None)
        if first is None:
            for k in keys:
                self.seen[k] = (sheet.raw.name, rownum)
            return False
        person = sheet.spec.model is models.Person
        what = "同一条记录" if ident else ("同一人（姓名和单位相同）" if person else "同名记录")
        where = f"第 {first[1]} 行" if first[0] == sheet.raw.name else f"工作表「{first[0]}」第 {first[1]} 行"
        column = sheet.letters.get("id" if row_id else "name") or sheet.letters.get("title")
        self.plan.problem(sheet.raw.name, rownum, column, f"与{where}重复：{what}", "删除其中一行，或把两行合并成一行")
        return True

    def read_row(self, sheet: _Sheet, rownum: int, cells: list) -> None:
        values, bad = self.cells(sheet, rownum, cells)
        if all(v is None for v in values.values()) and not bad:
            return
        sheet.rows += 1
        ok, entry, key = self.match(sheet, rownum, values)
        if not ok or self.duplicate(sheet, rownum, values, entry, key):
            return
        if entry is not None:
            sheet.matched.add((entry.file, entry.index))
        if bad:
            return
        new = self.merged(sheet, entry, values)
        record = self.validated(sheet, rownum, new)
        if record is not None:
            self.change(sheet, rownum, entry, new, record)

    def merged(self, sheet: _Sheet, entry: _Entry | None, values: dict) -> dict:
        new = dict(entry.raw) if entry else {}
        for fname, value in values.items():
            if value is not None:
                new[fname] = value
            elif sheet.authoritative and fname != "id":
                new.pop(fname, None)
        pattern = sheet.spec.spec.pattern
        planned = self.planned_ids.setdefault(pattern, set())
        if entry is None and "id" in sheet.order and not new.get("id"):
            taken = {e.record.id for e in sheet.existing if getattr(e.record, "id", None)} | planned
            new["id"] = _new_id(new, self.list_file(sheet.spec.file), taken)
        if new.get("id"):
            planned.add(new["id"])
        return new

    def validated(self, sheet: _Sheet, rownum: int, new: dict):
        try:
            return sheet.spec.model.model_validate({**new, **sheet.spec.spec.extra})
        except ValidationError as exc:
            for err in exc.errors():
                fname = str(err["loc"][0]) if err["loc"] else ""
                col = sheet.spec.column(fname)
                header = sheet.typed.get(fname) or (col.header if col else fname)
                if err["type"] == "missing":
                    message, fix = f"缺少必填项「{header}」", "加上这一列并填写（必填列在导出模板的「说明」页标出）"
                else:
                    message, fix = _describe(err, sheet.spec.model)
                    message = f"{header}：{message}"
                self.plan.problem(sheet.raw.name, rownum, sheet.letters.get(fname), message, fix)
            return None

    def change(self, sheet: _Sheet, rownum: int, entry: _Entry | None, new: dict, record) -> None:
        file = entry.file if entry else sheet.spec.file
        if getattr(record, "id", None):
            self.row_of[(file, record.id)] = (sheet.raw.name, rownum, sheet.letters)
        label = str(new.get("name") or new.get("title") or new.get("id") or "")
        cols = {c.field: c for c in columns_for(sheet.spec.spec, set(sheet.order))}

        def shown(f: str, old: str, value) -> FieldChange:
            return FieldChange(f, cols[f].header if f in cols else f, old, _display(cols.get(f), value, self.lib))

        if entry is None:
            fields = [shown(f, "", getattr(record, f)) for f in sheet.order
                      if f in new and f not in sheet.spec.spec.extra and new[f] not in (None, "", [])]
            self.plan.changes.append(Change("add", file, sheet.raw.name, rownum, new.get("id", ""), label, fields))
            self.edits.append(_Edit("add", None, new, sheet.order, file))
            return
        old_dump, new_dump = entry.record.model_dump(mode="json"), record.model_dump(mode="json")
        diff = [f for f in sheet.order if old_dump.get(f) != new_dump.get(f)]
        if not diff:
            return
        fields = [shown(f, _display(cols.get(f), getattr(entry.record, f), self.lib), getattr(record, f)) for f in diff]
        self.plan.changes.append(Change("change", file, sheet.raw.name, rownum, getattr(record, "id", "") or "", label, fields))
        self.edits.append(_Edit("change", entry, {f: new.get(f) for f in diff}, sheet.order, file))

    # ------------------------------------------------------------------ the new texts
    def write_texts(self) -> None:
        items = {(e.entry.file, e.entry.index): self.list_file(e.entry.file).records()[e.entry.index]
                 for e in self.edits if e.entry is not None}        # before removals shift them
        for edit in self.edits:
            lf = self.list_file(edit.file)
            if edit.entry is None:
                lf.append(edit.values, edit.order)
                continue
            item = items[(edit.entry.file, edit.entry.index)]
            if edit.action == "change":
                lf.set_fields(item, edit.values, edit.order)
            else:
                lf.remove(item)
        for rel, lf in self.files.items():
            if lf.dirty:
                text = lf.dump()
                if text != lf.text:
                    self.plan.texts[rel] = text
                    self.plan.base[rel] = _hash(lf.text)


def _computed_id(sheet: _Sheet, values: dict) -> str | None:
    try:
        record = sheet.spec.model.model_validate({**{k: v for k, v in values.items() if v is not None},
                                                  **sheet.spec.spec.extra})
    except ValidationError:
        return None
    rid = getattr(record, "id", None)
    return rid if isinstance(rid, str) else None


_ID_SEQ = re.compile(r"^([a-z]+[-_])(\d+)$")


def _row_numbers(rows, index: int) -> bool:
    """Whether a column holds only whole numbers (1, 2, 3 … or １, ２), i.e. row numbers."""
    values = [cells[index] for _, cells in rows if index < len(cells) and not blank(cells[index])]
    return bool(values) and all(isinstance(v, int) and not isinstance(v, bool) or
                                isinstance(v, float) and v.is_integer() or
                                isinstance(v, str) and nfkc(v).isdigit() for v in values)


def _new_id(values: dict, lf: ListFile, taken: set[str]) -> str:
    """The next id of the file's numbering (ht-024 after ht-023), or one made from the name's
    pinyin (shuangyashan-steel) in files whose ids are words."""
    ids = [str(item.get("id")) for item in lf.records() if item.get("id")]
    numbered = [m for m in map(_ID_SEQ.match, ids) if m]
    if numbered and len(numbered) * 2 >= len(ids):
        prefix = Counter(m.group(1) for m in numbered).most_common(1)[0][0]
        width = max(len(m.group(2)) for m in numbered if m.group(1) == prefix)
        n = max(int(m.group(2)) for m in numbered if m.group(1) == prefix)
        while True:
            n += 1
            candidate = f"{prefix}{n:0{width}d}"
            if candidate not in taken:
                return candidate
    from pypinyin import lazy_pinyin

    name = str(values.get("name") or values.get("title") or "record")
    slug = re.sub(r"[^a-z0-9]+", "-", "-".join(lazy_pinyin(name)).lower()).strip("-")[:40] or "record"
    candidate, n = slug, 1
    while candidate in taken:
        n += 1
        candidate = f"{slug}-{n}"
    return candidate


def _check_staged(root: Path, plan: ImportPlan, lib, row_of, today) -> None:
    """Load the new texts, in a scratch copy of the data folder, with the loader and checks of
    `bot.py check`; report their errors at the sheet row the record came from."""
    with tempfile.TemporaryDirectory(prefix="promo-import-") as tmp:
        stage = Path(tmp)
        for top in ("lists", "pitch_library"):
            if (root / top).is_dir():
                shutil.copytree(root / top, stage / top, ignore=shutil.ignore_patterns("files"))
                if (root / top / "files").is_dir():
                    (stage / top / "files").symlink_to(root / top / "files", target_is_directory=True)
        for rel, text in plan.texts.items():
            (stage / rel).parent.mkdir(parents=True, exist_ok=True)
            (stage / rel).write_text(text, encoding="utf-8")
        try:
            staged = load_library(stage, today=today, use_cache=False)
            found = staged.warnings
        except DataError as exc:
            found = exc.problems
    old_warnings = {(p.file, p.message) for p in lib.warnings}
    starts: dict[str, list[tuple[int, str]]] = {}
    for rel, text in plan.texts.items():
        lf = ListFile(Path(rel), text)
        starts[rel] = [(item.lc.line + 1, str(item.get("id", ""))) for item in lf.records()]
    for p in found:
        if p.severity != "error" and (p.file, p.message) in old_warnings:
            continue
        rid = next((rid for line, rid in reversed(starts.get(p.file, [])) if line <= p.line), None)
        origin = row_of.get((p.file, rid)) if rid else None
        if origin is None:
            if p.severity == "error" or p.file in plan.texts:
                plan.problem(None, None, None, f"{p.file}:{p.line}: {p.message}", p.fix, p.severity)
            continue
        sheet, row, letters = origin
        fname = p.message.split(":", 1)[0].strip()
        plan.problem(sheet, row, letters.get(fname), p.message, p.fix, p.severity)


# --------------------------------------------------------------------------- applying

def apply_plan(root: str | Path, plan: ImportPlan, now: dt.datetime | None = None) -> Path | None:
    """Write the plan's files, the previous versions kept for undo. Refuses (ImportRefused) a
    plan with errors or one made before the lists changed. None when there is nothing to write."""
    root = Path(root).resolve()
    if plan.errors:
        raise ImportRefused(f"有 {len(plan.errors)} 处错误，没有写入任何名单", "按问题清单改好表格后重新导入")
    if not plan.texts:
        return None
    for rel, digest in plan.base.items():
        current = (root / rel).read_text(encoding="utf-8") if (root / rel).exists() else ""
        if _hash(current) != digest:
            raise ImportRefused(f"{rel} 在预览之后被修改过", "重新导入一次，看最新的变更预览")
    return write_with_backup(root, plan.texts, plan.source, now or dt.datetime.now())
