"""The test-facing half of FakeBotAPI: deliver updates to an Application, then inspect what the
bot did. A mixin so that `server.py` stays about Bot API semantics."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder

from .model import Call, FakeBotUsageError, QueryRecord, StoredMessage
from .tghtml import plain as _plain
from .updates import FakeChat, FakeUser, callback_query_dict, inline_query_dict

SENT_METHODS = ("sendMessage", "editMessageText", "sendDocument")
TEXT_METHODS = ("sendMessage", "editMessageText")
_BUTTON_DECORATION = ("text", "icon_custom_emoji_id", "style")


class Driver:
    """Requires the FakeBotAPI state (calls, _queries, _queue, store_user_message, ...)."""

    # ---- building an Application -----------------------------------------------------------

    def builder(self, token: str = "123:ABC") -> ApplicationBuilder:
        """An ApplicationBuilder wired to this fake; add handlers/persistence, then build()."""
        return ApplicationBuilder().token(token).request(self).get_updates_request(self)

    def build_app(self, token: str = "123:ABC") -> Application:
        return self.builder(token).build()

    # ---- delivering updates ----------------------------------------------------------------

    def _next_update_id(self) -> int:
        self._last_update_id += 1
        return self._last_update_id

    def _next_query_id(self, prefix: str) -> str:
        self._last_query_id += 1
        return f"{prefix}{self._last_query_id}"

    async def process(self, app: Application, update: dict[str, Any], *, raise_errors: bool = True) -> list[Call]:
        """Run one Update through `app` and return the requests it caused (getUpdates aside).

        With `raise_errors` and no error handler registered on the app, an exception in a
        handler is re-raised here instead of only being logged by PTB."""
        if "update_id" not in update:
            update["update_id"] = self._next_update_id()
        start = len(self.calls)
        errors: list[BaseException] = []

        async def capture(_update: object, context: Any) -> None:
            errors.append(context.error)

        temporary = raise_errors and not app.error_handlers
        if temporary:
            app.add_error_handler(capture)
        try:
            await app.process_update(Update.de_json(update, app.bot))
            # Let handlers started with block=False get as far as their first requests.
            for _ in range(5):
                await asyncio.sleep(0)
        finally:
            if temporary:
                app.remove_error_handler(capture)
        if errors:
            raise errors[0]
        return [c for c in self.calls[start:] if c.method != "getUpdates"]

    async def send_text(
        self,
        app: Application,
        user: FakeUser,
        text: str,
        chat: FakeChat | None = None,
        *,
        raise_errors: bool = True,
    ) -> list[Call]:
        """The user writes `text` (in their private chat, or in `chat`); /commands get
        bot_command entities as in Telegram. Returns the bot's requests."""
        message = self.store_user_message(user, text, chat)
        return await self.process(app, {"message": message.data_copy}, raise_errors=raise_errors)

    async def press(
        self,
        app: Application,
        user: FakeUser,
        message: Any,
        button: str,
        *,
        chat: FakeChat | None = None,
        raise_errors: bool = True,
    ) -> list[Call]:
        """The user presses the button whose text (or else callback_data) is `button` on a bot
        message: a Call, PTB Message, StoredMessage, message dict, message_id, or None for the
        newest bot message with a keyboard in the chat. Telegram then waits for one
        answerCallbackQuery; see `unanswered_callbacks()`."""
        target = self._resolve_message(message, chat.id if chat else user.id)
        chosen = _find_button(target, button)
        if "callback_data" not in chosen:
            kind = next((k for k in chosen if k not in _BUTTON_DECORATION), "?")
            raise FakeBotUsageError(f"button {chosen['text']!r} is a {kind} button, not a callback button")
        query_id = self._next_query_id("cq")
        self._queries[query_id] = QueryRecord(query_id, "callback_query", user.id, chosen["callback_data"])
        query = callback_query_dict(
            query_id=query_id, user=user, message=target.data_copy, data=chosen["callback_data"]
        )
        return await self.process(app, {"callback_query": query}, raise_errors=raise_errors)

    async def inline(
        self,
        app: Application,
        user: FakeUser,
        query: str,
        offset: str = "",
        *,
        chat_type: str | None = "sender",
        raise_errors: bool = True,
    ) -> Call | None:
        """The user types `@bot query`; returns the answerInlineQuery call (None if none came)."""
        if len(query) > 256:
            raise FakeBotUsageError("Telegram clients send inline queries of at most 256 characters")
        query_id = self._next_query_id("iq")
        self._queries[query_id] = QueryRecord(query_id, "inline_query", user.id, query)
        payload = inline_query_dict(query_id=query_id, user=user, query=query, offset=offset, chat_type=chat_type)
        calls = await self.process(app, {"inline_query": payload}, raise_errors=raise_errors)
        return next(
            (c for c in calls if c.method == "answerInlineQuery" and c.params.get("inline_query_id") == query_id),
            None,
        )

    def queue_update(self, update: Any) -> dict[str, Any]:
        """Queue an Update (dict or telegram.Update) for getUpdates, i.e. for a polling app."""
        data = update.to_dict() if hasattr(update, "to_dict") else dict(update)
        data.setdefault("update_id", self._next_update_id())
        self._last_update_id = max(self._last_update_id, data["update_id"])
        self._queue.append(data)
        return data

    def queue_text(self, user: FakeUser, text: str, chat: FakeChat | None = None) -> dict[str, Any]:
        """Like send_text, but delivered through getUpdates."""
        message = self.store_user_message(user, text, chat)
        return self.queue_update({"message": message.data_copy})

    async def wait_for(self, method: str, *, count: int = 1, timeout: float = 2.0) -> Call:
        """Wait until `count` successful calls of `method` were made (for polling tests)."""
        deadline = time.monotonic() + timeout
        while True:
            done = [c for c in self.calls if c.method == method and c.ok]
            if len(done) >= count:
                return done[count - 1]
            if time.monotonic() > deadline:
                raise FakeBotUsageError(f"no {count}. successful {method} within {timeout}s; calls: {self.calls!r}")
            await asyncio.sleep(0.005)

    def _resolve_message(self, message: Any, default_chat: int) -> StoredMessage:
        if isinstance(message, StoredMessage):
            chat_id, message_id = message.chat_id, message.message_id
        elif message is None:
            candidates = [m for m in self.messages(default_chat) if m.from_bot and m.markup]
            if not candidates:
                raise FakeBotUsageError(f"no bot message with an inline keyboard in chat {default_chat}")
            return candidates[-1]
        elif isinstance(message, Call):
            if not isinstance(message.result, dict):
                raise FakeBotUsageError(f"{message!r} returned no message")
            chat_id, message_id = message.result["chat"]["id"], message.result["message_id"]
        elif isinstance(message, dict):
            chat_id, message_id = message["chat"]["id"], message["message_id"]
        elif isinstance(message, int):
            chat_id, message_id = default_chat, message
        elif hasattr(message, "message_id") and hasattr(message, "chat"):  # telegram.Message
            chat_id, message_id = message.chat.id, message.message_id
        else:
            raise FakeBotUsageError(f"cannot find a message from {message!r}")
        stored = self.message(chat_id, message_id)
        if stored is None or stored.deleted:
            raise FakeBotUsageError(f"message {message_id} in chat {chat_id} does not exist (or was deleted)")
        return stored

    # ---- inspecting ------------------------------------------------------------------------

    def requests(self, method: str) -> list[Call]:
        """All calls of one method, including rejected ones."""
        return [c for c in self.calls if c.method == method]

    def sent(self, chat_id: Any = None) -> list[Call]:
        """Successful sendMessage / editMessageText / sendDocument calls, optionally to one chat."""
        return [
            c for c in self.calls
            if c.ok and c.method in SENT_METHODS and (chat_id is None or _same_chat(c.chat_id, chat_id))
        ]

    def last_text(self, chat_id: Any, *, plain: bool = False) -> str | None:
        """Text of the newest sendMessage/editMessageText to the chat, markup as sent unless `plain`."""
        for call in reversed(self.sent(chat_id)):
            if call.method in TEXT_METHODS:
                return _plain(call.params["text"]) if plain else call.params["text"]
        return None

    @staticmethod
    def plain(text: str) -> str:
        """Text with Telegram HTML tags removed and entities unescaped."""
        return _plain(text)

    @staticmethod
    def buttons(source: Any) -> list[list[tuple[str, str | None]]]:
        """Rows of (text, callback_data or url or other action value) of the keyboard on a Call,
        StoredMessage, PTB Message/markup or dict; reply-keyboard buttons give (text, None)."""
        markup = _markup_of(source) or {}
        if "keyboard" in markup:  # a reply keyboard: buttons only send their text
            return [[(b if isinstance(b, str) else b.get("text", ""), None) for b in row]
                    for row in markup["keyboard"]]
        rows = []
        for row in markup.get("inline_keyboard", []):
            out = []
            for b in row:
                action = next((b[k] for k in ("callback_data", "url") if k in b), None)
                if action is None:
                    action = next((b[k] for k in b if k not in _BUTTON_DECORATION), None)
                    action = action if isinstance(action, str) or action is None else str(action)
                out.append((b.get("text", ""), action))
            rows.append(out)
        return rows

    def unanswered_callbacks(self) -> list[QueryRecord]:
        """Callback queries the bot never answered (Telegram clients show a spinner meanwhile)."""
        return [q for q in self._queries.values() if q.kind == "callback_query" and not q.answered]

    def unanswered_inline_queries(self) -> list[QueryRecord]:
        return [q for q in self._queries.values() if q.kind == "inline_query" and not q.answered]

    def take_violations(self) -> list[str]:
        """Return and forget the violations so far (for tests that provoke them on purpose)."""
        taken = list(self.violations)
        self.violations.clear()
        return taken

    def problems(self) -> list[str]:
        """Everything a strict teardown should complain about."""
        out = [f"rejected: {v}" for v in self.violations]
        out += [f"callback query {q.id} (data {q.data!r}) never answered" for q in self.unanswered_callbacks()]
        return out


def _same_chat(a: Any, b: Any) -> bool:
    if isinstance(b, (FakeUser, FakeChat)):
        b = b.id
    return str(a) == str(b)


def _markup_of(source: Any) -> dict | None:
    if source is None:
        return None
    if isinstance(source, Call):
        if isinstance(source.result, dict) and "reply_markup" in source.result:
            return source.result["reply_markup"]
        return source.reply_markup
    if isinstance(source, StoredMessage):
        return source.markup
    if isinstance(source, dict):
        return source if {"inline_keyboard", "keyboard"} & source.keys() else source.get("reply_markup")
    markup = getattr(source, "reply_markup", source)  # telegram.Message or a markup object
    return markup.to_dict() if hasattr(markup, "to_dict") else None


def _find_button(message: StoredMessage, wanted: str) -> dict:
    buttons = [b for row in (message.markup or {}).get("inline_keyboard", []) for b in row]
    for key in ("text", "callback_data"):
        for b in buttons:
            if b.get(key) == wanted:
                return b
    labels = [b.get("text") for b in buttons]
    raise FakeBotUsageError(f"no button {wanted!r} on message {message.message_id}; buttons: {labels}")
