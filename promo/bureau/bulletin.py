"""The quarterly bulletin (按季通报): an .xlsx workbook (one sheet per table, Chinese headers,
numbers as numbers, printable: landscape, fit to width, the header row repeated on every page),
a PDF (A4 landscape, the ranking chart, tables with repeated headers) and a printable HTML page
with the charts embedded, for the leaders' meeting.

No people-list data goes in: units, projects (name, company, stage, capital) and counts only —
never the persons met, their titles or phone numbers, nor who logged a meeting.
"""

from __future__ import annotations

import base64
import io

from promo.render import render

from promo.meetings.fx import CURRENCY_NAMES
from promo.bureau.charts import money_label
from promo.bureau.milestones import CHECK_LABELS
from promo.bureau.scoreboard import INDICATORS
from promo.bureau.service import Snapshot

__all__ = ["bulletin_xlsx", "bulletin_html", "bulletin_pdf", "unit_rows"]

STAGE_CN = {"contact": "对接", "signed": "签约", "registered": "入统", "started": "开工"}


def _cell(f, key):
    """(value, number format) for a figure: yuan as 万元 numbers, rates as percentages."""
    kind = INDICATORS[key].kind
    if f.value is None:
        return None, "General"
    if kind == "yuan":
        return round(f.value / 10_000, 2), "#,##0.00"
    if kind == "rate":
        return f.value, "0.0%"
    return f.value, "0"


def unit_rows(section):
    headers = ["名次", "单位", "负责人"]
    for key in section.columns:
        ind = INDICATORS[key]
        unit = "（万元）" if ind.kind == "yuan" else ""
        headers.append(f"{ind.label}{unit}")
        if ind.kind != "rate":
            headers += [f"{ind.label}全年累计{unit}", f"{ind.label}目标{unit}", f"{ind.label}完成率"]
    headers += ["内资到位同比", "逾期节点"]
    rows = []
    for r in section.rows:
        row = [(r.position, "0"), (r.name, "@"), (r.lead or "", "@")]
        for key in section.columns:
            f = r.figures[key]
            row.append(_cell(f, key))
            if INDICATORS[key].kind != "rate":
                scale = 10_000 if INDICATORS[key].kind == "yuan" else 1
                fmt = "#,##0.00" if scale > 1 else "0"
                row.append((round(f.ytd / scale, 2) if f.ytd is not None else None, fmt))
                row.append((round(f.target / scale, 2) if f.target else None, fmt))
                row.append((f.completion, "0.0%"))
        g = r.figures["domestic"].growth
        row.append((g, "0.0%"))
        row.append((r.overdue, "0"))
        rows.append(row)
    return headers, rows


