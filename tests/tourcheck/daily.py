"""Each day: lunch and dinner while the visitor is with us, the programme's length, hotel check-in."""

from __future__ import annotations

from .context import Context, clock, mins
from .timeline import DINNER_WINDOW, LUNCH_WINDOW

HOTEL_BY = 23 * 60
DINNER_IF_HOTEL_AND_START_BY = 16 * 60


def check(ctx: Context) -> None:
    for di, d in enumerate(ctx.days):
        if not d.stops:
            ctx.v.append(f"{d.date}: a day without stops")
            continue
        day_start = _mins_or_prev(ctx, di)
        day_end = _day_end(ctx, d)
        # meals are owed from the moment the visitor has left the arrival point
        with_us = mins(d.stops[0].end, d.date) if di == 0 and d.stops[0].kind == "arrival" else day_start
        _meals(ctx, d, with_us, day_end)
        _programme(ctx, d, day_start)
        if d.stops[-1].kind == "hotel" and day_end > HOTEL_BY:
            only_arrival = all(s.kind in ("arrival", "hotel", "meal") for s in d.stops) and di == 0
            if not only_arrival:
                ctx.v.append(f"{d.date}: hotel check-in at {clock(day_end % (24 * 60))}, after 23:00")


def _mins_or_prev(ctx: Context, di: int) -> int:
    """The day's start: its first stop on the first day, else where the day before ended."""
    d = ctx.days[di]
    return mins(d.stops[0].start, d.date) if di == 0 else mins(ctx.days[di - 1].stops[-1].end, d.date)


def _day_end(ctx: Context, d) -> int:
    end_stop = d.stops[-1]
    day_end = mins(end_stop.start, d.date)
    if end_stop.kind == "departure":
        # with us until the visitor must be at the departure point (README: depart_minutes
        # before the departure), even when the plan gets them there earlier
        need = ctx.venues[end_stop.place_id].depart_minutes or 0 if end_stop.place_id in ctx.venues else 0
        day_end = max(day_end, mins(end_stop.end, d.date) - need)
    return day_end


def _meals(ctx: Context, d, with_us: int, day_end: int) -> None:
    meals = [s for s in d.stops if s.kind == "meal"]
    for which, window in (("lunch", LUNCH_WINDOW), ("dinner", DINNER_WINDOW)):
        count = sum(1 for s in meals if s.meal == which)
        if count > 1:
            ctx.v.append(f"{d.date}: {count} {which}es")
        if with_us <= window[0] and day_end >= window[1] and not count:
            ctx.v.append(f"{d.date}: with us from {clock(with_us)} to {clock(day_end)} but no {which}")
    if d.stops[-1].kind == "hotel" and with_us <= DINNER_IF_HOTEL_AND_START_BY and not any(
            s.meal == "dinner" for s in meals):
        ctx.v.append(f"{d.date}: an evening at a hotel after a day begun at {clock(with_us)} but no dinner")


def _programme(ctx: Context, d, day_start: int) -> None:
    program_ends = [mins(s.end, d.date) for s in d.stops
                    if s.kind in ("site", "talk") or (s.kind == "meal" and s.meal == "lunch")]
    if d.kind == "program" and program_ends:
        budget_full = int(ctx.request.max_day_minutes)
        budget = budget_full // 2 if d.half else budget_full
        if max(program_ends) - day_start > budget:
            ctx.v.append(f"{d.date}: programme of {max(program_ends) - day_start} min, the limit is {budget}")
    elif d.kind != "program" and any(s.kind in ("site", "talk") for s in d.stops):
        ctx.v.append(f"{d.date}: site visits on a day outside the programme")
