"""A plan as an RFC 5545 calendar: one VEVENT per stop, times in Asia/Shanghai with a VTIMEZONE.

UIDs derive from the plan id and the stop, so the same plan gives the same UIDs (calendar apps
update the events instead of duplicating them when the officer sends the plan again).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from .text import STOP_KIND_WORDS

TZID = "Asia/Shanghai"
PRODID = "-//Heihe investment promotion//tour planner//ZH"
UID_DOMAIN = "tour.heihe-promo.invalid"


def stop_uid(plan, index: int, stop) -> str:
    return f"{plan.plan_id}-{index:03d}-{stop.kind}-{stop.place_id}@{UID_DOMAIN}"


def _description(stop) -> str:
    lines = []
    if stop.why:
        lines.append(stop.why)
    if stop.host:
        lines.append(f"接待/陪同：{stop.host}")
    if stop.travel and stop.travel.minutes:
        lines.append(f"车程：从{stop.travel.frm_name or stop.travel.frm}出发约{stop.travel.minutes}分钟")
    if stop.materials:
        lines.append("展示材料：")
        for m in stop.materials:
            title = m.title or m.id
            lines.append(f"· {title}" + (f" {m.link}" if m.link else ""))
    if stop.notes:
        lines.append(f"提示：{stop.notes}")
    return "\n".join(lines)


def plan_to_ics(plan, dtstamp: dt.datetime | None = None) -> bytes:
    """The calendar as bytes (CRLF lines, UTF-8). `dtstamp`: creation time (default now, UTC)."""
    tz = ZoneInfo(TZID)
    stamp = (dtstamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    who = str(plan.visitor.get("company") or plan.visitor.get("raw") or "")
    who = " ".join("".join(ch for ch in who if ch.isprintable() or ch.isspace()).split())[:60]
    cal.add("x-wr-calname", f"考察行程：{who or '来访客商'}")
    cal.add("x-wr-timezone", TZID)
    for i, stop in enumerate(plan.stops):
        ev = Event()
        ev.add("uid", stop_uid(plan, i, stop))
        ev.add("dtstamp", stamp)
        ev.add("dtstart", stop.start.astimezone(tz))
        if stop.end > stop.start:
            ev.add("dtend", stop.end.astimezone(tz))
        ev.add("summary", f"{STOP_KIND_WORDS.get(stop.kind, stop.kind)}｜{stop.name}")
        location = stop.name + (f"（{stop.county}）" if stop.county else "")
        if stop.name_en:
            location += f" / {stop.name_en}"
        ev.add("location", location)
        if stop.lat is not None and stop.lon is not None:
            ev.add("geo", (stop.lat, stop.lon))
        ev.add("description", _description(stop))
        ev.add("categories", [stop.kind])
        link = next((m.link for m in stop.materials if m.link), None)
        if link:
            ev.add("url", link)
        cal.add_component(ev)
    if plan.stops:
        first = min(s.start for s in plan.stops).date() - dt.timedelta(days=1)
        last = max(s.end for s in plan.stops).date() + dt.timedelta(days=1)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return cal.to_ical()
