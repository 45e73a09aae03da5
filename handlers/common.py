"""Helpers every handler uses: the domain object, access checks, rendering and replying."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from promo.render import render, split_message
from promo.services import Services

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass(frozen=True)
class Command:
    """A command for the menus set at start-up (set_my_commands per scope and language)."""

    name: str
    zh: str
    en: str
    private: bool = True
    group: bool = False
    admin: bool = False


def svc(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["svc"]


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


def current_user(update: Update, context):
    """The active officer behind this update, or None for strangers and revoked users."""
    tg_user = update.effective_user
    return svc(context).user(tg_user.id) if tg_user else None


async def refuse_stranger(update: Update, context) -> None:
    """The polite answer to someone not on the allow-list: what the bot is, how to get access."""
    text = render("stranger.html.j2")
    if update.callback_query:
        await update.callback_query.answer("需要授权后才能使用 · Authorisation required", show_alert=True)
    elif update.effective_message:
        await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML)


PRIVATE_ONLY = "请在与机器人的私聊中使用 · Please use this in a private chat with the bot"


async def require_user(update: Update, context, role: str | None = None, *, private: bool = False):
    """The officer, or None after telling a stranger (or a non-admin) why not. With `private`,
    also None outside a private chat, after pointing there: what such a command or button shows
    (meetings, projects' meeting logs, people) is never shown in a group."""
    user = current_user(update, context)
    if user is None:
        await refuse_stranger(update, context)
        return None
    if role == "admin" and not user.is_admin or role == "lead" and not user.is_lead_or_admin:
        await send(update, context, "not_allowed.html.j2", role=role)
        return None
    if private and not is_private(update):
        if update.callback_query:
            await update.callback_query.answer(PRIVATE_ONLY, show_alert=True)
        else:
            await send(update, context, "meeting_note.html.j2", kind="private", text=None)
        return None
    return user


def keyboard(rows: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    """Rows of (label, callback_data or https url) → markup; empty rows dropped."""
    built = []
    for row in rows:
        buttons = [InlineKeyboardButton(label, url=data) if data.startswith(("https://", "http://", "tg://"))
                   else InlineKeyboardButton(label, callback_data=data) for label, data in row]
        if buttons:
            built.append(buttons)
    return InlineKeyboardMarkup(built) if built else None


async def send(update: Update, context, template: str, *, markup=None, edit: bool = False,
               preview: bool = False, **ctx) -> None:
    """Render `template` and reply; long answers are split below 4096 characters at item
    boundaries, the buttons going with the last part. With edit=True the message holding the
    pressed button is edited (its first part) instead of sending a new one."""
    parts = split_message(render(template, **ctx))
    options = None if preview else NO_PREVIEW
    chat_id = update.effective_chat.id
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if i == 0 and edit and update.callback_query and update.callback_query.message:
            try:
                await update.callback_query.edit_message_text(
                    part, parse_mode=ParseMode.HTML, reply_markup=markup if last else None,
                    link_preview_options=options)
            except BadRequest as exc:
                if "not modified" not in str(exc):
                    raise
            continue
        await context.bot.send_message(chat_id, part, parse_mode=ParseMode.HTML,
                                       reply_markup=markup if last else None, link_preview_options=options)


STALE = "这个按钮已过期，请重新发送查询 · Please ask again"


async def answer_stale(update: Update, text: str = STALE) -> None:
    await update.callback_query.answer(text, show_alert=True)


async def pressed(update: Update, context, cls, stale: str = STALE, *, private: bool = False):
    """(officer, decoded button data) for a button press; None once a stranger was refused or a
    stale / forged button was answered (and, with `private`, a press outside a private chat)."""
    user = await require_user(update, context, private=private)
    if user is None:
        return None
    from .callbacks import decode

    data = decode(update, cls)
    if data is None:
        await answer_stale(update, stale)
        return None
    return user, data
