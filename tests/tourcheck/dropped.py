"""Every must-see is planned or reported as dropped; every dropped site has a reason."""

from __future__ import annotations

from .context import Context


def check(ctx: Context) -> None:
    planned = {s.place_id for _, s in ctx.stops}
    dropped_ids = {x.id for x in ctx.plan.dropped}
    for sid in ctx.must_see:
        if sid not in planned and sid not in dropped_ids:
            ctx.v.append(f"must-see '{sid}' is neither planned nor reported as dropped")
    visited = {s.place_id for _, s in ctx.stops if s.kind == "site"}
    for x in ctx.plan.dropped:
        if not x.reason:
            ctx.v.append(f"dropped '{x.id}' without a reason")
        if x.id in ctx.sites and x.id in visited:
            ctx.v.append(f"'{x.id}' is both planned and dropped")
