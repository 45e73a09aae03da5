"""What the chat does with meetings, in plain Python (no Telegram): the handlers call this.

- `looks_like_meeting(text)`: is a free text a meeting report ("今天在北京见了飞鹤张总…") rather than
  a visitor profile ("飞鹤乳业 副总 北京 奶粉")? Decides which feature answers a plain message.
- Drafts: the parsed message as a JSON-able dict (ISO dates) the bot keeps in `user_data`, so
  a half-confirmed meeting survives a restart. Questions the parser raised (ambiguous date,
  amount, two companies) travel with the draft and are asked before the card.
- `MeetingService`: the confirmation card's data (every field, the duplicate-contact warning,
  the project the meeting will join), typed corrections of one field, saving (project, then the
  meeting; committed before it returns), edits of saved meetings, follow-ups and nudges,
  the Excel export, project look-ups and capital.

Draft layout (all JSON):
    {"tok": "Ab3x_k", "mode": "card" | "form", "step": form step or None, "lang": "zh" | "en",
     "f": {field: value, ...}, "assumed": ["meeting_date"], "q": [question, ...],
     "project": None | {"id": 3} | {"new": "name"}}
"""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from promo.db import NotFound, PermissionDenied
from promo.meetings.amounts import parse_amounts
from promo.meetings.dates import impossible_dates, parse_dates
from promo.meetings.export import export_xlsx
from promo.meetings.followups import FollowUps, Nudge, keep_in_touch
from promo.meetings.funnel import ProjectStore, ProjectView, month_bounds
from promo.meetings.parse import (MeetingDraft, amount_out_of_range, confirm_amount, confirm_date,
                                  date_label, date_out_of_range, money_label, parse_meeting)
from promo.meetings.resolver import MatcherResolver
from promo.meetings.store import (STAGE_LABELS, MeetingStore, PriorContact, company_key,
                                  normalise_stage)
from promo.tables import Meeting, Project

__all__ = ["looks_like_meeting", "MeetingService", "FieldInput", "SaveResult", "FIELDS", "LABELS",
           "new_draft", "draft_from_parse", "store_fields", "answer_question", "set_fields",
           "card_lines", "meeting_fields", "parse_capital", "parse_range", "export_filename",
           "DUPLICATE_DAYS"]

DUPLICATE_DAYS = 90
TODO_WINDOW_DAYS = 7          # /todo lists follow-ups up to this many days ahead

# The card's fields, in the order shown; "amount" stands for amount/amount_yuan/currency/kind.
FIELDS = ("meeting_date", "place", "company", "person", "title", "chain_ids", "amount", "stage",
          "topic", "next_step", "followup_date")
LABELS = {"meeting_date": "日期", "place": "地点", "company": "企业", "person": "人员",
          "title": "职务", "chain_ids": "产业链", "amount": "金额", "stage": "阶段",
          "topic": "洽谈内容", "next_step": "下一步", "followup_date": "回访日期",
          "project": "项目"}
AMOUNT_KEYS = ("amount", "amount_yuan", "currency", "amount_kind", "amount_approx")
DATE_FIELDS = ("meeting_date", "followup_date")
KIND_LABELS = {"investment": "投资", "domestic": "内资", "foreign": "外资", "in_place": "到位资金"}
# Typed to clear a field.
_CLEAR = re.compile(r"^\s*(?:无|没有|空|清除|删除|删掉|不详|-|—|/|none|n/?a|clear|0)\s*$", re.I)


# --------------------------------------------------------------------------- routing

_VERB = re.compile(
    r"见了|见到|见过|会见|拜访|拜会|走访|洽谈|商谈|会谈|座谈|对接了|对接过|对接|签约|签了|签订|来访|接待了?|约见|见面|"
    r"碰面|宴请|回访了|"
    r"(?i:\bmet\b|\bvisited\b|\bmeeting with\b|\btalked (?:to|with)\b|\bspoke (?:to|with)\b"
    r"|\bsigned\b|\bhosted\b|\bhad (?:a |an )?(?:meeting|call|dinner|lunch|talk) with\b)")
# A question about whom to ask or what to show is a profile query, even with a verb in it
# ("找谁对接飞鹤", "怎么对接伊利？").
_QUERY = re.compile(r"找谁|怎么|如何|谁能|谁可以|有没有|哪些|哪个|哪家|推荐|[?？]\s*$|吗\s*$"
                    r"|(?i:^\s*(?:who|how|which|what)\b)")


