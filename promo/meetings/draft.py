"""The meeting draft: a card being confirmed, a step-by-step form, or a saved meeting being
edited, with every change it can undergo as a method, and its JSON form (kept in the officer's
`user_data` by the bot, so a half-confirmed card survives a restart, even a kill -9).

The handler only translates: a button or a typed value becomes one method call, and the screen
to show follows from the draft (`screen()`): an open question, the form's step, the field being
asked, or the card.

JSON layout (the same keys as before the draft was a class, so stored drafts still load):
    {"tok": "Ab3x_k", "mode": "card" | "form", "step": form step or None, "lang": "zh" | "en",
     "f": {field: value, ...}, "assumed": ["meeting_date"], "q": [question, ...],
     "project": None | {"id": 3} | {"new": "name"}, "await": field or None, "typed": bool,
     "kind": "draft" | "edit", "id", "version", "orig" (edits), "auto_chains": [...]}
A question is {"field", "prompt", "labels", "values"}; dates are ISO strings.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

from promo.store.db import parse_id
from promo.meetings.parse import MeetingDraft, date_label, money_label
from promo.meetings.store import STAGE_LABELS
from promo.store.tables import Meeting

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
# The step-by-step form (/log alone): its steps and the field each one asks for.
FORM_STEPS = ("company", "date", "topic", "amount", "followup")
STEP_FIELD = {"company": "company", "date": "meeting_date", "topic": "topic", "amount": "amount",
              "followup": "followup_date"}
# Values a button may set directly (the rest are typed or chosen from a question).
BUTTON_FIELDS = ("meeting_date", "followup_date", "stage")


def _token() -> str:
    return secrets.token_urlsafe(4)          # 6 url-safe characters, no ':' (callback codec)


def iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def as_date(v: Any) -> dt.date | None:
    if v is None or v == "":
        return None
    return v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))


def question_json(q) -> dict:
    """A parser Question as JSON; company choices keep (id or None, label)."""
    values: list[Any]
    if q.field == "company":
        values = [[c if c != label else None, label] for c, label in zip(q.choices, q.labels, strict=False)]
    elif q.field in DATE_FIELDS:
        values = [iso(c) for c in q.choices]
    else:
        values = [int(c) for c in q.choices]
    return {"field": q.field, "prompt": q.prompt, "labels": list(q.labels), "values": values}


def question_field(q: dict) -> str:
    """The card field a question fills ("amount_yuan" is the amount)."""
    return "amount" if q["field"] in ("amount", "amount_yuan") else q["field"]


@dataclass
class Draft:
    tok: str = field(default_factory=_token)
    mode: str = "card"                     # card | form
    step: str | None = None                # the form's current step
    lang: str = "zh"
    f: dict = field(default_factory=dict)  # field → value (JSON: dates as ISO strings)
    assumed: list[str] = field(default_factory=list)    # fields filled by default (today)
    q: list[dict] = field(default_factory=list)         # open questions, first asked first
    project: dict | None = None            # chosen on the card: {"id": 3} | {"new": "name"}
    awaiting: str | None = None            # the field whose value the bot waits for
    typed: bool = False                    # the officer chose to type instead of pressing
    kind: str = "draft"                    # draft (not saved yet) | edit (a saved meeting)
    id: int | None = None                  # edit: the meeting
    version: int | None = None             # edit: the version shown (optimistic locking)
    orig: dict | None = None               # edit: the fields as saved
    auto_chains: list[str] | None = None   # chains filled from the company, not chosen

    # ------------------------------------------------------------------ making one
    @classmethod
    def form(cls) -> Draft:
        """/log alone: the step-by-step form, starting with the company."""
        return cls(mode="form", step="company", f={"stage": "contact", "chain_ids": []})

    @classmethod
    def from_parse(cls, d: MeetingDraft, today: dt.date, mode: str = "card") -> Draft:
        draft = cls(mode=mode, lang=d.language)
        f = draft.f
        f["raw"] = d.raw
        for name in ("place", "company", "company_id", "person", "title", "topic", "next_step",
                     "currency", "amount_kind", "stage"):
            f[name] = getattr(d, name)
        f["chain_ids"] = list(d.chain_ids)
        f["amount"], f["amount_yuan"], f["amount_approx"] = d.amount, d.amount_yuan, d.amount_approx
        f["meeting_date"], f["followup_date"] = iso(d.meeting_date), iso(d.followup_date)
        draft.q = [question_json(q) for q in d.questions]
        asked = {q["field"] for q in draft.q}
        if f["meeting_date"] is None and "meeting_date" not in asked:
            # the log is written right after the meeting: default to today, and say so on the card
            f["meeting_date"] = today.isoformat()
            draft.assumed.append("meeting_date")
        return draft

    @classmethod
    def edit_of(cls, m: Meeting) -> Draft:
        f = meeting_fields(m)
        return cls(kind="edit", id=m.id, version=m.version, f=f, orig=dict(f))

    # ------------------------------------------------------------------ JSON
    def to_json(self) -> dict:
        out = dataclasses.asdict(self)
        out["await"] = out.pop("awaiting")
        return out

    @classmethod
    def from_json(cls, data: dict | None) -> Draft | None:
        if not data:
            return None
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["awaiting"] = data.get("await")
        kwargs["kind"] = data.get("kind") or "draft"
        kwargs["typed"] = bool(data.get("typed"))
        return cls(**kwargs)

    # ------------------------------------------------------------------ reading
    @property
    def is_edit(self) -> bool:
        return self.kind == "edit"

    @property
    def subject(self) -> str:
        """What a new project would be named after: the topic, else the company."""
        return (self.f.get("topic") or self.f.get("company") or "").strip()

    def lines(self, lib: Any = None) -> list[dict]:
        return card_lines(self.f, lib, self.assumed)

    def changes(self) -> dict:
        """An edit's fields that differ from the saved meeting."""
        return {k: v for k, v in self.f.items() if (self.orig or {}).get(k) != v}

    def screen(self) -> tuple[str, Any]:
        """The screen the draft is at: ("question", q) · ("form", step) · ("ask", field) ·
        ("card", None). A question or a form step also sets the field the bot waits for."""
        if self.q:
            self.awaiting = question_field(self.q[0])
            return "question", self.q[0]
        if self.mode == "form" and self.step:
            self.awaiting = STEP_FIELD[self.step]
            return "form", self.step
        if self.awaiting:
            return "ask", self.awaiting
        return "card", None

    # ------------------------------------------------------------------ changes
    def set_fields(self, changes: dict) -> None:
        self.f.update(changes)
        self.assumed = [name for name in self.assumed if name not in changes]
        if {"company", "company_id", "topic"} & changes.keys():
            self.project = None            # the project follows the company unless re-chosen

    def answer_question(self, index: int) -> bool:
        """Apply choice `index` of the first open question; False when there is no such choice."""
        if not self.q:
            return False
        q = self.q[0]
        if not 0 <= index < len(q["values"]):
            return False
        value = q["values"][index]
        if q["field"] == "company":
            self.set_fields({"company_id": value[0], "company": value[1]})
        elif q["field"] in ("amount_yuan", "amount"):
            currency = self.f.get("currency") or "CNY"
            self.set_fields({"amount": value, "amount_yuan": value if currency == "CNY" else None,
                             "currency": currency,
                             "amount_kind": self.f.get("amount_kind") or "investment"})
        else:
            self.set_fields({q["field"]: value})
        self.q.pop(0)
        return True

    def put_question(self, question: dict, field_name: str) -> None:
        """A typed value needs a question: it replaces the one asked for this field, or goes first."""
        if self.q and question_field(self.q[0]) == field_name:
            self.q[0] = question
        else:
            self.q.insert(0, question)

    def typed_answer(self, field_name: str) -> None:
        """A typed value answered the open question for this field (if one was open)."""
        if self.q and question_field(self.q[0]) == field_name:
            self.q.pop(0)

    def ask(self, field_name: str) -> bool:
        """✏️ on the card: wait for a value of this field. False for an unknown field."""
        if field_name not in (*FIELDS, "project"):
            return False
        self.awaiting = field_name
        return True

    def back(self) -> None:
        self.awaiting = None

    def type_instead(self) -> None:
        """✏️ 手动输入 on a question: drop it and wait for the value to be typed."""
        self.awaiting = question_field(self.q.pop(0))
        if self.mode == "form" and self.step and STEP_FIELD[self.step] == self.awaiting:
            self.typed = True

    def type_date(self) -> bool:
        """The form's 其他日期: ask to type a date; False when it is asked already."""
        if self.typed:
            return False
        self.typed = True
        return True

    def skip_step(self) -> None:
        """跳过 on a form step."""
        if self.step:
            self.advance_form(STEP_FIELD[self.step])
            self.awaiting = None
            self.typed = False

    def advance_form(self, field_name: str) -> None:
        """After a value for the form's current step: go to the next step (or to the card)."""
        if self.mode != "form" or not self.step or STEP_FIELD[self.step] != field_name:
            return
        i = FORM_STEPS.index(self.step)
        if i + 1 < len(FORM_STEPS):
            self.step = FORM_STEPS[i + 1]
        else:
            self.mode, self.step = "card", None

    def got_value(self, field_name: str, *, keep_asking: bool = False) -> bool:
        """A field got a value: leave the asking screen and move the form on. True when the
        change is to be written now (a saved meeting with no question left open)."""
        if not keep_asking:
            self.awaiting = None
            self.typed = False
        self.advance_form(field_name)
        return self.is_edit and not self.q

    def toggle_chain(self, chain_id: str) -> None:
        chains = list(self.f.get("chain_ids") or [])
        chains.remove(chain_id) if chain_id in chains else chains.append(chain_id)
        self.set_fields({"chain_ids": chains})

    def choose_project(self, choice: str) -> None:
        """"new" (a new project named after the subject) or a project id."""
        name = (self.f.get("topic") or self.f.get("company") or "")[:200]
        project_id = parse_id(choice)        # ASCII digits within the database's range, else None
        self.project = {"new": name} if choice == "new" else {"id": project_id} if project_id else None
        self.awaiting = None

    def saved_as(self, m: Meeting) -> None:
        """An edit was written (or found changed by someone else): show the meeting as it is now."""
        self.version, self.f, self.orig = m.version, meeting_fields(m), meeting_fields(m)

    def undo(self) -> None:
        """An edit that could not be written: back to the saved fields."""
        self.f = dict(self.orig or {})

    def store_fields(self) -> dict:
        """The draft's fields as `MeetingStore.add` takes them."""
        f = self.f
        out = {k: f.get(k) for k in ("raw", "place", "company", "company_id", "person", "title",
                                     "topic", "next_step", "stage", "currency", "amount_kind")}
        out["chain_ids"] = list(f.get("chain_ids") or [])
        out["meeting_date"] = as_date(f.get("meeting_date"))
        out["followup_date"] = as_date(f.get("followup_date"))
        out["amount"], out["amount_yuan"] = f.get("amount"), f.get("amount_yuan")
        if out["amount"] is None and out["amount_yuan"] is None:
            out["currency"] = out["amount_kind"] = None
        out["stage"] = out["stage"] or "contact"
        return out


