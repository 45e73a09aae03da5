"""An independent check of a tour plan against the request and the lists.

`check_plan` re-derives everything from the data and the rules written in lists/tour/README.md —
travel times (its own great-circle, shortest-path and rounding code), opening hours, meal
windows, day lengths, the reception rule — and shares no code with planner.py, travel.py or
reception.py. It returns the violations as sentences; an empty list means the plan is valid.
"""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

from .models import OfficialRole, SiteKind, VenueKind

SHANGHAI = ZoneInfo("Asia/Shanghai")
LUNCH_WINDOW, LUNCH_MIN = (690, 810), 60          # 11:30–13:30, 60 minutes
DINNER_WINDOW, DINNER_MIN = (1050, 1170), 90      # 17:30–19:30, 90 minutes
HOTEL_BY = 23 * 60
DINNER_IF_HOTEL_AND_START_BY = 16 * 60
KM_FACTOR, TOWN_SPEED, ROAD_SPEED, TOWN_STRETCH, STOP_OVERHEAD = 1.3, 30.0, 60.0, 10.0, 10
COUNTY_ROLE_NAMES = {"county_head", "county_deputy", "park_head"}


# --------------------------------------------------------------------------- travel, re-derived

def _km(lat1, lon1, lat2, lon2) -> float:
    r = 6371.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((phi2 - phi1) / 2) ** 2
         + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * r * math.asin(min(1.0, math.sqrt(h)))


def _drive(km: float) -> float:
    road_km = km * KM_FACTOR
    slow = min(road_km, TOWN_STRETCH)
    return slow / TOWN_SPEED * 60 + (road_km - slow) / ROAD_SPEED * 60


class _Roads:
    """All-pairs shortest road minutes between towns (Floyd–Warshall)."""

    def __init__(self, roads):
        towns = sorted({r.a for r in roads} | {r.b for r in roads})
        inf = float("inf")
        dist = {a: {b: (0 if a == b else inf) for b in towns} for a in towns}
        for r in roads:
            dist[r.a][r.b] = min(dist[r.a][r.b], r.minutes)
            dist[r.b][r.a] = min(dist[r.b][r.a], r.minutes)
        for k in towns:
            for i in towns:
                dik = dist[i][k]
                if dik == inf:
                    continue
                for j in towns:
                    dist[i][j] = min(dist[i][j], dik + dist[k][j])
        self.dist = dist

    def get(self, a, b):
        if a == b:
            return 0
        d = self.dist.get(a, {}).get(b, float("inf"))
        return None if d == float("inf") else d


def _travel_minutes(a: str, b: str, where: dict, centre: dict, roads: _Roads) -> int:
    if a == b:
        return 0
    a, b = sorted((a, b))
    (la, lo_a, ta), (lb, lo_b, tb) = where[a], where[b]
    if ta == tb:
        total = STOP_OVERHEAD + _drive(_km(la, lo_a, lb, lo_b))
    elif roads.get(ta, tb) is not None:
        access_a = _drive(_km(la, lo_a, *centre[ta]))
        access_b = _drive(_km(lb, lo_b, *centre[tb]))
        total = STOP_OVERHEAD + access_a + roads.get(ta, tb) + access_b
    else:
        total = STOP_OVERHEAD + _km(la, lo_a, lb, lo_b) * KM_FACTOR / ROAD_SPEED * 60
    return math.ceil(total - 1e-9)


# --------------------------------------------------------------------------- helpers

def _local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(SHANGHAI) if value.tzinfo else value.replace(tzinfo=SHANGHAI)


