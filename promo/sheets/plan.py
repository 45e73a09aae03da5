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

from openpyxl.utils import get_column_letter
from pydantic import ValidationError

from .. import models
from ..loader import DataError, _describe, load_library
from .fields import (EXPLAIN_TITLE, LIST_WORDS, VALUES_TITLE, Column, SheetSpec, columns_for, header_key,
                     header_words, sheet_specs)
from .normalise import CellError, ChainNames, blank, convert, folded, nfkc
from .reader import RawSheet, ReadError, read
from .yamlio import ListFile, read_records, write_with_backup

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
    record: object                # the validated model
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


def file_records(root: Path, sheet: SheetSpec, lib=None) -> list[tuple[dict, object]]:
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
    out = []
    for raw in read_records(root / sheet.file):
        out.append((raw, sheet.model.model_validate({**raw, **sheet.spec.extra})))
    return out


def lists_fingerprint(root: Path) -> str:
    """Changes when any list file changes (a plan made before is then made again)."""
    from ..loader import discover, fingerprint

    return fingerprint(root, discover(root))


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _display(col: Column | None, value, lib) -> str:
    from .export import cell_value

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
    words = {}
    for col in all_cols:
        for w in header_words(col):
            words.setdefault(w, col)
    mapping, ignored, used, score = {}, [], set(), 0
    for i, cell in enumerate(cells):
        if cell is None or str(cell).strip() == "":
            continue
        col = words.get(header_key(cell))
        if col is None or col.field in used:
            ignored.append(str(cell).strip()[:20])
            continue
        mapping[i] = col
        used.add(col.field)
        score += col.field in usual
    return mapping, ignored, score


def _recognise(raw: RawSheet, sheets: list[SheetSpec], hint: str | None):
    """(SheetSpec, index of the header row in raw.rows, mapping, ignored) or a problem text."""
    name = raw.name.strip()
    exact = [s for s in sheets if name in (s.title, Path(s.file).stem, s.file)]
    if hint:
        h = hint.strip().lower()
        candidates = [s for s in sheets if h in (s.title.lower(), Path(s.file).stem.lower(), s.file.lower(),
                                                 s.list_name.lower(), str(s.spec.extra.get("list", "")).lower())]
        candidates = candidates or [s for s in sheets if any(h == w.lower() or w in hint for w in _words_for(s))]
        if not candidates:
            return None, f"--list '{hint}' 不是已知名单", "写工作表名（如 乡贤企业家）或文件名（如 hometown）"
    elif exact:
        candidates = exact
    else:
        by_word = [(max(len(w) for w in _words_for(s) if w.lower() in name.lower()), s) for s in sheets
                   if any(w.lower() in name.lower() for w in _words_for(s))]
        top = max((n for n, _ in by_word), default=0)
        candidates = [s for n, s in by_word if n == top] or sheets
    best = None
    for sheet in candidates:
        for index, (_, cells) in enumerate(raw.rows[:10]):
            mapping, ignored, score = _map_headers(cells, sheet)
            if best is None or score > best[0]:
                best = (score, sheet, index, mapping, ignored)
    if best is None or best[0] < 2:
        if candidates is not sheets and not hint and not exact:     # the name misled: try every list
            return _recognise(RawSheet("", raw.rows), sheets, None)
        return None, "认不出这是哪张名单，也找不到表头", \
            "第一行写表头（如 姓名、单位、手机、籍贯），或把工作表命名为名单名（如 乡贤企业家），或用 --list 指定"
    score, sheet, index, mapping, ignored = best
    if not exact and not hint:
        # the same best score for two different lists: say so rather than guess
        rivals = set()
        for other in candidates:
            if other.spec.pattern == sheet.spec.pattern:
                continue
            _, _, other_score = _map_headers(raw.rows[index][1], other)
            if other_score == score:
                rivals.add(other.title)
        if rivals:
            return None, f"分不清是「{sheet.title}」还是「{'」「'.join(sorted(rivals))}」", \
                "把工作表命名为名单名（如 乡贤企业家），或用 --list 指定"
    # a sheet named after a list writes to that list's file; one found by words, to its first file
    return sheet, index, mapping, ignored


