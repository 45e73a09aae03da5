"""`python bot.py tour "<profile>" --days 2 --arrive "<place> <time>" …` and the helpers the bot's
/tour flow shares with it (resolving a place, building the request, planning from a Library).

    python bot.py tour "飞鹤乳业 副总" --days 2 --arrive "黑河瑷珲机场 10:30" --date 2026-06-02
    python bot.py tour "飞鹤乳业 副总" --days 1 --arrive "HEK 10:30" --ics plan.ics
    python bot.py tour "飞鹤乳业 副总" --days 1 --arrive "HEK 10:30" --pdf plan.pdf
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import sys
from pathlib import Path

from .models import ARRIVAL_KINDS, VenueKind
from .reception import ROLE_LABELS

# The escorts the bot offers (button label → what the planner takes: a role name).
ESCORT_CHOICES = [("市领导", "city_leader"), ("招商局长", "bureau_head"), ("专班组长", "taskforce_lead"),
                  ("县（市、区）领导", "county_head"), ("外事/侨办", "foreign_affairs")]
ESCORT_WORDS = {**{label: role for label, role in ESCORT_CHOICES},
                **{label: role for role, label in ROLE_LABELS.items()},
                "无": None, "none": None, "": None}
DAY_CHOICES = [("半天", "0.5"), ("1天", "1"), ("1.5天", "1.5"), ("2天", "2"), ("3天", "3"), ("4天", "4")]
TIME_CHOICES = ("08:00", "10:00", "14:00")
DEPART_TIME_CHOICES = ("12:00", "15:00", "18:00", "20:00")   # the departure on the last day
SITE_CHOICES = 10                                           # sites offered for 必看 / 不看
_TIME = re.compile(r"^(\d{1,2})[:：](\d{2})$")


class TourInputError(ValueError):
    """Something the officer typed that does not resolve (a place, a time, an escort)."""


# ---------------------------------------------------------------------- shared helpers

def arrival_venues(lists: dict) -> list:
    """Airports, stations and ports of entry (the arrival buttons), in file order."""
    return [v for v in lists.get("venues", []) if v.kind in ARRIVAL_KINDS and v.kind is not VenueKind.town]


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", str(text or "")).lower()


def resolve_place(text: str, lists: dict) -> str:
    """A venue id from its id, code (HEK), Chinese or English name, or a part of the name."""
    want = _norm(text)
    if not want:
        raise TourInputError("no place given (e.g. 黑河瑷珲机场, HEK, 黑河站)")
    venues = [v for v in lists.get("venues", []) if v.kind in ARRIVAL_KINDS]
    for v in venues:
        keys = {_norm(v.id), _norm(v.name), _norm(v.name_en or ""), _norm(v.code or "")}
        if want in keys - {""}:
            return v.id
    # the name in parentheses of an English name: "Heihe Aihui Airport (HEK)"
    partial = [v for v in venues if want in _norm(v.name) or (v.name_en and want in _norm(v.name_en))]
    if len(partial) == 1:
        return partial[0].id
    if len(partial) > 1:   # prefer an airport / station / port over a town centre
        real = [v for v in partial if v.kind is not VenueKind.town]
        if len(real) == 1:
            return real[0].id
    known = "、".join(f"{v.name}（{v.code or v.id}）" for v in arrival_venues(lists))
    raise TourInputError(f"unknown place '{text}'; use one of: {known}")


def parse_time(text: str) -> dt.time:
    m = _TIME.match(str(text).strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise TourInputError(f"'{text}' is not a time of day (write HH:MM, e.g. 10:30)")
    return dt.time(int(m.group(1)), int(m.group(2)))


def parse_place_time(text: str, lists: dict) -> tuple[str, dt.time]:
    """'黑河瑷珲机场 10:30' → ('hek_airport', 10:30)."""
    parts = str(text or "").strip().rsplit(maxsplit=1)
    if len(parts) != 2:
        raise TourInputError(f"'{text}': write the place and the time, e.g. \"黑河瑷珲机场 10:30\"")
    return resolve_place(parts[0], lists), parse_time(parts[1])


def resolve_escort(text: str | None, lists: dict) -> str | None:
    if text is None:
        return None
    word = str(text).strip()
    if word in ESCORT_WORDS:
        return ESCORT_WORDS[word]
    ids = {o.id for o in lists.get("officials", [])}
    from .models import OfficialRole

    if word in ids or word in OfficialRole.__members__:
        return word
    for o in lists.get("officials", []):
        if word in (o.title, o.label):
            return o.id
    choices = "、".join(label for label, _ in ESCORT_CHOICES)
    raise TourInputError(f"unknown escort '{text}'; use {choices}, a role or an official id")


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


def chain_names(library) -> dict[str, str]:
    return {c.id: c.name for c in library.lists.get("chains", [])}


def make_plan(library, profile, *, days, arrive: str, arrive_time: dt.time, date: dt.date,
              depart: str | None = None, depart_time: dt.time | None = None, escort: str | None = None,
              must_see=(), must_avoid=(), today: dt.date | None = None):
    """Plan from loaded lists. Raises ValueError (bad input; InfeasibleRequest is one)."""
    from .planner import TourRequest, plan_tour

    lists = library.lists
    if not lists.get("sites") or not lists.get("venues"):
        raise TourInputError("the tour lists (lists/tour/*.yaml) are missing")
    arrival = dt.datetime.combine(date, arrive_time)
    departure = None
    if depart_time is not None:
        last = date + dt.timedelta(days=max(0, -(-int(float(days) * 2) // 2) - 1))
        departure = dt.datetime.combine(last, depart_time)
    request = TourRequest(profile=profile, days=days, arrival_place=arrive, arrival=arrival,
                          departure_place=depart, departure=departure, start_date=date, escort=escort,
                          must_see=list(must_see), must_avoid=list(must_avoid), today=today or date)
    return plan_tour(request, lists, chain_names(library))


def site_choices(plan, library, limit: int = SITE_CHOICES) -> list[tuple[str, str]]:
    """The sites worth marking 必看 / 不看 for this plan's visitor, as (id, name), most relevant
    first: the sites already asked for or against, the plan's sites, the sites the planner dropped,
    then the planner's best-scoring others. About `limit` of them; the asked-for ones always."""
    from .models import SiteKind
    from .planner import TourData, _Planner

    sites = {s.id: s for s in library.lists.get("sites", [])}
    rq = plan.request
    asked = [p for p in (*rq.must_see, *rq.must_avoid) if p in sites]
    planned = [s.place_id for s in plan.stops if s.kind == "site" and s.place_id in sites]
    dropped = [d.id for d in plan.dropped if d.id in sites and sites[d.id].kind is not SiteKind.government]
    scored: list[str] = []
    try:
        planner = _Planner(rq, TourData(library.lists), chain_names(library))
        ranked = []
        for pid, site in sites.items():
            if site.kind is SiteKind.government or site.min_level > planner.level:
                continue
            sc = planner.score(site)
            if sc is not None:
                ranked.append((-sc[0], pid))
        scored = [pid for _, pid in sorted(ranked)]
    except ValueError:      # the plan was made, so this does not happen; the list is still useful
        pass
    head = list(dict.fromkeys(asked + planned))
    extra = [p for p in dict.fromkeys(dropped + scored) if p not in head]
    keep = max(len(asked), limit - min(3, len(extra)))     # room for a few not in the plan
    head = head[:keep]
    out = head + extra[:max(0, limit - len(head))]
    return [(pid, sites[pid].name) for pid in out]


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
    from .text import STOP_KIND_WORDS, WEEKDAY_WORDS, duration_text

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
    from ..render import CUT, render

    out = render("tour_plan.html.j2", **plan_view(plan)).replace(CUT, "")
    out = re.sub(r"<a href=\"([^\"]*)\">([^<]*)</a>", r"\2 \1", out)
    out = re.sub(r"</?[a-z]+[^<>]*>", "", out)
    return html.unescape(out).strip()


