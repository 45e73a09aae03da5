"""A broken import leaves the served lists untouched (issue 15): nothing is written on errors,
errors the row checks cannot see (a reference to an unknown project) are found by loading the
new lists with the same loader as `bot.py check`, and the bot keeps serving what it served."""

from __future__ import annotations

import hashlib
import io

import pytest
from openpyxl import Workbook

from promo.services import Services
from promo.sheets import ImportRefused, apply_plan, plan_import

from .botkit import Clock, data_copy, settings_for
from .conftest import TODAY


def digest(root) -> str:
    h = hashlib.sha256()
    for top in ("lists", "pitch_library"):
        for p in sorted((root / top).rglob("*.yaml")):
            h.update(str(p.relative_to(root)).encode() + p.read_bytes())
    return h.hexdigest()


def workbook(sheet: str, headers: list, rows: list) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(headers)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def served(tmp_path):
    data = data_copy(tmp_path)
    services = Services(settings_for(tmp_path, data), clock=Clock())
    services.start()
    yield services, data
    services.stop()


def test_an_import_with_errors_writes_nothing_and_the_bot_keeps_its_lists(served):
    services, data = served
    before, version, people = digest(data), services.data_version, len(services.library.people)
    wb = workbook("乡贤企业家", ["姓名", "单位", "籍贯", "产业链"],
                  [["新人甲", "甲公司", "北安市", "乳制品"], ["新人乙", "乙公司", "北安市", "不存在的链"]])
    plan = plan_import(data, wb, "x.xlsx", today=TODAY)
    assert plan.count("add") == 1 and len(plan.errors) == 1
    with pytest.raises(ImportRefused, match="没有写入任何名单"):
        apply_plan(data, plan)
    assert digest(data) == before
    assert services.reload() is None and services.data_version == version
    assert len(services.library.people) == people


def test_an_error_only_the_loader_sees_is_reported_at_its_row(served):
    services, data = served
    before = digest(data)
    headers = ["编号", "标题", "形式", "层级", "项目编号", "语言", "链接"]
    row = ["new_deck", "新项目推介", "PPT", "项目", "no_such_project", "中文", "https://example.org/deck"]
    plan = plan_import(data, workbook("新增材料", headers, [row]), "材料.xlsx", list_hint="推介材料-项目", today=TODAY)
    assert plan.count("add") == 1 and plan.count("remove") == 0
    [error] = plan.errors
    assert str(error).startswith("材料.xlsx:新增材料!2:E: project: unknown project id 'no_such_project' — ")
    with pytest.raises(ImportRefused):
        apply_plan(data, plan)
    assert digest(data) == before and services.reload() is None
    # a sheet named after its file, with ids, is the whole file: the materials it lacks would go,
    # and the tour sites that show them would point at nothing
    plan = plan_import(data, workbook("推介材料-项目", headers, [row]), "材料.xlsx", today=TODAY)
    assert plan.count("remove") == 19
    assert any("lists/tour/sites.yaml" in str(p) and "unknown" in str(p) for p in plan.errors)
    assert digest(data) == before


@pytest.mark.parametrize("content, name, message", [
    (b"PK\x03\x04 not really a workbook", "坏文件.xlsx", "无法打开工作簿"),
    (b"%PDF-1.4", "名片.pdf", "不是表格文件"),
    (b"\xd0\xcf\x11\xe0", "老格式.xls", "不能直接读取 .xls 文件"),
    ("名称\n只有一列\n".encode(), "一列.csv", "认不出这是哪张名单"),
])
def test_unreadable_files_get_one_clear_problem(served, content, name, message):
    services, data = served
    before = digest(data)
    plan = plan_import(data, content, name, today=TODAY)
    assert len(plan.errors) == 1 and message in str(plan.errors[0]) and not plan.texts
    assert str(plan.errors[0]).startswith(name)
    assert digest(data) == before


def test_broken_lists_on_disk_are_not_imported_into(served):
    services, data = served
    path = data / "lists/projects.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n- id: BAD ID\n", encoding="utf-8")
    plan = plan_import(data, workbook("招商项目", ["名称"], [["新项目"]]), "p.xlsx", today=TODAY)
    assert not plan.ok and "现有名单本身有" in str(plan.errors[0]) and not plan.texts
