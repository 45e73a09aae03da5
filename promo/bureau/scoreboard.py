"""The scoreboard (`/board`, `python bot.py report`): for every unit and indicator the
period's figure, the year-to-date figure against the annual target (completion) beside the
share of the year passed (time progress), the rank within the unit's kind and the year-on-year
growth. Public to every officer (the ranking is "aired" on purpose); the records behind a
unit's figures are for that unit's officers, its lead and the admins (`may_open`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from promo.bureau.models import KIND_LABELS
from promo.bureau.periods import Period
from promo.bureau.rules import HIGH_LEVEL_YUAN, RULES, Ledger, load_raw
from promo.bureau.units import UNKNOWN_KIND, UnitRegistry

__all__ = ["Indicator", "INDICATORS", "COLUMNS", "Figure", "UnitScore", "Section", "Board",
           "build_board", "may_open", "unit_records"]


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    kind: str                  # yuan | count | rate
    target_field: str | None   # in targets.yaml


INDICATORS = {i.key: i for i in [
    Indicator("domestic", "内资到位", "yuan", "domestic_wan"),
    Indicator("foreign", "外资到位", "yuan", "foreign_wan"),
    Indicator("capital", "到位资金", "yuan", "capital"),
    Indicator("high_level", "高能级项目", "count", "high_level"),
    Indicator("contacts", "对接活动", "count", "contacts"),
    Indicator("signed", "签约项目", "count", "signed"),
    Indicator("registered", "入统项目", "count", "registered"),
    Indicator("started", "开工项目", "count", None),
    Indicator("rate_cs", "对接→签约", "rate", None),
    Indicator("rate_sr", "签约→入统", "rate", None),
    Indicator("rate_rs", "入统→开工", "rate", None),
]}
RATES = ["rate_cs", "rate_sr", "rate_rs"]
COLUMNS = {
    "territorial": ["domestic", "foreign", "high_level", "signed", "registered", *RATES],
    "task_force": ["contacts", "signed", "registered", "capital", *RATES],
    "department": ["contacts", "signed", "registered", "capital", *RATES],
    UNKNOWN_KIND: ["contacts", "signed", "registered", "capital", *RATES],
}
# The ranking order (擂台赛) within a kind: the first column, then the next ones.
ORDER = {"territorial": ["domestic", "foreign", "high_level", "registered", "signed"],
         "task_force": ["signed", "registered", "capital", "contacts"],
         "department": ["signed", "registered", "capital", "contacts"],
         UNKNOWN_KIND: ["signed", "registered", "capital", "contacts"]}
GROWTH_KEYS = ("domestic", "foreign", "capital", "signed", "registered", "high_level", "contacts")


@dataclass
class Figure:
    key: str
    value: float | int | None
    ytd: float | int | None = None
    target: float | int | None = None
    completion: float | None = None        # ytd / target
    rank: int | None = None
    of: int = 0
    last_year: float | int | None = None
    growth: float | None = None            # (value - last_year) / last_year

    @property
    def indicator(self) -> Indicator:
        return INDICATORS[self.key]


@dataclass
class UnitScore:
    unit_id: str
    name: str
    kind: str
    lead: str | None
    figures: dict[str, Figure]
    overdue: int = 0
    position: int = 0   # place in the section's ranking (1 = first)
    foreign: dict = field(default_factory=dict)   # the period's foreign capital per currency (Ledger.foreign_detail)


@dataclass
class Section:
    kind: str
    label: str
    columns: list[str]
    rows: list[UnitScore]


@dataclass
class Board:
    period: Period
    today: dt.date
    time_progress: float
    sections: list[Section]
    totals: dict
    high_level_yuan: int
    fx_statement: str = ""
    demo: bool = False
    rules: str = RULES
    growth_source: str = ""
    notes: list[str] = field(default_factory=list)
    totals_last_year: dict = field(default_factory=dict)   # the same period last year, city-wide
    fx: object = None
    foreign: dict = field(default_factory=dict)   # the city's foreign capital per currency

    def totals_growth(self, key: str) -> float | None:
        """The city's growth on last year (较上年增长), from the units' last-year figures."""
        last = self.totals_last_year.get(key)
        return round((self.totals[key] - last) / last, 4) if last else None

    def foreign_text(self, detail: dict | None = None, short: bool = False) -> str:
        """Foreign capital per original currency, for after the yuan figure ('' when all of
        it is in yuan): 其中 500万美元 @7.10，2026-11-30 中国人民银行中间价；另有 3000万卢布 未折算：未配置 RUB 汇率….
        `detail`: a unit's `foreign` (default: the city's); `short`: for a ranking row
        (含 500万美元 @7.10；3000万卢布未折算), the rate line saying the rest."""
        return foreign_text(self.foreign if detail is None else detail, short)

    def rate_line(self) -> str:
        """The rates the period's foreign figures were converted at, with date and source;
        else the configured rates' statement (if any)."""
        rates = self.foreign.get("rates") or []
        if rates:
            return "外资折算汇率：" + "；".join(f"1 {r['currency']} = {r['rate']} 元（{r['date'] or '日期未记'}，"
                                          f"{r['source'] or '来源未记'}）" for r in rates)
        return self.fx_statement

    def row(self, unit_id: str) -> UnitScore | None:
        for s in self.sections:
            for r in s.rows:
                if r.unit_id == unit_id:
                    return r
        return None

    def to_dict(self) -> dict:
        def fig(f: Figure) -> dict:
            return {k: getattr(f, k) for k in ("value", "ytd", "target", "completion", "rank", "of",
                                               "last_year", "growth")}
        return {
            "period": self.period.key, "label": self.period.label, "today": self.today.isoformat(),
            "time_progress": self.time_progress, "high_level_yuan": self.high_level_yuan,
            "demo": self.demo, "fx": self.fx_statement, "totals": self.totals, "notes": self.notes,
            "foreign_detail": self.foreign, "rate_line": self.rate_line(),
            "totals_last_year": self.totals_last_year,
            "totals_growth": {k: self.totals_growth(k) for k in self.totals_last_year},
            "sections": [{"kind": s.kind, "label": s.label, "columns": s.columns,
                          "units": [{"id": r.unit_id, "name": r.name, "position": r.position,
                                     "overdue": r.overdue, "foreign_detail": r.foreign,
                                     "figures": {k: fig(f) for k, f in r.figures.items()}}
                                    for r in s.rows]} for s in self.sections],
        }


