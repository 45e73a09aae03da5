"""A plan as a PDF for the reception team — what phones print (they print PDFs, not HTML
attachments). The same content as the printable page (printable.printable_view), A4, one table
per day, set in Noto Sans SC from promo.fonts (embedded as a subset), with each material's
address printed and a QR code for it at the end.
"""

from __future__ import annotations

import datetime as dt
import io

from promo.tour.printable import printable_view

FONT = "NotoSansSC"
WIDTHS = (22, 40, 56, 42, 26)          # mm, 186 in all (A4 less 12 mm margins)
HEADINGS = ("时间", "地点", "内容与展示材料", "接待 / 陪同", "车程")


def _qr_png(url: str) -> io.BytesIO:
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=4, border=2)
    out.seek(0)
    return out


def _what(stop: dict) -> str:
    lines = [stop["why"]] if stop["why"] else []
    for m in stop["materials"]:
        lines.append(f"· {m['title']}" + (f"\n  {m['short']}" if m["short"] else ""))
    if stop["notes"]:
        lines.append(f"提示：{stop['notes']}")
    return "\n".join(lines)


def _place(stop: dict, show_en: bool) -> str:
    text = f"［{stop['kind_label']}］{stop['name']}"
    if stop["name_en"] and show_en:
        text += f"\n{stop['name_en']}"
    if stop["county"]:
        text += f"\n{stop['county']}"
    return text


def render_pdf(plan, generated: dt.datetime | None = None) -> bytes:
    """The PDF as bytes."""
    from promo.fonts import cjk_font_path

    v = printable_view(plan, generated)
    doc = _Doc(cjk_font_path())
    pdf = doc.pdf
    who = v["visitor"].get("company") or v["visitor"].get("raw") or "来访客商"
    pdf.set_title(f"考察行程单 · {who}")
    pdf.set_creator("tour planner")
    pdf.add_page()
    pdf.set_font(FONT, size=17)
    pdf.cell(0, 9, "考察接待行程单", new_x="LMARGIN", new_y="NEXT")
    doc.para(f"行程编号 {plan.plan_id} · 生成于 {v['generated']} · 共{v['days_text']}"
             f"（{v['first_date']} 至 {v['last_date']}）", 8.5)
    doc.heading("来访者")
    doc.pairs(_visitor_rows(v))
    doc.heading("接待规格")
    doc.pairs(_reception_rows(v["reception"]))
    for day in v["days"]:
        doc.day_table(day, v["show_en"])
    _dropped_and_notes(doc, v)
    _qr_codes(doc, v)
    pdf.ln(3)
    doc.para("内部接待资料，请勿外传。时间与车程为估算（见 lists/tour/README.md），出发前请与各点位确认开放安排。", 8)
    return bytes(pdf.output())


