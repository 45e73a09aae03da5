"""The last word: every message kind, every command and every button gets an answer.

Registered last in group 0, so each handler here runs only when no feature took the update:
- a photo or document with a caption in a private chat is read like the text of its caption
  (the same routing: profile card, meeting report, a pending step …);
- an unknown or misspelt command (`/hepl`, `/todo123`) suggests the nearest known one and /help;
- every other kind of message (location, sticker, contact, voice, poll …) gets a short answer of
  what the bot can do with it;
- a button whose data no handler knows (an old version's, a forged one) is answered as stale,
  so the officer's client never spins.
In groups the bot stays quiet about stickers and chatter; it answers commands addressed to it.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import (ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, ContextTypes,
                          ConversationHandler, MessageHandler, filters)

from promo.suggest import closest

from .common import answer_stale, current_user, is_private, refuse_stranger, send

# What each kind of message is called, in the order Telegram's Message fields are checked.
KINDS = (("location", "位置"), ("venue", "地点"), ("contact", "联系人名片"), ("sticker", "贴纸"),
         ("voice", "语音"), ("audio", "音频"), ("video_note", "视频消息"), ("video", "视频"),
         ("animation", "动图"), ("photo", "图片"), ("document", "文件"), ("poll", "投票"),
         ("dice", "骰子"), ("game", "游戏"), ("story", "动态"), ("invoice", "账单"))


def message_kind(message: Message) -> tuple[str, str]:
    """(field, Chinese name) of what the message carries; ("other", "这种消息") for the rest."""
    for field, label in KINDS:
        if getattr(message, field, None):
            return field, label
    return "other", "这种消息"


def known_commands(application) -> list[str]:
    """Every command some handler of the application takes (menus list only some)."""
    names: set[str] = set()

    def walk(handler) -> None:
        if isinstance(handler, CommandHandler):
            names.update(handler.commands)
        elif isinstance(handler, ConversationHandler):
            for h in [*handler.entry_points, *handler.fallbacks, *(x for hs in handler.states.values() for x in hs)]:
                walk(h)

    for group in application.handlers.values():
        for h in group:
            walk(h)
    return sorted(names)


async def caption_as_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Handle a captioned photo or document as if its caption had been typed."""
    message = update.effective_message
    data = message.to_dict()
    for field in ("photo", "document", "caption", "caption_entities", "show_caption_above_media",
                  "media_group_id", "has_media_spoiler"):
        data.pop(field, None)
    data["text"] = message.caption
    if message.caption_entities:
        data["entities"] = [e.to_dict() for e in message.caption_entities]
    await context.application.process_update(Update.de_json({"update_id": update.update_id, "message": data},
                                                            context.bot))
    raise ApplicationHandlerStop


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    word = (message.text or "").split()[0][1:]
    name, _, addressee = word.partition("@")
    if not is_private(update) and addressee.lower() != (context.bot.username or "").lower():
        return                      # in a group, a command for another bot (or for nobody) is not ours
    if current_user(update, context) is None:
        await refuse_stranger(update, context)
        return
    nearest = closest(name, known_commands(context.application), cutoff=0.6)   # short names: one slip in 3–4 letters
    if nearest is None and name[:1].isalpha():
        # "/todo123": a known command with something glued to it
        nearest = next((c for c in known_commands(context.application) if name.lower().startswith(c)), None)
    await send(update, context, "unknown_command.html.j2", command=name, nearest=nearest)


async def other_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not is_private(update):
        return                      # a group bot does not answer every sticker
    if current_user(update, context) is None:
        await refuse_stranger(update, context)
        return
    field, label = message_kind(update.effective_message)
    await send(update, context, "other_message.html.j2", kind=field, label=label)


async def unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await answer_stale(update)


def handlers():
    return [
        MessageHandler(filters.ChatType.PRIVATE & (filters.PHOTO | filters.Document.ALL) & filters.CAPTION,
                       caption_as_text),
        MessageHandler(filters.COMMAND, unknown_command),
        MessageHandler(~filters.StatusUpdate.ALL, other_message),
        CallbackQueryHandler(unknown_button),
    ]