def looks_like_meeting(text: str, today: dt.date | None = None) -> bool:
    """A meeting verb plus at least one fact of a meeting (a date, an amount, a company or a
    person), and not a question. Profiles ("飞鹤乳业 副总 北京 奶粉") have no meeting verb."""
    t = (text or "").strip()
    if not t or t.startswith("/") or len(t) > 2000 or not _VERB.search(t):
        return False
    d = parse_meeting(t, today or dt.date.today())
    if _QUERY.search(t) and not d.dates:
        return False
    return bool(d.dates or d.amounts or d.person or d.company)


# --------------------------------------------------------------------------- drafts

def _token() -> str:
    return secrets.token_urlsafe(4)          # 6 url-safe characters, no ':' (callback codec)


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _date(v: Any) -> dt.date | None:
    if v is None or v == "":
        return None
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))


def new_draft(mode: str = "card", lang: str = "zh") -> dict:
    return {"tok": _token(), "mode": mode, "step": None, "lang": lang, "f": {}, "assumed": [],
            "q": [], "project": None}


def _question(q) -> dict:
    """A parser Question as JSON; company choices keep (id or None, label)."""
    if q.field == "company":
        values: list[Any] = [[c if c != label else None, label] for c, label in zip(q.choices, q.labels, strict=False)]
    elif q.field in DATE_FIELDS:
        values = [_iso(c) for c in q.choices]
    else:
        values = [int(c) for c in q.choices]
    return {"field": q.field, "prompt": q.prompt, "labels": list(q.labels), "values": values}


def draft_from_parse(d: MeetingDraft, today: dt.date, mode: str = "card") -> dict:
    draft = new_draft(mode, d.language)
    f = draft["f"]
    f["raw"] = d.raw
    for name in ("place", "company", "company_id", "person", "title", "topic", "next_step",
                 "currency", "amount_kind", "stage"):
        f[name] = getattr(d, name)
    f["chain_ids"] = list(d.chain_ids)
    f["amount"], f["amount_yuan"], f["amount_approx"] = d.amount, d.amount_yuan, d.amount_approx
    f["meeting_date"], f["followup_date"] = _iso(d.meeting_date), _iso(d.followup_date)
    draft["q"] = [_question(q) for q in d.questions]
    asked = {q["field"] for q in draft["q"]}
    if f["meeting_date"] is None and "meeting_date" not in asked:
        # the log is written right after the meeting: default to today, and say so on the card
        f["meeting_date"] = today.isoformat()
        draft["assumed"].append("meeting_date")
    return draft


def set_fields(draft: dict, changes: dict) -> None:
    draft["f"].update(changes)
    for name in changes:
        if name in draft["assumed"]:
            draft["assumed"].remove(name)
    if {"company", "company_id", "topic"} & changes.keys():
        draft["project"] = None            # the project follows the company unless re-chosen


def answer_question(draft: dict, index: int) -> bool:
    """Apply choice `index` of the first open question; False when there is no such choice."""
    if not draft["q"]:
        return False
    q = draft["q"][0]
    if not 0 <= index < len(q["values"]):
        return False
    value = q["values"][index]
    if q["field"] == "company":
        set_fields(draft, {"company_id": value[0], "company": value[1]})
    elif q["field"] in ("amount_yuan", "amount"):
        currency = draft["f"].get("currency") or "CNY"
        set_fields(draft, {"amount": value, "amount_yuan": value if currency == "CNY" else None,
                           "currency": currency,
                           "amount_kind": draft["f"].get("amount_kind") or "investment"})
    else:
        set_fields(draft, {q["field"]: value})
    draft["q"].pop(0)
    return True


def store_fields(draft: dict) -> dict:
    """The draft's fields as `MeetingStore.add` takes them."""
    f = draft["f"]
    out = {k: f.get(k) for k in ("raw", "place", "company", "company_id", "person", "title",
                                 "topic", "next_step", "stage", "currency", "amount_kind")}
    out["chain_ids"] = list(f.get("chain_ids") or [])
    out["meeting_date"] = _date(f.get("meeting_date"))
    out["followup_date"] = _date(f.get("followup_date"))
    out["amount"], out["amount_yuan"] = f.get("amount"), f.get("amount_yuan")
    if out["amount"] is None and out["amount_yuan"] is None:
        out["currency"] = out["amount_kind"] = None
    out["stage"] = out["stage"] or "contact"
    return out