class _Doc:
    """An A4 FPDF in Noto Sans SC with the page's building blocks."""

    def __init__(self, font_path):
        from fpdf import FPDF

        self.pdf = FPDF(format="A4", unit="mm")
        self.pdf.set_margins(12, 14, 12)
        self.pdf.set_auto_page_break(True, margin=16)
        self.pdf.add_font(FONT, "", str(font_path))

    def heading(self, text: str, size: float = 12.5) -> None:
        from fpdf.enums import WrapMode

        pdf = self.pdf
        pdf.set_font(FONT, size=size)
        pdf.ln(2)
        pdf.multi_cell(0, size * 0.5, text, wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")
        pdf.set_draw_color(60, 60, 60)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(1.5)

    def para(self, text: str, size: float = 9.5) -> None:
        from fpdf.enums import WrapMode

        self.pdf.set_font(FONT, size=size)
        self.pdf.multi_cell(0, size * 0.48, text, wrapmode=WrapMode.CHAR, new_x="LMARGIN", new_y="NEXT")

    def pairs(self, rows: list[tuple[str, str]]) -> None:
        from fpdf.enums import WrapMode

        self.pdf.set_font(FONT, size=9.5)
        with self.pdf.table(col_widths=(24, 162), first_row_as_headings=False, borders_layout="NONE",
                            text_align="LEFT", line_height=4.6, wrapmode=WrapMode.CHAR, padding=0.6) as table:
            for k, val in rows:
                row = table.row()
                row.cell(k)
                row.cell(val or "")

    def day_table(self, day: dict, show_en: bool) -> None:
        from fpdf.enums import WrapMode
        from fpdf.fonts import FontFace

        pdf = self.pdf
        if pdf.get_y() > pdf.h - pdf.b_margin - 45:     # no day heading alone at a page's foot
            pdf.add_page()
        self.heading(f"{day['label']} · {day['date_text']}")
        pdf.set_font(FONT, size=9)
        with pdf.table(col_widths=WIDTHS, text_align="LEFT", line_height=4.3, wrapmode=WrapMode.CHAR,
                       padding=1.0, headings_style=FontFace(emphasis=None, fill_color=(235, 235, 235)),
                       repeat_headings=1) as table:
            head = table.row()
            for h in HEADINGS:
                head.cell(h)
            for s in day["stops"]:
                row = table.row()
                row.cell(s["time"].replace("<br>", "\n"))
                row.cell(_place(s, show_en))
                row.cell(_what(s))
                row.cell(s["host"] or "")
                row.cell(s["travel"] or "")


def _visitor_rows(v: dict) -> list[tuple[str, str]]:
    vis, dep = v["visitor"], v["departure"]
    level = (vis.get("level_label") or "") + ("（级别未知，按此安排）" if vis.get("level_assumed") else "")
    chains = "、".join(c["label"] for c in vis.get("chains") or []) or "（未对应具体产业链）"
    rows = [("企业", vis.get("company") or "（未注明）"),
            ("来访者", f"{vis.get('title') or '（职务未注明）'} · {level}"
                    + (f" · {vis['audience_label']}" if vis.get("audience_label") else "")),
            ("对口产业链", chains)]
    if vis.get("city"):
        rows.append(("常驻城市", vis["city"]))
    rows += [("语言", v["language_label"]), ("原始描述", vis.get("raw") or ""),
             ("抵达", f"{v['arrival']['name']} · {v['arrival']['time']}"),
             ("离开", f"{dep['name']} · {dep['time']}"
                    + ("（估算：未给出离开时间，按行程结束安排，请与来访者确认）" if dep.get("assumed") else ""))]
    return rows


def _reception_rows(rec: dict) -> list[tuple[str, str]]:
    chair = rec.get("chair")
    receiver = rec.get("receiver")
    rows = [("会见/主持", (chair["label"] if chair else "待定")
             + (f"（规格要求：{receiver['label']}）" if receiver and chair and receiver["id"] != chair["id"] else ""))]
    if rec.get("alternates"):
        rows.append(("备选", "、".join(o["label"] for o in rec["alternates"])))
    if rec.get("with"):
        rows.append(("参加", "、".join(o["label"] for o in rec["with"])))
    if rec.get("taskforce_lead"):
        rows.append(("产业链专班", rec["taskforce_lead"]["label"]
                     + (f"；{rec['taskforce_office']['label']}" if rec.get("taskforce_office") else "")))
    rows.append(("陪同", rec.get("escort") or "（未指定）"))
    rows.append(("规格说明", (rec.get("note") or "") + (f"\n{rec['escort_note']}" if rec.get("escort_note") else "")))
    return rows


def _dropped_and_notes(doc: _Doc, v: dict) -> None:
    if v["dropped"]:
        doc.heading("未安排的相关点位")
        for d in v["dropped"]:
            doc.para(f"· {d.name}：{d.reason}")
        if v["dropped_more"]:
            doc.para(f"…… 另有 {v['dropped_more']} 个（见电子版）")
    if v["notes"]:
        doc.heading("说明")
        for n in v["notes"]:
            doc.para(f"· {n}")


def _qr_codes(doc: _Doc, v: dict) -> None:
    """A QR code for every material link, each once, after the days."""
    from fpdf.enums import WrapMode

    links: dict[str, dict] = {}
    for day in v["days"]:
        for s in day["stops"]:
            for m in s["materials"]:
                if m["link"]:
                    links.setdefault(m["link"], m)
    if not links:
        return
    pdf = doc.pdf
    doc.heading("展示材料二维码（手机扫码打开）")
    size = 22
    for m in links.values():
        if pdf.get_y() + size + 2 > pdf.h - pdf.b_margin:
            pdf.add_page()
        y = pdf.get_y()
        pdf.image(_qr_png(m["link"]), x=pdf.l_margin, y=y, w=size, h=size)
        pdf.set_xy(pdf.l_margin + size + 3, y + 4)
        pdf.set_font(FONT, size=9.5)
        pdf.multi_cell(0, 4.6, f"{m['title']}\n{m['short']}", wrapmode=WrapMode.CHAR,
                       new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(y + size + 2)
