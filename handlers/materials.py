"""Sending one pitch material: a link with its preview, or the file itself.

A file is uploaded once: Telegram's file_id is remembered in the database (keyed by the bot,
the material id and the file's content hash, so a replaced file is uploaded again, and a
file_id of another bot — the console chat's, say, on the same database — is never reused).
"""

from __future__ import annotations

import hashlib

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode

from promo.store.kvstore import KVStore
from promo.lists.models import Material
from promo.render import render

from .common import svc

NAMESPACE = "telegram_file_id"


async def deliver(update: Update, context, material: Material) -> None:
    s = svc(context)
    chat_id = update.effective_chat.id
    caption = render("material.html.j2", m=material, lib=s.library)
    if material.file:
        path = s.settings.data_dir / "pitch_library" / "files" / material.file
        data = path.read_bytes()
        key = f"{context.bot.id}:{material.id}:{hashlib.sha256(data).hexdigest()[:16]}"
        store = KVStore(s.db)
        file_id = store.get(NAMESPACE, key)
        message = await context.bot.send_document(chat_id, file_id or data, filename=path.name,
                                                  caption=caption[:1024], parse_mode=ParseMode.HTML)
        if not file_id and message.document:
            store.set(NAMESPACE, key, message.document.file_id)
        return
    await context.bot.send_message(chat_id, caption, parse_mode=ParseMode.HTML,
                                   link_preview_options=LinkPreviewOptions(url=material.link, prefer_large_media=True))
