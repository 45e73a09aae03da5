"""Whom to approach: rank people by how well they can open the door to this visitor.

Each person has a few features (company, group, chains, base city or covered regions,
hometown, school). The index keeps a posting list per feature value, so a query touches only
the people who share something with the visitor, and the score is computed for all of them at
once with numpy.

The score is a noisy-OR of the shared features, each weighted by how much it helps and by how
sure the text was about it, times a factor for relationship strength:

    score = (1 - Π_kinds (1 - max_f∈kind w_f · confidence_f · hit_f)) · (0.8 + 0.04 · strength)

where a kind is one fact: the organisation (same company 0.75, the ministry or agency named
0.7, same group 0.5), the chains,
the city (base 0.25; based in a city the named province or region contains 0.2; an agent
serving a region that overlaps the place 0.2; nationwide 0.08), the hometown, the school, and the
list the officer asked for (乡贤, 校友, 部委, 委托招商: 0.45, as much as a shared chain: when the
question is "which 乡贤 do we have", every 乡贤 answers it; and only that list is searched).
Containment (广东 ⊃ 深圳, 粤港澳大湾区 ⊃ 广州) is data: `parent` / `within` in lists/places.yaml.

It is in [0, 1] and means the same for every query, so `GOOD` is a real threshold: a person
who merely lives in the visitor's city (0.25) is not a door-opener on that alone; the same
chain (0.45) or school (0.55) is.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from promo.matching import vocab
from promo.lists.models import Person, PersonList
from promo.lists.people import PeopleStore
from promo.matching.profile import VisitorProfile

WEIGHTS = {"company": 0.75, "org": 0.7, "group": 0.5, "chain": 0.45, "origin": 0.5, "school": 0.55,
           "city": 0.25, "within": 0.2, "region": 0.2, "nationwide": 0.08, "list": 0.45}
GOOD = 0.35
LIST_LABELS = {PersonList.hometown: "乡贤", PersonList.alumni: "校友",
               PersonList.ministry: "部委", PersonList.agent: "委托招商"}
_LIST_ORDER = [v.value for v in PersonList]


class _Features(NamedTuple):
    """The fields of a person the postings are built from (read as columns, no Person built)."""

    company_id: str | None
    ministry: str | None
    organisation: str | None
    chains: list[str]
    city: str | None
    hometown: str | None
    school: str | None
    regions: list[str]


@dataclass
class RankedPerson:
    person: Person
    score: float
    why: list[str]
    features: list[str] = field(default_factory=list)


@dataclass
class WhomResult:
    profile: VisitorProfile
    items: list[RankedPerson]
    total: int                    # how many reach GOOD
    message: str | None = None    # why nothing is shown, when nothing is
    lists: list[str] = field(default_factory=list)   # the people lists searched, when not all
    lists_from_text: bool = False                      # …because the text named them (乡贤, 校友…)
    widened: bool = False         # the text named a list, nobody on it fitted: all lists searched
    matched: int = 0              # candidates on the searched lists that share something asked


class PeopleIndex:
    def __init__(self, library, place_ids, school_ids, ancestors: dict[str, list[str]] | None = None,
                 org_names: dict[str, str] | None = None):
        self.library = library
        self.ancestors = ancestors or {}
        self.org_names = org_names or {}
        self.descendants: dict[str, list[str]] = defaultdict(list)
        for place_id, ups in self.ancestors.items():
            for up in ups:
                self.descendants[up].append(place_id)
        # The people stay columns (promo/lists/people.py); a Person is built for the ones shown.
        self.people: PeopleStore = library.people
        n = len(self.people)
        self.id_rank = np.empty(n, dtype=np.int64)
        self.id_rank[self.people.id_order()] = np.arange(n)
        self.strength = self.people.strengths()
        self.list_code = self.people.list_codes()
        postings: dict[tuple[str, str], list[int]] = defaultdict(list)
        lists = [v.value for v in self.people.values("list")]
        rows = map(_Features, *(self.people.values(name) for name in _Features._fields))
        for i, (list_value, row) in enumerate(zip(lists, rows)):
            postings[("list", list_value)].append(i)
            for feature, key in self._features(row, place_ids, school_ids):
                postings[(feature, key)].append(i)
        self.postings = {k: np.array(sorted(set(v)), dtype=np.int32) for k, v in postings.items()}

    def _features(self, p: _Features, place_ids, school_ids):
        company = self.library.get("companies", p.company_id)
        if p.company_id:
            yield "company", p.company_id
            yield "group", (company.group if company and company.group else p.company_id)
        for body in (p.ministry, p.organisation):
            if body:
                yield "org", self.org_names.get(body, body)
        for chain_id in p.chains:
            yield "chain", chain_id
        if p.city and place_ids(p.city):
            city = place_ids(p.city)[0]
            yield "city", city
            for up in self.ancestors.get(city, []):     # 深圳 is in 广东, 粤港澳大湾区, 华南, 中国
                yield "within", up
        for place_id in place_ids(p.hometown) if p.hometown else []:
            yield "origin", place_id
        if p.school and school_ids(p.school):
            yield "school", school_ids(p.school)[0]
        for region in p.regions:
            if any(w in region for w in vocab.NATIONWIDE):
                yield "nationwide", "*"
            for served in place_ids(region)[:1]:
                # An agent serving a region answers for any place that overlaps it: the region,
                # what it contains, what contains it, and the provinces its cities are in
                # (粤港澳大湾区 → 广州, 香港, 广东, 中国).
                inside = self.descendants.get(served, [])
                for place_id in dict.fromkeys([served, *inside, *self.ancestors.get(served, []),
                                               *(up for d in inside for up in self.ancestors.get(d, []))]):
                    yield "region", place_id

    # ------------------------------------------------------------------ ranking
    def rank(self, profile: VisitorProfile, top: int | None = 10, offset: int = 0,
             lists: set[str] | None = None) -> WhomResult:
        """`lists` (the buttons) restricts to those lists; without it, a list the text names
        (乡贤 / 校友 / 部委 / 委托招商) does, and widens to all lists only when nobody on it fits
        (工信部 老乡: the natives at the ministry are on the ministry list)."""
        if lists is not None or not profile.lists:
            return self._rank(profile, top, offset, lists, False)
        asked = set(profile.lists)
        # A body named with the list word (商务部 老乡): the natives who work there are on
        # whichever list holds that body's people (the ministry list).
        if profile.organisation and ("org", profile.organisation) in self.postings:
            codes = np.unique(self.list_code[self.postings[("org", profile.organisation)]])
            asked.update(_LIST_ORDER[int(c)] for c in codes)
        result = self._rank(profile, top, offset, asked, True)
        if result.matched or not self._query(profile):
            return result
        # Nobody on the list shares anything else the text says (中介 哈工大): look in all lists.
        names = "、".join(LIST_LABELS[PersonList(v)] for v in result.lists)
        wide = self._rank(profile, top, offset, None, False)
        if wide.total:
            wide.message = f"{names}名单里没有合适的人，下面是全部名单里的结果。"
            wide.widened = True
            return wide
        result.message = f"{names}名单里没有更贴近的人，下面是整个名单。"
        return result

    def _rank(self, profile: VisitorProfile, top: int | None, offset: int, lists: set[str] | None,
              from_text: bool) -> WhomResult:
        query = self._query(profile)
        searched = sorted(lists, key=_LIST_ORDER.index) if lists else []
        if not query and (profile.organisation or not from_text):
            if profile.organisation:      # 科技部: recognised, but nobody on the lists works there
                return WhomResult(profile, [], 0, f"名单里还没有在{profile.organisation}的人。", searched, from_text)
            return WhomResult(profile, [], 0, "没有从这段话里认出企业、产业、城市、学校或家乡，"
                                               "请补充一点信息，例如：飞鹤乳业 北京 奶粉")
        cand, hits = self._candidates(query, lists, from_text)
        keep = _keep(query, hits, len(cand))
        if lists:
            codes = self.list_code[cand]
            allowed = np.zeros(len(cand), dtype=bool)
            for value in lists:
                allowed |= codes == _LIST_ORDER.index(value)
            if from_text:      # being on the list asked for is itself part of the answer
                keep *= 1.0 - WEIGHTS["list"]
        score = (1.0 - keep) * np.minimum(1.0, 0.8 + 0.04 * self.strength[cand])
        matched = 0
        if lists:
            score = np.where(allowed, score, 0.0)
            if hits:
                matched = int((allowed & np.logical_or.reduce(list(hits.values()))).sum())
        elif hits:
            matched = len(cand)
        good = score >= GOOD
        total = int(good.sum())
        chosen = top_order(np.round(score, 6), self.id_rank[cand], good, offset, top)
        items = [self._explain(int(cand[j]), float(score[j]), {k: bool(h[j]) for k, h in hits.items()},
                               profile) for j in chosen]
        return WhomResult(profile, items, total, _none_message(total, searched), searched, from_text,
                          matched=matched)

    def _candidates(self, query, lists: set[str] | None, from_text: bool):
        """(indices of the candidates, posting key → which of them it hits).

        Candidates and hits by boolean masks over everyone: linear in the postings, no sorting
        (np.unique / np.isin sort; that was 2–4 ms of a query at 100k people)."""
        masks = {}
        for key, _, _, _ in query:
            mask = np.zeros(len(self.people), dtype=bool)
            mask[self.postings[key]] = True
            masks[key] = mask
        if from_text:      # everyone on the list asked for is a candidate (乡贤 alone: the list)
            on_list = np.zeros(len(self.people), dtype=bool)
            for value in lists or ():
                on_list[self.postings.get(("list", value), [])] = True
            cand = np.flatnonzero(np.logical_or.reduce([on_list, *masks.values()]))
        else:
            cand = np.flatnonzero(np.logical_or.reduce(list(masks.values())))
        return cand, {key: mask[cand] for key, mask in masks.items()}

    def _query(self, profile: VisitorProfile):
        """(posting key, weight, confidence, evidence group) for what the profile says."""
        out = []

        def add(feature, key, conf, group):
            if key is not None and (feature, key) in self.postings:
                out.append(((feature, key), WEIGHTS[feature], conf, group))

        company_conf = profile.confidence("company")
        add("company", profile.company_id, company_conf, "org")
        add("group", profile.group_id or profile.company_id, company_conf, "org")
        add("org", profile.organisation, profile.confidence("org"), "org")
        chain_conf = profile.confidence("chain") if not profile.company_id else \
            max(profile.confidence("chain"), company_conf)
        for chain_id in profile.chain_ids:
            add("chain", chain_id, chain_conf, "chain")
        place_conf = profile.confidence("place")
        add("city", profile.city_id, place_conf, "city")
        add("within", profile.city_id, place_conf, "city")
        add("region", profile.city_id, place_conf, "city")
        if profile.city_id:
            add("nationwide", "*", 1.0, "city")
        add("origin", profile.origin_id, place_conf, "origin")
        add("school", profile.school_id, profile.confidence("school"), "school")
        return out

    def _explain(self, i: int, score: float, hit: dict, profile: VisitorProfile) -> RankedPerson:
        p = self.people[i]
        why: list[str] = []
        features: list[str] = []

        def say(reason: str, feature: str | None = None) -> None:
            why.append(reason)
            if feature:
                features.append(feature)

        self._why_company_and_chains(p, hit, profile, say)
        if hit.get(("school", profile.school_id)):
            say(f"{p.school}校友" + (f"（{p.years}）" if p.years else ""), "school")
        if hit.get(("origin", profile.origin_id)):
            say(f"老家{p.hometown}", "origin")
        _why_place(p, hit, profile, say)
        if hit.get(("org", profile.organisation)):
            why.append(f"就在{profile.organisation}")
            features.append("org")
        elif p.list is PersonList.ministry and p.ministry:
            why.append(p.ministry + (p.department or ""))
        if p.list is PersonList.agent and p.organisation:
            why.append(f"委托招商：{p.organisation}")
        if p.strength >= 4:
            why.append("关系紧密")
        if p.liaison:
            why.append(f"联络人 {p.liaison}")
        return RankedPerson(p, round(score, 3), why, features)

    def _why_company_and_chains(self, p: Person, hit: dict, profile: VisitorProfile, say) -> None:
        lib = self.library
        if hit.get(("company", profile.company_id)):
            say(f"同在{profile.company or p.company}", "company")
        elif hit.get(("group", profile.group_id or profile.company_id)):
            group = lib.get("companies", profile.group_id or profile.company_id)
            say(f"同属{group.name if group else p.company}", "group")
        shared = [c for c in profile.chain_ids if c in p.chains]
        if shared:
            names = "、".join(lib.chain_name(c) for c in shared)
            say("同为" + names + ("" if names.endswith(("产业", "产业链")) else "产业"), "chain")


def _why_place(p: Person, hit: dict, profile: VisitorProfile, say) -> None:
    if hit.get(("city", profile.city_id)):
        say(f"常驻{p.city}", "city")
    elif hit.get(("within", profile.city_id)):
        say(f"常驻{p.city}（属{profile.city}）", "within")
    elif hit.get(("region", profile.city_id)):
        say("业务覆盖" + "、".join(p.regions[:2]), "region")


def top_order(score: np.ndarray, rank: np.ndarray, good: np.ndarray, offset: int, top: int | None) -> np.ndarray:
    """Positions of the good candidates offset … offset + top, best score first, ties by `rank`
    (the id's place in id order; unique, so the order is total): what
    `lexsort((rank, -score))` restricted to `good` and sliced gives, without sorting everyone.

    The k = offset + top best are found by a partition on the score; every candidate tied with
    the k-th score is kept too, so the sort of that set by (score, rank) is exact."""
    pos = np.flatnonzero(good)
    k = offset + top if top else 0
    if top and k < len(pos):
        neg = -score[pos]
        kth = neg[np.argpartition(neg, k - 1)[k - 1]]
        pos = pos[neg <= kth]
    order = pos[np.lexsort((rank[pos], -score[pos]))]
    return order[offset: k if top else None]


def _keep(query, hits: dict, n: int):
    """Per candidate, the product of (1 - the strongest evidence of each kind).

    One factor per kind of evidence: the same company and its group, several shared
    chains, or a city seen as base / region / nationwide are one fact each, not several."""
    keep = np.ones(n, dtype=np.float64)
    for group in dict.fromkeys(g for _, _, _, g in query):
        strongest, count = np.zeros(n), np.zeros(n)
        for key, weight, conf, g in query:
            if g == group:
                strongest = np.maximum(strongest, weight * conf * hits[key])
                count += hits[key]
        if group == "chain":   # sharing two chains is a little more than sharing one
            strongest = np.minimum(0.6, strongest * (1 + 0.1 * np.maximum(0, count - 1)))
        keep *= 1.0 - strongest
    return keep


def _none_message(total: int, searched: list[str]) -> str | None:
    """What to say when nobody is relevant enough (None when somebody is)."""
    if total:
        return None
    if searched:
        names = "、".join(LIST_LABELS[PersonList(v)] for v in searched)
        return f"{names}名单里没有和这位客商足够相关的人，可以点“查全部名单”再找。"
    return "名单里没有和这位客商足够相关的人（相关度均低于阈值）。"
