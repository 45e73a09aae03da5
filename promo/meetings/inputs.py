"""Typed values for one field of a meeting card (the officer answers "金额？" with "3.5亿"), and
the drafts made from a text: what a value means — changes, a question (two readings), or an
error to show. No Telegram here."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from promo.meetings.amounts import parse_amounts
from promo.meetings.dates import impossible_dates, parse_dates
from promo.meetings.draft import AMOUNT_KEYS, DATE_FIELDS, Draft, question_json
from promo.meetings.parse import (amount_out_of_range, confirm_amount, confirm_date, date_label,
                                  date_out_of_range, money_label, parse_meeting)
from promo.meetings.resolver import MatcherResolver
from promo.meetings.store import company_key, normalise_stage

# Typed to clear a field.
_CLEAR = re.compile(r"^\s*(?:无|没有|空|清除|删除|删掉|不详|-|—|/|none|n/?a|clear|0)\s*$", re.I)


@dataclass
class FieldInput:
    """What a typed value for one field means: changes to apply, or a question to ask (two
    readings), or an error to show (not understood)."""

    changes: dict | None = None
    question: dict | None = None
    error: str | None = None


def _confirm(q) -> dict:
    """A parser confirmation `Question` (one value outside the bounds) in the draft layout."""
    return question_json(q)


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
    if a.amount is not None and amount_out_of_range(a.amount):
        field_name = "amount_yuan" if a.currency == "CNY" else "amount"
        return FieldInput(changes=base, question=_confirm(
            confirm_amount(field_name, a.amount, a.currency, a.text, "zh")))
    return FieldInput({**base, "amount": a.amount, "amount_yuan": a.yuan})



class FieldInputs:
    """Drafts from a text and typed values, over the lists of the moment (`matcher()` is called
    each time: the matcher changes on reload)."""

    def __init__(self, matcher) -> None:
        self._matcher = matcher

    def resolver(self) -> MatcherResolver:
        return MatcherResolver(self._matcher())

    def draft_from_text(self, text: str, today: dt.date) -> Draft:
        resolver = self.resolver()
        draft = Draft.from_parse(parse_meeting(text.strip(), today, resolver), today)
        if draft.f["chain_ids"] and not resolver.find_chains(text.strip()):
            draft.auto_chains = list(draft.f["chain_ids"])    # the company's, not said
        return draft

    def new_form(self, hint: str | None) -> Draft:
        """The step-by-step form; with a hint (the answer card's text), its company asked first
        as a choice and its chains filled."""
        draft = Draft.form()
        if hint:
            choices = self.company_choices(hint)
            if choices:
                draft.q = [{"field": "company", "prompt": "是这家企业吗？也可以直接输入企业名称。",
                            "labels": [label for _, label in choices],
                            "values": [[cid, label] for cid, label in choices]}]
            draft.f["chain_ids"] = self.resolver().find_chains(hint)[:3]
        return draft

    def fill_chains(self, draft: Draft) -> None:
        """A known company and no chain chosen yet: the company's chains from the lists (the
        step-by-step form asks for the company only, "Met COFCO VP Li…" names no product)."""
        f = draft.f
        chains = list(f.get("chain_ids") or [])
        if chains and chains != draft.auto_chains:
            return                       # chosen (or said) by the officer: never overwritten
        # empty, or filled here for the company before: follow the company
        f["chain_ids"] = self.resolver().company_chains(f["company_id"]) if f.get("company_id") else []
        draft.auto_chains = list(f["chain_ids"])

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
            return _cleared(name)
        if name in DATE_FIELDS:
            return _date_input(name, text, today)
        if name == "amount":
            return _amount_input(text)
        if name == "company":
            return self._company_input(text)
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

    def _company_input(self, text: str) -> FieldInput:
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


def _cleared(name: str) -> FieldInput:
    if name == "amount":
        return FieldInput({k: None for k in AMOUNT_KEYS[:4]} | {"amount_approx": False})
    if name == "company":
        return FieldInput({"company": None, "company_id": None})
    return FieldInput({name: [] if name == "chain_ids" else None})
