"""People, chats and the Update JSON a test feeds to the bot."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .tghtml import utf16_len

# Telegram marks a /command anywhere in the text when it stands alone; "/start@bot" is one entity.
_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![^\s])")


@dataclass(frozen=True)
class FakeUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "zh-hans"
    is_bot: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    def chat_dict(self) -> dict[str, Any]:
        """The user's private chat with the bot (its id is the user's id)."""
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


@dataclass(frozen=True)
class FakeChat:
    id: int
    type: str = "supergroup"
    title: str = "Test group"
    username: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type, "title": self.title}
        if self.username:
            data["username"] = self.username
        return data


def command_entities(text: str) -> list[dict[str, Any]]:
    """bot_command entities with UTF-16 offsets, as Telegram attaches them to user messages."""
    entities = []
    for m in _COMMAND_RE.finditer(text):
        entities.append({
            "type": "bot_command",
            "offset": utf16_len(text[: m.start()]),
            "length": utf16_len(m.group(0)),
        })
    return entities


def message_dict(
    *,
    message_id: int,
    date: int,
    chat: dict[str, Any],
    sender: dict[str, Any],
    text: str | None = None,
    entities: list[dict] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {"message_id": message_id, "date": date, "chat": chat, "from": sender}
    if text is not None:
        data["text"] = text
    if entities:
        data["entities"] = entities
    data.update({k: v for k, v in extra.items() if v is not None})
    return data


def callback_query_dict(
    *, query_id: str, user: FakeUser, message: dict[str, Any], data: str
) -> dict[str, Any]:
    return {
        "id": query_id,
        "from": user.to_dict(),
        "message": message,
        # Telegram's chat_instance is a stable opaque id per chat; derive one from the chat id.
        "chat_instance": f"ci{abs(message['chat']['id'])}",
        "data": data,
    }


def inline_query_dict(
    *, query_id: str, user: FakeUser, query: str, offset: str, chat_type: str | None
) -> dict[str, Any]:
    data: dict[str, Any] = {"id": query_id, "from": user.to_dict(), "query": query, "offset": offset}
    if chat_type:
        data["chat_type"] = chat_type
    return data
