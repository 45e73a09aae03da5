"""/start (greeting, or a deep link: an invitation or a question continued from a group) and /help."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes, filters

from .answer import start_with_query
from .common import Command, current_user, refuse_stranger, send, svc

COMMANDS = [Command("start", "开始", "start"), Command("help", "帮助", "help", group=True)]
INVITE_PREFIX = "inv_"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = current_user(update, context)
    if user is None:
        await refuse_stranger(update, context)
        return
    await send(update, context, "start.html.j2", name=user.display_name, bot_username=context.bot.username,
               extra_lines=context.bot_data.start_lines)


async def start_with_invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    code = context.args[0][len(INVITE_PREFIX):]
    tg = update.effective_user
    result = svc(context).access.redeem(code, tg.id, tg.full_name, now=svc(context).now())
    await send(update, context, "invite_result.html.j2", result=result)
    if result.ok:
        await start(update, context)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = current_user(update, context)
    if user is None:
        await refuse_stranger(update, context)
        return
    commands = [c for c in context.bot_data.commands if not c.admin or user.is_admin]
    await send(update, context, "help.html.j2", commands=commands)


def handlers():
    # Order matters: the deep-link variants of /start come before the plain one.
    return [
        CommandHandler("start", start_with_invite, filters.Regex(rf"^/start {INVITE_PREFIX}[A-Za-z0-9_-]+$")),
        CommandHandler("start", start_with_query, filters.Regex(r"^/start q_[A-Za-z0-9_-]+$")),
        CommandHandler("start", start),
        CommandHandler("help", help_command),
    ]
