"""Lists in spreadsheets (issue 15): the exported workbook is the template and the example of
every list, and importing it back changes nothing; an edited workbook changes exactly the edited
records, keeps the files' comments, and /undo restores them byte for byte."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from promo.lists.loader import load_library
from promo.sheets import apply_plan, export_workbook, plan_import, undo_last
from promo.sheets.fields import EXPLAIN_TITLE, Kind, columns_for, header_key, header_words, sheet_specs
from promo.sheets.plan import _map_headers

from .botkit import data_copy
from .conftest import ROOT, TODAY
from .sample import person

FIRST, FOURTH = person("ht-001"), person("ht-004")     # the first and fourth rows of 乡贤企业家


def digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for top in ("lists", "pitch_library") for p in sorted((root / top).rglob("*.yaml"))}


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wb") / "lists.xlsx"
    export_workbook(ROOT, out)
    return out


def test_export_then_import_of_the_sample_changes_nothing(workbook, tmp_path):
    data = data_copy(tmp_path)
    before = digest(data)
    plan = plan_import(data, workbook.read_bytes(), workbook.name, today=TODAY)
    assert plan.problems == [] and plan.changes == [] and plan.texts == {}
    assert apply_plan(data, plan) is None
    assert digest(data) == before
    # every file of every list was read as its own sheet, every row as a record
    lib = load_library(data, use_cache=False, today=TODAY)
    read = {s.file: s.rows for s in plan.sheets}
    assert set(read) == set(before)
    assert sum(read.values()) == sum(len(v) for v in lib.lists.values())
    assert all(s.ignored == [] for s in plan.sheets)


def test_the_workbook_is_a_template(workbook):
    wb = load_workbook(workbook)
    assert wb.sheetnames[0] == EXPLAIN_TITLE
    ws = wb["乡贤企业家"]
    headers = [c.value for c in ws[1]]
    assert headers[:4] == ["编号", "姓名", "英文名", "单位"] and "籍贯" in headers and "毕业院校" not in headers
    assert [ws.cell(1, i + 1).comment.text for i in range(4)] == ["id", "name", "name_en", "company"]
    assert ws.freeze_panes == "B2"
    assert ws.column_dimensions["B"].width >= 8
    last_contact = ws.cell(2, headers.index("最近联系") + 1)
    assert isinstance(last_contact.value, dt.datetime) and last_contact.number_format == "yyyy-mm-dd"
    assert ws.cell(2, headers.index("手机") + 1).value == FIRST.phone
    chains = ws.cell(2, headers.index("产业链") + 1).value
    assert chains == "、".join(load_library(ROOT).chain_name(c) for c in FIRST.chains) != "、".join(FIRST.chains)
    # drop-downs: fixed values in one place, chains suggested (several per cell allowed)
    mats = wb["推介材料-城市"]
    formulas = {str(dv.sqref).split(":")[0][0]: dv for dv in mats.data_validations.dataValidation}
    kind_col = [c.value for c in mats[1]].index("形式")
    kind_dv = formulas["ABCDEFGHIJKLMNOPQRSTUVWXYZ"[kind_col]]
    values = wb["_可选值"]
    assert wb["_可选值"].sheet_state == "hidden"
    ref = kind_dv.formula1.split("!")[1].replace("$", "")
    labels = [c.value for row in values[ref] for c in row]
    assert labels == ["视频", "图册", "PPT", "文档", "网页"] and kind_dv.showErrorMessage
    chain_dvs = [dv for dv in ws.data_validations.dataValidation if not dv.showErrorMessage]
    assert chain_dvs, "the chains column suggests chain names"
    explain = wb[EXPLAIN_TITLE]
    rows = [[c.value for c in row] for row in explain.iter_rows()]
    assert ["乡贤企业家", "lists/people/hometown.yaml", "籍贯", "hometown"] in [r[:4] for r in rows]


def test_every_header_reads_back_as_its_own_field():
    for sheet in sheet_specs(ROOT):
        cols = columns_for(sheet.spec, set(sheet.model.model_fields))
        mapping, ignored, _ = _map_headers([c.header for c in cols], sheet)
        assert ignored == [] and [c.field for c in mapping.values()] == [c.field for c in cols], sheet.file
        # and the header with the field in brackets, as some staff write it
        mapping, _, _ = _map_headers([f"{c.header}({c.field})" for c in cols], sheet)
        assert [c.field for c in mapping.values()] == [c.field for c in cols]
        for c in cols:
            assert header_key(c.header) in header_words(c)
        assert all(c.kind in Kind for c in cols)


def _edit(workbook: Path, sheet: str, edits) -> bytes:
    wb = load_workbook(workbook)
    ws = wb[sheet]
    headers = [c.value for c in ws[1]]
    for action, row, values in edits:
        if action == "set":
            for header, value in values.items():
                ws.cell(row, headers.index(header) + 1, value)
        elif action == "delete":
            ws.delete_rows(row)
        elif action == "append":
            r = ws.max_row + 1
            for header, value in values.items():
                ws.cell(r, headers.index(header) + 1, value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_an_edited_workbook_changes_exactly_the_edited_records_and_undo_restores(workbook, tmp_path):
    data = data_copy(tmp_path)
    path = data / "lists/people/hometown.yaml"
    original = path.read_text(encoding="utf-8")
    edited = _edit(workbook, "乡贤企业家", [
        ("set", 2, {"手机": "+86 138-0000-9999", "关系强度": "４" if FIRST.strength != 4 else "３"}),   # typed loosely
        ("delete", 5, None),                                            # ht-004 goes
        ("append", None, {"姓名": "测试人", "单位": "某某公司", "籍贯": "孙吴县", "产业链": "乳业、大豆",
                          "最近联系": "2026年3月5日"}),
    ])
    plan = plan_import(data, edited, "乡贤.xlsx", today=TODAY)
    assert plan.problems == []
    summary = [(c.action, c.record_id, [(f.field, f.old, f.new) for f in c.fields]) for c in plan.changes]
    strength = "4" if FIRST.strength != 4 else "3"
    assert summary[0] == ("change", "ht-001", [("phone", FIRST.phone, "13800009999"), ("strength", str(FIRST.strength), strength)])
    assert summary[1][:2] == ("add", "ht-053")
    assert ("chains", "", "乳制品产业链、大豆精深加工产业链") in summary[1][2]
    assert summary[2][:2] == ("remove", "ht-004") and len(summary) == 3
    assert list(plan.texts) == ["lists/people/hometown.yaml"]
    backup = apply_plan(data, plan, dt.datetime(2026, 11, 26, 10, 0))
    new = path.read_text(encoding="utf-8")
    # comments and untouched records are kept; the changed lines are the only differences
    import difflib

    diff = [line for line in difflib.unified_diff(original.splitlines(), new.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert f"-  phone: \"{FIRST.phone}\"" in diff and "+  phone: \"13800009999\"" in diff
    assert f"+  strength: {strength}" in diff and f"-  strength: {FIRST.strength}" in diff
    assert "-- id: ht-004" in diff
    assert "+- id: ht-053" in diff and "+  chains: [dairy, soybean]" in diff and "+  last_contact: 2026-03-05" in diff
    assert all(line.startswith("-") for line in diff if "ht-00" in line or FOURTH.name in line)
    assert new.startswith(original.split("- id: ht-001")[0])          # the header comments
    assert "# ----------------------------------------------------------------- 爱辉区" in new
    lib = load_library(data, use_cache=False, today=TODAY)
    person = lib.get("people", "ht-053")
    assert (person.name, person.company, person.chains, person.hometown, person.last_contact) == \
        ("测试人", "某某公司", ["dairy", "soybean"], "孙吴县", dt.date(2026, 3, 5))
    assert lib.get("people", "ht-004") is None and lib.get("people", "ht-001").phone == "13800009999"
    assert (backup / "lists/people/hometown.yaml").read_text(encoding="utf-8") == original
    # the same workbook again: nothing left to do
    assert plan_import(data, edited, "乡贤.xlsx", today=TODAY).texts == {}
    manifest = undo_last(data)
    assert manifest["files"] == {"lists/people/hometown.yaml": "replaced"}
    assert path.read_text(encoding="utf-8") == original
    assert undo_last(data) is None


def test_a_plan_made_before_the_lists_changed_is_refused(workbook, tmp_path):
    from promo.sheets import ImportRefused

    data = data_copy(tmp_path)
    plan = plan_import(data, _edit(workbook, "招商项目", [("set", 2, {"投资额（元）": "1.5亿"})]), "p.xlsx", today=TODAY)
    assert [(f.field, f.new) for c in plan.changes for f in c.fields] == [("investment_yuan", "150000000")]
    path = data / "lists/projects.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited by hand meanwhile\n", encoding="utf-8")
    with pytest.raises(ImportRefused, match="预览之后被修改过"):
        apply_plan(data, plan)
    assert path.read_text(encoding="utf-8").endswith("# edited by hand meanwhile\n")


def test_cli_export_and_import(tmp_path):
    data = data_copy(tmp_path)
    out = tmp_path / "lists.xlsx"
    env = {"PROMO_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}

    def bot(*args):
        return subprocess.run([sys.executable, str(ROOT / "bot.py"), *args, "--data", str(data)],
                              capture_output=True, text=True, timeout=300, env=env)

    done = bot("lists-export", "--xlsx", str(out))
    assert done.returncode == 0 and "乡贤企业家 52" in done.stdout
    before = digest(data)
    done = bot("lists-import", str(out), "--dry-run")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "新增 0 条，修改 0 条，删除 0 条；错误 0 个" in done.stdout and "名单没有变化" in done.stdout
    csv = tmp_path / "项目.csv"
    csv.write_text("名称,县区,投资额\n黑河测试项目,孙吴县,3000万\n", encoding="gb18030")
    done = bot("lists-import", str(csv), "--list", "projects", "--dry-run")
    assert done.returncode == 0 and "新增 1 条" in done.stdout and "投资额（元）：30000000" in done.stdout
    assert digest(data) == before
    done = bot("lists-import", str(csv), "--list", "projects")
    assert done.returncode == 0 and "已写入：lists/projects.yaml" in done.stdout
    assert load_library(data, use_cache=False, today=TODAY).get("projects", "hei-he-ce-shi-xiang-mu").investment_yuan == 30_000_000
    done = bot("lists-undo")
    assert done.returncode == 0 and digest(data) == before
