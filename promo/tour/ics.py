"""A plan as an RFC 5545 calendar: one VEVENT per stop, times in Asia/Shanghai with a VTIMEZONE.

UIDs derive from the plan id and the stop, so the same plan gives the same UIDs (calendar apps
update the events instead of duplicating them when the officer sends the plan again).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from promo.tour.text import STOP_KIND_WORDS

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


def _summary(stop) -> str:
    """The event title. A hotel's event runs from the check-in to leaving the next morning, so
    its title says both ends (a bare 「入住」 from 20:07 to 08:30 reads as a 12-hour check-in)."""
    if stop.kind == "hotel":
        leave = f"次日{stop.end:%H:%M}" if stop.end.date() != stop.start.date() else f"{stop.end:%H:%M}"
        return f"住宿｜{stop.name}（{stop.start:%H:%M}入住，{leave}出发）"
    if stop.kind == "departure" and stop.end > stop.start:
        return f"离开｜{stop.name}（{stop.start:%H:%M}到达，{stop.end:%H:%M}离开）"
    return f"{STOP_KIND_WORDS.get(stop.kind, stop.kind)}｜{stop.name}"


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
        ev.add("summary", _summary(stop))
        if stop.kind == "hotel":
            ev.add("transp", "TRANSPARENT")     # the night does not make the officer busy
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