def _ids(text: str | None) -> list[str]:
    return [p.strip() for p in re.split(r"[,，、\s]+", text or "") if p.strip()]


# ---------------------------------------------------------------------- the command

def add_tour_parser(sub, add_data_option) -> None:
    p = sub.add_parser("tour", help="plan a site-visit tour (考察行程) for a visitor")
    p.add_argument("text", help="the visitor profile as typed, e.g. '飞鹤乳业 副总'")
    p.add_argument("--days", default="1", help="0.5, 1, 1.5 … 4 (default 1)")
    p.add_argument("--arrive", required=True, help="arrival place and time, e.g. \"黑河瑷珲机场 10:30\" or \"HEK 10:30\"")
    p.add_argument("--depart", default=None, help="departure place and time on the last day, e.g. \"黑河站 18:00\"")
    p.add_argument("--date", default=None, help="first day YYYY-MM-DD (default today)")
    p.add_argument("--escort", default=None, help="who accompanies: 市领导 / 招商局长 / 专班组长 / 县（市、区）领导, "
                                                  "a role (city_leader, bureau_head …) or an official id")
    p.add_argument("--must-see", default=None, help="site ids, comma-separated")
    p.add_argument("--avoid", default=None, help="site ids, comma-separated")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="the plan as JSON")
    out.add_argument("--ics", type=Path, metavar="FILE", help="write the plan as an .ics calendar")
    out.add_argument("--print", dest="print_file", type=Path, metavar="FILE", help="write the printable HTML")
    out.add_argument("--pdf", dest="pdf_file", type=Path, metavar="FILE", help="write the printable PDF")
    add_data_option(p)
    p.set_defaults(handler=cmd_tour)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


