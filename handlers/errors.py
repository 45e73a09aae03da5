"""The one error handler: the officer is told in the chat, once, with a reference code; the log
gets the details to find the bug, without the update's text, the exception's message or any
personal data.

A failed button press is usually already answered ("正在保存…" came before the failure): the
answer is not repeated (Telegram would refuse it, and a toast is gone in a second anyway).
The apology is a message in the chat, replying to the card whose button failed.
"""

from __future__ import annotations

import logging
import secrets
import traceback

from telegram import ReplyParameters, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ContextTypes

from promo.render import render

from .persistence import replies_without_state

log = logging.getLogger("promo.errors")


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    if isinstance(error, (NetworkError, TimedOut, RetryAfter, Forbidden)) and not isinstance(update, Update):
        log.warning("Bot API unavailable: %s", type(error).__name__)
        return
    ref = secrets.token_hex(3).upper()
    where = _describe(update)
    # The traceback's frames, not the exception's message: messages may quote user text or records.
    frames = "".join(f"  {f.filename}:{f.lineno} in {f.name}\n"
                     for f in traceback.extract_tb(error.__traceback__)) if error else ""
    log.error("error %s while handling %s: %s\n%s", ref, where, type(error).__name__, frames)
    if isinstance(update, Update):
        context.bot_data.last_errors.append(ref)
        with replies_without_state():
            await _tell(update, context, ref)


async def _tell(update: Update, context, ref: str) -> None:
    cq = update.callback_query
    chat = update.effective_chat
    answered = cq is not None and _answered(context.bot, cq.id)
    if chat is not None and cq is not None and not answered:
        try:
            await cq.answer()                     # stop the spinner; the message says the rest
        except Exception as exc:
            log.warning("could not answer the button of error %s (%s)", ref, type(exc).__name__)
    try:
        if chat is not None and not update.inline_query:
            reply = None
            if cq is not None and cq.message is not None:
                reply = ReplyParameters(cq.message.message_id, allow_sending_without_reply=True)
            await context.bot.send_message(chat.id, render("error.html.j2", ref=ref, button=cq is not None),
                                           parse_mode=ParseMode.HTML, reply_parameters=reply)
        elif cq is not None and not answered:     # a button on an inline message: no chat to write to
            await cq.answer(f"出错了，参考编号 {ref}", show_alert=True)
    except Exception as exc:  # the Bot API itself may be what failed; the log has the details
        log.warning("could not tell the user about error %s (%s)", ref, type(exc).__name__)


def _answered(bot, query_id: str) -> bool:
    check = getattr(bot, "answered", None)
    return bool(check(query_id)) if check else False


def _describe(update: object) -> str:
    """Which kind of update, never its content: texts may hold personal data."""
    if not isinstance(update, Update):
        return type(update).__name__
    kinds = [name for name in ("message", "callback_query", "inline_query", "edited_message")
             if getattr(update, name, None) is not None]
    return f"update {update.update_id} ({', '.join(kinds) or 'other'})"
