"""The local console chat: the real bot application, with a terminal standing in for Telegram.

`ConsoleBotAPI` is a tiny in-process Bot API (a PTB `BaseRequest`): what the bot sends is
printed (HTML shown as plain text, links spelled out, buttons numbered); what the officer types
becomes a message update, and a number typed after a message with buttons presses that button.
`@ 乳制品 视频` is an inline query, its results are numbered like buttons. Files the bot sends
(every upload method of the Bot API) are written to an outbox folder and their path printed.
The same handlers, templates and domain run as on Telegram, so a newcomer sees the product
with `python bot.py` and no token.

Button numbers are handed out once, per card and position: a card that is edited keeps its
numbers, and a later card never reuses them.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import logging
import mimetypes
import os
import re
import signal
import struct
import sys
import tempfile
import threading
import time
from pathlib import Path

from telegram import Update
from telegram.request import BaseRequest, RequestData

CONSOLE_USER = {"id": 1, "is_bot": False, "first_name": "控制台", "username": "console", "language_code": "zh-hans"}
BOT = {"id": 100, "is_bot": True, "first_name": "招商助手", "username": "promo_console_bot",
       "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}
CHAT = {"id": CONSOLE_USER["id"], "type": "private", "first_name": CONSOLE_USER["first_name"]}

# sendX → (the field holding the file, how the console names it)
UPLOADS = {
    "sendDocument": ("document", "📎 [文件]"), "sendPhoto": ("photo", "🖼 [图片]"),
    "sendAudio": ("audio", "🎵 [音频]"), "sendVideo": ("video", "🎬 [视频]"),
    "sendAnimation": ("animation", "🎞 [动图]"), "sendVoice": ("voice", "🎤 [语音]"),
    "sendVideoNote": ("video_note", "📹 [视频消息]"), "sendSticker": ("sticker", "🏷 [贴纸]"),
}
MEDIA_TYPES = {"photo": "🖼 [图片]", "video": "🎬 [视频]", "audio": "🎵 [音频]", "document": "📎 [文件]",
               "animation": "🎞 [动图]"}
FILE_ID_PREFIX = "console:"       # console file ids name the file in the outbox


def to_terminal(text: str) -> str:
    """Telegram HTML → readable terminal text: links as 'title <url>', tags dropped."""
    text = re.sub(r'<a href="([^"]*)">(.*?)</a>', lambda m: f"{m.group(2)} \x00{m.group(1)}\x01", text,
                  flags=re.S)
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text.replace("\x00", "<").replace("\x01", ">"))


def _png_size(data: bytes) -> tuple[int, int]:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return 0, 0


def _safe_name(name: str | None, mime: str | None, fallback: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/")).strip().lstrip(".")
    if not name or name == "application.octet-stream":
        name = fallback + (mimetypes.guess_extension(mime or "") or ".bin")
    return name


class ConsoleBotAPI(BaseRequest):
    def __init__(self, out=None, outbox: Path | None = None):
        self.out = out or sys.stdout
        self.outbox = Path(outbox) if outbox else Path(tempfile.gettempdir()) / "promo-console-outbox"
        self.message_ids = itertools.count(1)
        self.numbers = itertools.count(1)
        self.slots: dict[int, tuple[object, int]] = {}          # number → (card key, position)
        self.card_numbers: dict[object, list[int]] = {}         # card key → its numbers, in order
        self.actions: dict[object, list[dict]] = {}             # card key → what its numbers do now
        self.messages: dict[int, dict] = {}
        self.inline_queries: dict[str, tuple[str, str]] = {}   # query id → (query, offset)
        self.inline_ids = itertools.count(1)
        self.inline_open: list = []                              # the result lists on screen
        self.saved: list[Path] = []

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self):
        return 1.0

    async def do_request(self, url, method, request_data: RequestData | None = None, *args, **kwargs):
        name = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}    # Python values, objects as dicts
        files = request_data.multipart_data if request_data and request_data.contains_files else {}
        result = self._handle(name, params, files)
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # ------------------------------------------------------------------ methods
    def _handle(self, name: str, p: dict, files: dict):
        if name == "getMe":
            return BOT
        if name in ("sendMessage", "editMessageText", "editMessageCaption", "editMessageReplyMarkup"):
            return self._show(name, p)
        if name in UPLOADS:
            field, label = UPLOADS[name]
            return self._show(name, p, attachment=(field, label, self._file(p.get(field), files, field)))
        if name == "sendMediaGroup":
            return self._media_group(p, files)
        if name == "editMessageMedia":
            media = p.get("media") or {}
            kind = media.get("type", "document")
            return self._show(name, {**p, "caption": media.get("caption", "")},
                              attachment=(kind, MEDIA_TYPES.get(kind, "📎 [文件]"),
                                          self._file(media.get("media"), files, kind)))
        if name == "deleteMessage":
            self._set_actions(int(p["message_id"]), [])
            self.messages.pop(int(p["message_id"]), None)
            return True
        if name == "answerCallbackQuery":
            if p.get("text"):
                self._print(f"  ⓘ {p['text']}")
            return True
        if name == "answerInlineQuery":
            return self._inline_results(p)
        return True

    def _show(self, name: str, p: dict, attachment: tuple | None = None) -> dict | bool:
        edit = name.startswith("edit")
        if edit and p.get("inline_message_id"):           # a message sent via inline mode
            return self._show_inline_edit(p)
        message_id = int(p.get("message_id") or next(self.message_ids))
        message = dict(self.messages.get(message_id) or {}) if edit else {}
        message.update({"message_id": message_id, "date": int(time.time()), "chat": CHAT, "from": BOT})
        if attachment:
            field, label, (path, file_obj) = attachment
            message[field] = [file_obj] if field == "photo" else file_obj
            message["_shown"] = f"{label} {path.name}" if path else label
            message["_path"] = str(path) if path else ""
        self._print("\n" + _shown(name, edit, p, message))
        markup = p.get("reply_markup") or {}
        if edit or markup:
            self._show_buttons(message_id, markup.get("inline_keyboard", []))
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        self.messages[message_id] = message
        return {k: v for k, v in message.items() if not k.startswith("_")}

    def _show_inline_edit(self, p: dict) -> bool:
        kind, _, n = str(p["inline_message_id"]).rpartition("-")
        shown = to_terminal(p.get("text") or p.get("caption") or "（按钮已更新）")
        self._print("\n✏️ " + shown)
        markup = p.get("reply_markup") or {}
        self._show_buttons((kind, int(n) if n.isdigit() else n), markup.get("inline_keyboard", []))
        return True

    def _media_group(self, p: dict, files: dict) -> list[dict]:
        sent = []
        for item in p.get("media", []):
            kind = item.get("type", "document")
            sent.append(self._show("sendMediaGroupItem", {"caption": item.get("caption", "")},
                                   attachment=(kind, MEDIA_TYPES.get(kind, "📎 [文件]"),
                                               self._file(item.get("media"), files, kind))))
        return sent

    def _file(self, value, files: dict, field: str) -> tuple[Path | None, dict]:
        """Write an uploaded file to the outbox (or find one sent before by its file id)."""
        part = None
        if isinstance(value, str) and value.startswith("attach://"):
            part = files.get(value[len("attach://"):])
        elif value is None:
            part = files.get(field)
        path = None
        if part is not None:
            filename, content, mime = part
            if hasattr(content, "read"):
                content = content.read()
            path = self._save(_safe_name(filename, mime, f"{field}-{len(self.saved) + 1}"), content)
            data = content
        elif isinstance(value, str) and value.startswith(FILE_ID_PREFIX):
            candidate = self.outbox / value[len(FILE_ID_PREFIX):]
            path = candidate if candidate.is_file() else None
            data = path.read_bytes() if path else b""
        else:
            data = b""
            if isinstance(value, str) and value.startswith(("http://", "https://")):
                self._print(f"   （网址文件：{value}）")
        name = path.name if path else "unknown"
        file_obj = {"file_id": FILE_ID_PREFIX + name, "file_unique_id": f"u{abs(hash(name)) % 10**12}",
                    "file_size": len(data)}
        if field == "document":
            file_obj.update(file_name=name)
        if field in ("photo", "video", "animation", "sticker"):
            width, height = _png_size(data)
            file_obj.update(width=width, height=height)
        if field in ("audio", "voice", "video", "animation", "video_note"):
            file_obj.update(duration=0)
        if field == "video_note":
            file_obj.update(length=0)
        if field == "sticker":
            file_obj.update(type="regular", is_animated=False, is_video=False)
        return path, file_obj

    def _save(self, name: str, content: bytes) -> Path:
        self.outbox.mkdir(parents=True, exist_ok=True)
        stem, suffix = os.path.splitext(name)
        path = self.outbox / name
        for n in itertools.count(2):
            if not path.exists():
                break
            path = self.outbox / f"{stem} ({n}){suffix}"
        path.write_bytes(content)
        self.saved.append(path)
        return path

    # ------------------------------------------------------------------ numbers
    def _numbers_for(self, key, count: int) -> list[int]:
        numbers = self.card_numbers.setdefault(key, [])
        while len(numbers) < count:
            number = next(self.numbers)
            self.slots[number] = (key, len(numbers))
            numbers.append(number)
        return numbers[:count]

    def _set_actions(self, key, actions: list[dict]) -> list[int]:
        self.actions[key] = actions
        return self._numbers_for(key, len(actions))

    def _show_buttons(self, key, rows: list[list[dict]]) -> None:
        numbers = iter(self._set_actions(key, [button for row in rows for button in row]))
        for row in rows:
            self._print("   ".join(f"[{next(numbers)}] {button['text']}" for button in row))

    def action(self, number: int) -> tuple[object, dict] | None:
        """What typing `number` does: (card key, button or result); None if it is no number of ours."""
        if number not in self.slots:
            return None
        key, position = self.slots[number]
        actions = self.actions.get(key, [])
        return key, (actions[position] if position < len(actions) else {})

    # ------------------------------------------------------------------ inline mode
    def _inline_results(self, p: dict) -> bool:
        query, offset = self.inline_queries.get(str(p.get("inline_query_id")), ("", ""))
        results = p.get("results") or []
        actions = [{"_result": r} for r in results]
        button = p.get("button")
        if p.get("next_offset"):
            actions.append({"_more": query, "_offset": p["next_offset"]})
        if button:
            actions.append({"_start": button.get("start_parameter") or "", "text": button.get("text", "")})
        if not offset:                          # a new query replaces the results on screen
            self._close_inline()
        key = ("inline", next(self.inline_ids))
        self.inline_open.append(key)
        numbers = iter(self._set_actions(key, actions))
        head = f"\n🔎 @{BOT['username']} {query}"
        self._print(head + (f"：{len(results)} 条结果（输入编号发送到聊天）" if results else "：没有结果"))
        for action in actions:
            number = next(numbers)
            if "_result" in action:
                r = action["_result"]
                self._print(f"[{number}] {r.get('title', '')}" + (f" — {r['description']}" if r.get("description") else ""))
                if r.get("url"):
                    self._print(f"     {r['url']}")
            elif "_more" in action:
                self._print(f"[{number}] 更多结果…")
            else:
                self._print(f"[{number}] {action['text']}")
        return True

    def _close_inline(self) -> None:
        for key in self.inline_open:
            self.actions[key] = []
        self.inline_open = []

    def post_inline_result(self, result: dict) -> None:
        """Show what choosing an inline result puts into the chat (sent by the user, via the bot)."""
        self._close_inline()
        content = result.get("input_message_content") or {}
        text = content.get("message_text") or result.get("title", "")
        self._print(f"\n💬 你通过 @{BOT['username']} 发到聊天里：\n" + to_terminal(text))
        markup = result.get("reply_markup") or {}
        if markup:
            self._show_buttons(("via", next(self.inline_ids)), markup.get("inline_keyboard", []))

    def _print(self, line: str) -> None:
        print(line, file=self.out, flush=True)


class ConsoleSession:
    """Turns typed lines into updates for the application."""

    INLINE = re.compile(rf"^@(?:{BOT['username']})?(?:\s+(.*))?$", re.S | re.I)

    def __init__(self, app, api: ConsoleBotAPI):
        self.app = app
        self.api = api
        self.update_ids = itertools.count(1)

    def update_for(self, line: str) -> Update | None:
        line = line.strip()
        if not line:
            return None
        if line.startswith("'") and len(line) > 1:       # '5 sends the text 5, not button 5
            return self.text(line[1:].strip())
        inline = self.INLINE.match(line)
        if inline:
            return self.inline_query((inline.group(1) or "").strip())
        found = self.api.action(int(line)) if re.fullmatch(r"[0-9]{1,6}", line) else None
        if found is None:
            return self.text(line)
        key, action = found
        if not action:
            self.api._print("  ⓘ 这个按钮已经不在了")
            return None
        if "_result" in action:
            self.api.post_inline_result(action["_result"])
            return None
        if "_more" in action:
            return self.inline_query(action["_more"], action["_offset"])
        if "_start" in action:
            return self.text(f"/start {action['_start']}".strip())
        if action.get("callback_data"):
            query = {"id": str(next(self.update_ids)), "from": CONSOLE_USER, "chat_instance": "console",
                     "data": action["callback_data"]}
            if isinstance(key, int):
                query["message"] = {k: v for k, v in self.api.messages[key].items() if not k.startswith("_")}
            else:
                query["inline_message_id"] = f"{key[0]}-{key[1]}"
            return Update.de_json({"update_id": next(self.update_ids), "callback_query": query}, self.app.bot)
        if action.get("url"):
            self.api._print(f"  🔗 {action['url']}")
            return None
        for field in ("switch_inline_query_current_chat", "switch_inline_query"):
            if field in action:
                return self.inline_query(action[field])
        if action.get("copy_text"):
            self.api._print(f"  📋 {action['copy_text'].get('text', '')}")
            return None
        self.api._print("  ⓘ 控制台里不能使用这种按钮")
        return None

    def text(self, line: str) -> Update:
        message = {"message_id": next(self.api.message_ids), "date": int(time.time()), "chat": CHAT,
                   "from": CONSOLE_USER, "text": line}
        if line.startswith("/"):
            command = line.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return Update.de_json({"update_id": next(self.update_ids), "message": message}, self.app.bot)

    def inline_query(self, query: str, offset: str = "") -> Update:
        query_id = f"iq{next(self.update_ids)}"
        self.api.inline_queries[query_id] = (query, offset)
        return Update.de_json({"update_id": next(self.update_ids), "inline_query": {
            "id": query_id, "from": CONSOLE_USER, "query": query[:256], "offset": offset,
            "chat_type": "sender"}}, self.app.bot)

    async def send(self, line: str) -> None:
        update = self.update_for(line)
        if update is not None:
            await self.app.process_update(update)


BANNER = """招商助手 · 本地控制台（没有设置 TELEGRAM_BOT_TOKEN，所以在终端里对话）
直接输入客商情况，例如：飞鹤乳业 副总 北京 奶粉 ；输入按钮前的数字即可点击按钮（要发送数字本身，前面加 '，如 '5）；/help 查看命令。
试用行内模式：输入 @ 乳制品 视频（相当于在任意聊天里输入 @{bot} 乳制品 视频），再输入结果前的数字。
机器人发来的文件保存在：{outbox}
日志写在：{log}
退出：/quit、Ctrl-C 或 Ctrl-D。
"""


class ConsoleLogHandler(logging.Handler):
    """Log records that the user must see, as one short readable line in the chat.

    The full record goes to the log file; records the chat already answers (a failed /reload
    lists its problems, an error reply carries its reference code) are not repeated."""

    ANSWERED = {"lists changed but are broken (%d problems); still serving the last good lists",
                "error %s while handling %s: %s\n%s"}
    READABLE = {
        "no job queue (install python-telegram-bot[job-queue]): follow-up reminders are off":
            "跟进提醒未开启：需要安装 python-telegram-bot[job-queue]",
        "cache entry %s unreadable (%s); rebuilding": "缓存文件损坏，正在重建",
        "cannot write cache %s (%s); continuing without it": "无法写入缓存，继续运行（会慢一些）",
    }

    def __init__(self, api: ConsoleBotAPI, log_path: Path | None = None):
        super().__init__(logging.WARNING)
        self.api = api
        self.log_path = log_path

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if record.msg in self.ANSWERED and "inline_query" not in str(record.args):
                return                          # the chat has the answer (inline queries have no chat)
            text = self.READABLE.get(record.msg) or record.getMessage().splitlines()[0][:120]
            where = f"（详见日志 {self.log_path}）" if self.log_path else ""
            self.api._print(f"  ⚠️ {text}{where}")
        except Exception:
            self.handleError(record)


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def console_logging(api: ConsoleBotAPI, log_path: Path, level: str | int = "INFO") -> Path | None:
    """Log records to `log_path`, not the screen; warnings the user must see as a short chat line.
    Returns the log file (None when it cannot be written: then only the short lines remain)."""
    root = logging.getLogger()
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(log_path, encoding="utf-8")
    except OSError:
        log_path = None
    else:
        file_handler.setFormatter(logging.Formatter(LOG_FORMAT))
        root.addHandler(file_handler)
    root.addHandler(ConsoleLogHandler(api, log_path))
    root.setLevel(level)
    return log_path


async def _keyboard(queue: asyncio.Queue) -> None:
    """Read stdin lines in a daemon thread (raw fd reads: nothing to join or unlock at exit)."""
    loop = asyncio.get_running_loop()

    def reader() -> None:
        if hasattr(signal, "pthread_sigmask"):     # Ctrl-C must wake the event loop, not this read
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        buffer = b""
        while True:
            try:
                chunk = os.read(0, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                if buffer:
                    loop.call_soon_threadsafe(queue.put_nowait, buffer.decode("utf-8", "replace"))
                loop.call_soon_threadsafe(queue.put_nowait, None)
                return
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                loop.call_soon_threadsafe(queue.put_nowait, line.decode("utf-8", "replace"))

    threading.Thread(target=reader, name="console-stdin", daemon=True).start()


async def run_console(app, api: ConsoleBotAPI, lines=None, log_path: Path | None = None) -> None:
    """Chat until /quit, Ctrl-D or Ctrl-C. `lines` (an iterable) replaces the keyboard in tests."""
    session = ConsoleSession(app, api)
    api._print(BANNER.format(bot="promo_console_bot", outbox=api.outbox, log=log_path or "（屏幕）"))
    queue: asyncio.Queue = asyncio.Queue()
    if lines is None:
        await _keyboard(queue)
    else:                                   # read lazily: a test's next line may depend on the output
        source = iter(lines)
        queue.get = lambda: asyncio.sleep(0, next(source, None))
    async with app:
        await app.post_init(app)      # run_polling would call it; here we drive updates ourselves
        await app.start()
        try:
            await session.send("/start")
            while True:
                print("\n> ", end="", file=api.out, flush=True)
                line = await queue.get()
                if line is None or line.strip() in ("/quit", "/exit", "quit", "exit"):
                    break
                await session.send(line)
        finally:                            # also on Ctrl-C: asyncio.run cancels this task
            try:
                await app.stop()
                await app.post_shutdown(app)
            finally:
                with contextlib.suppress(OSError):     # the terminal may be gone (a closed pipe)
                    api._print("\n再见！")


def _shown(name: str, edit: bool, p: dict, message: dict) -> str:
    """What the terminal prints for a sent or edited message (sets its text or caption)."""
    if name == "editMessageReplyMarkup":
        return "✏️ （按钮已更新）"
    if "_shown" in message:                               # a file: its name, caption, path
        if not edit or "caption" in p:
            message["caption"] = to_terminal(p.get("caption") or "")
        shown = ("✏️ " if edit else "") + message["_shown"]
        if message.get("caption"):
            shown += " — " + message["caption"]
        if message["_path"]:
            shown += f"\n   已保存到：{message['_path']}"
        return shown
    message["text"] = to_terminal(p.get("text", ""))
    return ("✏️ " if edit else "") + message["text"]