def meeting_fields(m: Meeting) -> dict:
    """A saved meeting in the draft's field layout (for the same card)."""
    f = {k: getattr(m, k) for k in ("raw", "place", "company", "company_id", "person", "title",
                                    "topic", "next_step", "stage", "currency", "amount_kind",
                                    "amount", "amount_yuan")}
    f["chain_ids"] = list(m.chain_ids or [])
    f["meeting_date"], f["followup_date"] = _iso(m.meeting_date), _iso(m.followup_date)
    f["amount_approx"] = False
    return f


def _amount_text(f: dict, lang: str = "zh") -> str | None:
    value = f.get("amount") if f.get("amount") is not None else f.get("amount_yuan")
    if value is None:
        return None
    text = ("约" if f.get("amount_approx") else "") + money_label(int(value), f.get("currency") or "CNY", "zh")
    kind = KIND_LABELS.get(f.get("amount_kind") or "")
    return f"{text}（{kind}）" if kind else text


def card_lines(f: dict, lib: Any = None, assumed: list[str] = (), lang: str = "zh") -> list[dict]:  # type: ignore[assignment]  # read only
    """Every field of the card as {"key", "label", "value"} (value None when empty)."""
    lines = []
    for key in FIELDS:
        if key in DATE_FIELDS:
            d = _date(f.get(key))
            value = date_label(d, "zh") if d else None
            if value and key in assumed:
                value += " · 未写明，按今天记"
        elif key == "chain_ids":
            ids = f.get("chain_ids") or []
            value = "、".join(lib.chain_name(c) if lib else c for c in ids) or None
        elif key == "amount":
            value = _amount_text(f, lang)
        elif key == "stage":
            value = STAGE_LABELS.get(f.get("stage") or "contact")
        elif key == "company":
            value = f.get("company")
            if value and f.get("company_id"):
                value += " ✓名单企业"
        else:
            value = f.get(key)
        lines.append({"key": key, "label": LABELS[key], "value": value})
    return lines


# --------------------------------------------------------------------------- typed values

@dataclass
class FieldInput:
    """What a typed value for one field means: changes to apply, or a question to ask (two
    readings), or an error to show (not understood)."""

    changes: dict | None = None
    question: dict | None = None
    error: str | None = None


def _confirm(q) -> dict:
    """A parser confirmation `Question` (one value outside the bounds) in the draft layout."""
    return _question(q)


def _checked_date(name: str, value: dt.date, text: str, today: dt.date) -> FieldInput:
    if date_out_of_range(value, today):
        return FieldInput(question=_confirm(confirm_date(name, value, text, "zh")))
    return FieldInput({name: value.isoformat()})


def _date_input(name: str, text: str, today: dt.date) -> FieldInput:
    t = text.strip()
    try:
        return _checked_date(name, dt.date.fromisoformat(t), t, today)
    except ValueError:
        pass
    # the field says which date it is: a cue word after the text lets the date parser read
    # "12月3日" / "周五" as the past meeting day or the coming follow-up day
    cue = "见了" if name == "meeting_date" else "回访"
    mentions = parse_dates(f"{t} {cue}", today)
    if not mentions:
        if impossible_dates(t, today):
            return FieldInput(error=f"「{t}」不是有效日期，请写成 11月20日、昨天、下周三 或 2026-11-20。")
        return FieldInput(error="没看懂这个日期，请写成 11月20日、昨天、下周三 或 2026-11-20。")
    m = mentions[0]
    if m.value is not None:
        return _checked_date(name, m.value, m.text, today)
    if m.candidates:
        return FieldInput(question={"field": name, "prompt": f"「{m.text}」指的是哪一天？",
                                    "labels": [date_label(c, "zh") for c in m.candidates],
                                    "values": [c.isoformat() for c in m.candidates]})
    return FieldInput(error="没看懂这个日期。")


