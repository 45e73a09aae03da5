"""Administration in the chat: /invite, /revoke, /users, /reload."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from promo.db import PromoError

from .common import Command, require_user, send, svc
from .start import INVITE_PREFIX

COMMANDS = [Command("invite", "邀请新用户", "invite an officer", admin=True),
            Command("revoke", "停用用户", "revoke an officer", admin=True),
            Command("users", "用户列表", "list users", admin=True),
            Command("reload", "重新加载名单", "reload the lists", admin=True)]
ROLES = ("officer", "lead", "admin")


async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/invite [officer|lead|admin] [unit…] → a one-time link valid for 48 hours."""
    admin = await require_user(update, context, role="admin")
    if admin is None:
        return
    args = list(context.args)
    role = args.pop(0) if args and args[0] in ROLES else "officer"
    unit = " ".join(args) or admin.unit
    s = svc(context)
    code = s.access.create_invite(admin.user_id, role, unit, now=s.now())
    link = f"https://t.me/{context.bot.username}?start={INVITE_PREFIX}{code}"
    await send(update, context, "invite.html.j2", link=link, role=role, unit=unit)


async def revoke(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    admin = await require_user(update, context, role="admin")
    if admin is None:
        return
    if len(context.args) != 1 or not context.args[0].lstrip("-").isdigit():
        await send(update, context, "revoke.html.j2", usage=True, user=None, error=None)
        return
    s = svc(context)
    try:
        user = s.access.revoke(int(context.args[0]), by=admin.user_id, now=s.now())
    except PromoError as exc:
        await send(update, context, "revoke.html.j2", usage=False, user=None, error=str(exc))
        return
    await send(update, context, "revoke.html.j2", usage=False, user=user, error=None)


async def users(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    admin = await require_user(update, context, role="admin")
    if admin is None:
        return
    await send(update, context, "users.html.j2", users=svc(context).access.list_users())


async def reload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    admin = await require_user(update, context, role="admin")
    if admin is None:
        return
    s = svc(context)
    problems = s.reload()
    await send(update, context, "reload.html.j2", problems=problems, version=s.data_version,
               counts={k: len(v) for k, v in s.library.lists.items() if v})


def handlers():
    return [CommandHandler("invite", invite), CommandHandler("revoke", revoke),
            CommandHandler("users", users), CommandHandler("reload", reload)]
