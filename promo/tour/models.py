"""The tour lists (lists/tour/*.yaml) as pydantic models, and the checks across them.

Five files, each a top-level list of records (see lists/tour/README.md for every field):

| file | record | what |
| --- | --- | --- |
| lists/tour/sites.yaml | `Site` | what we show: parks, enterprises, project plots, ports, meeting rooms |
| lists/tour/venues.yaml | `Venue` | towns (hubs), airports, stations, ports of entry, hotels, restaurants |
| lists/tour/roads.yaml | `Road` | driving minutes between towns |
| lists/tour/officials.yaml | `Official` | who may receive, host and accompany (titles, fictional names) |
| lists/tour/reception.yaml | `ReceptionRule` | which visitor gets which level of reception; what an escort implies |

Each record checks itself (a bad opening-hours string, an unknown weekday, a road from a town to
itself are errors of that record); `check_tour_references` checks what links records together.
The venues file is not called `places.yaml`: the loader keys lists by file stem and `places` is
already the gazetteer of lists/places.yaml.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from promo.lists.models import Audience, Id, IdList, Lang, Record

# --------------------------------------------------------------------------- vocabularies


class County(str, Enum):
    """Heihe's scored units (counties, county-level cities, the district and the FTZ)."""

    aihui = "爱辉区"
    beian = "北安市"
    wudalianchi = "五大连池市"
    nenjiang = "嫩江市"
    xunke = "逊克县"
    sunwu = "孙吴县"
    ftz = "黑河自贸片区"


# The FTZ lies inside Aihui district: its sites belong to Aihui's towns.
COUNTY_OF_TOWN_OK = {County.ftz: County.aihui}


class SiteKind(str, Enum):
    industrial_park = "industrial_park"
    enterprise = "enterprise"
    project_site = "project_site"
    port = "port"
    bridge = "bridge"
    ftz = "ftz"
    exhibition = "exhibition"
    scenic = "scenic"
    government = "government"     # meeting rooms: where the 座谈 (talk) is held
    farm = "farm"
    lab = "lab"


class VenueKind(str, Enum):
    town = "town"                 # a hub: the centre of a town, the node of the road table
    airport = "airport"
    station = "station"
    port = "port"                 # a port of entry (arrival / departure point)
    hotel = "hotel"
    restaurant = "restaurant"


ARRIVAL_KINDS = (VenueKind.airport, VenueKind.station, VenueKind.port, VenueKind.town)

# minutes from touching down to leaving the terminal / needed before departing
DEFAULT_ARRIVE_MINUTES = {"airport": 20, "station": 10, "port": 40}
DEFAULT_DEPART_MINUTES = {"airport": 60, "station": 20, "port": 60}


class OfficialRole(str, Enum):
    city_leader = "city_leader"           # 市委书记, 市长, 副市长 …
    taskforce_lead = "taskforce_lead"     # 专班组长 of the chains in `chains`
    taskforce_office = "taskforce_office" # 专班办公室 (bureau that runs the task force)
    bureau_head = "bureau_head"           # 招商局 (investment promotion bureau) head
    bureau_deputy = "bureau_deputy"
    foreign_affairs = "foreign_affairs"   # 外事办
    overseas_chinese = "overseas_chinese" # 侨办 / 统战部
    county_head = "county_head"           # 县（市、区）委书记 / 县长 / 区长
    county_deputy = "county_deputy"       # 分管招商的副县（市、区）长
    park_head = "park_head"               # 园区 / 口岸 / 片区管委会负责人


# Who hosts at a site besides officials (not people in the officials list).
HOST_EXTRA_ROLES = {
    "enterprise": "企业负责人",
    "guide": "讲解员",
    "port_admin": "口岸管理部门",
    "park_admin": "园区管委会",
}

# --------------------------------------------------------------------------- parsing helpers

_WEEKDAY_WORDS = {
    "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7,
    "monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6,
    "sunday": 7, "周一": 1, "周二": 2, "周三": 3, "周四": 4, "周五": 5, "周六": 6, "周日": 7,
    "周天": 7, "星期一": 1, "星期二": 2, "星期三": 3, "星期四": 4, "星期五": 5, "星期六": 6,
    "星期日": 7, "星期天": 7,
}
_EVERY_DAY = {"daily", "every day", "everyday", "all", "每天", "每日", "全年无休"}
_DASHES = re.compile(r"\s*(?:-|–|—|~|～|至|到)\s*")