def _amount_input(text: str) -> FieldInput:
    t = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", t):
        # a bare number on a phone is most often 万元 ("5000" → 5000万元); ask, never guess
        n = float(t)
        values = [int(round(n * 10 ** 4)), int(round(n))]
        return FieldInput(question={"field": "amount_yuan", "prompt": f"「{t}」是多少？",
                                    "labels": [money_label(v, "CNY", "zh") for v in values],
                                    "values": values})
    found = parse_amounts(t)
    if not found:
        return FieldInput(error="没看懂这个金额，请写成 5000万、3.5亿 或 RMB 200 million。")
    a = found[0]
    base = {"currency": a.currency, "amount_kind": a.kind, "amount_approx": a.approx}
    if a.ambiguous:
        labels = [money_label(c, a.currency, "zh") for c in a.candidates]
        field_name = "amount_yuan" if a.currency == "CNY" else "amount"
        return FieldInput(changes=base, question={"field": field_name, "prompt": f"「{a.text}」是{'还是'.join(labels)}？",
                                                  "labels": labels, "values": list(a.candidates)})
    if amount_out_of_range(a.amount):
        field_name = "amount_yuan" if a.currency == "CNY" else "amount"
        return FieldInput(changes=base, question=_confirm(
            confirm_amount(field_name, a.amount, a.currency, a.text, "zh")))  # type: ignore[arg-type]  # out of range: not None
    return FieldInput({**base, "amount": a.amount, "amount_yuan": a.yuan})


# --------------------------------------------------------------------------- results

@dataclass
class SaveResult:
    meeting: Meeting
    project: Project | None
    project_created: bool = False
    duplicate: bool = False        # an identical meeting had already been saved: not saved again


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


@dataclass
class Todo:
    due_today: list[Meeting] = field(default_factory=list)
    overdue: list[Meeting] = field(default_factory=list)
    upcoming: list[Meeting] = field(default_factory=list)
    nudges: list[Nudge] = field(default_factory=list)
    later: list[Meeting] = field(default_factory=list)      # open, after the window
    window_days: int = TODO_WINDOW_DAYS


# --------------------------------------------------------------------------- the service

