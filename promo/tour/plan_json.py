"""A plan as plain JSON-ready data (for `bot.py tour --json` and for tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict


def _plain(value):
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def plan_to_dict(plan) -> dict:
    days = []
    for d in plan.days:
        days.append({"index": d.index, "date": d.date.isoformat(), "kind": d.kind, "half": d.half,
                     "label": d.label, "stops": [_plain(asdict(s)) for s in d.stops]})
    return {
        "plan_id": plan.plan_id,
        "request": plan.request.key(),
        "visitor": _plain(plan.visitor),
        "reception": _plain(plan.reception),
        "days": days,
        "dropped": [_plain(asdict(x)) for x in plan.dropped],
        "notes": list(plan.notes),
        "departure_assumed": plan.departure_assumed,
    }
