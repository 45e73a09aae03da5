"""A plan as a printable HTML page for the reception team (templates/tour_print.html.j2).

The template is rendered with autoescape on: visitor text typed by an officer (a company name
with <script>, quotes, ampersands) comes out as text.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .text import STOP_KIND_WORDS, WEEKDAY_WORDS

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
TEMPLATE = "tour_print.html.j2"
MAX_DROPPED_SHOWN = 12
LANGUAGE_LABELS = {"zh": "中文", "en": "英语（请安排翻译）", "ru": "俄语（请安排翻译）"}


def _env(templates: Path) -> Environment:
    return Environment(loader=FileSystemLoader(str(templates)), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _time(stop) -> str:
    start, end = stop.start, stop.end
    if stop.kind == "hotel":
        return f"{start:%H:%M} 入住"
    if stop.kind == "departure":
        return f"{start:%H:%M} 到达<br>{end:%H:%M} 离开" if end > start else f"{end:%H:%M} 离开"
    if end.date() != start.date():
        return f"{start:%H:%M}–次日{end:%H:%M}"
    return f"{start:%H:%M}–{end:%H:%M}"


def _stop_view(stop, language: str = "zh") -> dict:
    travel = ""
    if stop.travel and stop.travel.minutes:
        travel = f"{stop.travel.minutes}分钟"
    return {
        "kind": stop.kind, "kind_label": ("午餐" if stop.meal == "lunch" else "晚餐") if stop.kind == "meal"
        else STOP_KIND_WORDS.get(stop.kind, stop.kind),
        "time": _time(stop), "name": stop.name, "county": stop.county,
        "name_en": (stop.name_ru or stop.name_en) if language == "ru" else stop.name_en,
        "why": stop.why, "materials": stop.materials, "notes": stop.notes, "host": stop.host,
        "travel": travel,
    }


def render_printable(plan, generated: dt.datetime | None = None, templates: Path | None = None) -> str:
    """The HTML page (UTF-8 text)."""
    from markupsafe import Markup

    env = _env(templates or TEMPLATES)
    days = []
    for d in plan.days:
        stops = []
        for s in d.stops:
            view = _stop_view(s, plan.request.language)
            # the only markup we add ourselves: a line break between two times
            view["time"] = Markup("<br>").join(view["time"].split("<br>"))
            stops.append(view)
        days.append({"label": d.label, "date_text": f"{d.date:%Y年%m月%d日} {WEEKDAY_WORDS[d.date.isoweekday()]}",
                     "stops": stops})
    stops = plan.stops
    first = stops[0] if stops else None
    last = stops[-1] if stops else None
    rq = plan.request
    return env.get_template(TEMPLATE).render(
        plan=plan, visitor=plan.visitor, reception=plan.reception, days=days,
        dropped=plan.dropped[:MAX_DROPPED_SHOWN], dropped_more=max(0, len(plan.dropped) - MAX_DROPPED_SHOWN),
        notes=plan.notes, show_en=rq.language != "zh",
        language_label=LANGUAGE_LABELS.get(rq.language, rq.language),
        generated=(generated or dt.datetime.now()).strftime("%Y-%m-%d %H:%M"),
        days_text=f"{rq.days:g}天",
        first_date=plan.days[0].date.isoformat() if plan.days else "",
        last_date=plan.days[-1].date.isoformat() if plan.days else "",
        arrival={"name": first.name if first else rq.arrival_place, "time": f"{rq.arrival:%Y-%m-%d %H:%M}"},
        departure={"name": last.name if last else "", "time": f"{last.end:%Y-%m-%d %H:%M}" if last else ""},
    )
