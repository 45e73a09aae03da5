"""The answers of the seven lists, typed: one `Answer` of sections, each item with its `kind`
(material, person, event, policy, project, target, resource, problem, brief).

`ask(text, ctx)` decides the intent (`promo.ask.intent.decide`) and builds the answer for it; the
chat renders the same `Answer` (handlers/lists.py), the CLI prints it (`bot.py ask --json`).
Personal data (people, who met whom, problem records) only when `ctx.private` and an authorised
user (or the CLI, which runs on the office's own machine) asks.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from promo.ask.intent import LABELS, Intent, IntentIndex, decide, month_range
from promo.matching.textnorm import normalize

AREA_WORDS = {
    "land": ("用地", "土地", "厂房", "地价", "land", "земл"),
    "power": ("用电", "电价", "电费", "电力", "一度", "用气", "天然气", "气价", "燃气", "power", "electric", "gas", "газ",
              "электро"),
    "water": ("用水", "水价", "供水", "水费", "water", "вод"),
    "finance": ("融资", "贷款", "贴息", "金融", "担保", "finance", "loan", "кредит", "补助"),
    "talent": ("人才", "落户", "安家", "talent", "кадр"),
    "tax": ("税", "tax", "налог"),
    "logistics": ("物流", "运费", "通关", "运输", "logistics", "логист", "перевоз"),
}
AREA_LABELS = {"land": "用地", "power": "用电用气", "water": "用水", "finance": "金融", "talent": "人才", "tax": "税收",
               "logistics": "物流", "other": "其他"}
LEVEL_WORDS = {"national": ("国家级", "全国性", "national"), "provincial": ("省级", "省里", "全省", "provincial"),
               "city": ("市级", "我市", "市里"), "county": ("县级", "县里")}
LEVEL_LABELS = {"national": "国家级", "provincial": "省级", "city": "市级", "county": "县级"}
PLAN_LABELS = {"yearly": "年度计划", "quarterly": "季度计划", "monthly": "月度计划", "ad_hoc": "临时"}
STATUS_LABELS = {"open": "招商中", "negotiating": "洽谈中", "signed": "已签约", "closed": "已关闭"}
_TARGET_WORDS = re.compile(r"目标企业|还缺|缺哪|缺什么|要招谁|招谁|名单|前十|还没对接|没对接过|target", re.IGNORECASE)
_NOT_MET = re.compile(r"还没对接|没对接过|未对接|没见过|not (yet )?met")
_MAP_WORDS = re.compile(r"图谱|上中下游|上下游|供应链|产业链图|链条|map", re.IGNORECASE)
_ASK_WORDS = re.compile(r"省里|国家|对上争取|争取|向上|部委")
_MINERAL = re.compile(r"矿|mineral|ископаем")


@dataclass
class Item:
    kind: str
    id: Any
    title: str
    lines: list[str] = field(default_factory=list)
    record: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "id": self.id, "title": self.title, "lines": self.lines, "record": self.record}


@dataclass
class Section:
    key: str
    title: str
    items: list[Item] = field(default_factory=list)
    empty: str | None = None       # what to say when there is nothing
    note: str | None = None

    def to_dict(self) -> dict:
        return {"key": self.key, "title": self.title, "items": [i.to_dict() for i in self.items],
                "empty": self.empty if not self.items else None, "note": self.note}


@dataclass
class Answer:
    text: str
    intent: Intent
    sections: list[Section] = field(default_factory=list)
    understood: list[str] = field(default_factory=list)
    draft: dict | None = None      # a problem report's draft (nothing stored yet)
    message: str | None = None

    def to_dict(self) -> dict:
        return {"text": self.text, **self.intent.to_dict(), "understood": self.understood,
                "sections": [s.to_dict() for s in self.sections], "draft": self.draft, "message": self.message}


@dataclass
class Context:
    matcher: Any
    index: IntentIndex
    today: dt.date
    private: bool = True
    user: Any = None                # promo.store.access.User, or None for the CLI (the office's machine)
    problems: Any = None            # promo.ask.problems.ProblemStore
    meetings: Any = None            # promo.meetings.store.MeetingStore
    cli: bool = False

    @property
    def library(self):
        return self.matcher.library

    @property
    def personal(self) -> bool:
        """People, contacts and problem records may be shown."""
        if self.cli:
            return True
        from promo.ask.problems import can_see

        return self.private and can_see(self.user)

    @property
    def lead(self) -> bool:
        return self.cli or bool(self.user and getattr(self.user, "role", None) in ("lead", "admin"))


def ask(text: str, ctx: Context, intent: str | None = None) -> Answer:
    """Decide (or take) the intent and build its answer."""
    decided = decide(text, ctx.matcher, ctx.index, ctx.today)
    if intent and intent != decided.intent:
        decided.alternatives = [decided.intent, *[a for a in decided.alternatives if a != intent]][:3]
        decided.intent = intent
    build = BUILDERS.get(decided.intent, _profile)
    answer = Answer(text=text, intent=decided)
    build(answer, ctx)
    return answer


# ---------------------------------------------------------------------- helpers

def _chains(intent: Intent, lib) -> list[str]:
    out = list(intent.links.get("chain", []))
    for cid in intent.links.get("company", []):
        c = lib.get("companies", cid)
        for ch in (c.chains if c else []):
            if ch not in out:
                out.append(ch)
    for pid in intent.links.get("project", []):
        p = lib.get("projects", pid)
        for ch in (p.chains if p else []):
            if ch not in out:
                out.append(ch)
    return out


def _stem(name: str | None) -> str:
    s = normalize(name or "")
    for suffix in ("自贸片区", "市", "县", "区"):
        if s.endswith(suffix) and len(s) > len(suffix) + 1 and suffix != "自贸片区":
            return s[: -len(suffix)]
    return s


def _places(intent: Intent, lib) -> tuple[list[str], list[str]]:
    """(our counties named, other cities named) as stemmed names."""
    local: list[str] = []
    other: list[str] = []
    for pid in intent.links.get("place", []):
        p = lib.get("places", pid)
        if p is None or p.id == "heihe":
            continue
        (local if p.local else other).append(_stem(p.name))
    return local, other


def _yuan(v: int | None) -> str | None:
    if not v:
        return None
    return f"{v / 1e8:g}亿元" if v >= 1e8 else f"{v / 1e4:g}万元"


def _chain_label(lib, ids) -> str:
    return "、".join(lib.chain_name(c).removesuffix("产业链") for c in ids[:4])


def _date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _span(e) -> str:
    if not e.end or e.end == e.start:
        return _date(e.start)
    if e.end.year == e.start.year and e.end.month == e.start.month:
        return f"{_date(e.start)}—{e.end.day}日"
    return f"{_date(e.start)}—{e.end.month}月{e.end.day}日"


# ---------------------------------------------------------------------- 去哪招 events

def event_item(e, lib) -> Item:
    lines = [f"📅 {_span(e)} · 📍{e.city or '待定'} · {LEVEL_LABELS[e.level]} · {PLAN_LABELS[e.plan]}"
             + ("" if e.confirmed else "（日期待主办方确认）")]
    if e.attendees:
        lines.append("👥 我方参加：" + "、".join(e.attendees))
    if e.chains:
        lines.append("🔗 " + _chain_label(lib, e.chains))
    if e.notes:
        lines.append(e.notes)
    rec = e.model_dump(mode="json")
    return Item("event", e.id, e.name, lines, rec)


def events_for(lib, *, today: dt.date, ids=(), chains=(), cities=(), levels=(), period=None, limit=8):
    events = lib.lists.get("events", [])
    if ids:
        chosen = [e for e in events if e.id in ids]
        return sorted(chosen, key=lambda e: e.start)
    start, end = period or (today, today + dt.timedelta(days=400))
    out = []
    for e in events:
        last = e.end or e.start
        if last < start or e.start > end:
            continue
        if chains and not set(chains) & set(e.chains):
            continue
        if cities and _stem(e.city) not in cities:
            continue
        if levels and e.level not in levels:
            continue
        out.append(e)
    return sorted(out, key=lambda e: e.start)[:limit]


def _events(answer: Answer, ctx: Context) -> None:
    lib, it, text = ctx.library, answer.intent, answer.text
    ids = it.links.get("event", [])
    chains = [] if ids else _chains(it, lib)
    local, cities = _places(it, lib)
    levels = [lv for lv, words in LEVEL_WORDS.items() if any(w in text.lower() for w in words)]
    period = month_range(text, ctx.today)
    if "年度" in text and not period:
        period = (dt.date(ctx.today.year, 1, 1), dt.date(ctx.today.year + 1, 12, 31))
    found = events_for(lib, today=ctx.today, ids=ids, chains=chains, cities=cities + local, levels=levels,
                       period=period)
    if not found and (chains or cities or levels) and not ids:    # widen: drop the filters, keep the period
        answer.message = "没有完全符合条件的活动，下面是近期全部活动。"
        found = events_for(lib, today=ctx.today, period=period)
    answer.understood += [f"活动：{lib.get('events', i).name}" for i in ids]
    if chains and not ids:
        answer.understood.append("产业链：" + _chain_label(lib, chains))
    if cities:
        answer.understood.append("城市：" + "、".join(cities))
    if levels:
        answer.understood.append("级别：" + "、".join(LEVEL_LABELS[lv] for lv in levels))
    if period:
        answer.understood.append(f"时间：{period[0].isoformat()} 至 {period[1].isoformat()}")
    answer.sections.append(Section("events", "📅 去哪招 · 招商活动", [event_item(e, lib) for e in found],
                                   empty="这段时间没有登记的招商活动。"))


# ---------------------------------------------------------------------- 配套什么 policies

def policy_item(p, lib) -> Item:
    valid = (f"有效期 {p.valid_from.isoformat() if p.valid_from else '—'} 至 "
             f"{p.expires.isoformat() if p.expires else '长期'}")
    lines = [f"🏷 {AREA_LABELS[p.area]} · {valid}", p.summary]
    if p.chains:
        lines.append("🔗 " + _chain_label(lib, p.chains))
    if p.counties:
        lines.append("📍 " + "、".join(p.counties))
    if p.kind == "ask":
        lines.append(f"📨 向{'省里' if p.ask_to == 'province' else '国家'}争取 · {p.status or '进展未填'}")
    if p.source:
        lines.append(f"📄 出处：{p.source}")
    return Item("policy", p.id, p.name, lines, p.model_dump(mode="json"))


def _policy_score(p, ids, areas, chains) -> float | None:
    """How well a policy fits what was asked; None when it does not fit at all."""
    if areas and p.area not in areas and p.id not in ids:
        return None
    if not areas and not ids and chains and p.chains and not set(chains) & set(p.chains):
        return None
    score = 3.0 if p.id in ids else 0.0
    if areas and p.area in areas:
        score += 2
    if chains and set(chains) & set(p.chains):
        score += 1
    elif not p.chains:
        score += 0.3
    return score


def policies_for(lib, *, today: dt.date, ids=(), areas=(), chains=(), counties=(), audiences=(),
                 kind="incentive", limit=6):
    scored = []
    for p in lib.lists.get("policies", []):
        if p.kind != kind or not p.in_force(today):
            continue                              # an expired policy is never offered
        if counties and p.counties and not {_stem(c) for c in p.counties} & set(counties):
            continue
        if audiences and p.audience and not set(audiences) & {a.value for a in p.audience}:
            continue
        score = _policy_score(p, ids, areas, chains)
        if score is not None:
            scored.append((score, p))
    scored.sort(key=lambda sp: -sp[0])
    return [p for _, p in scored[:limit]]


def _policies(answer: Answer, ctx: Context) -> None:
    lib, it, text = ctx.library, answer.intent, answer.text
    low = text.lower()
    ids = it.links.get("policy", [])
    areas = [a for a, words in AREA_WORDS.items() if any(w in low for w in words)]
    chains = _chains(it, lib)
    local, _ = _places(it, lib)
    audiences = list(dict.fromkeys(it.links.get("audience", [])))
    found = policies_for(lib, today=ctx.today, ids=ids, areas=areas, chains=chains, counties=local,
                         audiences=audiences)
    if areas:
        answer.understood.append("要素：" + "、".join(AREA_LABELS[a] for a in areas))
    if chains:
        answer.understood.append("产业链：" + _chain_label(lib, chains))
    if local:
        answer.understood.append("地区：" + "、".join(local))
    answer.sections.append(Section("policies", "🎁 配套什么 · 优惠政策", [policy_item(p, lib) for p in found],
                                   empty="没有找到对应的有效政策（过期政策不再推荐）。"))
    asks_named = [i for i in ids if (lib.get("policies", i) or None) and lib.get("policies", i).kind == "ask"]
    if _ASK_WORDS.search(text) or asks_named:
        if ctx.lead:
            asks = policies_for(lib, today=ctx.today, ids=ids, areas=areas, chains=chains, kind="ask")
            answer.sections.append(Section("asks", "📨 对上争取清单", [policy_item(p, lib) for p in asks],
                                           empty="对上争取清单里没有相关事项。"))
        else:
            answer.message = "对上争取清单仅限领导查看。"


# ---------------------------------------------------------------------- 招什么 projects and targets

def project_item(p, lib, problems=None) -> Item:
    chain = lib.get("chains", p.chains[0]) if p.chains else None
    facts = [x for x in (_yuan(p.investment_yuan), p.county, STATUS_LABELS[p.status]) if x]
    lines = [" · ".join(facts)]
    if chain and (chain.unit or chain.lead):
        lines.append(f"👤 负责：{chain.unit or ''}{'（' + chain.lead + '）' if chain.lead else ''}")
    if p.summary:
        lines.append(p.summary)
    rec = p.model_dump(mode="json")
    if problems is not None:
        rec["open_problems"] = len(problems)
        if problems:
            lines.append(f"⚠️ 未解决问题 {len(problems)} 个：" + "；".join(f"#{x.id} {x.summary}" for x in problems[:3]))
    return Item("project", p.id, p.name, lines, rec)


def _last_met(ctx: Context, company_id: str):
    if ctx.meetings is None:
        return None
    found = ctx.meetings.recent_by_company(company_id, ctx.today - dt.timedelta(days=3 * 365), company_id=company_id,
                                           limit=1)
    return found[0] if found else None


def _target_item(ctx: Context, chain, t, company, met, named: set[str]) -> Item:
    lines = [f"{'⭐' * (4 - t.priority)} {chain.name.removesuffix('产业链')} · "
             + (f"上次对接 {met.meeting_date.isoformat()}（{met.unit or '—'}）" if met else "尚未对接")]
    if t.why:
        lines.append(t.why)
    rec = {"company_id": t.company, "company": company.name, "chain": chain.id, "priority": t.priority,
           "why": t.why, "last_met": met.meeting_date.isoformat() if met else None,
           "last_met_unit": met.unit if met else None, "named": t.company in named}
    return Item("target", t.company, company.name, lines, rec)


def _targets_section(answer: Answer, ctx: Context, chains: list[str], wants_targets: bool) -> Section:
    """The target-enterprise list of the chains, each marked with when we last met it."""
    lib, text = ctx.library, answer.text
    not_met = bool(_NOT_MET.search(text))
    named = set(answer.intent.links.get("company", []))
    items, on_list = [], set()
    for chain in (c for c in lib.chains if not chains or c.id in chains):
        for t in sorted(chain.targets, key=lambda t: t.priority):
            company = lib.get("companies", t.company)
            if company is None:
                continue
            on_list.add(t.company)
            met = _last_met(ctx, t.company)
            if (not_met and met is not None) or (named and t.company not in named and not wants_targets):
                continue
            items.append(_target_item(ctx, chain, t, company, met, named))
    items.sort(key=lambda i: (not i.record["named"], i.record["priority"]))
    note = None
    for cid in named:
        company = lib.get("companies", cid)
        if company is not None:
            note = (f"✅ {company.name} 在目标企业清单上。" if cid in on_list
                    else f"❌ {company.name} 不在目标企业清单上。")
    title = "🎯 目标企业" + ("（尚未对接）" if not_met else "")
    return Section("targets", title, items[:10 if chains else 15],
                   empty="这条链上的目标企业都已对接过。" if not_met else "没有登记目标企业。", note=note)


def _projects(answer: Answer, ctx: Context) -> None:
    lib, it, text = ctx.library, answer.intent, answer.text
    ids = it.links.get("project", [])
    chains = _chains(it, lib)
    local, _ = _places(it, lib)
    projects = [p for p in lib.lists.get("projects", []) if p.id in ids] if ids else [
        p for p in lib.lists.get("projects", [])
        if p.status != "closed" and (not chains or set(chains) & set(p.chains))
        and (not local or _stem(p.county) in local)]
    projects.sort(key=lambda p: -(p.investment_yuan or 0))
    if chains:
        answer.understood.append("产业链：" + _chain_label(lib, chains))
    if local:
        answer.understood.append("地区：" + "、".join(local))
    wants_targets = bool(_TARGET_WORDS.search(text))
    if not wants_targets or ids:
        show_problems = ctx.problems is not None and ctx.personal
        items = [project_item(p, lib, ctx.problems.find(project_ref=p.id, open_only=True) if show_problems else None)
                 for p in projects[:8]]
        answer.sections.append(Section("projects", "🏗 招什么 · 招商项目", items, empty="没有符合条件的招商项目。"))
    if wants_targets or not projects:
        answer.sections.append(_targets_section(answer, ctx, chains, wants_targets))


# ---------------------------------------------------------------------- 有什么 resources

def resource_item(r, lib) -> Item:
    figs = "；".join(f"{f.label} {f.value:g}{f.unit}" + (f"（{f.year}）" if f.year else "") for f in r.figures)
    lines = [figs]
    if r.summary:
        lines.append(r.summary)
    material = lib.get("materials", r.material)
    if material is not None:
        lines.append(f"📎 材料：{material.title}")
    rec = r.model_dump(mode="json")
    rec["chain_name"] = lib.chain_name(r.chain)
    rec["material_title"] = material.title if material else None
    return Item("resource", r.id, r.name, lines, rec)


def _resources(answer: Answer, ctx: Context) -> None:
    lib, it, text = ctx.library, answer.intent, answer.text
    ids = it.links.get("resource", [])
    chains = _chains(it, lib)
    resources = lib.lists.get("resources", [])
    if ids:
        found = [r for r in resources if r.id in ids]
    elif chains:
        found = [r for r in resources if r.chain in chains]
    elif _MINERAL.search(text.lower()):
        found = [r for r in resources if r.kind == "mineral"]
    else:
        found = resources[:8]
    if chains:
        answer.understood.append("产业链：" + _chain_label(lib, chains))
    if _MAP_WORDS.search(text) and chains:
        items = []
        for cid in chains[:2]:
            c = lib.get("chains", cid)
            lines = [f"⬆️ 上游：{'、'.join(c.upstream) or '—'}", f"⏺ 中游：{'、'.join(c.midstream) or '—'}",
                     f"⬇️ 下游：{'、'.join(c.downstream) or '—'}"]
            items.append(Item("resource", f"map:{c.id}", f"{c.name} 图谱", lines,
                              {"chain": c.id, "upstream": c.upstream, "midstream": c.midstream,
                               "downstream": c.downstream}))
        answer.sections.append(Section("map", "🗺 产业链图谱", items))
    answer.sections.append(Section("resources", "⛏ 有什么 · 资源与产品", [resource_item(r, lib) for r in found[:8]],
                                   empty="没有登记这方面的资源数据。"))


# ---------------------------------------------------------------------- 解决什么 problems

def _problems(answer: Answer, ctx: Context) -> None:
    from promo.ask.problems import is_question, parse_problem, problem_record

    lib, it, text = ctx.library, answer.intent, answer.text
    if not ctx.personal:
        answer.message = "问题台账仅限授权干部在私聊中查看。"
        return
    if not is_question(text):
        draft = parse_problem(text, ctx.matcher, ctx.today)
        answer.draft = draft.to_json()
        return
    company = next(iter(it.links.get("company", [])), None)
    project = next(iter(it.links.get("project", [])), None)
    local, _ = _places(it, lib)
    rows = ctx.problems.find(company_id=company, project_ref=project, limit=50) if ctx.problems else []
    if local:
        rows = [r for r in rows if r.reporter_unit and _stem(r.reporter_unit) in local]
    if re.search(r"没解决|未解决|还有|进度|open", text):
        rows = [r for r in rows if r.status != "solved"]
    items = []
    for r in rows[:10]:
        rec = problem_record(r, lib, ctx.today)
        lines = [f"{rec['status_label']} · {rec['stage_label']} · 责任单位 {r.unit or '—'}"
                 + (f" · 期限 {rec['deadline']}" + (" ⏰已超期" if rec["overdue"] else "") if rec["deadline"] else ""),
                 " · ".join(x for x in (rec["company"], rec["project"]) if x)]
        if r.note:
            lines.append(f"📝 {r.note}")
        items.append(Item("problem", r.id, f"#{r.id} {r.summary}", [x for x in lines if x], rec))
    open_n = sum(1 for r in rows if r.status != "solved")
    answer.understood.append(f"问题台账：{len(rows)} 个，未解决 {open_n} 个")
    answer.sections.append(Section("problems", "🛠 解决什么 · 投资者反映的问题", items, empty="没有登记相关问题。"))


# ---------------------------------------------------------------------- the pre-meeting brief

def _brief(answer: Answer, ctx: Context) -> None:
    companies = answer.intent.links.get("company", [])
    if not companies:
        answer.message = "没认出要见的是哪家企业。请写企业名称，例如「明天见飞鹤王总」。"
        return
    answer.sections.extend(brief_sections(companies[0], ctx, text=answer.text))


def _why_lines(why) -> list[str]:
    if isinstance(why, str):
        return [why]
    return ["；".join(why)] if why else []


def _brief_who(c, lib) -> Section:
    group = lib.get("companies", c.group)
    who = [x for x in (f"集团：{group.name}" if group else None, f"总部：{c.city}" if c.city else None,
                       f"产业链：{_chain_label(lib, c.chains)}" if c.chains else None, c.notes) if x]
    targets = [(ch, t) for ch in lib.chains for t in ch.targets if t.company == c.id]
    if targets:
        who.append("🎯 目标企业：" + "；".join(f"{ch.name.removesuffix('产业链')}（{t.why or '优先级' + str(t.priority)}）"
                                           for ch, t in targets[:2]))
    return Section("who", f"📋 会前简报 · {c.name}", [Item("brief", c.id, c.name, who,
                                                         {"company": c.model_dump(mode="json")})])


def _brief_contacts(c, ctx: Context) -> Section:
    contacts = ctx.meetings.recent_by_company(c.id, ctx.today - dt.timedelta(days=730), company_id=c.id, limit=5)
    items = []
    for pc in contacts:
        by = f"{pc.display_name or '—'}（{pc.unit or '—'}）" if ctx.personal else (pc.unit or "—")
        rec = {"meeting_id": pc.meeting_id, "date": pc.meeting_date.isoformat(), "unit": pc.unit}
        if ctx.personal:
            rec["by"] = pc.display_name
        items.append(Item("brief", f"meeting:{pc.meeting_id}", f"{pc.meeting_date.isoformat()} · {by}", [], rec))
    return Section("contacts", "🤝 以往对接", items, empty="两年内没有对接记录。")


def _brief_materials(c, ctx: Context, text: str) -> Section:
    visit = " 拜访" if re.search(r"拜访|总部", text) else ""
    say = ctx.matcher.say(c.name + visit, today=ctx.today, top=3)
    return Section("materials", "📎 带什么材料",
                   [Item("material", r.material.id, r.material.title, _why_lines(r.why), {"score": round(r.score, 3)})
                    for r in say.items], empty="没有合适的推介材料。")


def _brief_people(c, ctx: Context) -> Section:
    from promo.matching.whom import LIST_LABELS

    whom = ctx.matcher.whom(c.name, top=3)
    items = [Item("person", r.person.id, r.person.name,
                  [f"{LIST_LABELS.get(r.person.list, r.person.list.value)} · "
                   f"{r.person.company or ''} {r.person.title or ''}".strip()],
                  {"score": round(r.score, 3), "list": r.person.list.value}) for r in whom.items]
    return Section("people", "🧑‍🤝‍🧑 能帮忙的人", items, empty="名单里没有找到能牵线的人。")


def _brief_open(c, ctx: Context) -> Section:
    from promo.ask.problems import problem_record

    lib = ctx.library
    projects = [p for p in lib.lists.get("projects", []) if p.status != "closed" and set(p.chains) & set(c.chains)]
    problems = ctx.problems.find(company_id=c.id, open_only=True) if ctx.problems is not None and ctx.personal else []
    items = [project_item(p, lib) for p in projects[:3]]
    for r in problems[:5]:
        rec = problem_record(r, lib, ctx.today)
        line = f"{rec['status_label']} · 责任单位 {r.unit or '—'}" + (f" · 期限 {rec['deadline']}" if r.deadline else "")
        items.append(Item("problem", r.id, f"#{r.id} {r.summary}", [line], rec))
    return Section("open", "🏗 项目与待解决问题", items, empty="没有相关的项目或问题。")


def _brief_followups(c, ctx: Context) -> Section:
    due = [m for m in ctx.meetings.between(ctx.today - dt.timedelta(days=365), ctx.today + dt.timedelta(days=60))
           if m.company_id == c.id and m.followup_date and not m.followup_done_at]
    return Section("followups", "⏰ 待回访", [
        Item("brief", f"followup:{m.id}", f"{m.followup_date.isoformat()} · 对接 #{m.id}",
             [m.next_step or m.topic or ""], {"meeting_id": m.id, "followup_date": m.followup_date.isoformat()})
        for m in due[:5]], empty="没有到期的回访。")


def brief_sections(company_id: str, ctx: Context, text: str = "") -> list[Section]:
    """Who they are, our past contacts, materials, people, open projects and problems, policies,
    next events, follow-ups due — people and problems only when `ctx.personal`."""
    lib = ctx.library
    c = lib.get("companies", company_id)
    if c is None:
        return []
    sections = [_brief_who(c, lib)]
    if ctx.meetings is not None:
        sections.append(_brief_contacts(c, ctx))
    sections.append(_brief_materials(c, ctx, text))
    if ctx.personal:
        sections.append(_brief_people(c, ctx))
    sections.append(_brief_open(c, ctx))
    pol = policies_for(lib, today=ctx.today, chains=c.chains, limit=3)
    sections.append(Section("policies", "🎁 适用政策", [policy_item(p, lib) for p in pol]))
    ev = events_for(lib, today=ctx.today, chains=c.chains, limit=3)
    sections.append(Section("events", "📅 下次可以见面的活动", [event_item(e, lib) for e in ev],
                            empty="近期没有相关活动。"))
    if ctx.meetings is not None and ctx.personal:
        sections.append(_brief_followups(c, ctx))
    return sections


# ---------------------------------------------------------------------- the matcher's lists

def _profile(answer: Answer, ctx: Context) -> None:
    _materials(answer, ctx)
    _people(answer, ctx)


def _materials(answer: Answer, ctx: Context) -> None:
    res = ctx.matcher.say(answer.text, today=ctx.today, top=5)
    answer.sections.append(Section("materials", "📎 说什么 · 推介材料", [
        Item("material", r.material.id, r.material.title, [r.why] if isinstance(r.why, str) else list(r.why or []),
             {"score": round(r.score, 3), "kind": r.material.kind.value, "minutes": r.material.minutes,
              "languages": [x.value for x in r.material.languages]}) for r in res.items],
        empty=res.message or "没有合适的材料。"))


def _people(answer: Answer, ctx: Context) -> None:
    if not ctx.personal:
        answer.message = "人脉名单仅限授权干部在私聊中查看。"
        return
    res = ctx.matcher.whom(answer.text, top=5)
    answer.sections.append(Section("people", "🧑‍🤝‍🧑 找谁招 · 能牵线的人", [
        Item("person", r.person.id, r.person.name, [r.why] if isinstance(r.why, str) else list(r.why or []),
             {"score": round(r.score, 3), "list": r.person.list.value, "city": r.person.city})
        for r in res.items], empty=res.message or "名单里没有找到合适的人。"))


def _meeting(answer: Answer, ctx: Context) -> None:
    from promo.meetings.parse import parse_meeting

    d = parse_meeting(answer.text, ctx.today)
    answer.draft = {"kind": "meeting", "company": d.company, "person": getattr(d, "person", None),
                    "dates": [x.value.isoformat() for x in d.dates if x.value],
                    "amounts": len(d.amounts)}
    answer.message = "这是一条对接记录：在聊天里发送即可生成确认卡片（/log）。"


def _tour(answer: Answer, ctx: Context) -> None:
    answer.message = "这是考察行程请求：用 /tour 加来访者情况规划行程（天数、到达、陪同、日期）。"
    _materials(answer, ctx)


BUILDERS = {"event": _events, "policy": _policies, "project": _projects, "resource": _resources,
            "problem": _problems, "brief": _brief, "profile": _profile, "say": _materials, "whom": _people,
            "meeting": _meeting, "tour": _tour}

__all__ = [
    "LABELS",
    "Answer",
    "Context",
    "Item",
    "Section",
    "ask",
    "brief_sections",
    "event_item",
    "events_for",
    "policies_for",
    "policy_item",
    "project_item",
    "resource_item",
]