def parse_weekdays(value) -> list[int]:
    """'mon-fri', 'daily', ['mon', 'wed'], [1, 2], '周一至周五' → sorted ISO weekdays 1..7."""
    if value is None:
        return [1, 2, 3, 4, 5, 6, 7]
    items = value if isinstance(value, list) else re.split(r"[,，、;；]\s*", str(value))
    days: set[int] = set()
    for item in items:
        if isinstance(item, bool):
            raise ValueError(f"'{item}' is not a weekday")
        if isinstance(item, int):
            if not 1 <= item <= 7:
                raise ValueError(f"weekday number {item} is not 1 (Monday) … 7 (Sunday)")
            days.add(item)
            continue
        word = str(item).strip().lower()
        if not word:
            continue
        if word in _EVERY_DAY:
            days.update(range(1, 8))
            continue
        parts = _DASHES.split(word)
        if len(parts) == 2 and all(p in _WEEKDAY_WORDS for p in parts):
            a, b = _WEEKDAY_WORDS[parts[0]], _WEEKDAY_WORDS[parts[1]]
            days.update(range(a, b + 1) if a <= b else [*range(a, 8), *range(1, b + 1)])
            continue
        if word not in _WEEKDAY_WORDS:
            raise ValueError(f"'{item}' is not a weekday (use mon … sun, 'mon-fri' or 'daily')")
        days.add(_WEEKDAY_WORDS[word])
    if not days:
        raise ValueError("no weekday given (use e.g. 'mon-fri' or 'daily')")
    return sorted(days)


_CLOCK = re.compile(r"^(\d{1,2})[:：](\d{2})$")


def _clock(text: str) -> int:
    m = _CLOCK.match(text.strip())
    if not m:
        raise ValueError(f"'{text}' is not a time of day (write HH:MM, e.g. 08:30)")
    h, mi = int(m.group(1)), int(m.group(2))
    if mi > 59 or h > 24 or (h == 24 and mi):
        raise ValueError(f"'{text}' is not a time of day")
    return h * 60 + mi


def parse_hours(value) -> list[tuple[int, int]]:
    """'08:30-11:30, 13:30-17:00' → [(510, 690), (810, 1020)] (minutes after midnight).

    One to three ranges, in order, not overlapping; a visit must fit inside one range.
    """
    if isinstance(value, list):
        items = [str(v) for v in value]
    else:
        items = [p for p in re.split(r"[,，、;；]\s*|\s+(?=\d{1,2}[:：]\d{2}\s*[-–—~～至到])",
                                     str(value).strip()) if p.strip()]
    if not items:
        raise ValueError("no opening hours given (write e.g. 08:30-17:00)")
    ranges = []
    for item in items:
        parts = _DASHES.split(item.strip())
        if len(parts) != 2:
            raise ValueError(f"'{item}' is not a range of hours (write e.g. 08:30-11:30)")
        start, end = _clock(parts[0]), _clock(parts[1])
        if end <= start:
            raise ValueError(f"'{item}': the range ends before it starts")
        ranges.append((start, end))
    if len(ranges) > 3:
        raise ValueError("at most three ranges of opening hours")
    for (_s1, e1), (s2, _e2) in zip(ranges, ranges[1:]):
        if s2 < e1:
            raise ValueError("ranges of opening hours must be in order and must not overlap")
    return ranges


def format_hours(ranges: list[tuple[int, int]]) -> str:
    return ", ".join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in ranges)