class MeetingService:
    """Orchestration over the stores for one `promo.services.Services`."""

    def __init__(self, services: Any) -> None:
        self.svc = services
        self.followups = FollowUps(services.db, tz=services.settings.timezone)

    @property
    def meetings(self) -> MeetingStore:
        return self.svc.meetings

    @property
    def projects(self) -> ProjectStore:
        return self.svc.projects

    @property
    def library(self):
        return self.svc.library

    def resolver(self) -> MatcherResolver:
        return MatcherResolver(self.svc.matcher)   # per call: the matcher changes on reload

    # ----------------------------------------------------------------------- drafts

    def draft_from_text(self, text: str, today: dt.date) -> dict:
        resolver = self.resolver()
        draft = draft_from_parse(parse_meeting(text.strip(), today, resolver), today)
        if draft["f"]["chain_ids"] and not resolver.find_chains(text.strip()):
            draft["auto_chains"] = list(draft["f"]["chain_ids"])    # the company's, not said
        return draft

    def fill_chains(self, draft: dict) -> None:
        """A known company and no chain chosen yet: the company's chains from the lists (the
        step-by-step form asks for the company only, "Met COFCO VP Li…" names no product)."""
        f = draft["f"]
        chains = list(f.get("chain_ids") or [])
        auto = draft.get("auto_chains")
        if chains and chains != auto:
            return                       # chosen (or said) by the officer: never overwritten
        # empty, or filled here for the company before: follow the company
        f["chain_ids"] = self.resolver().company_chains(f["company_id"]) if f.get("company_id") else []
        draft["auto_chains"] = list(f["chain_ids"])

    def company_choices(self, text: str) -> list[tuple[str | None, str]]:
        """Known companies named in `text` (id, list name), best first; else the text itself."""
        hits = sorted(self.resolver().find_company(text), key=lambda h: -h[4])
        out: list[tuple[str | None, str]] = list(dict.fromkeys((h[0], h[1]) for h in hits))
        return out[:4]

    def parse_field(self, name: str, text: str, today: dt.date) -> FieldInput:
        """A value typed for one field → changes (draft layout), a question, or an error."""
        text = (text or "").strip()[:1000]
        if not text:
            return FieldInput(error="请输入内容。")
        if _CLEAR.match(text) and name not in ("meeting_date", "stage"):
            if name == "amount":
                return FieldInput({k: None for k in AMOUNT_KEYS[:4]} | {"amount_approx": False})
            if name == "company":
                return FieldInput({"company": None, "company_id": None})
            return FieldInput({name: [] if name == "chain_ids" else None})
        if name in DATE_FIELDS:
            return _date_input(name, text, today)
        if name == "amount":
            return _amount_input(text)
        if name == "company":
            choices = self.company_choices(text)
            exact = [c for c in choices if company_key(c[1]) == company_key(text)]
            if len(choices) == 1 or exact:
                cid, label = (exact or choices)[0]
                return FieldInput({"company": label, "company_id": cid})
            if len(choices) > 1:
                values = [[cid, label] for cid, label in choices] + [[None, text]]
                return FieldInput(question={"field": "company", "prompt": "说的是哪家企业？",
                                            "labels": [label for _, label in choices] + [f"就写「{text}」"],
                                            "values": values})
            return FieldInput({"company": text, "company_id": None})
        if name == "stage":
            try:
                return FieldInput({"stage": normalise_stage(text)})
            except ValueError:
                return FieldInput(error="阶段请选 对接 / 签约 / 入统 / 开工。")
        if name == "chain_ids":
            ids = self.resolver().find_chains(text)
            if not ids:
                return FieldInput(error="没找到这个产业链，请点选下方按钮。")
            return FieldInput({"chain_ids": ids})
        if name == "place":
            places = self.resolver().find_place(text)
            return FieldInput({"place": places[0][0] if places and places[0][2] - places[0][1] == len(text) else text})
        return FieldInput({name: text})

    # ----------------------------------------------------------------------- the card

    def prior_contacts(self, f: dict, user: Any, today: dt.date) -> list[PriorContact]:
        """Other units' meetings with this company in the last 90 days, latest per officer."""
        company, cid = f.get("company"), f.get("company_id")
        if not company and not cid:
            return []
        found = self.meetings.recent_by_company(company or cid, today - dt.timedelta(days=DUPLICATE_DAYS),  # type: ignore[arg-type]  # one of them is set (above)
                                                exclude_unit=user.unit, company_id=cid)
        seen, out = set(), []
        for p in found:
            if p.user_id == user.user_id or (p.unit, p.user_id) in seen:
                continue
            seen.add((p.unit, p.user_id))
            out.append(p)
        return out[:3]

    def company_projects(self, f: dict, unit: str | None) -> list[Project]:
        """The unit's projects with the draft's company, most recently changed first."""
        if not unit:
            return []
        ckey, cid = company_key(f.get("company")), f.get("company_id")
        if not ckey and not cid:
            return []
        with self.svc.db.read() as s:
            rows = list(s.scalars(select(Project).where(Project.unit == unit)
                                  .order_by(Project.updated_at.desc(), Project.id.desc())))
        return [p for p in rows if (cid and p.company_id == cid) or (ckey and p.company_key == ckey)]

    def project_choice(self, draft: dict, unit: str | None) -> ProjectChoice:
        """The project the meeting will join: the one chosen on the card; else the unit's
        project with this company and subject (what `ProjectStore.find_or_create` would
        return); else the company's only project; else a new one named after the subject."""
        f = draft["f"]
        name = (f.get("topic") or f.get("company") or "").strip()
        if not unit or not name:
            return ProjectChoice("none")
        chosen = draft.get("project") or {}
        if chosen.get("id"):
            p = self.projects.get(chosen["id"])
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

    # ----------------------------------------------------------------------- saving

    def _already_saved(self, fields: dict, user: Any, now: dt.datetime) -> Meeting | None:
        """The same message saved by the same officer in the last day (a second ✅ on an old
        card after a restart, when the draft's removal was not yet persisted)."""
        for m in self.meetings.mine(user.user_id, limit=10):
            if (m.raw == fields.get("raw") and m.meeting_date == fields["meeting_date"]
                    and m.company == fields.get("company") and m.topic == fields.get("topic")
                    and m.amount == fields.get("amount") and m.person == fields.get("person")
                    and now - m.created_at < dt.timedelta(days=1)):
                return m
        return None

    def save(self, draft: dict, user: Any, now: dt.datetime) -> SaveResult:
        """Project first (found or created), then the meeting; each commits before returning,
        so when this returns the meeting is on disk. ValueError while the card still asks
        which project the meeting joins (the caller asks first)."""
        fields = store_fields(draft)
        if fields["meeting_date"] is None:
            fields["meeting_date"] = now.astimezone(self.svc.tz).date()
        if (dup := self._already_saved(fields, user, now)) is not None:
            view = self.projects.get(dup.project_id) if dup.project_id else None
            return SaveResult(dup, view.project if view else None, duplicate=True)
        choice = self.project_choice(draft, user.unit)
        if choice.kind == "ask":
            raise ValueError("the project is not chosen yet: same project or a new one")
        project, created = None, False
        if choice.kind == "existing":
            project = choice.project
        elif choice.kind == "new":
            before = {p.id for p in self.company_projects(draft["f"], user.unit)}
            project = self.projects.find_or_create(
                fields.get("company"), choice.name, user.unit, company_id=fields.get("company_id"),
                chain_ids=fields["chain_ids"], user=user, contact_date=fields["meeting_date"], now=now)
            created = project.id not in before
        meeting = self.meetings.add({**fields, "project_id": project.id if project else None}, user, now)
        self._settle_reminder(meeting, now)
        return SaveResult(meeting, project, created)

    def _settle_reminder(self, m: Meeting, now: dt.datetime) -> None:
        """A follow-up whose reminder time has already passed when it is logged (回访 today,
        logged in the afternoon) needs no reminder: the officer is looking at it, and /todo
        lists it. Recording it as sent keeps the restart scan from firing it late."""
        if m.followup_date is not None:
            when = self.followups.remind_time(m.followup_date)
            if when <= now:
                self.followups.reminder_sent(m.id, when, now)

    def reminder_for(self, m: Meeting) -> dt.datetime | None:
        return self.followups.remind_time(m.followup_date) if m.followup_date else None

    # ----------------------------------------------------------------------- saved meetings

    def open_meeting(self, meeting_id: int, user: Any) -> Meeting:
        """A meeting the user may change; NotFound / PermissionDenied otherwise."""
        m = self.meetings.get(meeting_id)
        if m is None:
            raise NotFound(f"meeting {meeting_id} not found")
        if not self.meetings.can_edit(m, user):
            raise PermissionDenied("only the author or a lead/admin of the same unit may change "
                                   "this meeting")
        return m

    def edit_meeting(self, meeting_id: int, changes: dict, user: Any, now: dt.datetime,
                     version: int) -> Meeting:
        changes = {k: v for k, v in changes.items() if k != "amount_approx"}
        if "company_id" in changes and "company" not in changes:
            changes.pop("company_id")
        m = self.meetings.edit(meeting_id, changes, user, now, expected_version=version)
        if "followup_date" in changes:
            self._settle_reminder(m, now)
        return m

    # ----------------------------------------------------------------------- follow-ups

    def todo(self, user: Any, today: dt.date) -> Todo:
        """Due today, overdue and the next `TODO_WINDOW_DAYS` days, plus the open follow-ups
        after that window (so an empty window never reads as "nothing to follow up")."""
        days = TODO_WINDOW_DAYS
        due_today, overdue, upcoming = self.followups.due(user.user_id, today, horizon_days=days)
        later = self.followups.later(user.user_id, today, horizon_days=days)
        return Todo(due_today, overdue, upcoming, self.nudges(user, today), later, days)

    @staticmethod
    def liaison_matches(person: Any, user: Any) -> bool:
        """Whose nudge is it: the person's liaison names the officer ("刘专员" in "北安市 刘专员")
        or the officer's unit ("北安市 刘主任" for any officer of 北安市). A sensitive person
        (ministry natives) only goes to the liaison named, never to the whole unit."""
        liaison = (person.liaison or "").strip()
        if not liaison:
            return False
        if user.display_name and len(user.display_name) >= 2 and user.display_name in liaison:
            return True
        if person.sensitive:
            return False
        unit = liaison.split()[0] if " " in liaison else None
        return bool(user.unit and unit and unit == user.unit)

    def nudges(self, user: Any, today: dt.date, limit: int = 5) -> list[Nudge]:
        people = [p for p in self.library.people if self.liaison_matches(p, user)]
        if not people:
            return []
        met = self.followups.meetings_by_person(people)
        return keep_in_touch(people, met, today, days=self.svc.settings.keep_in_touch_days)[:limit]

    # ----------------------------------------------------------------------- export

    def export(self, user: Any, start: dt.date, end: dt.date) -> tuple[bytes, int, str]:
        """(xlsx bytes, rows, file name): the user's meetings, or the unit's for a lead/admin."""
        if user.role in ("lead", "admin") and user.unit:
            rows = self.meetings.between(start, end, unit=user.unit)
        else:
            rows = self.meetings.between(start, end, user_id=user.user_id)
        buf = io.BytesIO()
        chains = {c.id: c.name for c in self.library.chains}
        n = export_xlsx(rows, buf, chain_names=chains, tz=self.svc.settings.timezone,
                        rates=self.svc.settings.fx)
        return buf.getvalue(), n, export_filename(start, end)

    # ----------------------------------------------------------------------- projects

    def find_projects(self, name: str, user: Any) -> list[Project]:
        """The user's unit's projects first, then other units' (shown read-only)."""
        own = self.projects.search(name, unit=user.unit, limit=8) if user.unit else []
        if own:
            return own
        return self.projects.search(name, limit=8)

    def project(self, project_id: int) -> ProjectView | None:
        return self.projects.get(project_id)

    def unit_projects(self, unit: str | None, limit: int = 8) -> list[Project]:
        """The unit's most recently changed projects."""
        if not unit:
            return []
        with self.svc.db.read() as s:
            return list(s.scalars(select(Project).where(Project.unit == unit)
                                  .order_by(Project.updated_at.desc(), Project.id.desc()).limit(limit)))