# --------------------------------------------------------------------------- planning

def plan_import(root: str | Path, data: bytes, filename: str, *, list_hint: str | None = None,
                today: dt.date | None = None) -> ImportPlan:
    root = Path(root).resolve()
    source = Path(filename).name
    plan = ImportPlan(source, fingerprint=lists_fingerprint(root))

    def problem(sheet, row, column, message, fix, severity="error"):
        plan.problems.append(SheetProblem(source, sheet, row, column, message, fix, severity))

    try:
        lib = load_library(root, today=today)
    except DataError as exc:
        problem(None, None, None, f"现有名单本身有 {len(exc.problems)} 处问题，不能导入",
                "先运行 python bot.py check 修好名单（或 /undo_import 撤销上次导入）")
        return plan
    try:
        raws = read(data, filename)
    except ReadError as exc:
        problem(None, None, None, exc.message, exc.fix)
        return plan
    sheets = sheet_specs(root)
    chains = ChainNames(lib.chains)
    files: dict[str, ListFile] = {}
    entries: dict[str, list[_Entry]] = {}          # spec pattern → records of every file of it

    def list_file(rel: str) -> ListFile:
        if rel not in files:
            files[rel] = ListFile(root / rel)
        return files[rel]

    def group(sheet: SheetSpec) -> list[_Entry]:
        key = sheet.spec.pattern
        if key not in entries:
            entries[key] = []
            for s in sheets:
                if s.spec.pattern != key:
                    continue
                for index, (raw, record) in enumerate(file_records(root, s, lib)):
                    entries[key].append(_Entry(s.file, index, raw, record, natural_key(s.model, raw)))
        return entries[key]

    seen: dict[tuple, tuple[str, int]] = {}         # (pattern, id or key) → (sheet, row) of its first row
    planned_ids: dict[str, set[str]] = {}
    row_of: dict[tuple[str, str], tuple[str, int, dict[str, str]]] = {}   # (file, id) → sheet, row, letters
    edits: list[tuple[str, object, dict, list[str], SheetSpec]] = []      # (action, entry/None, values, order, sheet)
    readable = 0

    for raw in raws:
        if raw.name in (EXPLAIN_TITLE, VALUES_TITLE) or not raw.rows:
            continue
        found = _recognise(raw, sheets, list_hint)
        if found[0] is None:
            if found[1]:
                problem(raw.name, None, None, found[1], found[2], "warning" if len(raws) > 1 else "error")
            continue
        sheet, header_index, mapping, ignored = found
        readable += 1
        existing = group(sheet)
        id_at = next((i for i, col in mapping.items() if col.field == "id"), None)
        if id_at is not None and _row_numbers(raw.rows[header_index + 1:], id_at) and \
                not any(str(getattr(e.record, "id", "") or "").isdigit() for e in existing):
            # a "编号" column of 1, 2, 3 … numbers the rows of a staff table: it is not our ids
            ignored.append(str(raw.rows[header_index][1][id_at]).strip()[:20])
            mapping = {i: col for i, col in mapping.items() if i != id_at}
        letters = {col.field: get_column_letter(i + 1) for i, col in mapping.items()}
        typed = {col.field: str(raw.rows[header_index][1][i]).strip() for i, col in mapping.items()}
        has_id = "id" in letters
        named_after = raw.name.strip() in (sheet.title, Path(sheet.file).stem)
        authoritative = has_id and named_after
        target = sheet.file
        order = list(sheet.model.model_fields)
        by_id = {e.record.id: e for e in existing if getattr(e.record, "id", None)}
        by_key: dict[tuple, list[_Entry]] = {}
        for e in existing:
            if e.key:
                by_key.setdefault(e.key, []).append(e)
        matched: set[int] = set()
        header_keys = {header_key(c) for c in raw.rows[header_index][1] if c is not None}
        rows = 0
        for rownum, cells in raw.rows[header_index + 1:]:
            if {header_key(c) for c in cells if c is not None} == header_keys:
                continue                            # the header repeated (a printed page break)
            values: dict[str, object] = {}
            bad = False
            for i, col in mapping.items():
                cell = cells[i] if i < len(cells) else None
                if blank(cell):
                    values[col.field] = None
                    continue
                try:
                    values[col.field] = convert(col, cell, chains)
                except CellError as exc:
                    problem(raw.name, rownum, letters[col.field], f"{typed[col.field]}：{exc.message}", exc.fix)
                    values[col.field] = None
                    bad = True
            if all(v is None for v in values.values()) and not bad:
                continue
            rows += 1
            row_id = values.get("id")
            key = natural_key(sheet.model, values)
            entry = None
            if row_id:
                entry = by_id.get(row_id)
            elif key:
                found_entries = by_key.get(key, [])
                if not found_entries and sheet.model is models.Person and not values.get("company"):
                    found_entries = [e for e in existing if e.key and e.key[:2] == key[:2]]
                if len(found_entries) > 1:
                    problem(raw.name, rownum, letters.get("name"), "名单里有多条同名记录，不知道改哪一条",
                            "在编号列写上要改的记录的编号（用 lists-export 导出可以看到编号）")
                    continue
                entry = found_entries[0] if found_entries else None
            ident = row_id or (entry.record.id if entry and getattr(entry.record, "id", None) else None)
            dup_keys = [k for k in ((sheet.spec.pattern, "id", ident) if ident else None,
                                    (sheet.spec.pattern, "key", key) if key and not row_id else None) if k]
            first = next((seen[k] for k in dup_keys if k in seen), None)
            if first:
                what = "同一条记录" if ident else ("同一人（姓名和单位相同）" if sheet.model is models.Person else "同名记录")
                where = f"第 {first[1]} 行" if first[0] == raw.name else f"工作表「{first[0]}」第 {first[1]} 行"
                problem(raw.name, rownum, letters.get("id" if row_id else "name") or letters.get("title"),
                        f"与{where}重复：{what}", "删除其中一行，或把两行合并成一行")
                continue
            for k in dup_keys:
                seen[k] = (raw.name, rownum)
            if entry is not None:
                matched.add((entry.file, entry.index))
            if bad:
                continue
            base = dict(entry.raw) if entry else {}
            new = dict(base)
            for fname, value in values.items():
                if value is None:
                    if authoritative and fname != "id":
                        new.pop(fname, None)
                else:
                    new[fname] = value
            if entry is None and "id" in sheet.model.model_fields and not new.get("id"):
                new["id"] = _new_id(sheet, new, list_file(target), {e.record.id for e in existing if getattr(e.record, "id", None)}
                                    | planned_ids.setdefault(sheet.spec.pattern, set()))
            if new.get("id"):
                planned_ids.setdefault(sheet.spec.pattern, set()).add(new["id"])
            try:
                record = sheet.model.model_validate({**new, **sheet.spec.extra})
            except ValidationError as exc:
                for err in exc.errors():
                    fname = str(err["loc"][0]) if err["loc"] else ""
                    col = sheet.column(fname) or next((c for c in mapping.values() if c.field == fname), None)
                    header = typed.get(fname) or (col.header if col else fname)
                    if err["type"] == "missing":
                        message, fix = f"缺少必填项「{header}」", "加上这一列并填写（必填列在导出模板的「说明」页标出）"
                    else:
                        message, fix = _describe(err, sheet.model)
                        message = f"{header}：{message}"
                    problem(raw.name, rownum, letters.get(fname), message, fix)
                continue
            file = entry.file if entry else target
            if getattr(record, "id", None):
                row_of[(file, record.id)] = (raw.name, rownum, letters)
            label = str(new.get("name") or new.get("title") or new.get("id") or "")
            if entry is None:
                cols = {c.field: c for c in columns_for(sheet.spec, set(sheet.model.model_fields))}
                shown = [FieldChange(f, cols[f].header if f in cols else f, "", _display(cols.get(f), getattr(record, f), lib))
                         for f in order if f in new and f not in sheet.spec.extra and new[f] not in (None, "", [])]
                plan.changes.append(Change("add", file, raw.name, rownum, new.get("id", ""), label, shown))
                edits.append(("add", None, new, order, sheet, file))
                continue
            old_dump = entry.record.model_dump(mode="json")
            new_dump = record.model_dump(mode="json")
            diff = [f for f in order if old_dump.get(f) != new_dump.get(f)]
            if not diff:
                continue
            cols = {c.field: c for c in columns_for(sheet.spec, set(sheet.model.model_fields))}
            shown = [FieldChange(f, cols[f].header if f in cols else f, _display(cols.get(f), getattr(entry.record, f), lib),
                                 _display(cols.get(f), getattr(record, f), lib)) for f in diff]
            plan.changes.append(Change("change", file, raw.name, rownum, getattr(record, "id", "") or "", label, shown))
            edits.append(("change", entry, {f: new.get(f) for f in diff}, order, sheet, file))
        if authoritative:
            for e in existing:
                if e.file == sheet.file and (e.file, e.index) not in matched:
                    rid = getattr(e.record, "id", "") or ""
                    name = getattr(e.record, "name", None) or getattr(e.record, "title", None) or rid
                    plan.changes.append(Change("remove", e.file, raw.name, None, rid, str(name)))
                    edits.append(("remove", e, {}, order, sheet, e.file))
        plan.sheets.append(SheetSummary(raw.name, sheet.title, sheet.file, rows, ignored))

    if not readable and not plan.problems:
        problem(None, None, None, "文件里没有可以导入的工作表", "第一行写表头，每行一条记录")
    # the new texts
    items = {(e.file, e.index): list_file(e.file).records()[e.index]     # before removals shift them
             for _, e, *_ in edits if e is not None}
    for action, entry, values, order, sheet, file in edits:
        lf = list_file(file)
        if action == "add":
            lf.append(values, order)
        elif action == "change":
            lf.set_fields(items[(entry.file, entry.index)], values, order)
        else:
            lf.remove(items[(entry.file, entry.index)])
    for rel, lf in files.items():
        if not lf.dirty:
            continue
        text = lf.dump()
        if text != lf.text:
            plan.texts[rel] = text
            plan.base[rel] = _hash(lf.text)
    if plan.texts:
        _check_staged(root, plan, lib, row_of, today, problem)
    return plan


_ID_SEQ = re.compile(r"^([a-z]+[-_])(\d+)$")


def _row_numbers(rows, index: int) -> bool:
    """Whether a column holds only whole numbers (1, 2, 3 … or １, ２), i.e. row numbers."""
    values = [cells[index] for _, cells in rows if index < len(cells) and not blank(cells[index])]
    return bool(values) and all(isinstance(v, int) and not isinstance(v, bool) or
                                isinstance(v, float) and v.is_integer() or
                                isinstance(v, str) and nfkc(v).isdigit() for v in values)


def _new_id(sheet: SheetSpec, values: dict, lf: ListFile, taken: set[str]) -> str:
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


def _check_staged(root: Path, plan: ImportPlan, lib, row_of, today, problem) -> None:
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
                problem(None, None, None, f"{p.file}:{p.line}: {p.message}", p.fix, p.severity)
            continue
        sheet, row, letters = origin
        fname = p.message.split(":", 1)[0].strip()
        problem(sheet, row, letters.get(fname), p.message, p.fix, p.severity)


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