def bulletin_xlsx(snap: Snapshot, registry) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    board = snap.board
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")

    def sheet(title, headers, rows, widths=None):
        ws = wb.create_sheet(title[:31])
        ws.append(headers)
        for c in ws[1]:
            c.font, c.fill = bold, fill
            c.alignment = Alignment(wrap_text=True, vertical="center")
        for row in rows:
            ws.append([v for v, _ in row])
            for c, (_, fmt) in zip(ws[ws.max_row], row):
                c.number_format = fmt
        for i, h in enumerate(headers, 1):
            ws.column_dimensions[get_column_letter(i)].width = (widths or {}).get(i, max(10, min(30, len(h) * 2 + 2)))
        ws.freeze_panes = "A2"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_title_rows = "1:1"
        ws.oddHeader.center.text = f"{board.period.label}招商引资工作通报 · {title}"
        ws.oddFooter.center.text = "第 &P 页，共 &N 页"
        return ws

    t = board.totals
    summary = [[("签约项目", "@"), (t["signed"], "0"), ("个", "@")], [("入统项目", "@"), (t["registered"], "0"), ("个", "@")],
               [("开工项目", "@"), (t["started"], "0"), ("个", "@")],
               [("内资到位", "@"), (round(t["domestic"] / 10_000, 2), "#,##0.00"), ("万元", "@")],
               [("外资到位（折人民币）", "@"), (round(t["foreign"] / 10_000, 2), "#,##0.00"), ("万元", "@")],
               [("高能级项目", "@"), (t["high_level"], "0"), ("个", "@")], [("对接活动", "@"), (t["contacts"], "0"), ("次", "@")],
               [("时间进度", "@"), (board.time_progress, "0.0%"), ("", "@")],
               [("数据截至", "@"), (board.today.isoformat(), "@"), ("", "@")]]
    if board.demo:
        summary.insert(0, [("演示数据", "@"), ("本通报由演示数据生成", "@"), ("", "@")])
    at = next(i for i, row in enumerate(summary) if row[0][0] == "外资到位（折人民币）") + 1
    per_currency = [[(f"　其中 {CURRENCY_NAMES.get(c, c)}（原币）", "@"), (round(a / 10_000, 2), "#,##0.00"), (f"万{c}", "@")]
                    for c, a in board.foreign.get("converted", {}).items()]
    per_currency += [[(f"　未折算 {CURRENCY_NAMES.get(c, c)}（原币，未配置汇率）", "@"), (round(a / 10_000, 2), "#,##0.00"),
                      (f"万{c}", "@")] for c, a in board.foreign.get("unconverted", {}).items()]
    summary[at:at] = per_currency
    if board.rate_line():
        summary.append([("汇率", "@"), (board.rate_line(), "@"), ("", "@")])
    sheet("全市汇总", ["指标", "数值", "单位"], summary, {1: 22, 2: 18, 3: 8})
    for section in board.sections:
        headers, rows = unit_rows(section)
        sheet(section.label.split("（")[0], headers, rows, {2: 22, 3: 24})
    late = [[(registry.get(o.unit_id).name if registry.get(o.unit_id) else o.unit_id, "@"), (o.project_id, "0"),
             (o.project, "@"), (o.label, "@"), (o.due.isoformat(), "@"), (o.days_over, "0"), (o.detail, "@")]
            for items in snap.overdue.values() for o in items]
    sheet("节点督查", ["单位", "项目编号", "项目", "督查事项", "应完成日期", "逾期天数", "说明"], late, {3: 36, 7: 40})
    projects = []
    p = board.period
    for g in snap.ledger.groups:
        if not any(d and p.first <= d <= p.last for d in g.dates.values()):
            continue
        unit = snap.ledger.unit_of(g.owner.unit)
        u = registry.get(unit)
        dom = snap.ledger.capital_in(g, "domestic", p.first, p.last)
        frn = snap.ledger.capital_in(g, "foreign", p.first, p.last)
        frn_text = board.foreign_text(snap.ledger.foreign_detail([g], p.first, p.last))
        stage = max((st for st in STAGE_CN if g.reached(st, p.last)), key=list(STAGE_CN).index, default="contact")
        projects.append([(u.name if u else unit, "@"), (g.owner.id, "0"), (g.owner.name, "@"), (g.owner.company or "", "@"),
                         (STAGE_CN[stage], "@"), (g.dates["signed"].isoformat() if g.dates["signed"] else "", "@"),
                         (g.dates["registered"].isoformat() if g.dates["registered"] else "", "@"),
                         (round(dom / 10_000, 2), "#,##0.00"), (round(frn / 10_000, 2), "#,##0.00"), (frn_text, "@")])
    projects.sort(key=lambda r: (r[0][0], r[1][0]))
    sheet("项目明细", ["单位", "项目编号", "项目", "企业", "阶段", "签约日期", "入统日期", "本期内资到位（万元）",
                   "本期外资到位（万元）", "外资原币及汇率"], projects, {3: 36, 4: 30, 10: 50})
    sheet("统计口径", ["说明"], [[(line, "@")] for line in board.rules.split("\n") if line.strip()], {1: 120})
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def bulletin_html(snap: Snapshot, registry, ranking: bytes | None = None, trends: dict[str, bytes] | None = None) -> str:
    """A printable page (A4 landscape, print it or save as PDF from the browser)."""
    b64 = lambda data: base64.b64encode(data).decode("ascii")  # noqa: E731
    return render("bureau_print.html.j2", board=snap.board, overdue=snap.overdue, registry=registry,
                  indicators=INDICATORS, money=money_label, checks=CHECK_LABELS,
                  ranking=b64(ranking) if ranking else None,
                  trends={k: b64(v) for k, v in (trends or {}).items()})


