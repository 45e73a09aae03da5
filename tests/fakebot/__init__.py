"""A strict, in-process fake of the Telegram Bot API for offline tests.

    fake = FakeBotAPI()
    app = fake.builder().build()          # or ApplicationBuilder().token(...).request(fake)
    app.add_handler(CommandHandler("start", start))   #      .get_updates_request(fake).build()
    async with app:
        alice = fake.user(first_name="Alice")
        calls = await fake.send_text(app, alice, "/start")
    assert fake.violations == []

Requests are validated against `api.json` (telegram-bot-api-spec, MIT: see LICENSE here) and
Telegram's own limits; anything the real server would refuse is refused and recorded.
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
