"""Projects seen from the meeting log: which project a meeting joins (`project_choice`), the
unit's projects, search, stage moves and capital (over `ProjectStore`), and the /capital
parser. No Telegram here."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, NamedTuple

from promo.meetings.amounts import parse_amounts
from promo.meetings.draft import Draft
from promo.meetings.funnel import Money, ProjectStore, ProjectView, to_yuan
from promo.meetings.fx import FxRates
from promo.meetings.store import company_key
from promo.store.tables import Project

# Words that make a topic the name of a project (液态奶项目, 二期工厂, 物流园区, dairy plant), not
# just a subject of the talk (扩产进度, 土地政策).
_PROJECT_WORDS = re.compile(r"项目|工程|工厂|基地|园区|产业园|[一二三四五六七八九十\d]期|(?<![工])厂"
                            r"|(?i:\bproject\b|\bplant\b|\bfactory\b|\bpark\b|\bphase\b)")
_GENERIC_PROJECT = re.compile(r"项目|工程|建设|(?i:\bproject\b)|\s")


def names_other_project(topic: str | None, project_name: str) -> bool:
    """The topic names a project, and not this one: neither name contains the other once the
    generic words (项目, 工程, 建设) are dropped. "液态奶项目" vs "北安乳制品加工二期项目": True;
    "奶粉工厂" vs "奶粉工厂扩产": False; "扩产进度" (no project named): False."""
    if not topic or not _PROJECT_WORDS.search(topic):
        return False
    a = _GENERIC_PROJECT.sub("", company_key(topic) or topic)
    b = _GENERIC_PROJECT.sub("", company_key(project_name) or project_name)
    return bool(a and b) and a not in b and b not in a


@dataclass
class ProjectChoice:
    kind: str                      # "existing" | "new" | "none" | "ask" (project: the candidate)
    project: Project | None = None
    name: str | None = None


class ProjectService:
    def __init__(self, store: ProjectStore) -> None:
        self.store = store

    def company_projects(self, f: dict, unit: str | None) -> list[Project]:
        """The unit's projects with the draft's company, most recently changed first."""
        if not unit:
            return []
        ckey, cid = company_key(f.get("company")), f.get("company_id")
        if not ckey and not cid:
            return []
        return [p for p in self.store.of_unit(unit)
                if (cid and p.company_id == cid) or (ckey and p.company_key == ckey)]

    def project_choice(self, draft: Draft, unit: str | None) -> ProjectChoice:
        """The project the meeting will join: the one chosen on the card; else the unit's
        project with this company and subject (what `ProjectStore.find_or_create` would
        return); else the company's only project; else a new one named after the subject."""
        f = draft.f
        name = draft.subject
        if not unit or not name:
            return ProjectChoice("none")
        chosen = draft.project or {}
        if chosen.get("id"):
            p = self.store.get(chosen["id"])
            if p is not None and p.project.unit == unit:
                return ProjectChoice("existing", p.project)
        if chosen.get("new"):
            return ProjectChoice("new", name=chosen["new"])
        same = self.company_projects(f, unit)
        exact = [p for p in same if company_key(p.name) == company_key(name)]
        if exact:
            return ProjectChoice("existing", exact[0])
        if len(same) == 1:
            if names_other_project(f.get("topic"), same[0].name):
                # "谈液态奶项目" while the company's project is 北安乳制品加工二期项目: ask
                return ProjectChoice("ask", same[0], name=name[:200])
            return ProjectChoice("existing", same[0])
        return ProjectChoice("new", name=name[:200])

    def find(self, name: str, user: Any) -> list[Project]:
        """The user's unit's projects first, then other units' (shown read-only)."""
        own = self.store.search(name, unit=user.unit, limit=8) if user.unit else []
        if own:
            return own
        return self.store.search(name, limit=8)

    def get(self, project_id: int) -> ProjectView | None:
        return self.store.get(project_id)

    def of_unit(self, unit: str | None, limit: int = 8) -> list[Project]:
        """The unit's most recently changed projects."""
        return self.store.of_unit(unit, limit=limit) if unit else []

    def advance(self, project_id: int, to_stage: str, date: dt.date, user: Any, now: dt.datetime, *,
                correction: bool = False):
        return self.store.advance(project_id, to_stage, date, user, now, correction=correction)

    def record_capital(self, project_id: int, user: Any, now: dt.datetime, *, as_of: dt.date,
                       fx: FxRates | None = None, **values):
        """The project and the capital changes recorded (`ProjectStore.record_capital`)."""
        return self.store.record_capital(project_id, user, now, as_of=as_of, fx=fx, **values)

    @staticmethod
    def capital_values(view: ProjectView, figures: dict[str, CapitalFigure]) -> tuple[dict[str, Money], list[str]]:
        """/capital's figures as cumulative amounts in their currencies ('+' adds to what the
        project holds in that currency), and the origins whose capital in place would grow
        with no agreed amount in any currency (`capital_without_agreement`)."""
        held = view.amounts()
        values: dict[str, Money] = {}
        for key, f in figures.items():
            origin, measure = key.split("_", 1)
            have = held.get((origin, measure, f.currency), 0)
            values[key] = Money(have + f.amount if f.add else f.amount, f.currency)
        current: dict[str, int] = {}
        check: dict[str, int] = {}
        for origin in ("domestic", "foreign"):
            agreed = sum(v for (o, m, _), v in held.items() if o == origin and m == "agreed")
            current[f"{origin}_agreed"] = agreed
            if (a := values.get(f"{origin}_agreed")) is not None:
                check[f"{origin}_agreed"] = a.amount + sum(
                    v for (o, m, c), v in held.items() if o == origin and m == "agreed" and c != a.currency)
            if (placed := values.get(f"{origin}_in_place")) is not None:
                current[f"{origin}_in_place"] = held.get((origin, "in_place", placed.currency), 0)
                check[f"{origin}_in_place"] = placed.amount
        return values, capital_without_agreement(current, check)


