"""The "不是这个意思" buttons shared by the list cards, the problem draft and the brief: a stored
text (the answer card's query store) answered as another intent. The button's own handler is in
handlers/lists.py; this module only builds the buttons, so every card can offer them without
importing the cards of the others."""

from __future__ import annotations

from dataclasses import dataclass

from promo.ask.intent import INTENTS, LABELS
from promo.ask.cli import context_for

from .answer import Query, queries
from .callbacks import CallbackData, CallbackDataError
from .common import svc
from .meetings.buttons import LogFromCard
from .tour import TourFromCard

CODES = {"profile": "pf", "say": "sy", "whom": "wh", "event": "ev", "policy": "po", "project": "pj",
         "resource": "rs", "problem": "pb", "brief": "br", "tour": "tr", "meeting": "mt"}
INTENT_OF = {v: k for k, v in CODES.items()}
SWITCH_DEFAULTS = ("say", "whom", "event", "meeting", "problem", "policy")
MENU = "mn"


@dataclass(frozen=True)
class Switch(CallbackData):
    """不是这个意思: answer the stored text as another intent (its code in `CODES`, or the menu)."""

    PREFIX = "sw"
    qid: str
    intent: str


def lists_context(context, user, private: bool):
    s = svc(context)
    return context_for(s, s.today(), user=user, private=private)


async def store_text(context, text: str) -> str:
    """Keep `text` in the answer card's query store; the id the buttons carry."""
    return await queries(context).add(Query(text=text, view="card", version=svc(context).data_version))


def switch_rows(context, qid: str, current: str, alternatives, private: bool,
                limit: int = 6) -> list[list[tuple[str, str]]]:
    """The runners-up of the decision first, then the usual others; in a group only public lists."""
    wanted = [i for i in [*alternatives, *SWITCH_DEFAULTS] if i != current and i in INTENTS]
    if not private:
        wanted = [i for i in wanted if i in ("say", "event", "policy", "project", "resource")]
    buttons = []
    for intent in dict.fromkeys(wanted):
        data = switch_data(qid, intent)
        if data:
            buttons.append((f"↪ {LABELS[intent]}", data))
        if len(buttons) == limit:
            break
    return [buttons[i:i + 3] for i in range(0, len(buttons), 3)]


def switch_data(qid: str, intent: str) -> str | None:
    """Meeting and tour switches start those flows directly (their own buttons)."""
    try:
        if intent == "meeting":
            return LogFromCard(qid).pack()
        if intent == "tour":
            return TourFromCard(qid).pack()
        return Switch(qid, CODES[intent]).pack()
    except CallbackDataError:            # an id too long for 64 bytes: no button rather than a refusal
        return None
