"""The one error handler: the user gets a short apology with a reference code; the log gets
the details to find the bug, without the update's text or any personal data."""

from __future__ import annotations

import logging
import secrets
import traceback

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ContextTypes

from promo.render import render

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
        context.application.bot_data.setdefault("last_errors", []).append(ref)
        try:
            if update.callback_query:
                await update.callback_query.answer(f"出错了，参考编号 {ref}", show_alert=True)
            elif update.effective_chat and not update.inline_query:
                await context.bot.send_message(update.effective_chat.id, render("error.html.j2", ref=ref),
                                               parse_mode=ParseMode.HTML)
        except Exception:  # the Bot API itself may be what failed; the log has the details
            log.warning("could not tell the user about error %s", ref)


def _describe(update: object) -> str:
    """Which kind of update, never its content: texts may hold personal data."""
    if not isinstance(update, Update):
        return type(update).__name__
    kinds = [name for name in ("message", "callback_query", "inline_query", "edited_message")
             if getattr(update, name, None) is not None]
    return f"update {update.update_id} ({', '.join(kinds) or 'other'})"