@dataclass
class MeetingForms:
    """An officer's open meeting items: at most one new draft and one edit of a saved meeting,
    and which of them was shown last (a typed value goes there)."""

    draft: Draft | None = None
    edit: Draft | None = None
    active: str | None = None              # "draft" | "edit"

    def to_json(self) -> dict:
        return {"draft": self.draft.to_json() if self.draft else None,
                "edit": self.edit.to_json() if self.edit else None, "active": self.active}

    @classmethod
    def from_json(cls, data: dict | None) -> MeetingForms:
        data = data or {}
        return cls(Draft.from_json(data.get("draft")), Draft.from_json(data.get("edit")), data.get("active"))

    def item(self, tok: str) -> Draft | None:
        """The draft or edit a button's token names; None for an old card."""
        return next((it for it in (self.draft, self.edit) if it and it.tok == tok), None)

    def put(self, item: Draft) -> Draft:
        if item.is_edit:
            self.edit = item
        else:
            self.draft = item
        return item

    def shown(self, item: Draft) -> None:
        self.active = "edit" if item.is_edit else "draft"

    def drop(self, item: Draft) -> None:
        if item.is_edit:
            self.edit = None
        else:
            self.draft = None

    def clear(self) -> bool:
        """/cancel: drop everything; True when something was open."""
        had = bool(self.draft or self.edit)
        self.draft = self.edit = self.active = None
        return had

    def waiting(self) -> Draft | None:
        """The item a typed value is for: the one shown last if it waits, else any that waits."""
        last = self.edit if self.active == "edit" else self.draft
        if last and last.awaiting:
            return last
        return next((it for it in (self.draft, self.edit) if it and it.awaiting), None)

    def state(self) -> str | None:
        """"text" while a value is awaited, "card" while only a card is open, else None."""
        items = [it for it in (self.draft, self.edit) if it]
        return "text" if any(it.awaiting for it in items) else "card" if items else None