# --------------------------------------------------------------------------- small parsers

def export_filename(start: dt.date, end: dt.date) -> str:
    first, last = month_bounds(start)
    if (start, end) == (first, last):
        return f"对接记录_{start:%Y-%m}.xlsx"
    return f"对接记录_{start.isoformat()}_{end.isoformat()}.xlsx"


def parse_range(args: list[str], today: dt.date) -> tuple[dt.date, dt.date]:
    """`/export` → this month; `2026-11` → that month; `2026-11-01 2026-11-30` → that range.
    ValueError when unreadable."""
    if not args:
        return month_bounds(today)
    if len(args) == 1 and re.fullmatch(r"\d{4}-\d{1,2}", args[0]):
        return month_bounds(args[0])
    if len(args) == 2:
        start, end = (dt.date.fromisoformat(a) for a in args)
        if end < start:
            start, end = end, start
        return start, end
    if len(args) == 1:
        d = dt.date.fromisoformat(args[0])
        return d, d
    raise ValueError("use: /export [YYYY-MM-DD YYYY-MM-DD]")


_CAPITAL = re.compile(r"(?P<origin>内资|外资)\s*(?P<measure>到位|协议|签约|合同)")
_CAPITAL_COLS = {("内资", "到位"): "domestic_in_place", ("外资", "到位"): "foreign_in_place",
                 ("内资", "协议"): "domestic_agreed", ("外资", "协议"): "foreign_agreed",
                 ("内资", "签约"): "domestic_agreed", ("外资", "签约"): "foreign_agreed",
                 ("内资", "合同"): "domestic_agreed", ("外资", "合同"): "foreign_agreed"}