def _label(amount: int, currency: str) -> str:
    from promo.meetings.parse import money_label

    return ("-" if amount < 0 else "") + money_label(abs(amount), currency, "zh")


def foreign_text(detail: dict | None, short: bool = False) -> str:
    """See `Board.foreign_text`."""
    if not detail:
        return ""
    rates = detail.get("rates") or []
    if short:
        conv = [f"{_label(a, c)} @{'/'.join(r['rate'] for r in rates if r['currency'] == c)}"
                for c, a in sorted((detail.get("converted") or {}).items())]
        pend = [f"{_label(a, c)}未折算" for c, a in sorted((detail.get("unconverted") or {}).items())]
        return ("含 " + "、".join(conv) if conv else "") + ("；" if conv and pend else "") + "、".join(pend)
    stamps = {(r["date"], r["source"]) for r in rates}

    def stamp(r) -> str:
        return " ".join(str(x) for x in (r["date"], r["source"]) if x)

    parts = []
    for cur, amount in sorted((detail.get("converted") or {}).items()):
        rs = [r for r in rates if r["currency"] == cur]
        at = "/".join(r["rate"] + ("" if len(stamps) == 1 else f"（{stamp(r)}）") for r in rs)
        parts.append(f"{_label(amount, cur)} @{at}")
    text = ""
    if parts:
        text = "其中 " + "、".join(parts)
        if len(stamps) == 1 and (s := stamp(rates[0])):
            text += f"，{s}"
    pending = sorted((detail.get("unconverted") or {}).items())
    if pending:
        text += ("；" if text else "") + "另有 " + "、".join(_label(a, c) for c, a in pending) + \
            " 未折算：未配置 " + "、".join(c for c, _ in pending) + " 汇率，不计入人民币数"
    return text