def parse_months(value) -> list[int]:
    """[5, 6, 7], '5-10', '11-3' (winter, wraps), '全年' → sorted months; [] = all year."""
    if value is None:
        return []
    items = value if isinstance(value, list) else re.split(r"[,，、;；]\s*", str(value))
    months: set[int] = set()
    for item in items:
        if isinstance(item, bool):
            raise ValueError(f"'{item}' is not a month")
        if isinstance(item, int):
            if not 1 <= item <= 12:
                raise ValueError(f"month {item} is not 1 … 12")
            months.add(item)
            continue
        word = str(item).strip().removesuffix("月")
        if not word:
            continue
        if word in ("all", "全年", "all year"):
            return []
        parts = _DASHES.split(word)
        try:
            nums = [int(p.removesuffix("月")) for p in parts]
        except ValueError:
            raise ValueError(f"'{item}' is not a month or a range of months (e.g. 5-10)") from None
        if len(nums) not in (1, 2) or not all(1 <= n <= 12 for n in nums):
            raise ValueError(f"'{item}' is not a month or a range of months (e.g. 5-10)")
        if len(nums) == 1:
            months.add(nums[0])
        else:
            a, b = nums
            months.update(range(a, b + 1) if a <= b else [*range(a, 13), *range(1, b + 1)])
    return [] if len(months) == 12 else sorted(months)


