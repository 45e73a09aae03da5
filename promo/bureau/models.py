"""The bureau's lists: `lists/units.yaml` (the scored units) and `lists/targets.yaml` (annual
targets and last year's figures). Loaded and checked by `promo.lists.loader` like every list;
`lists/README.md` documents the fields, `python bot.py schemas` writes their JSON Schemas."""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum

from pydantic import Field, field_validator

from promo.lists.models import Id, Record, StrList

__all__ = ["Unit", "UnitKind", "Target", "PastFigures", "BUREAU_LISTS", "KIND_LABELS"]


class UnitKind(str, Enum):
    territorial = "territorial"     # 属地：县（市、区）、自贸片区、风景区
    task_force = "task_force"       # 产业链专班
    department = "department"       # 市直部门


KIND_LABELS = {"territorial": "属地单位", "task_force": "产业链专班", "department": "市直部门"}


class Unit(Record):
    """A scored unit. Officers belong to one: the allow-list's unit is its name, id or alias."""

    id: Id
    name: str = Field(min_length=1, description="the unit's name as the allow-list writes it, e.g. 北安市")
    kind: UnitKind
    lead: str = Field(min_length=1, description="who leads it, e.g. 市政府副市长 刘某某")
    aliases: StrList = Field(default_factory=list, description="other names officers' units are written with")
    chain: Id | None = Field(None, description="for a task force: the chain id in lists/chains.yaml")


class Figures(Record):
    """Capital in 万元 (ten thousand yuan), projects and contacts as counts."""

    domestic_wan: float | None = Field(None, ge=0, description="domestic capital in place (内资到位), 万元")
    foreign_wan: float | None = Field(None, ge=0, description="foreign capital in place (外资到位) in yuan, 万元")
    signed: int | None = Field(None, ge=0, description="signed projects (签约项目)")
    registered: int | None = Field(None, ge=0, description="projects registered in statistics (入统项目)")
    high_level: int | None = Field(None, ge=0, description="high-level projects (高能级项目)")
    contacts: int | None = Field(None, ge=0, description="contact meetings held (对接活动)")


_PERIOD = re.compile(r"^\d{4}(?:Q[1-4]|-(?:0[1-9]|1[0-2]))?$")


class PastFigures(Figures):
    """Last year's figures of one period, as entered from the official statistics."""

    period: str = Field(description="2025, 2025Q3 or 2025-07")

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, v):
        s = str(v).strip().upper()
        if not _PERIOD.match(s):
            raise ValueError(f"period '{v}' must look like 2025, 2025Q3 or 2025-07")
        return s


class Target(Figures):
    """A unit's annual targets (目标任务) and, under `previous`, last year's figures."""

    unit: Id = Field(description="id in lists/units.yaml")
    year: int = Field(ge=2000, le=2100)
    previous: list[PastFigures] = Field(default_factory=list,
                                        description="last year's figures per period, for year-on-year growth")

    @property
    def id(self) -> str:   # one record per unit and year: the loader reports duplicates
        return f"{self.unit}-{self.year}"


BUREAU_LISTS: dict[str, type] = {"lists/units.yaml": Unit, "lists/targets.yaml": Target}


def check_bureau_references(lib, at: Callable[[str, str, str], tuple[str, int]]) -> list:
    """Problems across the bureau's lists: unknown unit or chain ids, a name two units share,
    last year's figures of another year. `at(list, id, field)` → (file, line)."""
    from promo.lists.loader import Problem
    from promo.suggest import closest

    problems = []
    units = lib.lists.get("units", [])
    unit_ids = {u.id for u in units} | lib.unchecked.get("units", set())
    chain_ids = {c.id for c in lib.lists.get("chains", [])} | lib.unchecked.get("chains", set())
    seen: dict[str, str] = {}
    for u in units:
        if u.kind == UnitKind.task_force and not u.chain:
            problems.append(Problem(*at("units", u.id, "kind"), f"task force '{u.id}' has no 'chain'",
                                    "add 'chain:' with the chain id from lists/chains.yaml"))
        if u.chain and u.chain not in chain_ids:
            close = closest(u.chain, sorted(chain_ids))
            problems.append(Problem(*at("units", u.id, "chain"), f"chain: unknown chain id '{u.chain}'",
                                    f"did you mean '{close}'?" if close else "use an id from lists/chains.yaml"))
        for name in (u.name, *u.aliases):
            key = name.strip()
            if key in seen and seen[key] != u.id:
                problems.append(Problem(*at("units", u.id, "aliases" if name != u.name else "name"),
                                        f"the name '{name}' is also used by unit '{seen[key]}'",
                                        "each name or alias must point at one unit: remove or change one"))
            seen.setdefault(key, u.id)
    for t in lib.lists.get("targets", []):
        if t.unit not in unit_ids:
            close = closest(t.unit, sorted(unit_ids))
            problems.append(Problem(*at("targets", t.id, "unit"), f"unit: unknown unit id '{t.unit}'",
                                    f"did you mean '{close}'?" if close else "add the unit to lists/units.yaml first"))
        for past in t.previous:
            if int(past.period[:4]) != t.year - 1:
                problems.append(Problem(*at("targets", t.id, "previous"),
                                        f"previous: period {past.period} is not in {t.year - 1}",
                                        f"'previous' holds last year's figures: write periods of {t.year - 1}"))
    return problems
