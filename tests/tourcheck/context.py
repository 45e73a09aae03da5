"""What every rule group reads: the lists indexed, the request's terms, the plan's stops, and the
violations found so far."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from promo.tour.models import VenueKind

from .travel import Roads

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(SHANGHAI) if value.tzinfo else value.replace(tzinfo=SHANGHAI)


def mins(value: dt.datetime, day: dt.date) -> int:
    """Minutes after midnight of `day` (may exceed 1440 after midnight)."""
    base = dt.datetime.combine(day, dt.time(0), tzinfo=SHANGHAI)
    return int((local(value) - base).total_seconds() // 60)


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass
class Context:
    plan: object
    request: object
    sites: dict
    venues: dict
    officials: dict
    rules: list
    material_ids: set
    centre: dict
    where: dict
    roads: Roads
    level: int
    audience: str | None
    must_see: set
    must_avoid: set
    arrival: dt.datetime
    dep_place: str
    stops: list                 # (day, stop) in plan order
    v: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, plan, request, lists: dict) -> Context:
        venues = {x.id: x for x in lists.get("venues", [])}
        sites = {s.id: s for s in lists.get("sites", [])}
        where = {x.id: (x.lat, x.lon, x.id if x.kind is VenueKind.town else x.town) for x in venues.values()}
        where.update({s.id: (s.lat, s.lon, s.town) for s in sites.values()})
        profile = request.profile
        return cls(
            plan=plan, request=request, sites=sites, venues=venues,
            officials={o.id: o for o in lists.get("officials", [])},
            rules=list(lists.get("reception", [])),
            material_ids={m.id for m in lists.get("materials", [])},
            centre={x.id: (x.lat, x.lon) for x in venues.values() if x.kind is VenueKind.town},
            where=where, roads=Roads(list(lists.get("roads", []))),
            level=profile.seniority if profile.seniority in (1, 2, 3, 4, 5) else 3,
            audience=profile.audience,
            must_see=set(request.must_see), must_avoid=set(request.must_avoid),
            arrival=local(request.arrival),
            dep_place=request.departure_place or request.arrival_place,
            stops=[(d, s) for d in plan.days for s in d.stops])

    @property
    def days(self) -> list:
        return self.plan.days

    @property
    def departure_at(self) -> dt.datetime:
        return local(self.stops[-1][1].end)

    def host_ranks(self, stop) -> list[int]:
        return [self.officials[o].rank for o in stop.host_ids if o in self.officials]