def _dates(value):
    """Dates, or 'YYYY-MM-DD..YYYY-MM-DD' ranges (e.g. the Spring Festival week)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out: list = []
    for item in items:
        if isinstance(item, str) and ".." in item:
            a, b = (dt.date.fromisoformat(p.strip()) for p in item.split("..", 1))
            if b < a:
                raise ValueError(f"'{item}': the range ends before it starts")
            if (b - a).days > 366:
                raise ValueError(f"'{item}': a closed period longer than a year")
            out.extend(a + dt.timedelta(days=i) for i in range((b - a).days + 1))
        else:
            out.append(item)
    return out


# What staff may type (the JSON Schema for editors shows these input forms, not the parsed ones).
Weekdays = Annotated[list[int], BeforeValidator(parse_weekdays, json_schema_input_type=str | int | list[str | int])]
Months = Annotated[list[int], BeforeValidator(parse_months, json_schema_input_type=str | int | list[str | int])]
DateList = Annotated[list[dt.date], BeforeValidator(_dates, json_schema_input_type=str | dt.date | list[str | dt.date])]
Level = Annotated[int, Field(ge=1, le=5)]
Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]

# Heihe prefecture and its surroundings: coordinates outside are typos (swapped lat/lon, …).
HEIHE_BOX = (47.0, 52.5, 123.5, 130.5)


def _in_heihe(lat: float, lon: float) -> bool:
    return HEIHE_BOX[0] <= lat <= HEIHE_BOX[1] and HEIHE_BOX[2] <= lon <= HEIHE_BOX[3]


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance on a sphere of radius 6371 km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


# --------------------------------------------------------------------------- records


class Site(Record):
    """A place we show a visitor: a park, an enterprise, a project plot, a port, a meeting room."""

    id: Id
    name: str = Field(min_length=1)
    name_en: str | None = None
    name_ru: str | None = None
    county: County
    town: Id = Field(description="id of the town (venue of kind town) the site is reached from")
    kind: SiteKind
    chains: IdList = Field(default_factory=list, description="industry chains the site shows")
    lat: Lat
    lon: Lon
    visit_minutes: int = Field(60, ge=10, le=300, description="how long the visit takes")
    open_days: Weekdays = Field(default_factory=lambda: [1, 2, 3, 4, 5, 6, 7],
                                description="mon … sun, 'mon-fri', 'daily'")
    hours: str = Field("08:30-17:00", description="one to three ranges, e.g. 08:30-11:30, 13:30-17:00")
    closed_dates: DateList = Field(default_factory=list, description="dates or 'a..b' ranges")
    months: Months = Field(default_factory=list, description="season, e.g. 5-10; empty: all year")
    audiences: list[Audience] = Field(default_factory=list, description="empty: suits everyone")
    min_level: Level = Field(1, description="lowest visitor seniority (1 staff … 5 chairman)")
    importance: Level = Field(3, description="1 minor … 5 a must for the city")
    showcase: bool = Field(False, description="a city showcase worth showing any visitor")
    materials: IdList = Field(default_factory=list, description="pitch material ids to show here")
    hosts: IdList = Field(default_factory=list, description="official ids or roles "
                          "(county_head, county_deputy, park_head, enterprise, guide, …)")
    notes: str | None = None

    @field_validator("hours", mode="before")
    @classmethod
    def _hours(cls, v):
        return format_hours(parse_hours(v))

    @model_validator(mode="after")
    def _fits(self):
        if not _in_heihe(self.lat, self.lon):
            raise ValueError(f"lat/lon {self.lat}, {self.lon} is outside Heihe "
                             "(check the order: lat ≈ 48–51, lon ≈ 124–129)")
        if self.visit_minutes > max(e - s for s, e in self.ranges):
            raise ValueError(f"a visit of {self.visit_minutes} min does not fit in any range "
                             f"of the opening hours {self.hours}")
        return self

    @property
    def ranges(self) -> list[tuple[int, int]]:
        return parse_hours(self.hours)

    def open_on(self, day: dt.date) -> bool:
        return (day.isoweekday() in self.open_days and day not in self.closed_dates
                and (not self.months or day.month in self.months))


class Venue(Record):
    """A town (hub of the road table), an arrival point, a hotel or a restaurant."""

    id: Id
    name: str = Field(min_length=1)
    name_en: str | None = None
    name_ru: str | None = None
    kind: VenueKind
    county: County
    town: Id | None = Field(None, description="the town it belongs to; not for kind town")
    lat: Lat
    lon: Lon
    code: str | None = Field(None, description="IATA or station code, e.g. HEK")
    arrive_minutes: int | None = Field(None, ge=0, le=180,
                                       description="from arrival to leaving the terminal")
    depart_minutes: int | None = Field(None, ge=0, le=240,
                                       description="needed at the point before departure")
    notes: str | None = None

    @model_validator(mode="after")
    def _consistent(self):
        if not _in_heihe(self.lat, self.lon):
            raise ValueError(f"lat/lon {self.lat}, {self.lon} is outside Heihe "
                             "(check the order: lat ≈ 48–51, lon ≈ 124–129)")
        if self.kind is VenueKind.town:
            if self.town not in (None, self.id):
                raise ValueError("a town does not belong to another town: remove 'town'")
        elif not self.town:
            raise ValueError(f"a {self.kind.value} needs 'town' (the id of its town)")
        if self.arrive_minutes is None:
            self.arrive_minutes = DEFAULT_ARRIVE_MINUTES.get(self.kind.value, 0)
        if self.depart_minutes is None:
            self.depart_minutes = DEFAULT_DEPART_MINUTES.get(self.kind.value, 0)
        return self

    @property
    def town_id(self) -> str:
        return self.id if self.kind is VenueKind.town else self.town  # type: ignore[return-value]


class Road(Record):
    """Driving time between two towns (both directions)."""

    id: Id | None = Field(None, description="optional; set to 'a--b' when left out")
    a: Id
    b: Id
    minutes: int = Field(ge=5, le=900)
    km: float | None = Field(None, gt=0, le=1500)
    route: str | None = Field(None, description="e.g. G1211 吉黑高速")
    notes: str | None = None

    @model_validator(mode="after")
    def _consistent(self):
        if self.a == self.b:
            raise ValueError("a road from a town to itself: 'a' and 'b' must differ")
        if self.km is not None and self.km / (self.minutes / 60) > 110:
            raise ValueError(f"{self.km} km in {self.minutes} min is faster than 110 km/h")
        if self.id is None:
            self.id = "--".join(sorted((self.a, self.b)))
        return self


class Official(Record):
    """Someone from our side who may receive, host or accompany a visitor."""

    id: Id
    title: str = Field(min_length=1, description="e.g. 市长, 北安市委书记")
    name: str | None = Field(None, description="fictional or abbreviated, e.g. 李某某")
    rank: Level = Field(description="5 市委书记/市长 · 4 副市长 · 3 局长/县委书记/县长 · "
                        "2 副局长/副县长 · 1 科级")
    unit: str | None = None
    county: County | None = Field(None, description="empty: city level")
    roles: list[OfficialRole] = Field(min_length=1)
    chains: IdList = Field(default_factory=list, description="chains whose task force they lead")
    languages: list[Lang] = Field(default_factory=lambda: [Lang.zh])
    notes: str | None = None

    @model_validator(mode="after")
    def _consistent(self):
        if OfficialRole.taskforce_lead in self.roles and not self.chains:
            raise ValueError("a taskforce_lead needs 'chains'")
        if OfficialRole.county_head in self.roles and self.county is None:
            raise ValueError("a county_head needs 'county'")
        return self

    @property
    def label(self) -> str:
        return f"{self.title} {self.name}" if self.name else self.title


class ReceptionRule(Record):
    """Who receives a visitor (applies_to visitor), or what an escort implies (applies_to escort).

    Visitor rules are tried by `priority` (highest first, then file order); the first whose
    audiences and level range match applies. A rule with no audiences and levels 1–5 is the
    fallback every file must have.
    """

    id: Id
    applies_to: Literal["visitor", "escort"] = "visitor"
    audiences: list[Audience] = Field(default_factory=list, description="empty: any visitor")
    min_level: Level = 1
    max_level: Level = 5
    escort_roles: list[OfficialRole] = Field(default_factory=list)
    receive_rank: Level | None = Field(None, description="lowest rank of who receives")
    receive_rank_max: Level | None = Field(None, description="highest rank; default receive_rank")
    receive_roles: list[OfficialRole] = Field(default_factory=list)
    with_roles: list[OfficialRole] = Field(default_factory=list,
                                           description="units that join: foreign_affairs, …")
    site_host_rank: Level | None = Field(None, description="lowest rank of the county host at sites")
    talk: bool = Field(True, description="hold a 座谈 with the chain's task force")
    talk_minutes: int = Field(60, ge=30, le=180)
    chair_talk: bool = Field(False, description="escort rules: the escort chairs the talk")
    prefer_escort_county: bool = False
    prefer_escort_chains: bool = False
    priority: int = 0
    note: str | None = Field(None, description="the protocol in words (Chinese), shown in the plan")

    @model_validator(mode="after")
    def _consistent(self):
        if self.min_level > self.max_level:
            raise ValueError("min_level is above max_level")
        if self.applies_to == "visitor":
            if self.receive_rank is None:
                raise ValueError("a visitor rule needs 'receive_rank'")
            if self.escort_roles:
                raise ValueError("'escort_roles' belongs to escort rules (applies_to: escort)")
        elif not self.escort_roles:
            raise ValueError("an escort rule needs 'escort_roles'")
        if self.receive_rank is not None:
            if self.receive_rank_max is None:
                self.receive_rank_max = self.receive_rank
            if self.receive_rank_max < self.receive_rank:
                raise ValueError("receive_rank_max is below receive_rank")
        return self


TOUR_LISTS: dict[str, type[Record]] = {
    "lists/tour/sites.yaml": Site,
    "lists/tour/venues.yaml": Venue,
    "lists/tour/roads.yaml": Road,
    "lists/tour/officials.yaml": Official,
    "lists/tour/reception.yaml": ReceptionRule,
}


def load_tour_lists(root: Path | str) -> dict[str, list]:
    """Read and validate the tour files under `root` → {"sites": [...], "venues": [...], …}.

    A stand-in for the project's loader (promo/lists/loader.py gives file:line errors); kept in one
    function so it can be swapped.
    """
    import yaml

    root = Path(root)
    out: dict[str, list] = {}
    for rel, model in TOUR_LISTS.items():
        path = root / rel
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
        out[Path(rel).stem] = [model.model_validate(item) for item in (data or [])]
    return out


# --------------------------------------------------------------------------- cross-references

Problem = tuple[str, int, str, str, str]   # file, index in the file's list, field, message, fix


def check_tour_references(lists: dict[str, list], material_ids: set[str],
                          chain_ids: set[str]) -> list[Problem]:
    """Problems that no single record can see: unknown ids, missing restaurants, bad roads …

    `lists` maps file stems (sites, venues, roads, officials, reception) to validated records
    (plain dicts are validated here first). Returns (file, index, field, message, fix).
    """
    check = _References(lists, material_ids, chain_ids)
    for step in (check.ids, check.sites, check.other_venues, check.restaurants, check.roads,
                 check.official_chains, check.reception_rules):
        step()
    return check.problems


def _hint(value, known, otherwise):
    close = difflib.get_close_matches(value, sorted(known), n=1, cutoff=0.75)
    return f"did you mean '{close[0]}'? ({otherwise})" if close else otherwise


class _References:
    """check_tour_references, one method per file (run in the order of the problems reported)."""

    def __init__(self, lists: dict[str, list], material_ids: set[str], chain_ids: set[str]):
        self.files = {Path(rel).stem: rel for rel in TOUR_LISTS}
        self.material_ids, self.chain_ids = material_ids, chain_ids
        self.problems: list[Problem] = []
        self.recs = {Path(rel).stem: self._validated(Path(rel).stem, model, lists.get(Path(rel).stem, []) or [])
                     for rel, model in TOUR_LISTS.items()}
        self.venues = {r.id: r for _, r in self.ok("venues")}
        self.towns = {vid: v for vid, v in self.venues.items() if v.kind is VenueKind.town}
        self.officials = {r.id: r for _, r in self.ok("officials")}

    def _validated(self, stem: str, model, items: list) -> list:
        out = []
        for i, r in enumerate(items):
            if isinstance(r, dict):
                try:
                    r = model.model_validate(r)
                except Exception as exc:  # noqa: BLE001 - reported as a problem of the record
                    self.add(stem, i, "record", f"invalid record: {exc}".splitlines()[0],
                             "fix the record as the message says")
                    r = None
            out.append(r)
        return out

    def add(self, stem, i, fname, message, fix) -> None:
        self.problems.append((self.files[stem], i, fname, message, fix))

    def ok(self, stem) -> list[tuple[int, Any]]:
        return [(i, r) for i, r in enumerate(self.recs[stem]) if r is not None]

    def town_ref(self, stem, i, fname, town_id, county):
        venues, towns = self.venues, self.towns
        if town_id not in venues:
            self.add(stem, i, fname, f"unknown town id '{town_id}'",
                     _hint(town_id, towns, f"use the id of a venue of kind town (known: {', '.join(sorted(towns))})"))
            return None
        if town_id not in towns:
            self.add(stem, i, fname, f"'{town_id}' is a {venues[town_id].kind.value}, not a town",
                     "use the id of a venue of kind town")
            return None
        town = towns[town_id]
        if county is not None and county != town.county and COUNTY_OF_TOWN_OK.get(county) != town.county:
            self.add(stem, i, "county", f"county {county.value} but town '{town_id}' is in {town.county.value}",
                     "correct the county or the town")
        return town

    def ids(self) -> None:
        site_ids: dict[str, int] = {}
        for i, s in self.ok("sites"):
            if s.id in site_ids:
                self.add("sites", i, "id", f"duplicate site id '{s.id}'", "give every site its own id")
            site_ids.setdefault(s.id, i)
            if s.id in self.venues:
                self.add("sites", i, "id", f"'{s.id}' is both a site and a venue",
                         "sites and venues share one namespace in plans: rename one of them")
        seen_venues: set[str] = set()
        for i, v in self.ok("venues"):
            if v.id in seen_venues:
                self.add("venues", i, "id", f"duplicate venue id '{v.id}'", "give every venue its own id")
            seen_venues.add(v.id)

    def sites(self) -> None:
        for i, s in self.ok("sites"):
            town = self.town_ref("sites", i, "town", s.town, s.county)
            self._site_ids(i, s)
            if town is not None and great_circle_km(s.lat, s.lon, town.lat, town.lon) > 150:
                self.add("sites", i, "lat", f"{great_circle_km(s.lat, s.lon, town.lat, town.lon):.0f} km from "
                         f"its town '{town.id}'", "check lat/lon or choose the town the site is reached from")
            if not s.chains and not s.showcase and s.kind is not SiteKind.government:
                self.add("sites", i, "chains", "a site with no chain that is not a showcase is never planned",
                         "add the chains it shows, or 'showcase: true'")

    def _site_ids(self, i: int, s) -> None:
        """A site's chains, materials and hosts name known records."""
        for c in s.chains:
            if c not in self.chain_ids:
                self.add("sites", i, "chains", f"unknown chain id '{c}'",
                         _hint(c, self.chain_ids, "use an id from lists/chains.yaml"))
        for m in s.materials:
            if m not in self.material_ids:
                self.add("sites", i, "materials", f"unknown material id '{m}'",
                         _hint(m, self.material_ids, "use the id of a material in pitch_library/*.yaml"))
        for h in s.hosts:
            if h not in self.officials and h not in HOST_EXTRA_ROLES and h not in OfficialRole.__members__:
                roles = [*OfficialRole.__members__, *HOST_EXTRA_ROLES]
                self.add("sites", i, "hosts", f"unknown host '{h}'",
                         _hint(h, [*self.officials, *roles], "use an official id from lists/tour/officials.yaml "
                               "or a role: " + ", ".join(roles)))

    def other_venues(self) -> None:
        for i, v in self.ok("venues"):
            if v.kind is not VenueKind.town:
                town = self.town_ref("venues", i, "town", v.town, v.county)
                if town is not None and great_circle_km(v.lat, v.lon, town.lat, town.lon) > 80:
                    self.add("venues", i, "lat", f"{great_circle_km(v.lat, v.lon, town.lat, town.lon):.0f} km "
                             f"from its town '{town.id}'", "check lat/lon or the town")

    def restaurants(self) -> None:
        venues = self.venues
        for need in (VenueKind.hotel, VenueKind.restaurant):
            if venues and not any(v.kind is need for v in venues.values()):
                self.add("venues", 0, "kind", f"no {need.value} in the list", f"add at least one {need.value}")
        venue_index: dict[str, int] = {}
        for i, r in self.ok("venues"):
            venue_index.setdefault(r.id, i)
        used_towns = {s.town for _, s in self.ok("sites")} | {v.town_id for v in venues.values()
                                                             if v.kind in ARRIVAL_KINDS}
        restaurant_towns = {v.town for v in venues.values() if v.kind is VenueKind.restaurant}
        for tid in sorted(used_towns & set(self.towns)):
            if tid not in restaurant_towns:
                self.add("venues", venue_index[tid], "kind", f"town '{tid}' has sites or arrivals "
                         "but no restaurant", f"add a restaurant with 'town: {tid}' (meals are planned nearby)")

    def roads(self) -> None:
        pairs: dict[tuple[str, str], int] = {}
        for i, r in self.ok("roads"):
            for fname in ("a", "b"):
                self.town_ref("roads", i, fname, getattr(r, fname), None)
            key = tuple(sorted((r.a, r.b)))
            if key in pairs:
                self.add("roads", i, "a", f"a second road between '{r.a}' and '{r.b}'",
                         f"keep one (the first is record {pairs[key] + 1})")
            pairs.setdefault(key, i)
            if r.a in self.towns and r.b in self.towns:
                self._road_length(i, r)

    def _road_length(self, i: int, r) -> None:
        ta, tb = self.towns[r.a], self.towns[r.b]
        km = great_circle_km(ta.lat, ta.lon, tb.lat, tb.lon)
        if r.minutes < km * 0.5:
            self.add("roads", i, "minutes", f"{r.minutes} min for {km:.0f} km as the crow flies "
                     "(faster than 120 km/h)", "check the minutes or the towns' lat/lon")
        if r.km is not None and r.km < km * 0.95:
            self.add("roads", i, "km", f"{r.km} km is shorter than the straight line ({km:.0f} km)",
                     "check the km or the towns' lat/lon")

    def official_chains(self) -> None:
        for i, o in self.ok("officials"):
            for c in o.chains:
                if c not in self.chain_ids:
                    self.add("officials", i, "chains", f"unknown chain id '{c}'",
                             _hint(c, self.chain_ids, "use an id from lists/chains.yaml"))

    def reception_rules(self) -> None:
        officials = self.officials
        has_fallback = False
        for i, rule in self.ok("reception"):
            if rule.applies_to == "visitor":
                if not rule.audiences and rule.min_level == 1 and rule.max_level == 5:
                    has_fallback = True
                self._receivers(i, rule)
            for role in rule.with_roles:
                if officials and not any(role in o.roles for o in officials.values()):
                    self.add("reception", i, "with_roles", f"no official has role '{role.value}'",
                             "add one to officials.yaml or remove the role")
        if self.recs["reception"] and not has_fallback:
            self.add("reception", 0, "audiences", "no fallback rule (no audiences, levels 1–5)",
                     "add a visitor rule without audiences so every visitor has a reception")

    def _receivers(self, i: int, rule) -> None:
        fits = [o for o in self.officials.values()
                if rule.receive_rank <= o.rank <= rule.receive_rank_max
                and (not rule.receive_roles or set(o.roles) & set(rule.receive_roles))]
        if self.officials and not fits:
            self.add("reception", i, "receive_rank", f"no official of rank {rule.receive_rank}–"
                     f"{rule.receive_rank_max} with roles {[r.value for r in rule.receive_roles]}",
                     "add such an official to officials.yaml or change the rule")
