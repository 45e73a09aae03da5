"""Administration in the chat: /invite, /revoke, /users, /reload."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler, ContextTypes

from promo.store.access import looks_like_role, parse_role, parse_user_id, suggest_role
from promo.store.db import PromoError

from .common import Command, require_user, send, svc
from .start import INVITE_PREFIX

COMMANDS = [Command("invite", "邀请新用户", "invite an officer", admin=True),
            Command("revoke", "停用用户", "revoke an officer", admin=True),
            Command("users", "用户列表", "list users", admin=True),
            Command("reload", "重新加载名单", "reload the lists", admin=True)]


async def invite(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/invite [officer|lead|admin] [unit…] → a one-time link valid for 48 hours. A Latin
    word that is not a role is refused with the roles (and the likely one), never taken as
    the unit (/invite boss)."""
    admin = await require_user(update, context, role="admin")
    if admin is None:
        return
    args = list(context.args)
    role = parse_role(args[0]) if args else None
    if role:
        args.pop(0)
    elif args and looks_like_role(args[0]):
        await send(update, context, "invite.html.j2", bad_role=args[0][:32],
                   suggestion=suggest_role(args[0]), rest=" ".join(args[1:])[:64])
        return
    role = role or "officer"
    unit = " ".join(args) or admin.unit
    s = svc(context)
    code = s.access.create_invite(admin.user_id, role, unit, now=s.now())
    link = f"https://t.me/{context.bot.username}?start={INVITE_PREFIX}{code}"
    await send(update, context, "invite.html.j2", link=link, role=role, unit=unit, bad_role=None)


async def revoke(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/revoke <user id>: a plain positive number (see /users); anything else gets the usage."""
    admin = await require_user(update, context, role="admin")
    if admin is None:
        return
    user_id = parse_user_id(context.args[0]) if len(context.args) == 1 else None
    if user_id is None:
        bad = " ".join(context.args)[:32] or None
        await send(update, context, "revoke.html.j2", usage=True, bad=bad)
        return
    s = svc(context)
    before = s.access.get(user_id)
    try:
        user = s.access.revoke(user_id, by=admin.user_id, now=s.now())
    except PromoError as exc:
        await send(update, context, "revoke.html.j2", usage=False, user_id=user_id,
                   reason=getattr(exc, "reason", "other"))
        return
    await send(update, context, "revoke.html.j2", usage=False, user=user, reason=None,
               already=before is not None and not before.active)


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
