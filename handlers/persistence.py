"""PTB persistence in our own database (the `kv` table), so half-filled forms — the tour flow,
the step-by-step meeting form — survive a restart of the bot.

User and chat data and conversation states are stored; bot_data is not (it holds the live
domain object). Values must be JSON: handlers keep drafts as plain dicts with ISO dates.
Writes happen when PTB flushes (every `update_interval` seconds, default 1 s here, and at
shutdown); a *confirmed* meeting never depends on this: it is committed before "saved" is shown.
"""

from __future__ import annotations

import json
from collections import defaultdict

from telegram.ext import BasePersistence, PersistenceInput

from promo.kvstore import KVStore

USER, CHAT, CONV = "ptb_user_data", "ptb_chat_data", "ptb_conv:"


class SQLPersistence(BasePersistence):
    def __init__(self, store: KVStore, update_interval: float = 1.0):
        super().__init__(store_data=PersistenceInput(bot_data=False, chat_data=True, user_data=True,
                                                     callback_data=False), update_interval=update_interval)
        self.store = store

    # ------------------------------------------------------------------ reading
    async def get_user_data(self):
        return defaultdict(dict, {int(k): v for k, v in self.store.all(USER).items()})

    async def get_chat_data(self):
        return defaultdict(dict, {int(k): v for k, v in self.store.all(CHAT).items()})

    async def get_bot_data(self):
        return {}

    async def get_callback_data(self):
        return None

    async def get_conversations(self, name: str):
        return {tuple(json.loads(k)): v for k, v in self.store.all(CONV + name).items()}

    # ------------------------------------------------------------------ writing
    async def update_user_data(self, user_id: int, data: dict) -> None:
        self._put(USER, str(user_id), data)

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        self._put(CHAT, str(chat_id), data)

    async def update_conversation(self, name: str, key, new_state) -> None:
        if new_state is None:
            self.store.delete(CONV + name, json.dumps(list(key)))
        else:
            self.store.set(CONV + name, json.dumps(list(key)), new_state)

    def _put(self, namespace: str, key: str, data: dict) -> None:
        if data:
            self.store.set(namespace, key, _jsonable(data))
        else:
            self.store.delete(namespace, key)

    async def drop_user_data(self, user_id: int) -> None:
        self.store.delete(USER, str(user_id))

    async def drop_chat_data(self, chat_id: int) -> None:
        self.store.delete(CHAT, str(chat_id))

    async def update_bot_data(self, data) -> None:
        pass

    async def update_callback_data(self, data) -> None:
        pass

    async def refresh_user_data(self, user_id, user_data) -> None:
        pass

    async def refresh_chat_data(self, chat_id, chat_data) -> None:
        pass

    async def refresh_bot_data(self, bot_data) -> None:
        pass

    async def flush(self) -> None:
        pass


def _jsonable(data: dict) -> dict:
    """Keep what JSON can hold; transient objects (keys starting with '_') are not persisted."""
    out = {}
    for key, value in data.items():
        if str(key).startswith("_"):
            continue
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue
        out[str(key)] = value
    return out
