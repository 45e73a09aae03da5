"""The matcher: one object built once per library, answering say / whom / profile queries.

Building it (gazetteer with pinyin, people postings, material arrays) is the slow part, so the
whole object is cached on disk next to the library under the library's content fingerprint.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

from promo.lists import cache
from promo.matching.linker import Gazetteer, Term, strip_company, strip_place, vocabulary_terms
from promo.lists.loader import Library, discover, fingerprint, load_library
from promo.matching.profile import VisitorProfile, build_profile
from promo.matching.say import MaterialIndex, SayResult
from promo.matching.textnorm import is_cjk, normalize
from promo.matching.whom import PeopleIndex, WhomResult


class Matcher:
    def __init__(self, library: Library):
        self.library = library
        self.gazetteer = build_gazetteer(library)
        self._place_ids = lru_cache(maxsize=None)(self._ids_of("place"))
        self._school_ids = lru_cache(maxsize=None)(self._ids_of("school"))
        self.ancestors = place_ancestors(library)
        self._place_prefixes = place_prefixes(library)
        self.people = PeopleIndex(library, self._place_ids, self._school_ids,
                                  self.ancestors, organisation_names(library))
        self.materials = MaterialIndex(library)
        self._place_ids.cache_clear()
        self._school_ids.cache_clear()

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_place_ids", None)
        state.pop("_school_ids", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._place_ids = lru_cache(maxsize=None)(self._ids_of("place"))
        self._school_ids = lru_cache(maxsize=None)(self._ids_of("school"))

    def _ids_of(self, kind: str):
        def ids(text: str) -> list[str]:
            out = []
            for m in self.gazetteer.link(text).matches:
                for t in m.terms:
                    if t.kind == kind and t.ref not in out:
                        out.append(t.ref)
            return out
        return ids

    # ------------------------------------------------------------------ queries
    def profile(self, text: str) -> VisitorProfile:
        return build_profile(text, self.gazetteer.link(text), self.library, self.place_of_name, self.ancestors)

    def place_of_name(self, name: str) -> str | None:
        """The place a name starts with, the longest form first (深圳市黑龙江商会 → shenzhen)."""
        norm = normalize(name)
        return next((pid for form, pid in self._place_prefixes if norm.startswith(form)), None)

    def say(self, text_or_profile, today: dt.date | None = None, top: int | None = 10, offset: int = 0,
            **overrides) -> SayResult:
        profile = self._as_profile(text_or_profile)
        return self.materials.rank(profile, today or dt.date.today(), top, offset, **overrides)

    def whom(self, text_or_profile, top: int | None = 10, offset: int = 0,
             lists: set[str] | None = None) -> WhomResult:
        return self.people.rank(self._as_profile(text_or_profile), top, offset, lists)

    def _as_profile(self, value) -> VisitorProfile:
        return value if isinstance(value, VisitorProfile) else self.profile(value)

    # ------------------------------------------------------------------ for other features
    def find(self, text: str, kinds: set[str]) -> list[tuple[Term, int, int, float]]:
        """Linked terms of the given kinds in `text`: (term, start, end, score), offsets in the
        normalised text (same length as the input for Chinese text)."""
        out = []
        for m in self.gazetteer.link(text).matches:
            for t in m.terms:
                if t.kind in kinds:
                    out.append((t, m.start, m.end, m.score))
        return out


def build_gazetteer(library: Library) -> Gazetteer:
    g = Gazetteer()
    for surface, term in vocabulary_terms():
        g.add(surface, term)
    for c in library.chains:
        _add_named(g, "chain", c)
        for k in c.keywords:
            g.add(k, Term("chain", c.id, c.name, "keyword"))
    for c in library.companies:  # type: ignore[assignment]  # a record of each list in turn
        _add_named(g, "company", c)
        for form in strip_company(c.name):
            g.add(form, Term("company", c.id, c.name, "derived"))
    for p in library.lists.get("places", []):
        _add_named(g, "place", p)
        for form in strip_place(p.name):
            g.add(form, Term("place", p.id, p.name, "derived"))
    for s in library.lists.get("schools", []):
        _add_named(g, "school", s)
    for p in library.lists.get("projects", []):
        _add_named(g, "project", p)
    # Ministries and agencies with the short forms officers type (发改委, 工信部, NDRC): the term's
    # ref is the name as the people lists write it, so it meets their `ministry` field.
    for org in library.lists.get("organisations", []):
        g.add(org.name, Term("org", org.name, org.name, "name"))
        for surface in (org.name_en, org.name_ru, *org.aliases):
            g.add(surface, Term("org", org.name, org.name, "alias"))
    # The bodies people work in (商务部, 深圳市黑龙江商会): "商务部 老乡" asks for them.
    known = organisation_names(library)
    people = library.people
    for body in sorted({b for b in (*people.values("ministry"), *people.values("organisation"))
                        if b and b not in known}):
        g.add(body, Term("org", body, body, "name"))
        for form in strip_company(body):
            g.add(form, Term("org", body, body, "derived"))
    g.freeze()
    return g


def organisation_names(library: Library) -> dict[str, str]:
    """Every name and alias of an organisations record → the record's name (as people write it)."""
    from promo.matching.textnorm import normalize

    out: dict[str, str] = {}
    for org in library.lists.get("organisations", []):
        for surface in (org.name, org.name_en, org.name_ru, *org.aliases):
            if surface:
                out.setdefault(surface, org.name)
                out.setdefault(normalize(surface), org.name)
    return out


def place_prefixes(library: Library) -> list[tuple[str, str]]:
    """(normalised Chinese name or alias, place id) of every place, the longest first: what a
    record's name may start with to say where it is (上海市黑龙江商会 → shanghai)."""
    out: dict[str, str] = {}
    for p in library.lists.get("places", []):
        for form in (p.name, *p.aliases, *strip_place(p.name)):
            f = normalize(form) if form else ""
            if len(f) >= 2 and any(is_cjk(c) for c in f):
                out.setdefault(f, p.id)
    return sorted(out.items(), key=lambda kv: (-len(kv[0]), kv[0]))


def place_ancestors(library: Library) -> dict[str, list[str]]:
    """Place id → the ids of every place that contains it (its `parent` chain and `within`
    regions, and theirs), nearest first. Cycles in the data are cut, not followed."""
    places = {p.id: p for p in library.lists.get("places", [])}
    out: dict[str, list[str]] = {}
    for pid in places:
        seen: list[str] = []
        todo = [pid]
        while todo:
            cur = places.get(todo.pop(0))
            if cur is None:
                continue
            for up in ([cur.parent] if cur.parent else []) + list(cur.within):
                if up != pid and up not in seen and up in places:
                    seen.append(up)
                    todo.append(up)
        out[pid] = seen
    return out


def _add_named(g: Gazetteer, kind: str, record) -> None:
    g.add(record.name, Term(kind, record.id, record.name, "name"))
    for surface in (record.name_en, record.name_ru, *record.aliases):
        g.add(surface, Term(kind, record.id, record.name, "alias"))


def load_matcher(root: str | Path, today: dt.date | None = None) -> Matcher:
    """The matcher of the lists under `root`, from the cache when the files are unchanged.

    Raises loader.DataError when the lists are broken.
    """
    root = Path(root).resolve()
    key = fingerprint(root, discover(root)) if root.is_dir() else "missing"
    return cache.cached(root, "matcher", key,
                        lambda: Matcher(load_library(root, today=today, use_cache=False)))
