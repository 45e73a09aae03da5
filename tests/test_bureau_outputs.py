"""The bureau's outputs: charts with real Chinese glyphs (a missing glyph fails the test), the
bulletin workbook and printable page, the CLI report, the demo (load, refuse, remove) and the
checks of the units and targets lists."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import warnings

import pytest

from promo.bureau.charts import _figure, _png
from promo.bureau.demo import DemoRefused, load_demo, remove_demo
from promo.bureau.periods import Period
from promo.bureau.service import BureauService
from promo.cli import main
from promo.store.db import Database
from promo.lists.loader import DataError, load_library

from .conftest import ROOT

TODAY = dt.date(2026, 12, 3)


@pytest.fixture
def demo_db(tmp_path, library):
    db = Database(f"sqlite:///{tmp_path / 'demo.db'}")
    db.migrate()
    bureau = BureauService(db, library)
    load_demo(db, bureau.registry, library)
    yield db, bureau
    db.dispose()


def test_charts_render_every_chinese_label_with_a_font_that_has_the_glyphs(demo_db):
    db, bureau = demo_db
    snap = bureau.snapshot(Period("quarter", 2026, 3), TODAY)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # matplotlib warns "Glyph … missing from font(s)"
        png = bureau.ranking_png(snap)
        trend = bureau.trend_png("beian", 2026, TODAY, snap)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and trend[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image
    assert Image.open(io.BytesIO(png)).size[0] >= 1000
    # the check can fail: a character the font lacks is reported
    with pytest.warns(UserWarning, match="missing from font"):
        fig = _figure(2, 1)
        fig.add_subplot(1, 1, 1).set_title("\u0e01")   # Thai: not in Noto Sans SC
        _png(fig)


def test_the_demo_has_the_seed_scale_and_is_marked_and_removable(demo_db, library):
    db, bureau = demo_db
    board = bureau.snapshot(Period("quarter", 2026, 3), TODAY).board
    assert board.demo and board.totals["registered"] == 30
    assert board.totals["domestic"] == 1_029_000_000
    beian = board.row("beian")
    assert beian.figures["signed"].value == 12 and beian.figures["domestic"].value == 356_000_000
    assert sum(r.overdue for s in board.sections for r in s.rows) > 0
    with pytest.raises(DemoRefused):
        load_demo(db, bureau.registry, library)
    removed = remove_demo(db)
    assert removed["projects"] > 30
    board = bureau.snapshot(Period("quarter", 2026, 3), TODAY).board
    assert not board.demo and board.totals["signed"] == 0 and board.totals["contacts"] == 0


def test_officers_of_a_unit_the_list_does_not_know_are_pointed_out(demo_db):
    from promo.store.access import AccessStore

    db, bureau = demo_db
    AccessStore(db).seed([{"id": 71, "name": "甲", "role": "officer", "unit": "北安"},
                          {"id": 72, "name": "乙", "role": "officer", "unit": "市招商服务中心"}])
    notes = bureau.snapshot(Period("month", 2026, 9), TODAY).board.notes
    # (the demo's foreign capital in dollars and roubles has no rate here: its note comes first)
    assert notes[0].startswith("外资另有 ") and notes[1:] == ["授权名单中有单位不在单位清单（lists/units.yaml）中：市招商服务中心。"
                     "请登记该单位，或把它写成已有单位的别名（aliases）。"]


def test_the_bulletin_workbook_is_printable_with_numbers_as_numbers(demo_db):
    from openpyxl import load_workbook

    from promo.bureau.bulletin import bulletin_html, bulletin_xlsx

    db, bureau = demo_db
    snap = bureau.snapshot(Period("quarter", 2026, 3), TODAY)
    wb = load_workbook(io.BytesIO(bulletin_xlsx(snap, bureau.registry)))
    assert wb.sheetnames == ["全市汇总", "属地单位", "产业链专班", "市直部门", "节点督查", "项目明细", "统计口径"]
    ws = wb["属地单位"]
    assert ws["B1"].value == "单位" and ws["B2"].value == "北安市"
    assert ws["D2"].value == 35600 and isinstance(ws["D2"].value, (int, float))
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$1:$1" and ws.sheet_properties.pageSetUpPr.fitToPage
    html = bulletin_html(snap, bureau.registry, bureau.ranking_png(snap))
    assert "2026年第3季度招商引资工作通报" in html and "data:image/png;base64," in html and "演示数据" in html
    # nothing from the people lists, nor who logged a meeting
    people = [p.name for p in bureau._library().people]
    dump = html + "".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row)
    assert not [n for n in people if n in dump] and "演示专员" not in dump


def test_cli_report_and_demo(tmp_path, capsys, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("PROMO_DB_URL", url)
    assert main(["demo"]) == 0
    assert "已装入演示数据" in capsys.readouterr().out
    assert main(["demo"]) == 1
    assert "already loaded" in capsys.readouterr().err
    xlsx, png, page = tmp_path / "b.xlsx", tmp_path / "r.png", tmp_path / "b.html"
    assert main(["report", "--quarter", "2026Q3", "--today", "2026-12-03", "--xlsx", str(xlsx), "--png", str(png),
                 "--print", str(page)]) == 0
    out = capsys.readouterr().out
    assert "2026年第3季度 招商引资擂台赛（演示数据）" in out and " 1. 北安市: 内资到位 3.56亿元" in out
    assert xlsx.stat().st_size > 5000 and png.read_bytes()[:4] == b"\x89PNG" and "<table>" in page.read_text()
    pdf = tmp_path / "b.pdf"
    assert main(["report", "--quarter", "2026Q3", "--today", "2026-12-03", "--print", str(pdf)]) == 0
    assert pdf.read_bytes()[:5] == b"%PDF-" and b"+NotoSansSC" in pdf.read_bytes()
    capsys.readouterr()
    assert main(["report", "--quarter", "2026Q3", "--today", "2026-12-03", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["registered"] == 30 and data["sections"][0]["units"][0]["id"] == "beian"
    assert main(["report", "--quarter", "2026Q3", "--unit", "北安", "--today", "2026-12-03", "--json"]) == 0
    unit = json.loads(capsys.readouterr().out)
    assert unit["unit"]["figures"]["signed"]["value"] == 12 and len(unit["records"]["signed"]["projects"]) == 12
    assert main(["report", "--quarter", "2026Q9"]) == 2
    assert "2026Q3" in capsys.readouterr().err
    assert main(["report", "--unit", "北按市", "--month", "2026-07"]) == 2
    assert "北安市" in capsys.readouterr().err
    assert main(["demo", "--remove"]) == 0


def test_the_checker_names_file_line_and_fix(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "lists", data / "lists")
    shutil.copytree(ROOT / "pitch_library", data / "pitch_library")
    units = (data / "lists" / "units.yaml").read_text(encoding="utf-8")
    units = units.replace("  chain: dairy\n", "  chain: dairyy\n", 1).replace("    - 北安\n", "    - 爱辉\n", 1)
    (data / "lists" / "units.yaml").write_text(units, encoding="utf-8")
    targets = (data / "lists" / "targets.yaml").read_text(encoding="utf-8")
    targets = targets.replace("- unit: sunwu\n", "- unit: sunwuu\n", 1).replace("period: 2025Q3", "period: 2024Q3", 1)
    targets += "\n- unit: beian\n  year: 2026\n  signed: 3\n"
    (data / "lists" / "targets.yaml").write_text(targets, encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_library(data, use_cache=False)
    text = "\n".join(map(str, err.value.problems))
    assert "lists/units.yaml:" in text and "unknown chain id 'dairyy' — did you mean 'dairy'?" in text
    assert "the name '爱辉' is also used by unit 'aihui'" in text
    assert "lists/targets.yaml:" in text and "unknown unit id 'sunwuu' — did you mean 'sunwu'?" in text
    assert "period 2024Q3 is not in 2025" in text and "duplicate id 'beian-2026'" in text


def test_the_demo_s_dollars_and_roubles_in_every_output(tmp_path, capsys, monkeypatch):
    """The demo's foreign capital (promo/bureau/demo.py FOREIGN): with a dollar rate configured
    the report, its JSON, the workbook and the printable page show the yuan figure, the dollars
    at the stated rate and the rate line; the roubles (no rate) are noted as not converted."""
    from openpyxl import load_workbook

    monkeypatch.setenv("PROMO_DB_URL", f"sqlite:///{tmp_path / 'fx.db'}")
    monkeypatch.setenv("PROMO_FX_RATES", "USD=7.10")
    monkeypatch.setenv("PROMO_FX_DATE", "2026-11-30")
    monkeypatch.setenv("PROMO_FX_SOURCE", "中国人民银行中间价")
    assert main(["demo"]) == 0
    capsys.readouterr()
    xlsx, page = tmp_path / "b.xlsx", tmp_path / "b.html"
    assert main(["report", "--quarter", "2026Q3", "--today", "2026-12-03", "--xlsx", str(xlsx), "--print", str(page)]) == 0
    out = capsys.readouterr().out
    # 6000万 yuan + 2500万 + 1000万 + 500万美元 × 7.10 = 1.30亿元; 8000万卢布 not converted
    assert "外资到位 1.30亿元（其中 500万美元 @7.10，2026-11-30 中国人民银行中间价；另有 8000万卢布 未折算" in out
    assert "外资到位 9550万元(64%)（含 500万美元 @7.10）" in out and "外资到位 2500万元(21%)（3000万卢布未折算）" in out
    assert "外资折算汇率：1 USD = 7.10 元（2026-11-30，中国人民银行中间价）" in out
    assert "外资另有 8000万卢布 未折合人民币" in out
    text = page.read_text(encoding="utf-8")
    assert "其中 500万美元 @7.10" in text and "外资另有 8000万卢布 未折合人民币" in text
    wb = load_workbook(xlsx)
    rows = {r[0].value: r[1].value for r in wb["全市汇总"].iter_rows()}
    assert rows["外资到位（折人民币）"] == 13050 and rows["　其中 美元（原币）"] == 500
    assert rows["　未折算 卢布（原币，未配置汇率）"] == 8000 and "1 USD = 7.10 元" in rows["汇率"]
    assert main(["report", "--quarter", "2026Q3", "--today", "2026-12-03", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["foreign"] == 130_500_000
    assert data["foreign_detail"] == {"converted": {"USD": 5_000_000}, "unconverted": {"RUB": 80_000_000},
                                      "rates": [{"currency": "USD", "rate": "7.10", "date": "2026-11-30",
                                                 "source": "中国人民银行中间价"}]}
    ftz = next(u for s in data["sections"] for u in s["units"] if u["id"] == "ftz_zone")
    assert ftz["figures"]["foreign"]["value"] == 95_500_000 and ftz["foreign_detail"]["converted"] == {"USD": 5_000_000}
