"""A plan as a printable HTML page for the reception team (templates/tour_print.html.j2).

The template is rendered with autoescape on: visitor text typed by an officer (a company name
with <script>, quotes, ampersands) comes out as text.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from promo.tour.text import STOP_KIND_WORDS, WEEKDAY_WORDS, duration_text, short_url

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TEMPLATE = "tour_print.html.j2"
MAX_DROPPED_SHOWN = 12
LANGUAGE_LABELS = {"zh": "中文", "en": "英语（请安排翻译）", "ru": "俄语（请安排翻译）"}


def _env(templates: Path) -> Environment:
    return Environment(loader=FileSystemLoader(str(templates)), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


ASSUMED = "（估算）"


def _time(stop, assumed: bool = False) -> str:
    start, end = stop.start, stop.end
    if stop.kind == "hotel":
        return f"{start:%H:%M} 入住"
    if stop.kind == "departure":
        mark = ASSUMED if assumed else ""
        return f"{start:%H:%M} 到达<br>{end:%H:%M} 离开{mark}" if end > start else f"{end:%H:%M} 离开{mark}"
    if end.date() != start.date():
        return f"{start:%H:%M}–次日{end:%H:%M}"
    return f"{start:%H:%M}–{end:%H:%M}"


def qr_svg(url: str) -> str:
    """A QR code of `url` as inline SVG (paths only, no text)."""
    import segno

    return segno.make(url, error="m").svg_inline(scale=2, border=1, omitsize=False)


def material_views(materials) -> list[dict]:
    """Each material with its title and, for a web link, the address as printed and a QR code."""
    out = []
    for m in materials:
        link = m.link if m.link and m.link.startswith(("https://", "http://")) else None
        out.append({"id": m.id, "title": m.title or m.id, "link": link,
                    "short": short_url(link) if link else "", "qr": qr_svg(link) if link else ""})
    return out


def _stop_view(stop, language: str = "zh", assumed: bool = False) -> dict:
    travel = ""
    if stop.travel and stop.travel.minutes:
        travel = duration_text(stop.travel.minutes)
    return {
        "kind": stop.kind, "kind_label": ("午餐" if stop.meal == "lunch" else "晚餐") if stop.kind == "meal"
        else STOP_KIND_WORDS.get(stop.kind, stop.kind),
        "time": _time(stop, assumed and stop.kind == "departure"), "name": stop.name, "county": stop.county,
        "name_en": (stop.name_ru or stop.name_en) if language == "ru" else stop.name_en,
        "why": stop.why, "materials": material_views(stop.materials), "notes": stop.notes, "host": stop.host,
        "travel": travel,
    }


def printable_view(plan, generated: dt.datetime | None = None) -> dict:
    """What the printable page and the PDF show (times may hold "<br>" between two lines)."""
    days = []
    assumed = bool(getattr(plan, "departure_assumed", False))
    for d in plan.days:
        stops = [_stop_view(s, plan.request.language, assumed) for s in d.stops]
        days.append({"label": d.label, "date_text": f"{d.date:%Y年%m月%d日} {WEEKDAY_WORDS[d.date.isoweekday()]}",
                     "stops": stops})
    stops = plan.stops
    first = stops[0] if stops else None
    last = stops[-1] if stops else None
    rq = plan.request
    return dict(
        plan=plan, visitor=plan.visitor, reception=plan.reception, days=days,
        dropped=plan.dropped[:MAX_DROPPED_SHOWN], dropped_more=max(0, len(plan.dropped) - MAX_DROPPED_SHOWN),
        notes=plan.notes, show_en=rq.language != "zh",
        language_label=LANGUAGE_LABELS.get(rq.language, rq.language),
        generated=(generated or dt.datetime.now()).strftime("%Y-%m-%d %H:%M"),
        days_text=f"{rq.days:g}天",
        first_date=plan.days[0].date.isoformat() if plan.days else "",
        last_date=plan.days[-1].date.isoformat() if plan.days else "",
        arrival={"name": first.name if first else rq.arrival_place, "time": f"{rq.arrival:%Y-%m-%d %H:%M}"},
        departure={"name": last.name if last else "", "time": f"{last.end:%Y-%m-%d %H:%M}" if last else "",
                   "assumed": assumed},
    )


def render_printable(plan, generated: dt.datetime | None = None, templates: Path | None = None) -> str:
    """The HTML page (UTF-8 text)."""
    from markupsafe import Markup

    env = _env(templates or TEMPLATES)
    view = printable_view(plan, generated)
    for day in view["days"]:
        for stop in day["stops"]:
            # the only markup we add ourselves: a line break between two times, and QR codes
            stop["time"] = Markup("<br>").join(stop["time"].split("<br>"))
            for m in stop["materials"]:
                m["qr"] = Markup(m["qr"])
    return env.get_template(TEMPLATE).render(**view)
