"""Load the YAML lists into a validated `Library`, or say exactly what is wrong.

Every problem names the file, the line, what is wrong and how to fix it. The bot, the console
chat and the CLI all load through `load_library`, so they refuse broken data with the same
messages. A large list takes tens of seconds to parse as YAML (see ../shared/notes/MATCHING.md),
so a validated library is cached as a pickle keyed by the files' contents and the code's
version: YAML stays the source of truth, the cache is derived and can be deleted at any time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Sequence
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from promo.lists import cache, models
from promo.lists.people import PeopleStore, Where
from promo.suggest import closest
from promo.bureau.models import BUREAU_LISTS
from promo.tour.models import TOUR_LISTS

log = logging.getLogger(__name__)

# libyaml's loader where PyYAML was built with it (its wheels are), else the pure-Python one
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str
    fix: str
    severity: str = "error"   # error | warning

    def __str__(self) -> str:
        tag = "" if self.severity == "error" else "warning: "
        return f"{self.file}:{self.line}: {tag}{self.message} — {self.fix}"


class DataError(Exception):
    """The lists are broken; `problems` says where and how to fix them."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in the lists:\n" + "\n".join(map(str, errors)))


@dataclass(frozen=True)
class FileSpec:
    pattern: str                 # glob relative to the data root
    model: type[BaseModel]
    name: str                    # key in Library.lists
    extra: dict = field(default_factory=dict)   # fields set from the file, e.g. people's list


def _specs() -> list[FileSpec]:
    specs = [
        FileSpec("lists/chains.yaml", models.Chain, "chains"),
        FileSpec("lists/companies*.yaml", models.Company, "companies"),
        FileSpec("lists/places.yaml", models.Place, "places"),
        FileSpec("lists/organisations.yaml", models.Organisation, "organisations"),
        FileSpec("lists/schools.yaml", models.School, "schools"),
        FileSpec("lists/projects.yaml", models.Project, "projects"),
        FileSpec("lists/events.yaml", models.Event, "events"),
        FileSpec("lists/policies.yaml", models.Policy, "policies"),
        FileSpec("lists/resources.yaml", models.Resource, "resources"),
        FileSpec("lists/problems.yaml", models.ProblemSeed, "problems"),
        FileSpec("pitch_library/*.yaml", models.Material, "materials"),
    ]
    for kind, stem in (("hometown", "hometown"), ("alumni", "alumni"),
                       ("ministry", "ministry"), ("agent", "agents")):
        specs.append(FileSpec(f"lists/people/{stem}*.yaml", models.Person, "people", {"list": kind}))
    for path, model in TOUR_LISTS.items():
        specs.append(FileSpec(path, model, Path(path).stem))
    for path, model in BUREAU_LISTS.items():
        specs.append(FileSpec(path, model, Path(path).stem))
    return specs


@dataclass(repr=False)
class Library:
    """All lists, validated. Records are pydantic models, except the people: once loaded they
    are a `PeopleStore` (columns; a read-only sequence that builds a `Person` for the record
    looked at, see promo/lists/people.py). `where` maps records back to file:line."""

    root: Path
    fingerprint: str
    lists: dict[str, Sequence[Any]] = field(default_factory=dict)
    where: Where = field(default_factory=Where)  # (list, record id) → file, line
    warnings: list[Problem] = field(default_factory=list)
    # ids of records that failed their own validation (each reported once, at its own line):
    # references to them are not reported again as "unknown id" (only while loading fails)
    unchecked: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self):
        self._by_id: dict[str, dict[str, Any]] = {}
        if not isinstance(self.where, Where):
            self.where = Where(self.where)

    def __repr__(self) -> str:   # never the records: people lists must not reach logs
        counts = ", ".join(f"{k}={len(v)}" for k, v in self.lists.items() if v)
        return f"Library({self.root}, {counts})"

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_by_id"] = {}
        return state

    def get(self, name: str, record_id: str | None):
        """The record of list `name` with this id, or None."""
        if record_id is None:
            return None
        if name == "people":
            return self.people.get(record_id)
        index = self._by_id.get(name)
        if index is None:
            index = self._by_id[name] = {r.id: r for r in self.lists.get(name, [])}
        return index.get(record_id)

    @property
    def chains(self) -> list[models.Chain]:
        return self.lists.get("chains", [])  # type: ignore[return-value]

    @property
    def materials(self) -> list[models.Material]:
        return self.lists.get("materials", [])  # type: ignore[return-value]

    @property
    def people(self) -> PeopleStore:
        return self.compact()

    def compact(self) -> PeopleStore:
        """The people lists as columns: built from the models on first use (the loader does it
        once the lists are checked), their file:line entries moved from `where` into the store."""
        people = self.lists.get("people")
        if not isinstance(people, PeopleStore):
            people = PeopleStore(people or [], self.where.people_entries())
            self.where.attach(people)
            self.lists["people"] = people
        return people

    @property
    def companies(self) -> list[models.Company]:
        return self.lists.get("companies", [])  # type: ignore[return-value]

    def chain_name(self, chain_id: str) -> str:
        chain = self.get("chains", chain_id)
        return chain.name if chain else chain_id


