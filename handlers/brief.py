"""The pre-meeting brief (会前简报): "明天见飞鹤王总", /brief <company>, or 📋 on the answer card.

One message (split cleanly at section and item boundaries when longer than Telegram's 4096
characters) with who they are, our past contacts, materials, people who can help, open projects
and problems, fitting policies, next events and follow-ups due. People, who met them and problem
records only for an authorised officer in a private chat; in a group only the public parts.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from promo.ask.intent import LABELS
from promo.ask.answers import Answer, brief_sections

from .answer import queries
from .callbacks import CallbackData
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
from .switch import lists_context, switch_rows

COMMANDS = [Command("brief", "会前简报：/brief 企业名称", "pre-meeting brief on a company", group=True)]


@dataclass(frozen=True)
class BriefFor(CallbackData):
    """📋 会前简报 on the answer card: the brief on the company its text names."""

    PREFIX = "bf"
    qid: str


async def send_brief(update: Update, context, user, company_id: str, text: str, *, qid: str | None = None) -> None:
    from promo.ask.intent import decide

    private = is_private(update)
    ctx = lists_context(context, user, private)
    sections = await asyncio.to_thread(brief_sections, company_id, ctx, text)
    intent = decide(text, ctx.matcher, ctx.index, ctx.today)
    intent.intent = "brief"
    answer = Answer(text=text, intent=intent, sections=sections)
    rows = switch_rows(context, qid, "brief", [], private) if qid else []
    await send(update, context, "lists_card.html.j2", markup=keyboard(rows), a=answer, labels=LABELS,
               public_only=not private, alternatives=bool(rows))


async def brief_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = await require_user(update, context)
    if user is None:
        return
    text = " ".join(context.args or []).strip()[:300]
    s = svc(context)
    found = [t.ref for t, *_ in s.matcher.find(text, {"company"})] if text else []
    if not found:
        await send(update, context, "brief_usage.html.j2", text=text)
        return
    await send_brief(update, context, user, found[0], text)


async def brief_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    got = await pressed(update, context, BriefFor)
    if got is None:
        return
    user, data = got
    query = await queries(context).get(data.qid)
    if query is None:
        await answer_stale(update)
        return
    found = [t.ref for t, *_ in svc(context).matcher.find(query.text, {"company"})]
    if not found:
        await update.callback_query.answer("没认出是哪家企业：用 /brief 企业名称。", show_alert=True)
        return
    await update.callback_query.answer()
    await send_brief(update, context, user, found[0], query.text)


def _card_action(qid: str, query) -> tuple[str, str]:
    return "📋 会前简报", BriefFor(qid).pack()


CARD_ACTIONS = [_card_action]


def handlers():
    return [CommandHandler("brief", brief_command), CallbackQueryHandler(brief_button, pattern=BriefFor.pattern())]
