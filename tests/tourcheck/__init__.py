"""An independent check of a tour plan against the request and the lists (used by the tests only).

`check_plan` re-derives everything from the data and the rules written in lists/tour/README.md —
travel times (its own great-circle, shortest-path and rounding code), opening hours, meal
windows, day lengths, the reception rule — and shares no code with promo/tour/planner.py,
travel.py or reception.py. It returns the violations as sentences; an empty list means the plan
is valid. One module per rule group, run in this order:

* `days`: programme days and dates, the arrival and departure ends, hotels between days
* `timeline`: every stop in order — times, travel legs, sites, meals, hotels, hosts
* `daily`: each day's meals and length
* `dropped`: must-see sites planned or reported, dropped sites with a reason
* `reception`: who receives the talk and hosts each site
"""

from __future__ import annotations

from . import daily, days, dropped, reception, timeline
from .context import Context

RULE_GROUPS = (days.check, timeline.check, daily.check, dropped.check, reception.check)


def check_plan(plan, request, lists: dict) -> list[str]:
    if not plan.days or not any(d.stops for d in plan.days):
        return ["the plan has no days or no stops"]
    ctx = Context.of(plan, request, lists)
    for rule_group in RULE_GROUPS:
        rule_group(ctx)
    return ctx.v
