"""The tour's planning service, shared by the bot's /tour flow and `python bot.py tour`: the choices
offered, resolving what the officer typed (a place, a time, an escort), planning from a loaded
Library, and the sites worth offering for 必看 / 不看."""

from __future__ import annotations

import datetime as dt
import re

from promo.tour.models import ARRIVAL_KINDS, VenueKind
from promo.tour.reception import ROLE_LABELS

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
    from promo.tour.models import OfficialRole

    if word in ids or word in OfficialRole.__members__:
        return word
    for o in lists.get("officials", []):
        if word in (o.title, o.label):
            return o.id
    choices = "、".join(label for label, _ in ESCORT_CHOICES)
    raise TourInputError(f"unknown escort '{text}'; use {choices}, a role or an official id")

def chain_names(library) -> dict[str, str]:
    return {c.id: c.name for c in library.lists.get("chains", [])}


def make_plan(library, profile, *, days, arrive: str, arrive_time: dt.time, date: dt.date,
              depart: str | None = None, depart_time: dt.time | None = None, escort: str | None = None,
              must_see=(), must_avoid=(), today: dt.date | None = None):
    """Plan from loaded lists. Raises ValueError (bad input; InfeasibleRequest is one)."""
    from promo.tour.planner import TourRequest, plan_tour

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
    from promo.tour.models import SiteKind
    from promo.tour.planner import ranked_sites

    sites = {s.id: s for s in library.lists.get("sites", [])}
    rq = plan.request
    asked = [p for p in (*rq.must_see, *rq.must_avoid) if p in sites]
    planned = [s.place_id for s in plan.stops if s.kind == "site" and s.place_id in sites]
    dropped = [d.id for d in plan.dropped if d.id in sites and sites[d.id].kind is not SiteKind.government]
    try:
        scored = ranked_sites(rq, library.lists, chain_names(library))
    except ValueError:      # the plan was made, so this does not happen; the list is still useful
        scored = []
    head = list(dict.fromkeys(asked + planned))
    extra = [p for p in dict.fromkeys(dropped + scored) if p not in head]
    keep = max(len(asked), limit - min(3, len(extra)))     # room for a few not in the plan
    head = head[:keep]
    out = head + extra[:max(0, limit - len(head))]
    return [(pid, sites[pid].name) for pid in out]
