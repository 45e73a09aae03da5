"""Checks across records and files, after each record has passed its own model."""

from __future__ import annotations

import datetime as dt

from collections.abc import Callable

from promo.lists.loader import Library, Problem
from promo.suggest import closest
from promo.bureau.models import check_bureau_references
from promo.tour.models import TOUR_LISTS, check_tour_references

# (list, field, target list): fields that hold ids of records in another list.
REFERENCES = [
    ("companies", "chains", "chains"), ("companies", "group", "companies"),
    ("materials", "chains", "chains"), ("materials", "project", "projects"),
    ("people", "chains", "chains"), ("people", "company_id", "companies"),
    ("projects", "chains", "chains"), ("events", "chains", "chains"),
    ("policies", "chains", "chains"), ("places", "parent", "places"),
    ("places", "within", "places"), ("organisations", "parent", "organisations"),
    ("resources", "chain", "chains"),
    ("problems", "company", "companies"), ("problems", "project", "projects"),
]

# at(list, record id, field) → (file, line) of that field
At = Callable[[str, str, str], tuple[str, int]]


def cross_check(lib: Library, today: dt.date, field_lines: dict) -> list[Problem]:
    problems: list[Problem] = []

    def at(name: str, record_id: str, fname: str = "") -> tuple[str, int]:
        file, line = lib.where.get((name, record_id), ("?", 0))
        return file, field_lines.get((name, record_id), {}).get(fname, line)

    def ids(target: str) -> set[str]:
        """Ids a reference may name: the list's records, and those that failed their own
        validation (already reported at their own line)."""
        return {r.id for r in lib.lists.get(target, [])} | lib.unchecked.get(target, set())

    def unknown(name, record_id, fname, value, target):
        close = closest(value, [r.id for r in lib.lists.get(target, [])])
        hint = f"did you mean '{close}'?" if close else f"add it to the {target} list first"
        noun = {"companies": "company", "chains": "chain", "projects": "project", "places": "place"}.get(target, target)
        problems.append(Problem(*at(name, record_id, fname), f"{fname}: unknown {noun} id '{value}'", hint))

    for name, fname, target in REFERENCES:
        known = ids(target)
        for record in lib.lists.get(name, []):
            value = getattr(record, fname)
            for v in (value if isinstance(value, list) else [value]):
                if v is not None and v not in known:
                    unknown(name, record.id, fname, v, target)
    for chain in lib.chains:
        companies = ids("companies")
        for chain_target in chain.targets:
            if chain_target.company not in companies:
                unknown("chains", chain.id, "targets", chain_target.company, "companies")
    problems.extend(_check_materials(lib, today, at))
    problems.extend(_check_lists7(lib, today, at))
    problems.extend(_check_people(lib, at))
    problems.extend(_check_tour(lib, field_lines, ids("materials"), ids("chains")))
    problems.extend(check_bureau_references(lib, at))
    return problems


def _check_materials(lib: Library, today: dt.date, at: At) -> list[Problem]:
    problems = []
    for m in lib.materials:
        if m.file and not (lib.root / "pitch_library" / "files" / m.file).is_file():
            problems.append(Problem(*at("materials", m.id, "file"), f"file '{m.file}' not found",
                                    "put the file in pitch_library/files/ or fix the name"))
        if m.status == "current" and m.expires and m.expires < today:
            problems.append(Problem(*at("materials", m.id, "expires"),
                                    f"expired on {m.expires} but still marked current (it is not recommended)",
                                    "renew it and move 'expires', or set 'status: withdrawn'", "warning"))
        if m.kind.value in ("video", "ppt") and m.minutes is None:
            problems.append(Problem(*at("materials", m.id, "kind"), f"a {m.kind.value} without 'minutes'",
                                    "add 'minutes:' so length requests can use it", "warning"))
    return problems


def _check_lists7(lib: Library, today: dt.date, at: At) -> list[Problem]:
    """Events, policies, resources and problems (issue 13)."""
    return [*_check_policies(lib, today, at), *_check_resources_events_problems(lib, at)]