def parse_capital(text: str) -> tuple[int, dict[str, tuple[int, bool]]]:
    """`3 内资到位 5000万 外资协议 +1亿` → (3, {"domestic_in_place": (50000000, False),
    "foreign_agreed": (100000000, True)}): the cumulative figure, or an increase with '+'.
    ValueError when unreadable."""
    m = re.match(r"\s*#?(\d+)\s+(.+)$", text or "", re.S)
    if not m:
        raise ValueError("project id and figures expected")
    pid, rest = int(m.group(1)), m.group(2)
    heads = list(_CAPITAL.finditer(rest))
    if not heads:
        raise ValueError("no 内资/外资 到位/协议 figure")
    out: dict[str, tuple[int, bool]] = {}
    for i, h in enumerate(heads):
        seg = rest[h.end(): heads[i + 1].start() if i + 1 < len(heads) else len(rest)]
        add = seg.strip().startswith("+")
        amounts = [a for a in parse_amounts(seg.replace("+", " ")) if a.currency == "CNY"]
        if not amounts or amounts[0].yuan is None:
            raise ValueError("amount not understood")
        out[_CAPITAL_COLS[(h["origin"], h["measure"])]] = (amounts[0].yuan, add)
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


def person_label(person: str | None, title: str | None) -> str:
    """张 + 总 → 张总; 冷友斌 + 董事长 → 冷友斌 董事长; Li + VP → VP Li."""
    person, title = (person or "").strip(), (title or "").strip()
    if not title or person.endswith(title):          # 张总经理 + 总经理 → 张总经理
        return person
    if not person:
        return title
    if re.match(r"[A-Za-z]", person):
        return f"{title} {person}"
    return person + title if len(person) == 1 else f"{person} {title}"


__all__ += ["ProjectChoice", "Todo", "person_label", "names_other_project", "capital_without_agreement"]
