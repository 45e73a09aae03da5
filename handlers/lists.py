"""One entry point for a plain private message: the intent decision (promo/ask/intent.py) picks the
card — visitor profile (the answer card), a list question (events, policies, projects and targets,
resources), a problem report, a brief, a tour or a meeting report — and every card carries
"不是这个意思" buttons to answer the same text as something else.

    officer: 龙商回归大会哪天开
    bot:     📅 去哪招 · 招商活动 — 1. 龙商回归（哈尔滨）招商引资推介大会 📅 2027年1月20日—21日 …
             [📅 日历] [↪ 查材料] [↪ 查人] [↪ 记录对接] …

The text is kept in the answer card's query store (handlers/answer.py) under a short id, so the
switch buttons and the answer card's own buttons share it. `/ask <text>` does the same in a
group, where only the public parts are shown (no people, no problem records).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass, replace

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from promo.ask.intent import INTENTS, LABELS
from promo.ask.answers import ask
from promo.ask.cli import context_for

from . import brief, jobs, problems
from .answer import _ask, queries, show
from .callbacks import CallbackData, CallbackDataError
from .common import (
    Command,
    answer_stale,
    is_private,
    keyboard,
    pressed,
    require_user,
    send,
    svc,
)
from .switch import INTENT_OF, MENU, Switch, lists_context, store_text, switch_data, switch_rows

log = logging.getLogger(__name__)

COMMANDS = [Command("ask", "问清单：活动、政策、项目、资源（群里只显示公开部分）", "ask the lists: events, policies, "
                    "projects, resources", group=True),
            Command("digest", "订阅/退订每周招商活动提醒（未来一个月）", "weekly digest of the coming month's events")]
VIEWS = {"profile": "card", "say": "say", "whom": "whom"}


@dataclass(frozen=True)
class EventIcs(CallbackData):
    """📅 日历: one event as an .ics file."""

    PREFIX = "ei"
    event_id: str


# ---------------------------------------------------------------------- entry points

async def route(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    """A plain private text: a typed value somebody waits for, or a new question."""
    user = await require_user(update, context)
    if user is None:
        return
    if await problems.typed(update, context, user, text):
        return
    text = (text or "").strip()[:500]
    if not text:
        await _ask(update, context, text, "card")
        return
    s = svc(context)
    decided = await asyncio.to_thread(_decide, s, text)
    qid = await store_text(context, text)
    await show_intent(update, context, qid, text, decided, user, edit=False)


def _decide(s, text: str) -> str:
    from promo.ask.intent import decide

    ctx = context_for(s, s.today())
    return decide(text, ctx.matcher, ctx.index, ctx.today).intent


async def not_a_meeting(update: Update, context) -> bool:
    """For the meeting handler: True when this text was answered here instead (it reads as a
    meeting to the meeting parser, but the intent decision says brief, problem, tour …)."""
    user = await require_user(update, context)
    if user is None:
        return True
    text = update.effective_message.text or ""
    if await problems.typed(update, context, user, text):
        return True
    s = svc(context)
    decided = await asyncio.to_thread(_decide, s, text.strip()[:500])
    if decided == "meeting":
        return False
    qid = await store_text(context, text.strip()[:500])
    await show_intent(update, context, qid, text.strip()[:500], decided, user, edit=False)
    return True


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask <text>: the same decision; in a group only the public lists and parts."""
    user = await require_user(update, context)
    if user is None:
        return
    text = " ".join(context.args or []).strip()[:500]
    if not text:
        await send(update, context, "lists_usage.html.j2")
        return
    s = svc(context)
    decided = await asyncio.to_thread(_decide, s, text)
    qid = await store_text(context, text)
    await show_intent(update, context, qid, text, decided, user, edit=False)