def _merge_foreign(details: list[dict]) -> dict:
    """The city's foreign detail from the units' (units share no project group)."""
    out: dict = {"converted": {}, "unconverted": {}, "rates": []}
    for d in details:
        for part in ("converted", "unconverted"):
            for cur, amount in d.get(part, {}).items():
                out[part][cur] = out[part].get(cur, 0) + amount
        out["rates"] += [r for r in d.get("rates", []) if r not in out["rates"]]
    for part in ("converted", "unconverted"):
        out[part] = {c: a for c, a in sorted(out[part].items()) if a}
    out["rates"].sort(key=lambda r: (r["currency"], str(r["date"]), r["rate"]))
    return out


def _target_value(target, field_: str | None):
    if target is None or field_ is None:
        return None
    if field_ == "capital":
        parts = [target.domestic_wan, target.foreign_wan]
        return None if all(p is None for p in parts) else sum(p or 0 for p in parts) * 10_000
    value = getattr(target, field_)
    if value is None:
        return None
    return value * 10_000 if field_.endswith("_wan") else value


def _past_value(previous: list, period_key: str, key: str):
    for past in previous:
        if past.period == period_key:
            if key == "capital":
                parts = [past.domestic_wan, past.foreign_wan]
                return None if all(p is None for p in parts) else sum(p or 0 for p in parts) * 10_000
            field_ = {"domestic": "domestic_wan", "foreign": "foreign_wan"}.get(key, key)
            value = getattr(past, field_, None)
            if value is None:
                return None
            return value * 10_000 if field_.endswith("_wan") else value
    return None


def _rank(rows: list[UnitScore], key: str) -> None:
    values = [v for v in (r.figures[key].value for r in rows) if v is not None]
    for r in rows:
        f = r.figures[key]
        f.of = len(values)
        if f.value is not None:
            f.rank = 1 + sum(1 for v in values if v > f.value)   # ties share a rank (1, 1, 3)


def _figure(key: str, ind: Indicator, now: dict, ytd: dict, target, previous: list, ly_key: str,
            past_db: dict | None) -> tuple[Figure, str | None]:
    """One unit's figure for one indicator, and where its last-year value came from
    ('entered' in targets.yaml, 'db' records, or None)."""
    f = Figure(key, now[key])
    if ind.kind != "rate":
        _set_completion(f, ytd[key], _target_value(target, ind.target_field))
    if key not in GROWTH_KEYS:
        return f, None
    source = _set_last_year(f, _past_value(previous, ly_key, key), past_db)
    if f.last_year:
        assert f.value is not None, "growth keys are counts and sums, never None"
        f.growth = round((f.value - f.last_year) / f.last_year, 4)
    return f, source


def _set_completion(f: Figure, ytd, target) -> None:
    """Year to date against the annual target."""
    f.ytd = ytd
    f.target = target
    if f.target:
        f.completion = round(f.ytd / f.target, 4)


def _set_last_year(f: Figure, entered, past_db: dict | None) -> str | None:
    """The last-year value: entered in targets.yaml first, else the database's records."""
    if entered is not None:
        f.last_year = entered
        return "entered"
    if past_db is not None:
        f.last_year = past_db[f.key]
        return "db"
    return None


def _unit_figures(target, now: dict, ytd: dict, ly_key: str, past_db: dict | None,
                  sources: set[str | None]) -> dict[str, Figure]:
    """A unit's figures for every indicator; adds where last-year values came from to `sources`."""
    previous = target.previous if target else []
    figs = {}
    for key, ind in INDICATORS.items():
        figs[key], source = _figure(key, ind, now, ytd, target, previous, ly_key, past_db)
        sources.add(source)
    return figs


def _rank_sections(scores: dict[str, list[UnitScore]]) -> list[Section]:
    """Rank every indicator within each kind and order the rows (擂台赛)."""
    sections = []
    for kind in ("territorial", "task_force", "department", UNKNOWN_KIND):
        rows = scores.get(kind)
        if not rows:
            continue
        for key in INDICATORS:
            _rank(rows, key)
        order = ORDER[kind]
        rows.sort(key=lambda r: ([-(r.figures[k].value or 0) for k in order], r.unit_id))
        for i, r in enumerate(rows, 1):
            r.position = i
        sections.append(Section(kind, KIND_LABELS.get(kind, "未登记单位（不在 lists/units.yaml 中）"),
                                COLUMNS[kind], rows))
    return sections


