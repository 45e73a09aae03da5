"""Inline mode: `@bot 乳制品 视频` in any chat lists pitch materials to drop into the chat.

Never people: inline answers can land in any chat, with outsiders in it. Strangers get no
results and a button that explains how to get access. At most 50 results a page; the offset is
the next page's start.
"""

from __future__ import annotations

import re

from telegram import (InlineQueryResultArticle, InlineQueryResultsButton, InputTextMessageContent,
                      LinkPreviewOptions, Update)
from telegram.constants import ParseMode
from telegram.ext import ContextTypes, InlineQueryHandler

from promo.render import render

from .common import svc

PAGE = 50


async def inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    iq = update.inline_query
    s = svc(context)
    if s.user(iq.from_user.id) is None:
        await iq.answer([], cache_time=0, is_personal=True,
                        button=InlineQueryResultsButton("需要授权 · Authorisation required", start_parameter="auth"))
        return
    text = iq.query.strip()
    if not text:
        await iq.answer([], cache_time=0, is_personal=True,
                        button=InlineQueryResultsButton("输入产业或企业，如：乳制品 视频", start_parameter="help"))
        return
    # the offset is ours (next_offset), but a client may send anything: "²" passes isdigit()
    offset = int(iq.offset) if re.fullmatch(r"[0-9]{1,4}", iq.offset or "") else 0
    result = s.matcher.say(text, today=s.today(), top=PAGE, offset=offset)
    articles = [
        InlineQueryResultArticle(
            id=r.material.id,
            title=r.material.title[:120],
            description=" · ".join(r.why)[:200],
            url=r.material.link,
            input_message_content=InputTextMessageContent(
                render("material.html.j2", m=r.material, lib=s.library), parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(url=r.material.link) if r.material.link else None),
        )
        for r in result.items if r.material.link
    ]
    # None, not "", for "no more pages": with Defaults set, PTB 22.8 turns an empty string
    # parameter into an empty list (its InputPollOption defaults treat "" as a sequence)
    next_offset = str(offset + PAGE) if result.total > offset + PAGE else None
    await iq.answer(articles, cache_time=30, is_personal=True, next_offset=next_offset)


def handlers():
    return [InlineQueryHandler(inline_query)]