async def switch(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    got = await pressed(update, context, Switch)
    if got is None:
        return
    user, data = got
    query = await queries(context).get(data.qid)
    intent = INTENT_OF.get(data.intent)
    if query is None or (intent is None and data.intent != MENU) or query.version != svc(context).data_version:
        await answer_stale(update)
        return
    await update.callback_query.answer()
    if data.intent == MENU:              # the answer card's "换一种查法": every other reading
        rows = switch_rows(context, data.qid, "profile", [i for i in INTENTS if i != "profile"], is_private(update),
                     limit=12)
        await send(update, context, "lists_switch.html.j2", markup=keyboard(rows), text=query.text)
        return
    await show_intent(update, context, data.qid, query.text, intent, user, edit=False, forced=True)


# ---------------------------------------------------------------------- the cards

async def show_intent(update: Update, context, qid: str, text: str, intent: str, user, *, edit: bool,
                      forced: bool = False) -> None:
    private = is_private(update)
    if intent in VIEWS:
        query = replace(await queries(context).get(qid), view=VIEWS[intent] if private else "say")
        await queries(context).put(qid, query)
        await show(update, context, qid, query, edit=edit)
        return
    if intent == "problem" and private:
        from promo.ask.problems import is_question

        if not is_question(text):
            await problems.start_draft(update, context, user, text, qid)
            return
    if intent == "meeting" and private:
        primary = switch_data(qid, "meeting")
        await send(update, context, "lists_meeting.html.j2", text=text,
                   markup=keyboard([[("📝 记录对接", primary)]] * bool(primary) + switch_rows(context, qid, intent, [], private)))
        return
    ctx = lists_context(context, user, private)
    if intent == "brief":
        companies = [t.ref for t, *_ in ctx.matcher.find(text, {"company"})]
        if companies:
            await brief.send_brief(update, context, user, companies[0], text, qid=qid)
            return
    answer = await asyncio.to_thread(ask, text, ctx, intent)
    rows = []
    if intent == "event":
        rows += _ics_rows(answer)
    if intent == "tour" and (primary := switch_data(qid, "tour")):
        rows.append([("🗺 规划考察行程", primary)])
    rows += switch_rows(context, qid, intent, answer.intent.alternatives, private)
    await send(update, context, "lists_card.html.j2", markup=keyboard(rows), edit=edit, a=answer, labels=LABELS,
               public_only=not private and intent in ("problem", "brief"), alternatives=bool(rows))


def _ics_rows(answer) -> list[list[tuple[str, str]]]:
    events = [i for s in answer.sections for i in s.items if i.kind == "event"]
    buttons = []
    for item in events[:3]:
        try:
            buttons.append((f"📅 日历 {item.title[:12]}", EventIcs(item.id).pack()))
        except CallbackDataError:
            continue
    return [buttons] if buttons else []


async def event_ics(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    got = await pressed(update, context, EventIcs)
    if got is None:
        return
    event = svc(context).library.get("events", got[1].event_id)
    if event is None:
        await answer_stale(update)
        return
    from promo.ask.events import event_ics as make_ics

    await update.callback_query.answer()
    await context.bot.send_document(update.effective_chat.id, make_ics(event, svc(context).now()),
                                    filename=f"{event.id}.ics", caption=event.name[:200])


# ---------------------------------------------------------------------- the weekly digest

def _digests(context):
    from promo.ask.events import EventDigests
    from promo.store.kvstore import KVStore

    return EventDigests(KVStore(svc(context).db))


async def digest_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/digest: subscribe (or unsubscribe) to Monday's digest of the coming month's events."""
    user = await require_user(update, context, private=True)
    if user is None:
        return
    s = svc(context)
    on = await asyncio.to_thread(_digests(context).toggle, user.user_id, s.now())
    from promo.ask.events import coming_month
    from promo.ask.answers import event_item

    items = [event_item(e, s.library) for e in coming_month(s.library, s.today())] if on else []
    await send(update, context, "event_digest.html.j2", kind="on" if on else "off", items=items)


async def digest_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Each subscriber gets the coming month's events (one message, split if long), once a week
    across every worker process: each send is claimed in the database first (handlers/jobs.py)."""
    from promo.ask.events import coming_month
    from promo.ask.answers import event_item
    from promo.render import render, split_message

    s = svc(context)
    items = [event_item(e, s.library) for e in coming_month(s.library, s.today())]
    parts = split_message(render("event_digest.html.j2", kind="weekly", items=items))
    year, week, _ = s.today().isocalendar()
    for uid in await asyncio.to_thread(_digests(context).subscribers):
        if s.user(uid) is None:          # revoked meanwhile: nothing goes out
            continue
        await jobs.send_once(context.application, "event-digest", f"{year}-W{week:02d}", uid, parts)


DIGEST_AT = dt.time(8, 30)


async def _digest_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Mondays from 08:30 (local): the week's digest, if no worker has sent it yet."""
    local = svc(context).now().astimezone(svc(context).tz)
    if local.isoweekday() == 1 and local.time() >= DIGEST_AT:
        await digest_job(context)


START_LINE = ("🔎 问清单：直接问「龙商回归大会哪天开」「用水用气能给什么支持」「黑河有什么矿」；"
              "🛠 记问题：「飞鹤反映环评批复慢，希望月底前解决」；📋 简报：「明天见飞鹤王总」")


def _card_action(qid: str, query) -> tuple[str, str]:
    return "↪ 不是这个意思：换一种查法", Switch(qid, MENU).pack()


CARD_ACTIONS = [_card_action]
START_LINES = [START_LINE]


async def post_init(app) -> None:
    app.bot_data.text_route = route
    app.bot_data.meeting_handover = not_a_meeting
    if app.job_queue is not None:
        app.job_queue.run_repeating(_digest_tick, jobs.TICK, first=60, name="event-digest")


def handlers():
    return [CommandHandler("ask", ask_command), CommandHandler("digest", digest_command),
            CallbackQueryHandler(switch, pattern=Switch.pattern()),
            CallbackQueryHandler(event_ics, pattern=EventIcs.pattern())]
