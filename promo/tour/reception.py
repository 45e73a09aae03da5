"""Reception protocol: who receives a visitor, who hosts at each site, what the escort implies.

Rules live in lists/tour/reception.yaml (see its header); officials in lists/tour/officials.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from promo.tour.models import HOST_EXTRA_ROLES, County, Official, OfficialRole, ReceptionRule, Site

DEFAULT_LEVEL = 3          # seniority assumed when the profile does not say
CITY_ROLES = {OfficialRole.city_leader, OfficialRole.taskforce_lead, OfficialRole.taskforce_office,
              OfficialRole.bureau_head, OfficialRole.bureau_deputy, OfficialRole.foreign_affairs,
              OfficialRole.overseas_chinese}
COUNTY_ROLES = {OfficialRole.county_head, OfficialRole.county_deputy, OfficialRole.park_head}

ROLE_LABELS = {
    "city_leader": "市领导", "taskforce_lead": "产业链专班组长", "taskforce_office": "专班办公室",
    "bureau_head": "市招商局局长", "bureau_deputy": "市招商局副局长", "foreign_affairs": "市外事办",
    "overseas_chinese": "市侨办/统战部", "county_head": "县（市、区）主要负责同志",
    "county_deputy": "县（市、区）分管副职", "park_head": "园区/片区负责人",
}


@dataclass
class Reception:
    rule: ReceptionRule
    escort_rule: ReceptionRule | None
    receiver: Official | None
    alternates: list[Official]
    chair: Official | None
    with_officials: list[Official]
    taskforce_lead: Official | None
    taskforce_office: Official | None
    bureau: Official | None
    escort: Official | None
    escort_label: str | None
    site_host_rank: int
    talk: bool
    talk_minutes: int
    primary_chain: str | None
    prefer_county: County | None = None
    prefer_chains: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def talk_officials(self) -> list[Official]:
        """Who sits at the 座谈 from our side, chair first, without repeats."""
        out: list[Official] = []
        for o in [self.chair, self.receiver, self.taskforce_lead, self.taskforce_office, self.bureau,
                  *self.with_officials, self.escort]:
            if o is not None and o not in out:
                out.append(o)
        return out


def visitor_level(seniority: int | None) -> int:
    return seniority if seniority in (1, 2, 3, 4, 5) else DEFAULT_LEVEL


def match_visitor_rule(rules: list[ReceptionRule], audience: str | None,
                       seniority: int | None) -> ReceptionRule | None:
    level = visitor_level(seniority)
    ordered = sorted((r for r in rules if r.applies_to == "visitor"),
                     key=lambda r: -r.priority)          # stable: file order among equals
    for rule in ordered:
        auds = {a.value for a in rule.audiences}
        if auds and audience not in auds:
            continue
        if rule.min_level <= level <= rule.max_level:
            return rule
    return None


def _escort_rule(rules: list[ReceptionRule], roles: list[OfficialRole]) -> ReceptionRule | None:
    for rule in sorted((r for r in rules if r.applies_to == "escort"), key=lambda r: -r.priority):
        if set(rule.escort_roles) & set(roles):
            return rule
    return None


def resolve_reception(profile, escort: str | None, officials: list[Official],
                      rules: list[ReceptionRule]) -> Reception:
    """The reception for this visitor and escort (escort: an official id or a role name)."""
    chains = list(getattr(profile, "chain_ids", []) or [])
    leads = {c: [o for o in officials if OfficialRole.taskforce_lead in o.roles and c in o.chains]
             for c in chains}
    primary = next((c for c in chains if leads.get(c)), chains[0] if chains else None)
    rule = match_visitor_rule(rules, getattr(profile, "audience", None), getattr(profile, "seniority", None))
    if rule is None:
        raise ValueError("no reception rule matches; lists/tour/reception.yaml needs a fallback rule")
    cands = _receivers(rule, officials, chains, primary)
    receiver = cands[0] if cands else None
    lead, office, bureau = _taskforce(officials, leads, primary)
    escort_official, escort_roles, escort_label = _escort(escort, officials)
    erule = _escort_rule(rules, escort_roles) if escort_roles else None
    notes = [n for n in (rule.note, None if receiver else "没有符合接待规格的人员，请在 lists/tour/officials.yaml 中补充",
                         erule.note if erule else None) if n]
    prefer_county, prefer_chains = _escort_preferences(erule, escort_official)
    return Reception(
        rule=rule, escort_rule=erule, receiver=receiver, alternates=cands[1:3],
        chair=_chair(erule, escort_official, receiver),
        with_officials=_with_officials(rule, officials, receiver), taskforce_lead=lead, taskforce_office=office,
        bureau=bureau, escort=escort_official, escort_label=escort_label, site_host_rank=_host_rank(rule, erule),
        talk=rule.talk, talk_minutes=rule.talk_minutes, primary_chain=primary,
        prefer_county=prefer_county, prefer_chains=prefer_chains, notes=notes)


def _taskforce(officials: list[Official], leads: dict, primary: str | None):
    """(the primary chain's task-force lead, its office, the bureau head)."""
    lead = (leads.get(primary) or [None])[0] if primary else None
    office = next((o for o in officials if OfficialRole.taskforce_office in o.roles and primary in o.chains
                   and o.county is None), None) if primary else None
    bureau = next((o for o in officials if OfficialRole.bureau_head in o.roles), None)
    return lead, office, bureau


def _chair(erule: ReceptionRule | None, escort: Official | None, receiver: Official | None) -> Official | None:
    """The receiver chairs the talk, unless the escort's rule says the escort does and they rank as high."""
    if erule and erule.chair_talk and escort and (receiver is None or escort.rank >= receiver.rank):
        return escort
    return receiver


def _host_rank(rule: ReceptionRule, erule: ReceptionRule | None) -> int:
    return max(rule.site_host_rank or 2, (erule.site_host_rank or 0) if erule else 0)


def _eligible(o: Official, rule: ReceptionRule, chains: list[str]) -> bool:
    """May `o` receive under `rule`: the rank range, and one of its roles (a task-force lead only
    for one of the visitor's chains)."""
    if not (rule.receive_rank <= o.rank <= rule.receive_rank_max):  # type: ignore[operator]  # a visitor rule has both ranks (validated)
        return False
    if not rule.receive_roles:
        return True
    for role in o.roles:
        if role in rule.receive_roles:
            if role is OfficialRole.taskforce_lead and not set(o.chains) & set(chains):
                continue
            return True
    return False


def _receivers(rule: ReceptionRule, officials: list[Official], chains: list[str],
               primary: str | None) -> list[Official]:
    """Who may receive, best first: the primary chain's people, other chains', then file order."""
    order = {o.id: i for i, o in enumerate(officials)}
    cands = [o for o in officials if _eligible(o, rule, chains)]
    cands.sort(key=lambda o: (0 if primary and primary in o.chains else 1 if set(o.chains) & set(chains) else 2,
                              order[o.id]))
    return cands


def _with_officials(rule: ReceptionRule, officials: list[Official], receiver: Official | None) -> list[Official]:
    out: list[Official] = []
    for role in rule.with_roles:
        o = next((o for o in officials if role in o.roles and o.county is None), None)
        if o and o not in out and o is not receiver:
            out.append(o)
    return out


def _escort(escort: str | None, officials: list[Official]) -> tuple[Official | None, list[OfficialRole], str | None]:
    """(the escorting official, their roles, their label) from an official id or a role name."""
    if not escort:
        return None, [], None
    by_id = {o.id: o for o in officials}
    if escort in by_id:
        official = by_id[escort]
        return official, list(official.roles), official.label
    if escort in OfficialRole.__members__:
        return None, [OfficialRole(escort)], ROLE_LABELS.get(escort, escort)
    raise ValueError(f"unknown escort '{escort}': use an official id from lists/tour/officials.yaml "
                     f"or a role ({', '.join(OfficialRole.__members__)})")


def _escort_preferences(erule: ReceptionRule | None, official: Official | None) -> tuple[County | None, list[str]]:
    """The county and chains the escort's rule favours (prefer_escort_county / _chains)."""
    if not (erule and official):
        return None, []
    return (official.county if erule.prefer_escort_county else None,
            list(official.chains) if erule.prefer_escort_chains else [])


def named_hosts(site: Site, officials: list[Official]) -> list[Official]:
    """Officials the site's `hosts` name: by id, or by role (county roles in the site's county)."""
    out: list[Official] = []
    for h in site.hosts:
        for o in officials:
            hit = o.id == h or (h in OfficialRole.__members__ and OfficialRole(h) in o.roles and (
                o.county == site.county if OfficialRole(h) in COUNTY_ROLES else o.county is None))
            if hit and o not in out:
                out.append(o)
    return out


def site_hosts(site: Site, officials: list[Official], min_rank: int) -> tuple[list[Official], list[str]]:
    """Who hosts at a site: the named official of the lowest rank that meets `min_rank`; for a
    high-level visit (min_rank ≥ 3) the county's head when no named official is senior enough."""
    named = named_hosts(site, officials)
    fit = [o for o in named if o.rank >= min_rank]
    if not fit and min_rank >= 3:
        fit = [o for o in officials if OfficialRole.county_head in o.roles and o.county == site.county
               and o.rank >= min_rank]
    chosen: list[Official] = []
    if fit:
        best = min(o.rank for o in fit)
        chosen = [next(o for o in fit if o.rank == best)]
    elif named:
        best = max(o.rank for o in named)
        chosen = [next(o for o in named if o.rank == best)]
    extras = [HOST_EXTRA_ROLES[h] for h in site.hosts if h in HOST_EXTRA_ROLES]
    return chosen, extras