def _growth_source(used_entered: bool, used_db: bool) -> str:
    if not (used_entered or used_db):
        return "无上年同期数据，不计算同比。"
    return "上年数据：" + "、".join(filter(None, ["清单录入（lists/targets.yaml previous）" if used_entered else "",
                                             "数据库中的上年记录" if used_db else ""]))


def build_board(db, registry: UnitRegistry, period: Period, today: dt.date, *,
                high_level_yuan: int = HIGH_LEVEL_YUAN, fx=None, overdue: dict[str, int] | None = None,
                demo: bool = False, ledger: Ledger | None = None) -> Board:
    """The scoreboard of `period` as the records stand."""
    ledger = ledger or Ledger(load_raw(db, fx), lambda s: (u.id if (u := registry.resolve(s)) else None),
                              high_level_yuan)
    ly = period.last_year()
    db_has_last_year = ledger.raw.has_records(ly.first, ly.last)
    ytd_first, ytd_last = period.year_to_date()
    listed = {u.id for u in registry.units}
    unit_ids = [u.id for u in registry.units] + sorted(ledger.units_seen() - listed)
    scores: dict[str, list[UnitScore]] = {}
    totals = {k: 0 for k in ("contacts", "new_projects", "signed", "registered", "started",
                             "domestic", "foreign", "capital", "high_level")}
    sources: set[str | None] = set()
    last_totals: dict = {}
    for uid in unit_ids:
        unit = registry.get(uid)
        kind = unit.kind.value if unit else UNKNOWN_KIND
        now = ledger.figures(uid, period.first, period.last)
        ytd = ledger.figures(uid, ytd_first, ytd_last) if period.kind != "year" else now
        past_db = ledger.figures(uid, ly.first, ly.last) if db_has_last_year else None
        figs = _unit_figures(registry.target(uid, period.year), now, ytd, ly.key, past_db, sources)
        for k in totals:
            totals[k] += now[k]
        for k in GROWTH_KEYS:
            if figs[k].last_year is not None:
                last_totals[k] = last_totals.get(k, 0) + figs[k].last_year
        scores.setdefault(kind, []).append(UnitScore(uid, unit.name if unit else uid, kind,
                                                     unit.lead if unit else None, figs,
                                                     (overdue or {}).get(uid, 0), foreign=now["foreign_detail"]))
    sections = _rank_sections(scores)
    notes = []
    if UNKNOWN_KIND in scores:
        notes.append("有记录的单位不在单位清单中：请在 lists/units.yaml 中登记，或更正授权名单里的单位名称。")
    foreign = _merge_foreign([r.foreign for rows in scores.values() for r in rows])
    if foreign["unconverted"]:
        notes.append("外资另有 " + "、".join(_label(a, c) for c, a in foreign["unconverted"].items())
                     + " 未折合人民币：登记时和现在都没有配置 " + "、".join(foreign["unconverted"])
                     + " 汇率（PROMO_FX_RATES、PROMO_FX_DATE、PROMO_FX_SOURCE），未计入外资到位和排名；配置汇率后按所配汇率折算。")
    source = _growth_source("entered" in sources, "db" in sources)
    return Board(period, today, period.time_progress(today), sections, totals, high_level_yuan,
                 fx.statement() if fx is not None and getattr(fx, "rates", None) else "", demo,
                 growth_source=source, notes=notes, totals_last_year=last_totals, fx=fx, foreign=foreign)


def may_open(user, unit_id: str, registry: UnitRegistry) -> bool:
    """The records behind a unit's figures: its officers, its lead and the admins."""
    if user is None or not getattr(user, "active", True):
        return False
    if user.role == "admin":
        return True
    mine = registry.resolve(user.unit)
    return (mine.id if mine else user.unit) == unit_id


def unit_records(db, registry: UnitRegistry, unit_id: str, indicator: str, period: Period, user, *,
                 high_level_yuan: int = HIGH_LEVEL_YUAN, ledger: Ledger | None = None) -> dict:
    """The projects and meetings behind one figure; PermissionError for other units' officers."""
    if not may_open(user, unit_id, registry):
        raise PermissionError("only the unit's officers, its lead and admins see these records")
    ledger = ledger or Ledger(load_raw(db), lambda s: (u.id if (u := registry.resolve(s)) else None),
                              high_level_yuan)
    return ledger.records(unit_id, indicator, period.first, period.last)
