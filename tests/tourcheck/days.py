"""Programme days and dates, the arrival and departure ends, hotels between days."""

from __future__ import annotations

import datetime as dt
import math

from .context import Context, local


def check(ctx: Context) -> None:
    _programme(ctx)
    _consecutive(ctx)
    _arrival(ctx)
    _departure(ctx)
    for d in ctx.days[:-1]:
        if not d.stops or d.stops[-1].kind != "hotel":
            ctx.v.append(f"{d.date}: a day before the last must end at a hotel")


def _programme(ctx: Context) -> None:
    request, v = ctx.request, ctx.v
    program = [d for d in ctx.days if d.kind == "program"]
    if len(program) != math.ceil(float(request.days)):
        v.append(f"{len(program)} programme days, the request asks for {request.days}")
    start_date = request.start_date or ctx.arrival.date()
    for i, d in enumerate(program):
        if d.date != start_date + dt.timedelta(days=i):
            v.append(f"programme day {i + 1} is on {d.date}, expected {start_date + dt.timedelta(days=i)}")
        half = float(request.days) != int(float(request.days)) and i == len(program) - 1
        if d.half != half:
            v.append(f"programme day {i + 1}: half-day flag is {d.half}, expected {half}")


def _consecutive(ctx: Context) -> None:
    days = ctx.days
    for a, b in zip(days, days[1:]):
        if (b.date - a.date).days != 1:
            ctx.v.append(f"days {a.date} and {b.date} are not consecutive")
    if days[0].kind == "eve" and days[0].date != ctx.arrival.date():
        ctx.v.append("the eve day is not the arrival date")


def _arrival(ctx: Context) -> None:
    v, request = ctx.v, ctx.request
    first = ctx.stops[0][1]
    if first.kind != "arrival" or first.place_id != request.arrival_place or local(first.start) != ctx.arrival:
        v.append("the plan does not start with the arrival at the requested place and time")
    if sum(1 for _, s in ctx.stops if s.kind == "arrival") != 1:
        v.append("there must be exactly one arrival stop")
    if sum(1 for _, s in ctx.stops if s.kind == "departure") != 1:
        v.append("there must be exactly one departure stop")


def _departure(ctx: Context) -> None:
    v, request, venues = ctx.v, ctx.request, ctx.venues
    first, last = ctx.stops[0][1], ctx.stops[-1][1]
    if last.kind != "departure" or last.place_id != ctx.dep_place:
        v.append(f"the plan does not end with the departure from {ctx.dep_place}")
    if request.departure is not None and local(last.end) != local(request.departure):
        v.append(f"the departure is at {last.end}, the request says {request.departure}")
    if last.kind == "departure" and last.place_id in venues:
        need = venues[last.place_id].depart_minutes or 0
        if (local(last.end) - local(last.start)).total_seconds() / 60 < need:
            v.append(f"reaching {last.name} at {local(last.start):%H:%M} leaves less than {need} min "
                     f"before the departure at {local(last.end):%H:%M}")
    if first.kind == "arrival" and first.place_id in venues:
        need = venues[first.place_id].arrive_minutes or 0
        if (local(first.end) - local(first.start)).total_seconds() / 60 < need:
            v.append(f"less than {need} min allowed to leave {first.name} after the arrival")
