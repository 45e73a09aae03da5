"""The local console chat: the real bot application, with a terminal standing in for Telegram.

`ConsoleBotAPI` is a tiny in-process Bot API (a PTB `BaseRequest`): what the bot sends is
printed (HTML shown as plain text, links spelled out, buttons numbered); what the officer types
becomes a message update, and a number typed after a message with buttons presses that button.
The same handlers, templates and domain run as on Telegram, so a newcomer sees the product
with `python bot.py` and no token.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import sys
import time

from telegram import Update
from telegram.request import BaseRequest, RequestData

CONSOLE_USER = {"id": 1, "is_bot": False, "first_name": "控制台", "username": "console", "language_code": "zh-hans"}
BOT = {"id": 100, "is_bot": True, "first_name": "招商助手", "username": "promo_console_bot",
       "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}
CHAT = {"id": CONSOLE_USER["id"], "type": "private", "first_name": CONSOLE_USER["first_name"]}


def to_terminal(text: str) -> str:
    """Telegram HTML → readable terminal text: links as 'title <url>', tags dropped."""
    text = re.sub(r'<a href="([^"]*)">(.*?)</a>', lambda m: f"{m.group(2)} \x00{m.group(1)}\x01", text,
                  flags=re.S)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text.replace("\x00", "<").replace("\x01", ">"))


class ConsoleBotAPI(BaseRequest):
    def __init__(self, out=None):
        self.out = out or sys.stdout
        self.message_ids = itertools.count(1)
        self.buttons: list[tuple[int, str, str]] = []     # (message_id, label, callback_data or url)
        self.messages: dict[int, dict] = {}

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self):
        return 1.0

    async def do_request(self, url, method, request_data: RequestData | None = None, *args, **kwargs):
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        params = {k: json.loads(v) if isinstance(v, str) and v[:1] in "[{" else v for k, v in params.items()}
        result = self._handle(name, params)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    def _handle(self, name: str, p: dict):
        if name == "getMe":
            return BOT
        if name in ("sendMessage", "editMessageText", "sendDocument"):
            return self._show(name, p)
        if name == "answerCallbackQuery":
            if p.get("text"):
                self._print(f"  ⓘ {p['text']}")
            return True
        if name == "answerInlineQuery":
            for i, r in enumerate(json.loads(p["results"]) if isinstance(p.get("results"), str)
                                  else p.get("results", []), 1):
                self._print(f"  {i}. {r.get('title')} — {r.get('url', '')}")
            return True
        return True

    def _show(self, name: str, p: dict) -> dict:
        message_id = int(p.get("message_id") or next(self.message_ids))
        if name == "sendDocument":
            text = f"📎 [文件] {p.get('caption', '')}"
        else:
            text = p.get("text", "")
        self._print("\n" + ("✏️ " if name == "editMessageText" else "") + to_terminal(text))
        markup = p.get("reply_markup") or {}
        if name == "editMessageText" or markup:
            self.buttons = [b for b in self.buttons if b[0] != message_id]
        for row in markup.get("inline_keyboard", []):
            cells = []
            for button in row:
                self.buttons.append((message_id, button["text"], button.get("callback_data") or button.get("url")))
                cells.append(f"[{len(self.buttons)}] {button['text']}")
            self._print("   ".join(cells))
        message = {"message_id": message_id, "date": int(time.time()), "chat": CHAT, "from": BOT,
                   "text": to_terminal(text)}
        if markup:
            message["reply_markup"] = markup
        if name == "sendDocument":
            message["document"] = {"file_id": f"console-{message_id}", "file_unique_id": f"u{message_id}"}
        self.messages[message_id] = message
        return message

    def _print(self, line: str) -> None:
        print(line, file=self.out, flush=True)


class ConsoleSession:
    """Turns typed lines into updates for the application."""

    def __init__(self, app, api: ConsoleBotAPI):
        self.app = app
        self.api = api
        self.update_ids = itertools.count(1)

    def update_for(self, line: str) -> Update | None:
        line = line.strip()
        if not line:
            return None
        if line.isdigit() and 1 <= int(line) <= len(self.api.buttons):
            message_id, _, data = self.api.buttons[int(line) - 1]
            if data.startswith(("http://", "https://")):
                self.api._print(f"  🔗 {data}")
                return None
            payload = {"update_id": next(self.update_ids), "callback_query": {
                "id": str(next(self.update_ids)), "from": CONSOLE_USER, "chat_instance": "console",
                "data": data, "message": self.api.messages[message_id]}}
        else:
            message = {"message_id": next(self.api.message_ids), "date": int(time.time()), "chat": CHAT,
                       "from": CONSOLE_USER, "text": line}
            if line.startswith("/"):
                command = line.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
            payload = {"update_id": next(self.update_ids), "message": message}
        return Update.de_json(payload, self.app.bot)

    async def send(self, line: str) -> None:
        update = self.update_for(line)
        if update is not None:
            await self.app.process_update(update)


BANNER = """招商助手 · 本地控制台（没有设置 TELEGRAM_BOT_TOKEN，所以在终端里对话）
直接输入客商情况，例如：飞鹤乳业 副总 北京 奶粉 ；输入按钮前的数字即可点击按钮；/help 查看命令；/quit 退出。
"""


async def run_console(app, api: ConsoleBotAPI, lines=None) -> None:
    """Chat until /quit or end of input. `lines` (an iterable) replaces the keyboard in tests."""
    session = ConsoleSession(app, api)
    api._print(BANNER)
    async with app:
        await app.post_init(app)      # run_polling would call it; here we drive updates ourselves
        await app.start()
        try:
            await session.send("/start")
            source = iter(lines) if lines is not None else None
            while True:
                if source is not None:
                    line = next(source, None)
                else:
                    try:
                        line = await asyncio.to_thread(input, "\n> ")
                    except EOFError:
                        line = None
                if line is None or line.strip() in ("/quit", "/exit", "quit", "exit"):
                    break
                await session.send(line)
        finally:
            await app.stop()
            await app.post_shutdown(app)
