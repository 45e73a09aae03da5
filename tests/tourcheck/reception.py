"""The reception rule (lists/tour/README.md): who receives the talk, the rank of site hosts, and
hosts drawn from each site's own list."""

from __future__ import annotations

from promo.tour.models import OfficialRole

from .context import Context

COUNTY_ROLE_NAMES = {"county_head", "county_deputy", "park_head"}


def rule_for(rules, audience, level):
    best = None
    for i, r in enumerate(rules):
        if r.applies_to != "visitor":
            continue
        if r.audiences and audience not in {a.value for a in r.audiences}:
            continue
        if not r.min_level <= level <= r.max_level:
            continue
        if best is None or r.priority > best[0]:
            best = (r.priority, i, r)
    return best[2] if best else None


def escort_rule_for(rules, roles):
    best = None
    for i, r in enumerate(rules):
        if (r.applies_to == "escort" and {x.value for x in r.escort_roles} & roles
                and (best is None or r.priority > best[0])):
            best = (r.priority, i, r)
    return best[2] if best else None


def check(ctx: Context) -> None:
    rule = rule_for(ctx.rules, ctx.audience, ctx.level)
    if rule is None:
        return
    erule = None
    escort = ctx.request.escort
    if escort:
        roles = {r.value for r in ctx.officials[escort].roles} if escort in ctx.officials else {escort}
        erule = escort_rule_for(ctx.rules, roles)
    for d, s in ctx.stops:
        if s.kind == "talk":
            ranks = ctx.host_ranks(s)
            if not ranks or max(ranks) < rule.receive_rank:
                ctx.v.append(f"{d.date} talk: nobody of rank {rule.receive_rank}+ receives (rule {rule.id})")
    need = max(rule.site_host_rank or 2, (erule.site_host_rank or 0) if erule else 0)
    for d, s in ctx.stops:
        if s.kind == "site" and s.place_id in ctx.sites:
            _site_hosts(ctx, d, s, need)


def _host_pool(ctx: Context, site, need: int) -> list:
    """The officials who may host at `site`: named ones, and holders of the roles it names (a
    county role from the site's county, a city role from the city), county heads from rank 3."""
    pool = []
    for h in site.hosts:
        for o in ctx.officials.values():
            if o.id == h or (h in OfficialRole.__members__ and OfficialRole(h) in o.roles
                  and ((o.county == site.county) if h in COUNTY_ROLE_NAMES else o.county is None)):
                pool.append(o)
    if need >= 3:
        pool += [o for o in ctx.officials.values()
                 if OfficialRole.county_head in o.roles and o.county == site.county]
    return pool


def _site_hosts(ctx: Context, d, s, need: int) -> None:
    pool = _host_pool(ctx, ctx.sites[s.place_id], need)
    if any(o.rank >= need for o in pool):
        ranks = ctx.host_ranks(s)
        if not ranks or max(ranks) < need:
            ctx.v.append(f"{d.date} {s.name}: a host of rank {need}+ is available but not planned")
    for oid in s.host_ids:
        if oid in ctx.officials and ctx.officials[oid] not in pool:
            ctx.v.append(f"{d.date} {s.name}: host '{oid}' is not one of the site's hosts")