def capital_lines(view: ProjectView, fx: FxRates | None = None) -> list[dict[str, Any]]:
    """The project's capital held in foreign currencies, for the card: origin, measure,
    currency, the cumulative amount, how much of it has no yuan figure of its own (no rate when
    recorded) and, when a rate is configured now, that part in yuan at it (as the scoreboard
    counts it)."""
    unconverted = view.unconverted()
    out = []
    for (o, m, c), v in sorted(view.amounts().items()):
        if c == "CNY" or not v:
            continue
        pending = unconverted.get((m, c), 0) if o == "foreign" else 0
        rate = (fx or FxRates()).rates.get(c)
        out.append({"origin": o, "measure": m, "currency": c, "amount": v, "unconverted": pending,
                    "rate": rate, "now_yuan": to_yuan(pending, rate) if pending and rate is not None else None})
    return out


_CAPITAL = re.compile(r"(?P<origin>内资|外资)\s*(?P<measure>到位|协议|签约|合同)")
_CAPITAL_COLS = {("内资", "到位"): "domestic_in_place", ("外资", "到位"): "foreign_in_place",
                 ("内资", "协议"): "domestic_agreed", ("外资", "协议"): "foreign_agreed",
                 ("内资", "签约"): "domestic_agreed", ("外资", "签约"): "foreign_agreed",
                 ("内资", "合同"): "domestic_agreed", ("外资", "合同"): "foreign_agreed"}


class CapitalFigure(NamedTuple):
    """One /capital figure: the amount in `currency` (whole units), added ('+') or cumulative."""

    amount: int
    add: bool
    currency: str = "CNY"


def parse_capital(text: str) -> tuple[int, dict[str, CapitalFigure]]:
    """`3 内资到位 5000万 外资协议 +1亿` → (3, {"domestic_in_place": (50000000, False, "CNY"),
    "foreign_agreed": (100000000, True, "CNY")}): the cumulative figure, or an increase with
    '+'. Amounts are read by the meeting parser's amount reader, so foreign ones are written
    as officers type them: 外资到位 500万美元, USD 5m, 3000万卢布, $2 million, €1.5m, HKD 200万.
    Domestic capital (内资) is in yuan. ValueError when unreadable."""
    m = re.match(r"\s*#?(\d+)\s+(.+)$", text or "", re.S)
    if not m:
        raise ValueError("project id and figures expected")
    pid, rest = int(m.group(1)), m.group(2)
    heads = list(_CAPITAL.finditer(rest))
    if not heads:
        raise ValueError("no 内资/外资 到位/协议 figure")
    out: dict[str, CapitalFigure] = {}
    for i, h in enumerate(heads):
        seg = rest[h.end(): heads[i + 1].start() if i + 1 < len(heads) else len(rest)]
        add = seg.strip().startswith("+")
        amounts = [a for a in parse_amounts(seg.replace("+", " ")) if a.amount is not None]
        if not amounts:
            raise ValueError("amount not understood")
        a = amounts[0]
        if h["origin"] == "内资" and a.currency != "CNY":
            raise ValueError("domestic capital (内资) is in yuan")
        out[_CAPITAL_COLS[(h["origin"], h["measure"])]] = CapitalFigure(a.amount, add, a.currency)  # type: ignore[arg-type]  # filtered: not None
    return pid, out


def capital_without_agreement(current: dict[str, int], values: dict[str, int]) -> list[str]:
    """The origins ("domestic", "foreign") whose capital in place grows to above zero while no
    agreed (协议) amount is recorded, even after `values`: /capital says so and asks first
    (record the agreement, or confirm it is capital without one). `current` and `values` use
    parse_capital's keys (domestic_in_place, foreign_agreed, …)."""
    out = []
    for origin in ("domestic", "foreign"):
        placed = values.get(f"{origin}_in_place")
        agreed = values.get(f"{origin}_agreed", current.get(f"{origin}_agreed") or 0)
        if placed and placed > (current.get(f"{origin}_in_place") or 0) and not agreed:
            out.append(origin)
    return out