def bulletin_pdf(snap: Snapshot, registry, ranking: bytes | None = None) -> bytes:
    """The bulletin as a PDF (A4 landscape): totals, the ranking chart, one table per kind of
    unit with the header row repeated on every page, the overdue nodes. Noto Sans SC from
    requirements.txt (promo.fonts), as the tour's PDF."""
    from fpdf import FPDF
    from fpdf.enums import WrapMode
    from fpdf.fonts import FontFace

    from promo.fonts import cjk_font_path

    from promo.bureau.present import growth, pct, value

    board = snap.board
    pdf = FPDF(orientation="L", format="A4", unit="mm")
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_font("NotoSansSC", "", str(cjk_font_path()))
    pdf.set_title(f"{board.period.label}招商引资工作通报")
    pdf.add_page()
    pdf.set_font("NotoSansSC", size=17)
    pdf.cell(0, 9, f"{board.period.label}招商引资工作通报", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("NotoSansSC", size=9)
    t = board.totals
    g = board.totals_growth("domestic")
    lines = [("本通报由演示数据生成，不是真实统计。" if board.demo else ""),
             f"数据截至 {board.today} · 时间进度 {pct(board.time_progress)} · {board.growth_source}",
             f"全市签约项目 {t['signed']} 个，入统项目 {t['registered']} 个，开工项目 {t['started']} 个；内资到位 "
             f"{value('domestic', t['domestic'])}{'（较上年同期增长' + growth(g) + '）' if g is not None else ''}，"
             f"外资到位 {value('foreign', t['foreign'])}{'（' + board.foreign_text() + '）' if board.foreign_text() else ''}；"
             f"高能级项目 {t['high_level']} 个；对接活动 {t['contacts']} 次。",
             board.rate_line(), *board.notes]
    for line in filter(None, lines):
        pdf.multi_cell(0, 4.6, line, wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")
    if ranking:
        pdf.add_page()
        from PIL import Image

        w, h = Image.open(io.BytesIO(ranking)).size
        height = min(pdf.h - 26, (pdf.w - 24) * h / w)
        pdf.image(io.BytesIO(ranking), h=height, x=(pdf.w - height * w / h) / 2)
    head_style = FontFace(emphasis=None, fill_color=(221, 235, 247))
    for section in board.sections:
        pdf.add_page()
        pdf.set_font("NotoSansSC", size=12.5)
        pdf.cell(0, 8, section.label, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("NotoSansSC", size=8)
        cols = section.columns
        widths = [10, 40] + [22] * len(cols) + [16, 14]
        with pdf.table(col_widths=widths, text_align="CENTER", line_height=4.2, wrapmode=WrapMode.CHAR,
                       headings_style=head_style, repeat_headings=1, padding=0.8) as table:
            head = table.row()
            for heading in ["名次", "单位", *(INDICATORS[k].label for k in cols), "同比", "逾期节点"]:
                head.cell(heading)
            for r in section.rows:
                row = table.row()
                row.cell(str(r.position))
                row.cell(r.name, align="LEFT")
                for k in cols:
                    f = r.figures[k]
                    done = f" ({pct(f.completion)})" if f.completion is not None else ""
                    row.cell(value(k, f.value) + done)
                row.cell(growth(r.figures["domestic"].growth))
                row.cell(str(r.overdue))
    late = [(registry.get(u).name if registry.get(u) else u, o) for u, items in snap.overdue.items() for o in items]
    if late:
        pdf.add_page()
        pdf.set_font("NotoSansSC", size=12.5)
        pdf.cell(0, 8, "节点督查（逾期节点）", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("NotoSansSC", size=8)
        with pdf.table(col_widths=(34, 80, 30, 22, 16, 71), text_align="LEFT", line_height=4.2,
                       wrapmode=WrapMode.CHAR, headings_style=head_style, repeat_headings=1, padding=0.8) as table:
            head = table.row()
            for heading in ("单位", "项目", "督查事项", "应完成日期", "逾期天数", "说明"):
                head.cell(heading)
            for name, o in late:
                row = table.row()
                for cell in (name, f"#{o.project_id} {o.project}", o.label, o.due.isoformat(), str(o.days_over), o.detail):
                    row.cell(cell)
    return bytes(pdf.output())
