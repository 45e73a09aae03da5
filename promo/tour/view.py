"""What a plan looks like in the chat: the plan card's data (tour_plan.html.j2), its plain-text form
for the terminal, and the labels of the choices."""

from __future__ import annotations

import html
import re

from promo.tour.reception import ROLE_LABELS
from promo.tour.service import DAY_CHOICES, ESCORT_CHOICES


def escort_label(escort: str | None) -> str:
    if not escort:
        return "无"
    for label, role in ESCORT_CHOICES:
        if role == escort:
            return label
    return ROLE_LABELS.get(escort, escort)


def days_label(days) -> str:
    value = f"{float(days):g}"
    return next((label for label, v in DAY_CHOICES if v == value), f"{value}天")


def stop_time(stop) -> str:
    start, end = stop.start, stop.end
    if stop.kind in ("hotel", "arrival"):
        return f"{start:%H:%M}"
    if stop.kind == "departure":
        return f"{end:%H:%M}"
    if end.date() != start.date():
        return f"{start:%H:%M}–次日{end:%H:%M}"
    return f"{start:%H:%M}–{end:%H:%M}"


def plan_view(plan) -> dict:
    """What the plan templates show (tour_plan.html.j2)."""
    from promo.tour.text import STOP_KIND_WORDS, WEEKDAY_WORDS, duration_text

    days = []
    for d in plan.days:
        stops = []
        for s in d.stops:
            kind = ("午餐" if s.meal == "lunch" else "晚餐") if s.kind == "meal" else STOP_KIND_WORDS.get(s.kind, s.kind)
            materials = [{"title": m.title or m.id,
                          "link": m.link if m.link and m.link.startswith(("https://", "http://")) else None}
                         for m in s.materials]
            stops.append({"time": stop_time(s), "kind": s.kind, "kind_label": kind, "name": s.name,
                          "assumed": s.kind == "departure" and plan.departure_assumed,
                          "county": s.county,
                          "travel": duration_text(s.travel.minutes) if s.travel and s.travel.minutes else "",
                          "travel_from": (s.travel.frm_name or s.travel.frm) if s.travel else "",
                          "host": s.host, "why": s.why, "notes": s.notes, "materials": materials})
        days.append({"label": d.label, "date": f"{d.date:%m月%d日} {WEEKDAY_WORDS[d.date.isoweekday()]}",
                     "stops": stops})
    rq = plan.request
    must = set(rq.must_see)
    # must-see sites the planner could not fit (not the ones the officer also marked away)
    must_missing = [d for d in plan.dropped if d.id in must]
    return {"days": days, "dropped": plan.dropped, "notes": plan.notes, "visitor": plan.visitor,
            "must_missing": must_missing,
            "reception": plan.reception, "days_text": days_label(rq.days), "sites": plan.site_count,
            "escort": escort_label(rq.escort)}


def plan_text(plan) -> str:
    """The chat card as plain text (for the terminal)."""
    from promo.render import CUT, render

    out = render("tour_plan.html.j2", **plan_view(plan)).replace(CUT, "")
    out = re.sub(r"<a href=\"([^\"]*)\">([^<]*)</a>", r"\2 \1", out)
    out = re.sub(r"</?[a-z]+[^<>]*>", "", out)
    return html.unescape(out).strip()