def _check_policies(lib: Library, today: dt.date, at: At) -> list[Problem]:
    problems = []
    for p in lib.lists.get("policies", []):
        if p.expires and p.expires < today:
            problems.append(Problem(*at("policies", p.id, "expires"),
                                    f"expired on {p.expires} (it is no longer offered)",
                                    "renew it and move 'expires' to the new end date, or delete the record",
                                    "warning"))
        if p.valid_from and p.expires and p.expires < p.valid_from:
            problems.append(Problem(*at("policies", p.id, "expires"), "'expires' is before 'valid_from'",
                                    "swap the two dates"))
        if p.kind == "ask" and not p.ask_to:
            problems.append(Problem(*at("policies", p.id, "kind"), "an ask without 'ask_to'",
                                    "add 'ask_to: province' or 'ask_to: state'"))
        if not p.source:
            problems.append(Problem(*at("policies", p.id, "name"), "a policy without 'source'",
                                    "add 'source:' (the document it comes from), officers quote it", "warning"))
    return problems


def _check_resources_events_problems(lib: Library, at: At) -> list[Problem]:
    problems = []
    for e in lib.lists.get("events", []):
        if e.end and e.end < e.start:
            problems.append(Problem(*at("events", e.id, "end"), "'end' is before 'start'", "fix the dates"))
    materials = {m.id for m in lib.materials} | lib.unchecked.get("materials", set())
    for r in lib.lists.get("resources", []):
        if r.material and r.material not in materials:
            close = closest(r.material, sorted(materials))
            problems.append(Problem(*at("resources", r.id, "material"), f"material: unknown material id '{r.material}'"
                                    " (the resource is shown without it)",
                                    f"did you mean '{close}'?" if close else "use an id from pitch_library/", "warning"))
    chains_with = {r.chain for r in lib.lists.get("resources", [])}
    if lib.lists.get("resources"):
        for c in lib.chains:
            if c.id not in chains_with:
                problems.append(Problem(*at("chains", c.id, ""), f"chain '{c.id}' has no resource figures",
                                        "add a record for it to lists/resources.yaml", "warning"))
    for pr in lib.lists.get("problems", []):
        if pr.status == "solved" and not pr.note:
            problems.append(Problem(*at("problems", pr.id, "status"), "solved without a 'note'",
                                    "say how it was solved in 'note'"))
        if pr.deadline and pr.deadline < pr.raised:
            problems.append(Problem(*at("problems", pr.id, "deadline"), "'deadline' is before 'raised'",
                                    "fix the dates"))
    return problems


def _check_people(lib: Library, at: At) -> list[Problem]:
    problems = []
    schools = {s.name for s in lib.lists.get("schools", [])}
    orgs = lib.lists.get("organisations", [])
    org_names = {n for o in orgs for n in (o.name, *o.aliases)}
    for p in lib.people:
        if p.ministry and orgs and p.ministry not in org_names:
            problems.append(Problem(*at("people", p.id, "ministry"),
                                    f"ministry '{p.ministry}' has no record in lists/organisations.yaml",
                                    "write the body's name as lists/organisations.yaml does, or add a record "
                                    "with the short forms officers type (发改委, 工信部…)", "warning"))
        if p.school and schools and p.school not in schools:
            problems.append(Problem(*at("people", p.id, "school"), f"school '{p.school}' is not in lists/schools.yaml",
                                    "use the school's full name as written there, or add the school",
                                    "warning"))
    return problems


def _check_tour(lib: Library, field_lines: dict, material_ids: set[str], chain_ids: set[str]) -> list[Problem]:
    stems = {path.rsplit("/", 1)[-1].removesuffix(".yaml"): path for path in TOUR_LISTS}
    lists = {stem: list(lib.lists.get(stem, [])) for stem in stems}
    problems = []
    for file, index, fname, message, fix in check_tour_references(
            lists, material_ids, chain_ids):
        stem = file.rsplit("/", 1)[-1].removesuffix(".yaml")
        records = lists.get(stem, [])
        line = 0
        if 0 <= index < len(records) and hasattr(records[index], "id"):
            rid = records[index].id
            line = field_lines.get((stem, rid), {}).get(fname) or lib.where.get((stem, rid), (file, 0))[1]
        problems.append(Problem(stems.get(stem, file), line, message, fix))
    return problems
