"""The tour itinerary planner: a visitor, days, arrival and departure → a day-by-day plan.

How a plan is made (lists/tour/README.md says the same for officers):

1. Reception (reception.py): the visitor's audience and seniority pick the reception rule, which
   says who receives and chairs the 座谈 (talk), who joins, and the rank of site hosts; the
   escort may raise that rank, chair the talk, or favour their county or chains.
2. Candidates: every site scored for this visitor (chain match first, then importance, audience
   fit, the escort's preferences); showcase sites are fillers. Must-see ids come first, then the
   chain-matching sites by score (ties by id), then the talk (if it does not fit, up to three of
   the least relevant sites placed so far make room for it), then the fillers. Must-avoid ids,
   sites below the visitor's level or not meant for the audience, and sites closed on every
   tour day are dropped with the reason.
3. Cheapest insertion: each candidate in that order goes where it adds the least cost — minutes
   of driving, a quarter of the waiting, two hours for each return to a town already left on an
   earlier day — to a feasible schedule; positions that would split a town into two blocks
   within a day are not tried. A filler may add at most 60 minutes of driving; a day holds at
   most six site visits.
4. Improvement: 2-opt (reversing a run of stops) and moving single stops (the talk also to
   another meeting room), kept when the cost falls; then the dropped candidates get a second
   chance.

A schedule is feasible when every stop is inside its opening hours (one range holds the whole
visit), on an open day and in season; travel times follow travel.py; lunch (60 min inside
11:30–13:30) and dinner (90 min inside 17:30–19:30) are taken whenever the visitor is with us,
from leaving the arrival point, through their window, and dinner on every evening that ends at a
hotel after a day begun by 16:00; a day's programme — from its start to the end of its last
site, talk or lunch — stays within max_day_minutes (half of it on a half day); hotels are
reached by 23:00; nothing is before the arrival; the visitor reaches the departure point
`depart_minutes` before the departure. Everything is deterministic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from promo.matching.profile import SENIORITY_NAMES, VisitorProfile
from promo.tour.models import ARRIVAL_KINDS, Official, ReceptionRule, Site, SiteKind, Venue, VenueKind
from promo.tour.reception import Reception, resolve_reception, site_hosts, visitor_level
from promo.tour.text import (AUDIENCE_WORDS, LEVEL_WORDS, SITE_KIND_WORDS, chain_label, duration_text, months_text,
                   weekdays_text)
from promo.tour.travel import TravelModel

TZ = ZoneInfo("Asia/Shanghai")
ALLOWED_DAYS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0)
LUNCH = (11 * 60 + 30, 13 * 60 + 30, 60)     # window start, window end, minutes
DINNER = (17 * 60 + 30, 19 * 60 + 30, 90)
DINNER_REQUIRED_IF_START_BY = 16 * 60        # an evening at a hotel after a day begun by 16:00
LATEST_HOTEL = 23 * 60                       # check-in by 23:00 (unless the arrival is later)
LATEST_HOTEL_ELSEWHERE = 21 * 60             # an evening drive to the next day's town ends by 21:00
LATEST_ARRIVAL_ON_TOUR_DAY = 21 * 60 + 30    # later: start the tour the next day
MAX_SITES_PER_DAY = 6
FILLER_MAX_DETOUR = 60                       # minutes of extra driving a showcase filler may add
WAIT_WEIGHT = 0.25
REVISIT_PENALTY = 120                        # cost of coming back to a town on a later day


class InfeasibleRequest(ValueError):
    """Even an empty tour cannot be scheduled (e.g. departure too soon after arrival)."""


# --------------------------------------------------------------------------- request and plan


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=TZ) if value.tzinfo is None else value.astimezone(TZ)


@dataclass
class TourRequest:
    profile: VisitorProfile
    days: float
    arrival_place: str
    arrival: dt.datetime
    departure_place: str | None = None        # default: the arrival place
    departure: dt.datetime | None = None      # default: end of the last day (see README)
    start_date: dt.date | None = None         # default: the arrival date; or the day after it
    escort: str | None = None                 # official id or role (city_leader, bureau_head, …)
    must_see: list[str] = field(default_factory=list)
    must_avoid: list[str] = field(default_factory=list)
    max_day_minutes: int = 600
    language: str | None = None               # zh / en / ru; default the profile's
    day_start: dt.time = dt.time(8, 30)       # leaving the hotel on later days
    today: dt.date | None = None              # for materials' release/expiry; default start date

    def __post_init__(self):
        try:
            days = float(self.days)
        except (TypeError, ValueError):
            raise ValueError(f"days must be one of {ALLOWED_DAYS}") from None
        if days not in ALLOWED_DAYS:
            raise ValueError(f"days must be one of 0.5, 1, 1.5 … 4 (got {self.days})")
        self.days = days
        self.arrival = _aware(self.arrival)
        if self.departure is not None:
            self.departure = _aware(self.departure)
            if self.departure <= self.arrival:
                raise ValueError("the departure is not after the arrival")
        if self.start_date is None:
            self.start_date = self.arrival.date()
        if not (dt.date(2000, 1, 1) <= self.start_date <= dt.date(2999, 12, 31)
                and self.arrival.year <= 2999):
            # the calendar arithmetic below would overflow near 9999-12-31
            raise ValueError(f"日期超出范围：{self.start_date}（行程日期须在 2000–2999 年）")
        gap = (self.start_date - self.arrival.date()).days
        if gap not in (0, 1):
            raise ValueError("the arrival must be on the start date or the evening before it")
        if gap == 0 and self.arrival.hour * 60 + self.arrival.minute > LATEST_ARRIVAL_ON_TOUR_DAY:
            raise ValueError("arrival after 21:30: set start_date to the next day")
        if not 120 <= int(self.max_day_minutes) <= 900:
            raise ValueError("max_day_minutes must be between 120 and 900")
        self.max_day_minutes = int(self.max_day_minutes)
        self.must_see = list(dict.fromkeys(self.must_see or []))
        self.must_avoid = list(dict.fromkeys(self.must_avoid or []))
        both = set(self.must_see) & set(self.must_avoid)
        if both:
            raise ValueError(f"both must-see and must-avoid: {', '.join(sorted(both))}")
        lang = self.language or getattr(self.profile, "language", None) or "zh"
        if lang not in ("zh", "en", "ru"):
            raise ValueError("language must be zh, en or ru")
        self.language = lang

    @property
    def program_days(self) -> int:
        return math.ceil(self.days)

    @property
    def half_last_day(self) -> bool:
        return self.days != int(self.days)

    def key(self) -> dict:
        """The request as plain data (for plan ids and --json)."""
        p = self.profile
        return {
            "profile": {"raw": p.raw, "company": p.company, "company_id": p.company_id,
                        "chain_ids": list(p.chain_ids), "title": p.title, "seniority": p.seniority,
                        "audience": p.audience, "city": p.city, "language": p.language},
            "days": self.days, "arrival_place": self.arrival_place, "arrival": self.arrival.isoformat(),
            "departure_place": self.departure_place,
            "departure": self.departure.isoformat() if self.departure else None,
            "start_date": self.start_date.isoformat(), "escort": self.escort,  # type: ignore[union-attr]  # set in __post_init__
            "must_see": self.must_see, "must_avoid": self.must_avoid,
            "max_day_minutes": self.max_day_minutes, "language": self.language,
            "day_start": self.day_start.strftime("%H:%M"),
        }


@dataclass
class Leg:
    frm: str
    to: str
    minutes: int
    frm_name: str = ""
    to_name: str = ""


@dataclass
class MaterialRef:
    id: str
    title: str | None = None
    kind: str | None = None
    link: str | None = None
    languages: list[str] = field(default_factory=list)


@dataclass
class Stop:
    kind: str                   # arrival, site, talk, meal, hotel, departure
    place_id: str
    name: str
    start: dt.datetime
    end: dt.datetime
    travel: Leg | None = None   # the drive before this stop
    town: str = ""
    county: str = ""
    lat: float | None = None
    lon: float | None = None
    name_en: str | None = None
    name_ru: str | None = None
    materials: list[MaterialRef] = field(default_factory=list)
    host: str | None = None     # who hosts, in words
    host_ids: list[str] = field(default_factory=list)
    why: str = ""
    meal: str | None = None     # lunch / dinner
    chains: list[str] = field(default_factory=list)
    notes: str | None = None


@dataclass
class TourDay:
    index: int
    date: dt.date
    kind: str                   # eve (arrival the evening before), program, leave (departure only)
    half: bool
    stops: list[Stop] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.kind == "eve":
            return "抵达日（前一晚）"
        if self.kind == "leave":
            return "离开日"
        return f"第{self.index}天" + ("（半天）" if self.half else "")


@dataclass
class Dropped:
    id: str
    name: str
    reason: str


@dataclass
class TourPlan:
    request: TourRequest
    days: list[TourDay]
    dropped: list[Dropped] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reception: dict = field(default_factory=dict)
    visitor: dict = field(default_factory=dict)
    plan_id: str = ""
    departure_assumed: bool = False           # no departure time given: the planner chose it

    @property
    def stops(self) -> list[Stop]:
        return [s for d in self.days for s in d.stops]

    @property
    def site_count(self) -> int:
        return sum(1 for s in self.stops if s.kind == "site")

    def to_dict(self) -> dict:
        from promo.tour.plan_json import plan_to_dict
        return plan_to_dict(self)


# --------------------------------------------------------------------------- data index


class TourData:
    """The tour lists indexed for planning."""

    def __init__(self, lists: dict[str, list]):
        self.sites: dict[str, Site] = {s.id: s for s in lists.get("sites", [])}
        self.venues: dict[str, Venue] = {v.id: v for v in lists.get("venues", [])}
        self.officials: list[Official] = list(lists.get("officials", []))
        self.rules: list[ReceptionRule] = list(lists.get("reception", []))
        self.towns = {v.id: (v.lat, v.lon) for v in self.venues.values() if v.kind is VenueKind.town}
        points = {v.id: (v.lat, v.lon, v.town_id) for v in self.venues.values()}
        points.update({s.id: (s.lat, s.lon, s.town) for s in self.sites.values()})
        self.points = points
        self.travel = TravelModel(points, self.towns, list(lists.get("roads", [])))
        self.hotels = sorted(v.id for v in self.venues.values() if v.kind is VenueKind.hotel)
        self.restaurants = sorted(v.id for v in self.venues.values() if v.kind is VenueKind.restaurant)
        self.materials = {m.id: m for m in lists.get("materials", [])}
        self.ranges = {s.id: s.ranges for s in self.sites.values()}

    def town(self, pid: str) -> str:
        return self.points[pid][2]

    def name(self, pid: str) -> str:
        rec = self.sites.get(pid) or self.venues.get(pid)
        return rec.name if rec else pid


# --------------------------------------------------------------------------- schedules (internal)


@dataclass(frozen=True)
class _DaySpec:
    index: int                  # 0-based position in the plan
    number: int                 # 1-based programme day number (0 for eve / leave days)
    date: dt.date
    kind: str                   # eve, program, leave
    half: bool
    budget: int                 # programme minutes
    ends: str                   # hotel, departure


@dataclass
class _Visit:
    kind: str                   # site, talk, meal, hotel, departure
    pid: str
    start: int                  # minutes after the day's midnight
    end: int
    frm: str
    travel: int
    meal: str | None = None


@dataclass(frozen=True)
class _Cand:
    key: str                    # site id, or "talk"
    options: tuple              # site ids it may take (talk: the meeting rooms)
    kind: str                   # site, talk
    score: float
    must: bool
    filler: bool                # a showcase that matches none of the visitor's chains


@dataclass
class _DayRun:
    start: int
    visits: list[_Visit]
    end_pt: str
    travel: int
    wait: int


@dataclass
class _DayState:
    """A day being laid out: where and when the visitor is, and what is done so far."""
    t: int
    pos: str
    item_towns: list[str]
    visits: list[_Visit] = field(default_factory=list)
    travel: int = 0
    wait: int = 0
    prog_end: int | None = None
    seen: set[str] = field(default_factory=set)     # towns of the day's sites, talks and meals so far
    block: str | None = None                        # the town of the latest of them
    lunch_done: bool = False
    dinner_done: bool = False


def _ceil5(m: int) -> int:
    return -(-m // 5) * 5


class _Planner:
    def __init__(self, request: TourRequest, data: TourData, chain_names: dict[str, str] | None):
        self.rq = request
        self.data = data
        self.chain_names = chain_names or {}
        self.tt = data.travel.minutes
        self.reception: Reception = resolve_reception(request.profile, request.escort, data.officials,
                                                      data.rules)
        self.level = visitor_level(request.profile.seniority)
        self.audience = request.profile.audience
        self._memo: dict[tuple, _DayRun | None] = {}
        self.talk_options: tuple = ()
        self._meal_memo: dict[tuple, tuple | None] = {}
        self._welcomed = False                 # assemble(): the first dinner was the welcome dinner
        self._build_days()

    # ------------------------------------------------------------------ days
    def _build_days(self):
        rq, data = self.rq, self.data
        for pid, what in ((rq.arrival_place, "arrival"), (rq.departure_place or rq.arrival_place, "departure")):
            v = data.venues.get(pid)
            if v is None or v.kind not in ARRIVAL_KINDS:
                known = ", ".join(sorted(k for k, x in data.venues.items() if x.kind in ARRIVAL_KINDS))
                raise ValueError(f"unknown {what} place '{pid}' (use one of: {known})")
        self.arr_venue = data.venues[rq.arrival_place]
        self.dep_place = rq.departure_place or rq.arrival_place
        self.dep_venue = data.venues[self.dep_place]
        days: list[_DaySpec] = []
        eve = rq.start_date > rq.arrival.date()  # type: ignore[operator]  # set in __post_init__
        if eve:
            days.append(_DaySpec(0, 0, rq.arrival.date(), "eve", False, rq.max_day_minutes, "hotel"))
        n = rq.program_days
        for i in range(n):
            half = rq.half_last_day and i == n - 1
            budget = rq.max_day_minutes // 2 if half else rq.max_day_minutes
            days.append(_DaySpec(len(days), i + 1, rq.start_date + dt.timedelta(days=i), "program", half,  # type: ignore[operator,arg-type]  # set in __post_init__
                                 budget, "hotel"))
        self.arrival_min = rq.arrival.hour * 60 + rq.arrival.minute + (1 if rq.arrival.second else 0)
        last = days[-1]
        if rq.departure is None:
            start = self.arrival_min if last.index == 0 else self._day_start_min()
            ready = (self.arrival_min + self.arr_venue.arrive_minutes) if last.index == 0 else start  # type: ignore[operator]  # an arrival venue has arrive_minutes
            back = start + last.budget
            if back > 21 * 60:
                back = max(21 * 60, ready + 30)
            transfer = self.tt(rq.arrival_place, self.dep_place)
            if transfer:                  # leaving from elsewhere: time to get there, and for lunch
                back = max(back, ready + transfer + 90)
            back = -(-back // 30) * 30
            dep = dt.datetime.combine(last.date, dt.time(0, 0), tzinfo=TZ) + dt.timedelta(
                minutes=back + self.dep_venue.depart_minutes)  # type: ignore[operator]  # a departure venue has depart_minutes
            self.departure = dep
            self.departure_default = True
        else:
            self.departure = rq.departure
            self.departure_default = False
        dep_date = self.departure.date()
        if dep_date < last.date:
            raise InfeasibleRequest(f"the departure ({self.departure:%Y-%m-%d %H:%M}) is before the last "
                                    f"tour day ({last.date}); choose fewer days")
        if (dep_date - last.date).days > 1:
            raise InfeasibleRequest(f"the departure is {(dep_date - last.date).days} days after the last "
                                    "tour day; choose more days or an earlier departure")
        if dep_date > last.date:
            days.append(_DaySpec(len(days), 0, dep_date, "leave", False, rq.max_day_minutes, "departure"))
        days[-1] = _DaySpec(days[-1].index, days[-1].number, days[-1].date, days[-1].kind, days[-1].half,
                            days[-1].budget, "departure")
        self.days = days
        self.deadline = (self.departure - dt.datetime.combine(self.departure.date(), dt.time(0), tzinfo=TZ)
                         ).total_seconds() // 60 - self.dep_venue.depart_minutes
        self.deadline = int(self.deadline)

    def _day_start_min(self) -> int:
        return self.rq.day_start.hour * 60 + self.rq.day_start.minute

    # ------------------------------------------------------------------ places
    def hotel_options(self, pos: str, next_first: str | None) -> list[str]:
        town = self.data.town(pos)
        here = [h for h in self.data.hotels if self.data.town(h) == town]
        opts = here or sorted(self.data.hotels, key=lambda h: (self.tt(pos, h), h))[:1]
        if next_first:
            ntown = self.data.town(next_first)
            if ntown != town:
                opts = opts + [h for h in self.data.hotels if self.data.town(h) == ntown]

        def score(h):
            return (self.tt(pos, h) + (self.tt(h, next_first) if next_first else 0),
                    0 if self.data.town(h) == town else 1, h)
        return sorted(dict.fromkeys(opts), key=score)

    # ------------------------------------------------------------------ one day
    def slot(self, pid: str, kind: str, arrive: int, date: dt.date) -> tuple[int, int] | None:
        site = self.data.sites[pid]
        dur = self.reception.talk_minutes if kind == "talk" else site.visit_minutes
        start = _ceil5(arrive)
        for s, e in self.data.ranges[pid]:
            begin = max(start, s)
            if begin + dur <= e:
                return begin, begin + dur
        return None

    def run_day(self, spec: _DaySpec, start_pt: str, start: int, ready: int, items: tuple,
                next_first: str | None) -> _DayRun | None:
        key = (spec.index, start_pt, start, ready, items, next_first)
        if key in self._memo:
            return self._memo[key]
        result = None
        required_dinner = spec.ends == "hotel" and ready <= DINNER_REQUIRED_IF_START_BY
        dinner_options = (True,) if required_dinner else (True, False)
        if spec.ends == "departure" and self.deadline < DINNER[0] + DINNER[2]:
            dinner_options = (False,)
        for want_dinner in dinner_options:
            for want_lunch in (True, False):
                result = self._run(spec, start_pt, start, ready, items, next_first, want_lunch, want_dinner)
                if result is not None:
                    break
            if result is not None:
                break
        self._memo[key] = result
        return result

    def _meal(self, which, pos: str, t: int, nxt: str | None,
              avoid_towns: frozenset = frozenset()) -> tuple[str, int, int] | None:
        """A meal inside its window at the restaurant that gets the visitor on to `nxt` soonest
        (ties: the shorter detour, then the id); never in a town the day visits at another time."""
        w_start, w_end, dur = which
        key = (which, pos, t, nxt, avoid_towns)
        if key in self._meal_memo:
            return self._meal_memo[key]
        best = None
        for r in self.data.restaurants:
            if self.data.town(r) in avoid_towns:
                continue
            begin = max(_ceil5(t + self.tt(pos, r)), w_start)
            if begin + dur > w_end:
                continue
            onward = self.tt(r, nxt) if nxt else 0
            rank = (begin + dur + onward, self.tt(pos, r) + onward, r)
            if best is None or rank < best[0]:
                best = (rank, (r, begin, begin + dur))
        result = best[1] if best else None
        self._meal_memo[key] = result
        return result

    def _run(self, spec, start_pt, start, ready, items, next_first, want_lunch, want_dinner) -> _DayRun | None:
        day = _DayState(t=ready, pos=start_pt, item_towns=[self.data.town(p) for p, _ in items])
        limit = start + spec.budget
        if not self._run_items(day, spec, items, limit, want_lunch):
            return None
        end_pt = self.dep_place if spec.ends == "departure" else None
        if want_lunch and not day.lunch_done:
            meal = self._meal(LUNCH, day.pos, day.t, end_pt, self._avoid(day))
            if meal is not None and meal[2] <= limit:
                self._add(day, "meal", meal[0], meal[1], meal[2], "lunch")
        if day.prog_end is not None and day.prog_end > limit:
            return None
        if spec.ends == "hotel":
            end_arrive = self._end_at_hotel(day, ready, next_first, want_dinner)
        else:
            end_arrive = self._end_at_departure(day, want_dinner)
        if end_arrive is None:
            return None
        # whoever is with us (from leaving the arrival point) through a meal window gets the meal
        if not day.lunch_done and ready <= LUNCH[0] and end_arrive >= LUNCH[1]:
            return None
        if not day.dinner_done and ready <= DINNER[0] and end_arrive >= DINNER[1]:
            return None
        return _DayRun(start, day.visits, day.visits[-1].pid, day.travel, day.wait)

    def _add(self, day: _DayState, kind: str, pid: str, begin: int, end: int, meal: str | None = None) -> None:
        leg = self.tt(day.pos, pid)
        day.visits.append(_Visit(kind, pid, begin, end, day.pos, leg, meal))
        day.travel += leg
        day.wait += max(0, begin - (day.t + leg))
        day.t, day.pos = end, pid
        if kind in ("site", "talk") or meal == "lunch":
            day.prog_end = end
        if kind in ("site", "talk", "meal"):
            day.seen.add(self.data.town(pid))
            day.block = self.data.town(pid)
        if meal == "lunch":
            day.lunch_done = True
        elif meal == "dinner":
            day.dinner_done = True

    @staticmethod
    def _avoid(day: _DayState, *allowed) -> frozenset:
        """Meals stay in the current town, the next one, or a town the day does not visit."""
        return frozenset(set(day.item_towns) | day.seen) - {x for x in (day.block, *allowed) if x}

    def _run_items(self, day: _DayState, spec, items: tuple, limit: int, want_lunch: bool) -> bool:
        """The day's sites and talk in order, lunch before the first one it would otherwise
        miss; False when one does not fit."""
        tt = self.tt
        for k, (pid, kind) in enumerate(items):
            if want_lunch and not day.lunch_done:
                sl = self.slot(pid, kind, day.t + tt(day.pos, pid), spec.date)
                later = items[k + 1][0] if k + 1 < len(items) else None
                town = self.data.town(pid)
                after = self._avoid(day, town, self.data.town(later) if later else None)
                if sl is None or self._meal(LUNCH, pid, sl[1], later, after) is None:
                    meal = self._meal(LUNCH, day.pos, day.t, pid, self._avoid(day, town))
                    if meal is not None:
                        self._add(day, "meal", meal[0], meal[1], meal[2], "lunch")
            sl = self.slot(pid, kind, day.t + tt(day.pos, pid), spec.date)
            if sl is None or sl[1] > limit:
                return False
            self._add(day, kind, pid, sl[0], sl[1])
        return True

    def _end_at_hotel(self, day: _DayState, ready: int, next_first: str | None, want_dinner: bool) -> int | None:
        """Dinner (if wanted) and the night's hotel; the check-in minute, or None."""
        arrival_late = ready > LATEST_HOTEL - 60
        options = self.hotel_options(day.pos, next_first)
        here = [h for h in options if self.data.town(h) == self.data.town(day.pos)]
        chosen = None
        for hotel in options:
            t2, pos2 = day.t, day.pos
            dinner = None
            if want_dinner:
                dinner = self._meal(DINNER, day.pos, day.t, hotel, self._avoid(day))
                if dinner is None:
                    return None
                t2, pos2 = dinner[2], dinner[0]
            arrive = t2 + self.tt(pos2, hotel)
            moving = bool(here) and hotel not in here
            if moving and arrive > LATEST_HOTEL_ELSEWHERE:
                continue
            if arrive <= LATEST_HOTEL or arrival_late:
                chosen = (hotel, dinner, arrive)
                break
        if chosen is None:
            return None
        hotel, dinner, arrive = chosen
        if dinner:
            self._add(day, "meal", dinner[0], dinner[1], dinner[2], "dinner")
        self._add(day, "hotel", hotel, arrive, arrive)
        return arrive

    def _end_at_departure(self, day: _DayState, want_dinner: bool) -> int | None:
        """Dinner (if wanted) and the departure point; the minute the visitor is ours until, or None."""
        if want_dinner:
            dinner = self._meal(DINNER, day.pos, day.t, self.dep_place, self._avoid(day))
            if dinner is None or dinner[2] + self.tt(dinner[0], self.dep_place) > self.deadline:
                return None
            self._add(day, "meal", dinner[0], dinner[1], dinner[2], "dinner")
        arrive = day.t + self.tt(day.pos, self.dep_place)
        if arrive > self.deadline:
            return None
        self._add(day, "departure", self.dep_place, arrive, arrive)
        # the visitor is ours until they must be at the departure point, not just until we get
        # there early: a 15:00 flight after a morning programme still gets lunch
        return max(arrive, self.deadline)

    # ------------------------------------------------------------------ whole tour
    def simulate(self, tour: list[tuple]) -> list[_DayRun] | None:
        runs: list[_DayRun] = []
        pt = self.rq.arrival_place
        for i, spec in enumerate(self.days):
            items = tour[i]
            next_first = None
            if i + 1 < len(self.days) and tour[i + 1]:
                next_first = tour[i + 1][0][0]
            if i == 0:
                start = self.arrival_min
                run = self.run_day(spec, pt, start, start + self.arr_venue.arrive_minutes, items, next_first)  # type: ignore[operator]  # an arrival venue has arrive_minutes
            else:
                checked_in = runs[-1].visits[-1].start - 24 * 60
                run = None
                for start in self._start_options(spec, pt, items):
                    if start < checked_in:
                        continue
                    run = self.run_day(spec, pt, start, start, items, next_first)
                    if run is not None:
                        break
            if run is None:
                return None
            runs.append(run)
            pt = run.end_pt
        return runs

    def _start_options(self, spec: _DaySpec, pt: str, items: tuple) -> list[int]:
        """When to leave the hotel: at day_start; on a day with nothing to show before the
        departure, just in time for it, or earlier to leave room for meals on a long drive."""
        if spec.ends != "departure" or items:
            return [self._day_start_min()]
        just_in_time = self.deadline - self.tt(pt, self.dep_place)
        options = [just_in_time] + [m for m in (just_in_time - 120, just_in_time - 240, self._day_start_min())
                                    if 6 * 60 <= m < just_in_time]
        return list(dict.fromkeys(options))

    def cost(self, runs: list[_DayRun]) -> float:
        """Minutes of driving, a quarter of the waiting, and REVISIT_PENALTY for every return to
        a town the tour has already left (back and forth across days)."""
        blocks: list[str] = []
        for r in runs:
            for v in r.visits:
                if v.kind in ("site", "talk"):
                    town = self.data.town(v.pid)
                    if not blocks or blocks[-1] != town:
                        blocks.append(town)
        revisits = len(blocks) - len(set(blocks))
        return sum(r.travel + WAIT_WEIGHT * r.wait for r in runs) + REVISIT_PENALTY * revisits

    def contiguous(self, items: tuple) -> bool:
        seen: list[str] = []
        for pid, _ in items:
            town = self.data.town(pid)
            if seen and seen[-1] == town:
                continue
            if town in seen:
                return False
            seen.append(town)
        return True

    # ------------------------------------------------------------------ candidates
    def score(self, site: Site) -> tuple[float, list[str]] | None:
        """Relevance of a site to this visitor, and the chains it matches; None: not relevant."""
        chains = list(self.rq.profile.chain_ids)
        match = [c for c in chains if c in site.chains]
        if match:
            s = 1.0 + 0.1 * (len(match) - 1) + (0.15 if match[0] == self.reception.primary_chain else 0.0)
            s += {"enterprise": 0.1, "industrial_park": 0.1, "project_site": 0.08, "farm": 0.05,
                  "lab": 0.05, "port": 0.05, "bridge": 0.05, "ftz": 0.05}.get(site.kind.value, 0.0)
        elif site.showcase:
            s = 0.4
        else:
            return None
        s += 0.04 * site.importance
        if self.audience and self.audience in {a.value for a in site.audiences}:
            s += 0.1
        if self.reception.prefer_chains and set(site.chains) & set(self.reception.prefer_chains):
            s += 0.2
        if self.reception.prefer_county and site.county == self.reception.prefer_county:
            s += 0.2
        return s, match

    def why(self, site: Site, must: bool) -> str:
        parts = []
        if must:
            parts.append("按要求安排")
        scored = self.score(site)
        match = scored[1] if scored else []
        kind = SITE_KIND_WORDS.get(site.kind.value, "")
        if match:
            parts.append(f"{chain_label(match[0], self.chain_names)}{kind}")
            if len(match) > 1:
                parts.append("兼顾" + "、".join(chain_label(c, self.chain_names) for c in match[1:]))
        elif site.showcase:
            parts.append(f"城市名片 · {kind}")
        if self.audience in AUDIENCE_WORDS and (not site.audiences or
                                                self.audience in {a.value for a in site.audiences}):
            parts.append(f"适合{AUDIENCE_WORDS[self.audience]}{LEVEL_WORDS[self.level]}")
        if self.reception.prefer_county and site.county == self.reception.prefer_county:
            parts.append("陪同领导所在县（市、区）")
        return " · ".join(parts) or kind

    def closed_reason(self, site: Site) -> str:
        dates = [d.date for d in self.days if d.kind == "program"]
        if site.months and not any(d.month in site.months for d in dates):
            return f"季节性点位，仅{months_text(site.months)}开放"
        if not any(d.isoweekday() in site.open_days for d in dates):
            return f"{weekdays_text(site.open_days)}开放，行程日期不在开放日"
        return "行程期间不开放（闭馆日或季节、开放日不合）"

    def candidates(self) -> tuple[list[_Cand], list[Dropped], int]:
        dropped: list[Dropped] = []
        cands = self._asked_for(dropped)
        self._talk_candidate(cands, dropped)
        scored, fillers_skipped = self._scored_sites(dropped)
        must = [c for c in cands if c.kind == "site"]
        talk = [c for c in cands if c.kind == "talk"]
        # the talk goes in after the chain's sites, so that it is held where the tour goes
        order = must + [c for c in scored if not c.filler] + talk + [c for c in scored if c.filler]
        return order, dropped, fillers_skipped

    def _open_on_a_programme_day(self, site: Site) -> bool:
        return any(site.open_on(d.date) for d in self.days if d.kind == "program")

    def _asked_for(self, dropped: list[Dropped]) -> list[_Cand]:
        """The must-avoid sites dropped, the must-see sites as candidates (or dropped, why)."""
        rq, data = self.rq, self.data
        for pid in rq.must_avoid:
            if pid in data.sites:
                dropped.append(Dropped(pid, data.sites[pid].name, "按要求不安排"))
        cands: list[_Cand] = []
        for pid in rq.must_see:
            site = data.sites.get(pid)
            if site is None:
                dropped.append(Dropped(pid, pid, "未知点位编号（不在 lists/tour/sites.yaml 中）"))
                continue
            if site.kind is SiteKind.government:
                continue
            if not self._open_on_a_programme_day(site):
                dropped.append(Dropped(pid, site.name, "按要求安排，但" + self.closed_reason(site)))
                continue
            cands.append(_Cand(pid, (pid,), "site", 100.0, True, False))
        return cands

    def _talk_candidate(self, cands: list[_Cand], dropped: list[Dropped]) -> None:
        """The 座谈 in the meeting rooms asked for, or any open one, when the reception holds one."""
        rq, data = self.rq, self.data
        gov_must = [p for p in rq.must_see if p in data.sites and data.sites[p].kind is SiteKind.government]
        if not (self.reception.talk or gov_must):
            return
        avoid = set(rq.must_avoid)
        venues = gov_must or sorted(p for p, s in data.sites.items()
                                    if s.kind is SiteKind.government and p not in avoid)
        venues = [p for p in venues if self._open_on_a_programme_day(data.sites[p])]
        dropped += [Dropped(p, data.sites[p].name, "按要求安排座谈，但" + self.closed_reason(data.sites[p]))
                    for p in gov_must if p not in venues]
        if venues:
            cands.append(_Cand("talk", tuple(venues), "talk", 50.0, bool(gov_must), False))
            self.talk_options = tuple(venues)
        else:
            dropped.append(Dropped("talk", "座谈", "行程期间没有可用的会场（会议室不开放）"))

    def _unfit_reason(self, site: Site) -> str | None:
        """Why a relevant site is not for this visitor or these days; None: it may go in."""
        if site.min_level > self.level:
            return f"接待级别：该点位接待{SENIORITY_NAMES.get(site.min_level, site.min_level)}及以上来访者"
        if self.audience and site.audiences and self.audience not in {a.value for a in site.audiences}:
            return f"该点位不面向{AUDIENCE_WORDS.get(self.audience, self.audience)}来访者"
        if not self._open_on_a_programme_day(site):
            return self.closed_reason(site)
        return None

    def _scored_sites(self, dropped: list[Dropped]) -> tuple[list[_Cand], int]:
        """The other relevant sites by score (ties by id), and how many fillers do not fit."""
        rq, data = self.rq, self.data
        asked = set(rq.must_see) | set(rq.must_avoid)
        scored = []
        fillers_skipped = 0
        for pid in sorted(data.sites):
            site = data.sites[pid]
            if pid in asked or site.kind is SiteKind.government:
                continue
            sc = self.score(site)
            if sc is None:
                continue
            s, match = sc
            reason = self._unfit_reason(site)
            if reason and match:
                dropped.append(Dropped(pid, site.name, reason))
            elif reason:
                fillers_skipped += 1
            else:
                scored.append(_Cand(pid, (pid,), "site", s, False, not match))
        scored.sort(key=lambda c: (-c.score, c.key))
        return scored, fillers_skipped

    # ------------------------------------------------------------------ search
    def program_days(self) -> list[int]:
        return [d.index for d in self.days if d.kind == "program"]

    def try_insert(self, cand: _Cand, tour: list[tuple], cur_runs: list[_DayRun]):
        best = None
        cur_travel = sum(r.travel for r in cur_runs)
        for pid in cand.options:
            site = self.data.sites[pid]
            penalty = (5 - site.importance) * 5 if cand.kind == "talk" else 0
            for d in self.program_days():
                spec = self.days[d]
                if not site.open_on(spec.date):
                    continue
                items = tour[d]
                if cand.kind == "site" and sum(1 for _, k in items if k == "site") >= MAX_SITES_PER_DAY:
                    continue
                for pos in range(len(items) + 1):
                    new = items[:pos] + ((pid, cand.kind),) + items[pos:]
                    if not self.contiguous(new):
                        continue
                    trial = tour[:d] + [new] + tour[d + 1:]
                    runs = self.simulate(trial)
                    if runs is None:
                        continue
                    if cand.filler and sum(r.travel for r in runs) - cur_travel > FILLER_MAX_DETOUR:
                        continue
                    key = (round(self.cost(runs) + penalty, 6), d, pos, pid)
                    if best is None or key < best[0]:
                        best = (key, trial, runs)
        return best

    def improve(self, tour: list[tuple], runs: list[_DayRun]) -> tuple[list[tuple], list[_DayRun]]:
        cur = self.cost(runs)
        for _ in range(3):
            tour, runs, cur, reversed_ = self._two_opt(tour, runs, cur)
            tour, runs, cur, moved = self._move_stops(tour, runs, cur)
            if not (reversed_ or moved):
                break
        return tour, runs

    def _two_opt(self, tour: list[tuple], runs: list[_DayRun], cur: float):
        """Reverse a run of stops within a day where that costs less."""
        improved = False
        for d in self.program_days():
            i = 0
            while i < len(tour[d]) - 1:
                for j in range(i + 1, len(tour[d])):
                    items = tour[d]
                    new = items[:i] + tuple(reversed(items[i:j + 1])) + items[j + 1:]
                    if not self.contiguous(new):
                        continue
                    trial = tour[:d] + [new] + tour[d + 1:]
                    r = self.simulate(trial)
                    if r is not None and self.cost(r) < cur - 1e-6:
                        tour, runs, cur, improved = trial, r, self.cost(r), True
                i += 1
        return tour, runs, cur, improved

    def _move_stops(self, tour: list[tuple], runs: list[_DayRun], cur: float):
        """Move single stops elsewhere (the talk also to another meeting room) where that costs less."""
        improved = False
        for d in self.program_days():
            i = 0
            while i < len(tour[d]):
                better = self._better_place(tour, d, i, cur)
                if better is None:
                    i += 1
                else:
                    tour, runs = better
                    cur, improved = self.cost(runs), True
        return tour, runs, cur, improved

    def _better_place(self, tour: list[tuple], d: int, i: int, cur: float):
        """The first (tour, runs) with stop i of day d moved that costs less than `cur`, or None."""
        days = self.program_days()
        item = tour[d][i]
        base = tour[:d] + [tour[d][:i] + tour[d][i + 1:]] + tour[d + 1:]
        # a talk may also move to another meeting room
        variants = [(p, "talk") for p in self.talk_options] if item[1] == "talk" else [item]
        for d2, variant in ((d2, x) for d2 in days for x in variants):
            if not self.data.sites[variant[0]].open_on(self.days[d2].date):
                continue
            if item[1] == "site" and d2 != d and sum(1 for _, k in base[d2] if k == "site") >= MAX_SITES_PER_DAY:
                continue
            for pos in range(len(base[d2]) + 1):
                if d2 == d and pos == i and variant == item:
                    continue
                new = base[d2][:pos] + (variant,) + base[d2][pos:]
                if not self.contiguous(new):
                    continue
                trial = base[:d2] + [new] + base[d2 + 1:]
                r = self.simulate(trial)
                if r is not None and self.cost(r) < cur - 1e-6:
                    return trial, r
        return None

    def make_room(self, talk: _Cand, tour: list[tuple], runs: list[_DayRun], cands: list[_Cand],
                  left: list[_Cand]):
        """The 座谈 is the heart of a visit: if it does not fit, take out the least relevant
        sites placed so far (never a must-see), up to three, until it does; they get their
        second chance later."""
        score = {c.key: c for c in cands}
        placed = sorted((score[p] for items in tour for p, k in items if k == "site" and not score[p].must),
                        key=lambda c: (c.score, c.key))
        removed: list[_Cand] = []
        for victim in placed[:3]:
            removed.append(victim)
            tour = [tuple(x for x in items if x[0] != victim.key) for items in tour]
            without = self.simulate(tour)
            if without is None:
                continue
            best = self.try_insert(talk, tour, without)
            if best is not None:
                left.extend(sorted(removed, key=lambda c: (-c.score, c.key)))
                return best
        return None

    def nofit_reason(self, cand: _Cand, tour: list[tuple]) -> str:
        pid = cand.options[0]
        site = self.data.sites[pid]
        planned = [self.rq.arrival_place] + [p for items in tour for p, _ in items]
        near = min(planned, key=lambda p: (self.tt(p, pid), p))
        drive = duration_text(self.tt(near, pid))
        drive = drive if drive.startswith("约") else "约" + drive
        hours = f"{weekdays_text(site.open_days)} {site.hours}"
        if cand.filler:
            return f"非对口点位，行程时间或绕行距离不允许（距{self.data.name(near)}{drive}车程）"
        return (f"行程时间不足：距{self.data.name(near)}{drive}车程，参观需{site.visit_minutes}分钟，"
                f"开放时间{hours}")

    def plan(self) -> TourPlan:
        tour: list[tuple] = [() for _ in self.days]
        runs = self._empty_runs(tour)
        cands, dropped, fillers_skipped = self.candidates()
        left: list[_Cand] = []
        queue = list(cands)
        while queue:
            cand = queue.pop(0)
            best = self.try_insert(cand, tour, runs)
            if best is None and cand.kind == "talk":
                removed: list[_Cand] = []
                best = self.make_room(cand, tour, runs, cands, removed)
                queue[:0] = removed          # the sites taken out try again right away
            if best is None:
                left.append(cand)
            else:
                _, tour, runs = best
        tour, runs = self.improve(tour, runs)
        still: list[_Cand] = []
        for cand in left:
            best = self.try_insert(cand, tour, runs)
            if best is None:
                still.append(cand)
            else:
                _, tour, runs = best
        fillers_skipped += self._drop_unplaced(still, tour, dropped)
        held = {p for items in tour for p, k in items if k == "talk"}
        for pid in self.rq.must_see:
            site = self.data.sites.get(pid)
            if site and site.kind is SiteKind.government and held and pid not in held:
                dropped.append(Dropped(pid, site.name, "只安排一场座谈，已在" + self.data.name(min(held)) + "举行"))
        return self.assemble(tour, runs, dropped, fillers_skipped)

    def _empty_runs(self, tour: list[tuple]) -> list[_DayRun]:
        """The tour without stops; a default departure moves later (same day) until it fits."""
        runs = self.simulate(tour)
        for _ in range(12):
            if runs is not None or not self.departure_default:
                break
            later = self.departure + dt.timedelta(minutes=30)
            if later.date() != self.departure.date():
                break
            self.departure, self.deadline = later, self.deadline + 30
            self._memo.clear()
            runs = self.simulate(tour)
        if runs is None:
            raise InfeasibleRequest(self.infeasible_reason())
        return runs

    def _drop_unplaced(self, still: list[_Cand], tour: list[tuple], dropped: list[Dropped]) -> int:
        """The candidates that found no place, dropped with the reason; the fillers among them counted."""
        fillers = 0
        for cand in still:
            if cand.kind == "talk":
                dropped.append(Dropped("talk", "座谈", "行程中排不进座谈（会场开放时间或行程时间不允许）"))
                if cand.must:
                    dropped += [Dropped(p, self.data.sites[p].name, "按要求安排座谈，但行程时间或会场开放时间不允许")
                                for p in cand.options]
            elif cand.filler:
                fillers += 1
            else:
                dropped.append(Dropped(cand.key, self.data.sites[cand.key].name, self.nofit_reason(cand, tour)))
        return fillers

    def infeasible_reason(self) -> str:
        rq = self.rq
        need = self.tt(rq.arrival_place, self.dep_place)
        return (f"无法安排：抵达 {rq.arrival:%m-%d %H:%M}（{self.arr_venue.name}）后，需约{need}分钟到达"
                f"{self.dep_venue.name}，并提前{self.dep_venue.depart_minutes}分钟到场，但离开时间为 "
                f"{self.departure:%m-%d %H:%M}；请调整抵离时间或天数")

    # ------------------------------------------------------------------ output
    def pick_materials(self, ids: list[str], today: dt.date, limit: int = 3) -> list[MaterialRef]:
        lib = self.data.materials
        out = []
        for mid in ids:
            m = lib.get(mid)
            if m is None:
                if not lib:                      # no pitch library given: ids only
                    out.append(MaterialRef(mid))
                continue
            if not m.available(today):
                continue
            if self.audience and m.audience and self.audience not in {a.value for a in m.audience}:
                continue
            out.append(MaterialRef(m.id, m.title, m.kind.value, m.link,
                                   [lang.value for lang in m.languages]))
        lang = self.rq.language
        out.sort(key=lambda r: 0 if (not r.languages or lang in r.languages) else 1)
        return out[:limit]

    def talk_materials(self, venue: Site, today: dt.date) -> list[MaterialRef]:
        refs = self.pick_materials(venue.materials, today, 2)
        primary = self.reception.primary_chain
        if primary and self.data.materials:
            lang = self.rq.language
            fitting = [m for m in self.data.materials.values()
                       if m.scope.value == "chain" and primary in m.chains
                       and {"reception", "hq_visit", "forum_speech"} & {s.value for s in m.scenarios}]
            fitting.sort(key=lambda m: (0 if lang in {x.value for x in m.languages} else 1,
                                        0 if m.chains[0] == primary else 1, m.id))
            chain_ids = [m.id for m in fitting]
            refs += [r for r in self.pick_materials(chain_ids, today, 2) if r.id not in {x.id for x in refs}]
        return refs

    def assemble(self, tour, runs, dropped, fillers_skipped) -> TourPlan:
        rq = self.rq
        out_days: list[TourDay] = []
        self._welcomed = False
        for i, (spec, run) in enumerate(zip(self.days, runs)):
            day = TourDay(spec.number if spec.kind == "program" else 0, spec.date, spec.kind, spec.half)
            today = rq.today or spec.date
            if i == 0:
                day.stops.append(self._arrival_stop(spec))
            for v in run.visits:
                day.stops.append(self._visit_stop(v, i, spec, runs, today))
            out_days.append(day)
        plan = TourPlan(request=rq, days=out_days, dropped=dropped, departure_assumed=self.departure_default)
        plan.reception = self.reception_summary()
        plan.visitor = self.visitor_summary()
        plan.notes = self.make_notes(plan, fillers_skipped)
        plan.plan_id = _plan_id(plan)
        return plan

    @staticmethod
    def _at(day: _DaySpec, minutes: int) -> dt.datetime:
        return dt.datetime.combine(day.date, dt.time(0), tzinfo=TZ) + dt.timedelta(minutes=minutes)

    def _place_stop(self, kind, pid, start, end, leg=None, **kw) -> Stop:
        data = self.data
        rec_ = data.sites.get(pid) or data.venues[pid]
        return Stop(kind=kind, place_id=pid, name=rec_.name, start=start, end=end, travel=leg,
                    town=data.town(pid), county=rec_.county.value, lat=rec_.lat, lon=rec_.lon,
                    name_en=rec_.name_en, name_ru=rec_.name_ru, **kw)

    def _greeter(self) -> tuple[str | None, list[str]]:
        """Who meets the visitor on arrival and sees them off: the escort, else the bureau."""
        rec = self.reception
        return (rec.escort_label or (rec.bureau.label if rec.bureau else None),
                [o.id for o in (rec.escort, ) if o])

    def _arrival_stop(self, spec: _DaySpec) -> Stop:
        rq, rec = self.rq, self.reception
        host, ids = self._greeter()
        return self._place_stop(
            "arrival", rq.arrival_place, rq.arrival, self._at(spec, self.arrival_min + self.arr_venue.arrive_minutes),  # type: ignore[operator]  # an arrival venue has arrive_minutes
            why=f"迎接：{rec.escort_label or '市招商局'}在{self.arr_venue.name}迎候", host=host, host_ids=ids)

    def _visit_stop(self, v: _Visit, i: int, spec: _DaySpec, runs: list[_DayRun], today: dt.date) -> Stop:
        data = self.data
        leg = Leg(v.frm, v.pid, v.travel, data.name(v.frm), data.name(v.pid))
        start, end = self._at(spec, v.start), self._at(spec, v.end)
        if v.kind == "site":
            return self._site_stop(v, leg, start, end, today)
        if v.kind == "talk":
            return self._talk_stop(v, leg, start, end, today)
        if v.kind == "meal":
            return self._meal_stop(v, leg, start, end)
        if v.kind == "hotel":
            leave = self._at(self.days[i + 1], runs[i + 1].start)
            return self._place_stop("hotel", v.pid, start, leave, leg, why="入住休息")
        host, ids = self._greeter()
        return self._place_stop("departure", v.pid, start, self.departure, leg, why=self.farewell(start),
                                host=host, host_ids=ids)

    def _site_stop(self, v: _Visit, leg: Leg, start, end, today: dt.date) -> Stop:
        site = self.data.sites[v.pid]
        hosts, extras = site_hosts(site, self.data.officials, self.reception.site_host_rank)
        host = "；".join([*(o.label for o in hosts), *extras]) or None
        return self._place_stop(
            "site", v.pid, start, end, leg, materials=self.pick_materials(site.materials, today),
            host=host, host_ids=[o.id for o in hosts], why=self.why(site, v.pid in set(self.rq.must_see)),
            chains=list(site.chains), notes=site.notes)

    def _talk_stop(self, v: _Visit, leg: Leg, start, end, today: dt.date) -> Stop:
        rec = self.reception
        site = self.data.sites[v.pid]
        people = rec.talk_officials()
        chair = rec.chair
        chain = chain_label(rec.primary_chain, self.chain_names) if rec.primary_chain else None
        why = (f"与{chain}专班座谈" if chain else "城市推介座谈") + (f" · {chair.label}主持" if chair else "")
        host = "主持：" + (chair.label if chair else "待定") + (
            "；出席：" + "、".join(o.label for o in people if o is not chair) if len(people) > 1 else "")
        return self._place_stop(
            "talk", v.pid, start, end, leg, materials=self.talk_materials(site, today),
            host=host, host_ids=[o.id for o in people], why=why,
            chains=[rec.primary_chain] if rec.primary_chain else [], notes=rec.rule.note)

    def _meal_stop(self, v: _Visit, leg: Leg, start, end) -> Stop:
        rec = self.reception
        if v.meal == "dinner" and not self._welcomed and rec.chair:
            self._welcomed = True
            why, host, ids = "欢迎晚宴", rec.chair.label, [rec.chair.id]
        else:
            why = "午餐" if v.meal == "lunch" else "晚餐"
            host = rec.escort_label or "陪同人员"
            ids = [rec.escort.id] if rec.escort else []
        return self._place_stop("meal", v.pid, start, end, leg, meal=v.meal, why=why, host=host, host_ids=ids)

    def farewell(self, reach: dt.datetime) -> str:
        """The departure stop's text; its times are the stop's own (reached at `reach`), so
        that the words and the calendar agree."""
        need = self.dep_venue.depart_minutes or 0
        early = int((self.departure - reach).total_seconds() // 60)
        text = f"送别：{self.dep_venue.name}，{reach:%H:%M}到达，{self.departure:%H:%M}离开"
        if need:
            text += f"（需提前{need}分钟到场，本行程提前{early}分钟到达）" if early != need else f"（提前{need}分钟到达）"
        if self.departure_default:
            text += "；离开时间为估算，未经确认"
        return text

    def reception_summary(self) -> dict:
        rec = self.reception

        def person(o):
            return None if o is None else {"id": o.id, "label": o.label, "rank": o.rank}
        return {
            "rule": rec.rule.id, "note": rec.rule.note, "receiver": person(rec.receiver),
            "chair": person(rec.chair), "alternates": [person(o) for o in rec.alternates],
            "with": [person(o) for o in rec.with_officials], "taskforce_lead": person(rec.taskforce_lead),
            "taskforce_office": person(rec.taskforce_office), "escort": rec.escort_label,
            "escort_official": person(rec.escort), "escort_rule": rec.escort_rule.id if rec.escort_rule else None,
            "escort_note": rec.escort_rule.note if rec.escort_rule else None,
            "site_host_rank": rec.site_host_rank, "talk_minutes": rec.talk_minutes,
            "primary_chain": rec.primary_chain,
        }

    def visitor_summary(self) -> dict:
        p = self.rq.profile
        return {
            "company": p.company, "title": p.title, "raw": p.raw,
            "level": self.level, "level_label": SENIORITY_NAMES.get(self.level),
            "level_assumed": p.seniority is None,
            "audience": p.audience, "audience_label": AUDIENCE_WORDS.get(p.audience or "", None),
            "chains": [{"id": c, "label": chain_label(c, self.chain_names)} for c in p.chain_ids],
            "city": p.city, "language": self.rq.language,
        }

    def make_notes(self, plan: TourPlan, fillers_skipped: int) -> list[str]:
        rq = self.rq
        notes = list(self.reception.notes)
        if self.rq.profile.seniority is None:
            notes.append("来访者级别未知，按总监级（3级）安排接待规格")
        if self.departure_default:
            notes.append(f"未给出离开时间：按最后一天行程结束返回{self.dep_venue.name}，"
                         f"{self.departure:%m-%d %H:%M}离开安排")
        if plan.days and plan.days[0].kind == "eve":
            notes.append("前一晚抵达：当晚只安排接站和入住，考察从次日开始")
        if plan.site_count == 0:
            if not any(s.kind == "talk" for s in plan.stops):
                first = plan.days[0] if plan.days[0].kind == "program" else plan.days[min(1, len(plan.days) - 1)]
                notes.append(
                    "没有可安排的考察点位和座谈："
                    + ("抵达时各点位已关闭或剩余时间不足" if first.kind == "program" and self.arrival_min >= 15 * 60
                       else "行程时间内没有开放且相关的点位")
                    + f"（抵达 {rq.arrival:%m-%d %H:%M}，共{rq.days:g}天）；建议增加天数、提前抵达或改为线上对接")
            else:
                notes.append("只安排了座谈，没有可安排的考察点位（点位关闭、季节不合或时间不足）")
        if not rq.profile.chain_ids:
            notes.append("来访者未对应具体产业链：以城市名片点位和城市推介座谈为主")
        elif not any(set(rq.profile.chain_ids) & set(s.chains) for s in self.data.sites.values()):
            names = "、".join(chain_label(c, self.chain_names) for c in rq.profile.chain_ids)
            notes.append(f"没有与{names}相关的考察点位：以城市名片点位和城市推介座谈为主")
        if fillers_skipped:
            notes.append(f"另有{fillers_skipped}个城市名片点位因时间、距离或开放时间未安排")
        if rq.language != "zh":
            notes.append({"en": "外宾语言为英语：请安排英语翻译，优先使用英文版材料",
                          "ru": "外宾语言为俄语：请安排俄语翻译，优先使用俄文版材料"}[rq.language])  # type: ignore[index]  # not zh: en or ru (validated)
        for d in plan.days:
            if d.kind == "program" and not any(s.kind in ("site", "talk") for s in d.stops):
                notes.append(f"{d.label}（{d.date:%m-%d}）没有考察安排（时间、开放日或距离不允许），可自由活动")
        return notes


def _plan_id(plan: TourPlan) -> str:
    payload = {"request": plan.request.key(),
               "stops": [(s.kind, s.place_id, s.start.isoformat(), s.end.isoformat()) for s in plan.stops]}
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def plan_tour(request: TourRequest, lists: dict[str, list] | TourData,
              chain_names: dict[str, str] | None = None) -> TourPlan:
    """Plan a tour. `lists`: the tour lists by stem (sites, venues, roads, officials, reception),
    optionally with `materials` (pitch library records) to resolve titles and links.
    Raises ValueError for a malformed request, InfeasibleRequest when even an empty tour does not
    fit between the arrival and the departure."""
    data = lists if isinstance(lists, TourData) else TourData(lists)
    return _Planner(request, data, chain_names).plan()


def ranked_sites(request: TourRequest, lists: dict[str, list] | TourData,
                 chain_names: dict[str, str] | None = None) -> list[str]:
    """The ids of the sites this visitor may be shown (not meeting rooms, none above their
    level), most relevant first by the planner's own score (ties by id). Raises ValueError as
    plan_tour does for a request it cannot plan from."""
    data = lists if isinstance(lists, TourData) else TourData(lists)
    planner = _Planner(request, data, chain_names)
    ranked = []
    for pid, site in data.sites.items():
        if site.kind is SiteKind.government or site.min_level > planner.level:
            continue
        sc = planner.score(site)
        if sc is not None:
            ranked.append((-sc[0], pid))
    return [pid for _, pid in sorted(ranked)]