# --------------------------------------------------------------------------- YAML with lines

class _LineLoader(_BaseLoader):
    """Records the line of every mapping and of each of its keys (1-based)."""

    lines: dict[int, Any]     # id(mapping) → {key: line, "": line}; id(sequence) → [line of each item]

    def construct_line_map(self, node):
        data: dict = {}
        lines = {"": node.start_mark.line + 1}
        for key_node, _ in node.value:
            lines[str(key_node.value)] = key_node.start_mark.line + 1
        self.lines[id(data)] = lines
        yield data
        data.update(self.construct_mapping(node))


    def construct_lenient_timestamp(self, node):
        """An impossible date (2026-13-45) stays text, so the model reports it at its line
        instead of PyYAML raising a bare ValueError."""
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


    def construct_line_seq(self, node):
        data: list = []
        self.lines[id(data)] = [item.start_mark.line + 1 for item in node.value]
        yield data
        data.extend(self.construct_sequence(node))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_line_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_line_seq)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_lenient_timestamp)


def _load_yaml(text: str) -> tuple[Any, dict[int, Any]]:
    loader = _LineLoader(text)
    loader.lines = {}
    try:
        return loader.get_single_data(), loader.lines
    finally:
        loader.dispose()


# --------------------------------------------------------------------------- messages

_TYPE_FIXES = {
    "missing": "add this field to the record (see the README next to the file)",
    "date_from_datetime_parsing": "write dates as YYYY-MM-DD, e.g. 2026-03-15",
    "date_parsing": "write dates as YYYY-MM-DD, e.g. 2026-03-15",
    "date_type": "write dates as YYYY-MM-DD, e.g. 2026-03-15",
    "string_pattern_mismatch": "ids use lower-case letters, digits, '-' and '_' (e.g. dairy-video-01)",
    "int_parsing": "write a whole number",
    "int_type": "write a whole number",
    "bool_parsing": "write true or false",
    "list_type": "write a list: one '- item' per line, or [a, b]",
    "string_type": "write text (put it in quotes if it starts with a special character)",
    "too_short": "add at least one value",
    "literal_error": "use one of the allowed values listed above",
}


def _describe(err: Any, model: type[BaseModel]) -> tuple[str, str]:
    loc = ".".join(str(p) for p in err["loc"]) or "record"
    kind = err["type"]
    if kind == "missing":
        return f"missing field '{loc}'", _TYPE_FIXES["missing"]
    if kind == "extra_forbidden":
        field_name = str(err["loc"][-1])
        allowed = list(model.model_fields)
        close = closest(field_name, allowed)
        fix = f"did you mean '{close}'?" if close else "remove it or check the spelling"
        return f"unknown field '{field_name}'", f"{fix} (allowed: {', '.join(allowed)})"
    if kind == "enum":
        expected = err.get("ctx", {}).get("expected", "")
        return (f"'{err.get('input')}' is not allowed for '{loc}'",
                f"use one of: {expected}")
    if kind == "value_error":
        msg = str(err.get("ctx", {}).get("error", err["msg"]))
        return (f"{loc}: {msg}" if err["loc"] else msg), "correct the value as the message says"
    fix = _TYPE_FIXES.get(kind, "correct the value (see the README next to the file)")
    if model is models.Person:   # people lists are personal data: never echo their values
        return f"{loc}: {err['msg']}", fix
    return f"{loc}: {err['msg']} (got {err.get('input')!r})", fix


# --------------------------------------------------------------------------- loading