def _mins(value: dt.datetime, day: dt.date) -> int:
    """Minutes after midnight of `day` (may exceed 1440 after midnight)."""
    base = dt.datetime.combine(day, dt.time(0), tzinfo=SHANGHAI)
    return int((_local(value) - base).total_seconds() // 60)


def _ranges(hours: str) -> list[tuple[int, int]]:
    out = []
    for part in hours.split(","):
        a, b = part.strip().split("-")
        out.append((int(a[:2]) * 60 + int(a[3:5]), int(b[:2]) * 60 + int(b[3:5])))
    return out


def _rule_for(rules, audience, level):
    best = None
    for i, r in enumerate(rules):
        if r.applies_to != "visitor":
            continue
        if r.audiences and audience not in {a.value for a in r.audiences}:
            continue
        if not r.min_level <= level <= r.max_level:
            continue
        if best is None or r.priority > best[0]:
            best = (r.priority, i, r)
    return best[2] if best else None


def _escort_rule_for(rules, roles):
    best = None
    for i, r in enumerate(rules):
        if r.applies_to == "escort" and {x.value for x in r.escort_roles} & roles:
            if best is None or r.priority > best[0]:
                best = (r.priority, i, r)
    return best[2] if best else None


# --------------------------------------------------------------------------- the check

def check_plan(plan, request, lists: dict) -> list[str]:
    v: list[str] = []
    sites = {s.id: s for s in lists.get("sites", [])}
    venues = {x.id: x for x in lists.get("venues", [])}
    officials = {o.id: o for o in lists.get("officials", [])}
    rules = list(lists.get("reception", []))
    material_ids = {m.id for m in lists.get("materials", [])}
    centre = {x.id: (x.lat, x.lon) for x in venues.values() if x.kind is VenueKind.town}
    where = {x.id: (x.lat, x.lon, x.id if x.kind is VenueKind.town else x.town) for x in venues.values()}
    where.update({s.id: (s.lat, s.lon, s.town) for s in sites.values()})
    roads = _Roads(list(lists.get("roads", [])))

    profile = request.profile
    level = profile.seniority if profile.seniority in (1, 2, 3, 4, 5) else 3
    audience = profile.audience
    must_see, must_avoid = set(request.must_see), set(request.must_avoid)
    arrival = _local(request.arrival)
    dep_place = request.departure_place or request.arrival_place
    days = plan.days
    if not days or not any(d.stops for d in days):
        return ["the plan has no days or no stops"]

    # ---- days and dates
    n_program = math.ceil(float(request.days))
    program = [d for d in days if d.kind == "program"]
    if len(program) != n_program:
        v.append(f"{len(program)} programme days, the request asks for {request.days}")
    start_date = request.start_date or arrival.date()
    for i, d in enumerate(program):
        if d.date != start_date + dt.timedelta(days=i):
            v.append(f"programme day {i + 1} is on {d.date}, expected {start_date + dt.timedelta(days=i)}")
        half = float(request.days) != int(float(request.days)) and i == len(program) - 1
        if d.half != half:
            v.append(f"programme day {i + 1}: half-day flag is {d.half}, expected {half}")
    for a, b in zip(days, days[1:]):
        if (b.date - a.date).days != 1:
            v.append(f"days {a.date} and {b.date} are not consecutive")
    if days[0].kind == "eve" and days[0].date != arrival.date():
        v.append("the eve day is not the arrival date")

    stops = [(d, s) for d in days for s in d.stops]
    first, last = stops[0][1], stops[-1][1]
    if first.kind != "arrival" or first.place_id != request.arrival_place or _local(first.start) != arrival:
        v.append("the plan does not start with the arrival at the requested place and time")
    if sum(1 for _, s in stops if s.kind == "arrival") != 1:
        v.append("there must be exactly one arrival stop")
    if sum(1 for _, s in stops if s.kind == "departure") != 1:
        v.append("there must be exactly one departure stop")
    if last.kind != "departure" or last.place_id != dep_place:
        v.append(f"the plan does not end with the departure from {dep_place}")
    if request.departure is not None and _local(last.end) != _local(request.departure):
        v.append(f"the departure is at {last.end}, the request says {request.departure}")
    if last.kind == "departure" and last.place_id in venues:
        need = venues[last.place_id].depart_minutes or 0
        if (_local(last.end) - _local(last.start)).total_seconds() / 60 < need:
            v.append(f"reaching {last.name} at {_local(last.start):%H:%M} leaves less than {need} min "
                     f"before the departure at {_local(last.end):%H:%M}")
    if first.kind == "arrival" and first.place_id in venues:
        need = venues[first.place_id].arrive_minutes or 0
        if (_local(first.end) - _local(first.start)).total_seconds() / 60 < need:
            v.append(f"less than {need} min allowed to leave {first.name} after the arrival")
    departure_at = _local(last.end)
    for d in days[:-1]:
        if not d.stops or d.stops[-1].kind != "hotel":
            v.append(f"{d.date}: a day before the last must end at a hotel")

    # ---- the timeline
    seen_sites: dict[str, int] = {}
    talks = 0
    prev = None
    for d, s in stops:
        tag = f"{d.date} {_local(s.start):%H:%M} {s.name}"
        if _local(s.start) > _local(s.end):
            v.append(f"{tag}: ends before it starts")
        if _local(s.start) < arrival:
            v.append(f"{tag}: before the arrival")
        if _local(s.end) > departure_at:
            v.append(f"{tag}: after the departure")
        if s.place_id not in where:
            v.append(f"{tag}: unknown place '{s.place_id}'")
            prev = s
            continue
        if prev is not None:
            leg = s.travel
            need = _travel_minutes(prev.place_id, s.place_id, where, centre, roads) if prev.place_id in where else 0
            if leg is None:
                if need:
                    v.append(f"{tag}: no travel leg from {prev.name}")
            else:
                if leg.frm != prev.place_id or leg.to != s.place_id:
                    v.append(f"{tag}: travel leg {leg.frm}→{leg.to} does not join {prev.place_id}→{s.place_id}")
                if leg.minutes != need:
                    v.append(f"{tag}: travel {leg.minutes} min, the data gives {need} min")
            gap = (_local(s.start) - _local(prev.end)).total_seconds() / 60
            if gap < need:
                v.append(f"{tag}: starts {gap:.0f} min after {prev.name} ends, the drive takes {need} min")
        prev = s
        local_start, local_end = _mins(s.start, d.date), _mins(s.end, d.date)
        if s.kind in ("site", "talk"):
            site = sites.get(s.place_id)
            if site is None:
                v.append(f"{tag}: not a site")
                continue
            if s.kind == "talk":
                talks += 1
                if site.kind is not SiteKind.government:
                    v.append(f"{tag}: a talk outside a meeting room (kind government)")
            elif site.kind is SiteKind.government:
                v.append(f"{tag}: a meeting room planned as a site visit")
            if s.place_id in must_avoid:
                v.append(f"{tag}: the request says to avoid it")
            if s.kind == "site":
                seen_sites[s.place_id] = seen_sites.get(s.place_id, 0) + 1
            day = _local(s.start).date()
            if day.isoweekday() not in site.open_days:
                v.append(f"{tag}: closed on this weekday")
            if day in site.closed_dates:
                v.append(f"{tag}: closed on {day}")
            if site.months and day.month not in site.months:
                v.append(f"{tag}: out of season (open in months {site.months})")
            ls, le = _mins(s.start, day), _mins(s.end, day)
            if not any(a <= ls and le <= b for a, b in _ranges(site.hours)):
                v.append(f"{tag}: {_local(s.start):%H:%M}–{_local(s.end):%H:%M} is not inside the opening "
                         f"hours {site.hours}")
            if s.kind == "site" and le - ls < site.visit_minutes:
                v.append(f"{tag}: {le - ls} min, the visit takes {site.visit_minutes}")
            if s.kind == "site" and s.place_id not in must_see:
                if site.min_level > level:
                    v.append(f"{tag}: for visitors of level {site.min_level}+, the visitor is {level}")
                if audience and site.audiences and audience not in {a.value for a in site.audiences}:
                    v.append(f"{tag}: not meant for {audience} visitors")
            allowed = set(site.materials) | (material_ids if s.kind == "talk" else set())
            for m in s.materials:
                if m.id not in allowed:
                    v.append(f"{tag}: material '{m.id}' is not one of the site's")
        elif s.kind == "meal":
            venue = venues.get(s.place_id)
            if venue is None or venue.kind is not VenueKind.restaurant:
                v.append(f"{tag}: a meal outside a restaurant")
            window, minimum = (LUNCH_WINDOW, LUNCH_MIN) if s.meal == "lunch" else (DINNER_WINDOW, DINNER_MIN)
            if s.meal not in ("lunch", "dinner"):
                v.append(f"{tag}: meal '{s.meal}' is neither lunch nor dinner")
            if not (window[0] <= local_start and local_end <= window[1]):
                v.append(f"{tag}: {s.meal} {_local(s.start):%H:%M}–{_local(s.end):%H:%M} outside "
                         f"{window[0] // 60:02d}:{window[0] % 60:02d}–{window[1] // 60:02d}:{window[1] % 60:02d}")
            if local_end - local_start < minimum:
                v.append(f"{tag}: {s.meal} shorter than {minimum} min")
        elif s.kind == "hotel":
            venue = venues.get(s.place_id)
            if venue is None or venue.kind is not VenueKind.hotel:
                v.append(f"{tag}: a night outside a hotel")
        for oid in s.host_ids:
            if oid not in officials:
                v.append(f"{tag}: unknown host '{oid}'")
    for sid, n in seen_sites.items():
        if n > 1:
            v.append(f"site {sid} is visited {n} times")
    if talks > 1:
        v.append(f"{talks} talks; at most one")

    # ---- each day: meals and length
    budget_full = int(request.max_day_minutes)
    for di, d in enumerate(days):
        if not d.stops:
            v.append(f"{d.date}: a day without stops")
            continue
        day_start = _mins(d.stops[0].start, d.date) if di == 0 else _mins(days[di - 1].stops[-1].end, d.date)
        end_stop = d.stops[-1]
        day_end = _mins(end_stop.start, d.date)
        if end_stop.kind == "departure":
            # with us until the visitor must be at the departure point (README: depart_minutes
            # before the departure), even when the plan gets them there earlier
            need = venues[end_stop.place_id].depart_minutes or 0 if end_stop.place_id in venues else 0
            day_end = max(day_end, _mins(end_stop.end, d.date) - need)
        meals = [s for s in d.stops if s.kind == "meal"]
        # meals are owed from the moment the visitor has left the arrival point
        with_us = _mins(d.stops[0].end, d.date) if di == 0 and d.stops[0].kind == "arrival" else day_start
        for which, window in (("lunch", LUNCH_WINDOW), ("dinner", DINNER_WINDOW)):
            count = sum(1 for s in meals if s.meal == which)
            if count > 1:
                v.append(f"{d.date}: {count} {which}es")
            if with_us <= window[0] and day_end >= window[1] and not count:
                v.append(f"{d.date}: with us from {with_us // 60:02d}:{with_us % 60:02d} to "
                         f"{day_end // 60:02d}:{day_end % 60:02d} but no {which}")
        if end_stop.kind == "hotel" and with_us <= DINNER_IF_HOTEL_AND_START_BY and not any(
                s.meal == "dinner" for s in meals):
            v.append(f"{d.date}: an evening at a hotel after a day begun at "
                     f"{with_us // 60:02d}:{with_us % 60:02d} but no dinner")
        program_ends = [_mins(s.end, d.date) for s in d.stops
                        if s.kind in ("site", "talk") or (s.kind == "meal" and s.meal == "lunch")]
        if d.kind == "program" and program_ends:
            budget = budget_full // 2 if d.half else budget_full
            if max(program_ends) - day_start > budget:
                v.append(f"{d.date}: programme of {max(program_ends) - day_start} min, the limit is {budget}")
        elif d.kind != "program" and any(s.kind in ("site", "talk") for s in d.stops):
            v.append(f"{d.date}: site visits on a day outside the programme")
        if end_stop.kind == "hotel" and day_end > HOTEL_BY:
            only_arrival = all(s.kind in ("arrival", "hotel", "meal") for s in d.stops) and di == 0
            if not only_arrival:
                v.append(f"{d.date}: hotel check-in at {day_end // 60 % 24:02d}:{day_end % 60:02d}, after 23:00")

    # ---- must-see and dropped
    planned = {s.place_id for _, s in stops}
    dropped_ids = {x.id for x in plan.dropped}
    for sid in must_see:
        if sid not in planned and sid not in dropped_ids:
            v.append(f"must-see '{sid}' is neither planned nor reported as dropped")
    for x in plan.dropped:
        if not x.reason:
            v.append(f"dropped '{x.id}' without a reason")
        if x.id in sites and x.id in {s.place_id for _, s in stops if s.kind == "site"}:
            v.append(f"'{x.id}' is both planned and dropped")

    # ---- reception
    rule = _rule_for(rules, audience, level)
    erule = None
    if request.escort:
        roles = ({r.value for r in officials[request.escort].roles} if request.escort in officials
                 else {request.escort})
        erule = _escort_rule_for(rules, roles)
    if rule is not None:
        for d, s in stops:
            if s.kind == "talk":
                ranks = [officials[o].rank for o in s.host_ids if o in officials]
                if not ranks or max(ranks) < rule.receive_rank:
                    v.append(f"{d.date} talk: nobody of rank {rule.receive_rank}+ receives "
                             f"(rule {rule.id})")
        need = max(rule.site_host_rank or 2, (erule.site_host_rank or 0) if erule else 0)
        for d, s in stops:
            if s.kind != "site" or s.place_id not in sites:
                continue
            site = sites[s.place_id]
            pool = []
            for h in site.hosts:
                for o in officials.values():
                    if o.id == h:
                        pool.append(o)
                    elif h in OfficialRole.__members__ and OfficialRole(h) in o.roles:
                        if (o.county == site.county) if h in COUNTY_ROLE_NAMES else o.county is None:
                            pool.append(o)
            if need >= 3:
                pool += [o for o in officials.values()
                         if OfficialRole.county_head in o.roles and o.county == site.county]
            if any(o.rank >= need for o in pool):
                ranks = [officials[o].rank for o in s.host_ids if o in officials]
                if not ranks or max(ranks) < need:
                    v.append(f"{d.date} {s.name}: a host of rank {need}+ is available but not planned")
            for oid in s.host_ids:
                if oid in officials and officials[oid] not in pool:
                    v.append(f"{d.date} {s.name}: host '{oid}' is not one of the site's hosts")
    return v