# ---------------------------------------------------------------------- the card's lines

def meeting_fields(m: Meeting) -> dict:
    """A saved meeting in the draft's field layout (for the same card)."""
    f = {k: getattr(m, k) for k in ("raw", "place", "company", "company_id", "person", "title",
                                    "topic", "next_step", "stage", "currency", "amount_kind",
                                    "amount", "amount_yuan")}
    f["chain_ids"] = list(m.chain_ids or [])
    f["meeting_date"], f["followup_date"] = iso(m.meeting_date), iso(m.followup_date)
    f["amount_approx"] = False
    return f


def _amount_text(f: dict) -> str | None:
    value = f.get("amount") if f.get("amount") is not None else f.get("amount_yuan")
    if value is None:
        return None
    text = ("约" if f.get("amount_approx") else "") + money_label(int(value), f.get("currency") or "CNY", "zh")
    kind = KIND_LABELS.get(f.get("amount_kind") or "")
    return f"{text}（{kind}）" if kind else text


def _line_value(key: str, f: dict, lib: Any, assumed) -> str | None:
    if key in DATE_FIELDS:
        d = as_date(f.get(key))
        value = date_label(d, "zh") if d else None
        return value + " · 未写明，按今天记" if value and key in assumed else value
    if key == "chain_ids":
        return "、".join(lib.chain_name(c) if lib else c for c in f.get("chain_ids") or []) or None
    if key == "amount":
        return _amount_text(f)
    if key == "stage":
        return STAGE_LABELS.get(f.get("stage") or "contact")
    if key == "company":
        value = f.get("company")
        return value + " ✓名单企业" if value and f.get("company_id") else value
    return f.get(key)


def card_lines(f: dict, lib: Any = None, assumed=(), lang: str = "zh") -> list[dict]:
    """Every field of the card as {"key", "label", "value"} (value None when empty)."""
    return [{"key": key, "label": LABELS[key], "value": _line_value(key, f, lib, assumed)} for key in FIELDS]