def cmd_tour(args, root: Path) -> int:
    from ..loader import DataError
    from ..matcher import load_matcher

    try:
        matcher = load_matcher(root)
    except DataError as exc:
        print(*exc.problems, sep="\n", file=sys.stderr)
        return 1
    library = matcher.library
    lists = library.lists
    try:
        date = dt.date.fromisoformat(args.date) if args.date else dt.date.today()
    except ValueError:
        return _fail(f"--date '{args.date}' is not a date (write YYYY-MM-DD)")
    try:
        days = float(args.days)
    except ValueError:
        return _fail(f"--days '{args.days}' is not a number (0.5, 1, 1.5 … 4)")
    from .planner import InfeasibleRequest

    try:
        arrive, arrive_time = parse_place_time(args.arrive, lists)
        depart = depart_time = None
        if args.depart:
            depart, depart_time = parse_place_time(args.depart, lists)
        escort = resolve_escort(args.escort, lists)
        profile = matcher.profile(args.text)
        plan = make_plan(library, profile, days=days, arrive=arrive, arrive_time=arrive_time, date=date,
                         depart=depart, depart_time=depart_time, escort=escort,
                         must_see=_ids(args.must_see), must_avoid=_ids(args.avoid))
    except InfeasibleRequest as exc:
        return _fail(f"the tour cannot be scheduled: {exc}")
    except ValueError as exc:
        return _fail(str(exc))
    if args.json:
        from .plan_json import plan_to_dict

        print(json.dumps(plan_to_dict(plan), ensure_ascii=False, indent=2, default=str))
    elif args.ics:
        from .ics import plan_to_ics

        args.ics.write_bytes(plan_to_ics(plan))
        print(f"{args.ics}: {len(plan.stops)} events")
    elif args.print_file:
        from .printable import render_printable

        args.print_file.write_text(render_printable(plan), encoding="utf-8")
        print(f"{args.print_file}: printable plan ({plan.site_count} sites)")
    elif args.pdf_file:
        from .pdf import render_pdf

        args.pdf_file.write_bytes(render_pdf(plan))
        print(f"{args.pdf_file}: printable PDF ({plan.site_count} sites)")
    else:
        print(plan_text(plan))
    return 0
