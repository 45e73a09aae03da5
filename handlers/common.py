"""Helpers every handler uses: the domain object, access checks, rendering and replying."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from promo.meetings.service import MeetingService
from promo.render import render, split_message
from promo.services import Services

from .callbacks import CallbackData, decode

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
    return context.bot_data.services


def meeting_service(context: ContextTypes.DEFAULT_TYPE) -> MeetingService:
    """The meeting service over the domain object (one per Services, see BotState.meetings)."""
    return context.bot_data.meetings


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
    data = decode(update, cls)
    if data is None:
        await answer_stale(update, stale)
        return None
    return user, data


def officer_only(*, private: bool = False, button: type[CallbackData] | None = None, stale: str = STALE,
                 find=None, refused=None):
    """The one guard of a handler: strangers (and revoked officers) get the polite refusal; with
    `private`, a group gets "please use the private chat" (an alert for a button); with
    `button`, the pressed button is decoded as that class (a stale or forged one is answered
    with `stale`); with `find(context, data)` (run in a thread), what the button refers to is
    looked up, and None is answered with `stale` too. The handler is called as `fn(update,
    context, user)`, plus `data` with `button`, plus the found object with `find`; a refused
    update returns `refused` (e.g. a conversation's END)."""
    def wrap(fn):
        @functools.wraps(fn)
        async def handler(update: Update, context):
            args = []
            if button is not None:
                got = await pressed(update, context, button, stale, private=private)
                if got is None:
                    return refused
                user, data = got
                args.append(data)
            else:
                user = await require_user(update, context, private=private)
                if user is None:
                    return refused
            if find is not None:
                found = await in_thread(find, context, *args)
                if found is None:
                    await answer_stale(update, stale)
                    return refused
                args.append(found)
            return await fn(update, context, user, *args)
        return handler
    return wrap


async def in_thread(fn, *args, **kwargs):
    """Blocking domain work (database, spreadsheets, matching) off the event loop: the one way
    handlers run it."""
    return await asyncio.to_thread(fn, *args, **kwargs)


async def alert_for(update: Update, exc: Exception, texts: Mapping[type[Exception], str]) -> None:
    """The one place a domain error (NotFound, PermissionDenied, Conflict, InvalidTransition)
    becomes an alert on the pressed button: the text of the first matching class in `texts`.
    An error `texts` does not name is raised again (the error handler apologises for it)."""
    for kind, text in texts.items():
        if isinstance(exc, kind):
            await update.callback_query.answer(text, show_alert=True)
            return
    raise exc
