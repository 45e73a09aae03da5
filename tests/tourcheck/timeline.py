"""Every stop in order: its times, the travel leg before it, and what the stop's kind requires
(sites and talks, meals, hotels), then its hosts."""

from __future__ import annotations

from promo.tour.models import SiteKind, VenueKind

from .context import Context, clock, local, mins
from .travel import travel_minutes

LUNCH_WINDOW, LUNCH_MIN = (690, 810), 60          # 11:30–13:30, 60 minutes
DINNER_WINDOW, DINNER_MIN = (1050, 1170), 90      # 17:30–19:30, 90 minutes


def check(ctx: Context) -> None:
    seen_sites: dict[str, int] = {}
    talks = 0
    prev = None
    for d, s in ctx.stops:
        tag = f"{d.date} {local(s.start):%H:%M} {s.name}"
        _times(ctx, tag, s)
        if s.place_id not in ctx.where:
            ctx.v.append(f"{tag}: unknown place '{s.place_id}'")
            prev = s
            continue
        if prev is not None:
            _leg(ctx, tag, prev, s)
        prev = s
        if s.kind in ("site", "talk"):
            if s.place_id not in ctx.sites:
                ctx.v.append(f"{tag}: not a site")
                continue
            talks += s.kind == "talk"
            if s.kind == "site":
                seen_sites[s.place_id] = seen_sites.get(s.place_id, 0) + 1
            _site(ctx, tag, s)
        elif s.kind == "meal":
            _meal(ctx, tag, d, s)
        elif s.kind == "hotel":
            venue = ctx.venues.get(s.place_id)
            if venue is None or venue.kind is not VenueKind.hotel:
                ctx.v.append(f"{tag}: a night outside a hotel")
        for oid in s.host_ids:
            if oid not in ctx.officials:
                ctx.v.append(f"{tag}: unknown host '{oid}'")
    for sid, n in seen_sites.items():
        if n > 1:
            ctx.v.append(f"site {sid} is visited {n} times")
    if talks > 1:
        ctx.v.append(f"{talks} talks; at most one")


def _times(ctx: Context, tag: str, s) -> None:
    if local(s.start) > local(s.end):
        ctx.v.append(f"{tag}: ends before it starts")
    if local(s.start) < ctx.arrival:
        ctx.v.append(f"{tag}: before the arrival")
    if local(s.end) > ctx.departure_at:
        ctx.v.append(f"{tag}: after the departure")


def _leg(ctx: Context, tag: str, prev, s) -> None:
    v = ctx.v
    leg = s.travel
    need = (travel_minutes(prev.place_id, s.place_id, ctx.where, ctx.centre, ctx.roads)
            if prev.place_id in ctx.where else 0)
    if leg is None:
        if need:
            v.append(f"{tag}: no travel leg from {prev.name}")
    else:
        if leg.frm != prev.place_id or leg.to != s.place_id:
            v.append(f"{tag}: travel leg {leg.frm}→{leg.to} does not join {prev.place_id}→{s.place_id}")
        if leg.minutes != need:
            v.append(f"{tag}: travel {leg.minutes} min, the data gives {need} min")
    gap = (local(s.start) - local(prev.end)).total_seconds() / 60
    if gap < need:
        v.append(f"{tag}: starts {gap:.0f} min after {prev.name} ends, the drive takes {need} min")


def _ranges(hours: str) -> list[tuple[int, int]]:
    out = []
    for part in hours.split(","):
        a, b = part.strip().split("-")
        out.append((int(a[:2]) * 60 + int(a[3:5]), int(b[:2]) * 60 + int(b[3:5])))
    return out


def _site(ctx: Context, tag: str, s) -> None:
    site = ctx.sites[s.place_id]
    if s.kind == "talk":
        if site.kind is not SiteKind.government:
            ctx.v.append(f"{tag}: a talk outside a meeting room (kind government)")
    elif site.kind is SiteKind.government:
        ctx.v.append(f"{tag}: a meeting room planned as a site visit")
    if s.place_id in ctx.must_avoid:
        ctx.v.append(f"{tag}: the request says to avoid it")
    _open(ctx, tag, s, site)
    if s.kind == "site":
        _visit(ctx, tag, s, site)
    allowed = set(site.materials) | (ctx.material_ids if s.kind == "talk" else set())
    for m in s.materials:
        if m.id not in allowed:
            ctx.v.append(f"{tag}: material '{m.id}' is not one of the site's")


def _open(ctx: Context, tag: str, s, site) -> None:
    v = ctx.v
    day = local(s.start).date()
    if day.isoweekday() not in site.open_days:
        v.append(f"{tag}: closed on this weekday")
    if day in site.closed_dates:
        v.append(f"{tag}: closed on {day}")
    if site.months and day.month not in site.months:
        v.append(f"{tag}: out of season (open in months {site.months})")
    ls, le = mins(s.start, day), mins(s.end, day)
    if not any(a <= ls and le <= b for a, b in _ranges(site.hours)):
        v.append(f"{tag}: {local(s.start):%H:%M}–{local(s.end):%H:%M} is not inside the opening "
                 f"hours {site.hours}")


def _visit(ctx: Context, tag: str, s, site) -> None:
    v = ctx.v
    day = local(s.start).date()
    ls, le = mins(s.start, day), mins(s.end, day)
    if le - ls < site.visit_minutes:
        v.append(f"{tag}: {le - ls} min, the visit takes {site.visit_minutes}")
    if s.place_id in ctx.must_see:
        return
    if site.min_level > ctx.level:
        v.append(f"{tag}: for visitors of level {site.min_level}+, the visitor is {ctx.level}")
    if ctx.audience and site.audiences and ctx.audience not in {a.value for a in site.audiences}:
        v.append(f"{tag}: not meant for {ctx.audience} visitors")


def _meal(ctx: Context, tag: str, d, s) -> None:
    v = ctx.v
    local_start, local_end = mins(s.start, d.date), mins(s.end, d.date)
    venue = ctx.venues.get(s.place_id)
    if venue is None or venue.kind is not VenueKind.restaurant:
        v.append(f"{tag}: a meal outside a restaurant")
    window, minimum = (LUNCH_WINDOW, LUNCH_MIN) if s.meal == "lunch" else (DINNER_WINDOW, DINNER_MIN)
    if s.meal not in ("lunch", "dinner"):
        v.append(f"{tag}: meal '{s.meal}' is neither lunch nor dinner")
    if not (window[0] <= local_start and local_end <= window[1]):
        v.append(f"{tag}: {s.meal} {local(s.start):%H:%M}–{local(s.end):%H:%M} outside "
                 f"{clock(window[0])}–{clock(window[1])}")
    if local_end - local_start < minimum:
        v.append(f"{tag}: {s.meal} shorter than {minimum} min")