def _code_version() -> str:
    """Cached objects are pickles of this package's classes: any change to its code (models,
    matcher, indexes) makes them stale."""
    here = Path(__file__).resolve().parent.parent          # promo/
    digest = hashlib.sha256()
    for path in sorted([*here.glob("*.py"), *here.glob("lists/*.py"), *here.glob("matching/*.py"),
                        *(here / "tour").glob("models.py"), *(here / "bureau").glob("models.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def discover(root: Path) -> list[tuple[FileSpec, Path]]:
    found = []
    for spec in _specs():
        for path in sorted(root.glob(spec.pattern)):
            if path.is_file():
                found.append((spec, path))
    return found


def fingerprint(root: Path, files: list[tuple[FileSpec, Path]]) -> str:
    digest = hashlib.sha256(_code_version().encode())
    for _, path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_library(root: str | Path, today: dt.date | None = None, use_cache: bool = True) -> Library:
    """Load and validate every list under `root`; raise DataError naming every problem."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise DataError([Problem(str(root), 0, "data folder not found",
                                 "pass --data with the folder that holds lists/ and pitch_library/")])
    files = discover(root)
    key = fingerprint(root, files)
    build = lambda: _load_uncached(root, files, key, today or dt.date.today())  # noqa: E731
    if not use_cache:
        return build()
    return cache.cached(root, "library", key, build)


def _load_uncached(root: Path, files, key: str, today: dt.date) -> Library:
    lib = Library(root=root, fingerprint=key)
    problems: list[Problem] = []
    field_lines: dict[tuple[str, str], dict[str, int]] = {}
    for spec, path in files:
        rel = str(path.relative_to(root))
        records = _load_file(path, rel, spec, problems, lib, field_lines)
        lib.lists.setdefault(spec.name, []).extend(records)  # type: ignore[attr-defined]
    for spec in _specs():
        lib.lists.setdefault(spec.name, [])
    if not lib.chains and not any(p.file.endswith("chains.yaml") for p in problems):
        problems.append(Problem("lists/chains.yaml", 0, "no industry chains found",
                                "create lists/chains.yaml (see lists/README.md)"))
    from promo.lists.validate import cross_check  # late: validate imports Library
    problems.extend(cross_check(lib, today, field_lines))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DataError(problems)
    lib.warnings = problems
    lib.compact()       # before the library is cached: the cache holds the columns
    return lib


def _repaired(spec: FileSpec, item: dict, item_lines: dict, exc: ValidationError):
    """The record as it would be with its misspelt keys corrected (a key close to a missing
    field is renamed, other unknown keys dropped), and its field lines; (None, lines) when it
    has other errors too. Only used for cross-checks: the load fails on the misspelt keys."""
    errors = exc.errors()
    if any(e["type"] not in ("extra_forbidden", "missing") or len(e["loc"]) != 1 for e in errors):
        return None, item_lines
    missing = {str(e["loc"][0]) for e in errors if e["type"] == "missing"}
    fixed, lines = dict(item), dict(item_lines)
    for e in errors:
        if e["type"] == "extra_forbidden":
            key = str(e["loc"][0])
            value = fixed.pop(key)
            target = closest(key, missing)
            if target:
                fixed[target], missing = value, missing - {target}
                lines[target] = item_lines.get(key, item_lines[""])
    try:
        return spec.model.model_validate({**fixed, **spec.extra}), lines
    except ValidationError:
        return None, item_lines


_QUOTED_START = re.compile(r"^\s*(?:-\s+)?(?:[^\s:#'\"][^:#]*:\s+)?(['\"])(.*)$")


def _syntax_problem(rel: str, text: str, exc: yaml.MarkedYAMLError) -> Problem:
    """Where the author has to look: an unclosed quote is reported where it opens, not where
    the parser finally gave up (the end of the file, or the next apostrophe)."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    for n, source in enumerate(text.split("\n")[:line], 1):
        m = _QUOTED_START.match(source)
        if m and (m.group(2).replace("''", "").count(m.group(1)) % 2 == 0 if m.group(1) == "'"
                  else m.group(2).replace('\\"', "").count('"') % 2 == 0):
            return Problem(rel, n, "YAML syntax error: a quote opened here is not closed on this line",
                           f"close the quotes: end the value with {m.group(1)} (for a quote inside the text, use the other kind)")
    return Problem(rel, line, f"YAML syntax error: {exc.problem or 'cannot read the file'}",
                   "check indentation (spaces, not tabs) and put text containing ':' or '#' in quotes")


def _load_file(path: Path, rel: str, spec: FileSpec, problems: list[Problem], lib: Library,
               field_lines: dict) -> list:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(rel, raw.count(b"\n", 0, exc.start) + 1, f"the file is not UTF-8 ({exc.reason})",
                                "save it as UTF-8 (in WPS/Excel: 'Save as' → UTF-8 text)"))
        return []
    try:
        data, lines = _load_yaml(text)
    except yaml.MarkedYAMLError as exc:
        problems.append(_syntax_problem(rel, text, exc))
        return []
    if data is None:
        return []
    if not isinstance(data, list):
        problems.append(Problem(rel, 1, "expected a list of records",
                                "start each record with '- ' at the left margin (see README)"))
        return []
    records = []
    starts: list[int] = lines.get(id(data), [])
    for index, item in enumerate(data):
        item_lines = lines.get(id(item)) or {"": starts[index] if index < len(starts) else 1}
        if not isinstance(item, dict):
            problems.append(Problem(rel, item_lines[""], "a record must be a set of 'field: value' lines",
                                    "indent the fields of the record under its '- '"))
            continue
        try:
            record = spec.model.model_validate({**item, **spec.extra})
        except ValidationError as exc:
            for err in exc.errors():
                top = str(err["loc"][0]) if err["loc"] else ""
                message, fix = _describe(err, spec.model)
                problems.append(Problem(rel, item_lines.get(top, item_lines[""]), message, fix))
            # Keep the record for the checks of references, so that one misspelt key is
            # reported once and not again at every record that refers to this one.
            record, item_lines = _repaired(spec, item, item_lines, exc)
            if record is None:
                rid = item.get("id")
                if isinstance(rid, str) and rid:
                    lib.unchecked.setdefault(spec.name, set()).add(rid)
                continue
        if hasattr(record, "id"):
            first = lib.where.get((spec.name, record.id))
            if first:
                problems.append(Problem(rel, item_lines[""], f"duplicate id '{record.id}'",
                                        f"ids must be unique; the first is at {first[0]}:{first[1]}"))
                continue
            lib.where[(spec.name, record.id)] = (rel, item_lines[""])
            field_lines[(spec.name, record.id)] = item_lines
        records.append(record)
    return records
