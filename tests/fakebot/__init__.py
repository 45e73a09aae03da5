"""A strict, in-process fake of the Telegram Bot API for offline tests.

    fake = FakeBotAPI()                    # or the `fakebot` fixture (pytest_plugin.py)
    app = fake.builder().build()           # = ApplicationBuilder().token("123:ABC")
    app.add_handler(CommandHandler("start", start))  #   .request(fake).get_updates_request(fake)
    async with app:
        alice = fake.user(first_name="Alice")
        calls = await fake.send_text(app, alice, "/start")       # -> [Call("sendMessage", ...)]
        await fake.press(app, alice, calls[0], "项目")            # button text or callback_data
        answer = await fake.inline(app, alice, "黑河")            # -> the answerInlineQuery Call
    assert fake.violations == [] and fake.unanswered_callbacks() == []

Every request is checked against `api.json` (telegram-bot-api-spec, MIT: see LICENSE here) and
Telegram's limits (`limits.py`, HTML in `tghtml.py`); what the real server would refuse gets its
400/404 answer, so PTB raises as in production, and lands in `fake.violations`.

Modules: `schema` (api.json validation), `tghtml` (HTML parse mode), `limits` (texts, keyboards,
inline results, commands), `server` (FakeBotAPI: dispatch and state), `drive` (delivering
updates, assertion helpers), `updates` (users, chats, Update JSON), `model` (records).
"""

from .model import ApiError, Call, FakeBotUsageError, QueryRecord, StoredMessage, Upload
from .schema import Problem, Schema, load_schema
from .server import FakeBotAPI
from .tghtml import Formatted, HtmlParseError, parse_html, plain, utf16_len
from .updates import FakeChat, FakeUser, command_entities

__all__ = [
    "ApiError",
    "Call",
    "FakeBotAPI",
    "FakeBotUsageError",
    "FakeChat",
    "FakeUser",
    "Formatted",
    "HtmlParseError",
    "Problem",
    "QueryRecord",
    "Schema",
    "StoredMessage",
    "Upload",
    "command_entities",
    "load_schema",
    "parse_html",
    "plain",
    "utf16_len",
]
