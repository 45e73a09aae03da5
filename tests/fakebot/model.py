"""Records the fake keeps and hands to tests: calls, uploads, queries, stored messages."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any


class ApiError(Exception):
    """A Bot API error answer. Raised inside the fake, turned into an HTTP response."""

    def __init__(self, description: str, status: int = 400, parameters: dict | None = None):
        super().__init__(description)
        self.description = description
        self.status = status
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class FakeBotUsageError(AssertionError):
    """A test drove the fake in a way that cannot happen in Telegram (e.g. pressing a button
    that is not on the message). An AssertionError so pytest shows it as a test failure."""


@dataclass
class Upload:
    """One multipart file part, with the file_id the fake assigned to it."""

    field: str
    filename: str
    data: bytes
    mimetype: str
    file_id: str = ""
    chat_id: int | str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Call:
    """One request the bot made. `params` are JSON values as Telegram would decode them."""

    method: str
    params: dict[str, Any]
    files: dict[str, Upload] = field(default_factory=dict)
    ok: bool = False
    status: int = 0
    description: str | None = None
    result: Any = None
    injected: bool = False  # answered by fail_next(), not by the fake's rules
    reused_file_id: str | None = None  # sendDocument by a file_id the fake issued earlier
    ignored: dict[str, Any] = field(default_factory=dict)  # PTB defaults the method has no field for

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        """The raw text (or caption) as the bot sent it, markup included."""
        for key in ("text", "caption", "message_text"):
            if isinstance(self.params.get(key), str):
                return self.params[key]
        return None

    @property
    def reply_markup(self) -> dict | None:
        markup = self.params.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    @property
    def message_id(self) -> int | None:
        if isinstance(self.result, dict):
            return self.result.get("message_id")
        return self.params.get("message_id")

    def __repr__(self) -> str:
        state = "ok" if self.ok else f"{self.status} {self.description!r}"
        return f"Call({self.method!r}, {self.params!r}, {state})"


@dataclass
class QueryRecord:
    """A callback or inline query the fake delivered; Telegram expects exactly one answer."""

    id: str
    kind: str  # "callback_query" | "inline_query"
    user_id: int
    data: str | None = None
    answered: bool = False
    answer: Call | None = None


@dataclass
class StoredMessage:
    """The fake's current view of one message in a chat."""

    chat_id: int
    message_id: int
    from_bot: bool
    data: dict[str, Any]  # the Message JSON as Telegram would return it now
    plain: str | None = None
    entities: list[dict] = field(default_factory=list)
    markup: dict | None = None  # InlineKeyboardMarkup only; Telegram echoes no other kind
    deleted: bool = False

    @property
    def data_copy(self) -> dict[str, Any]:
        """A snapshot for a response, so later edits don't rewrite recorded results."""
        return copy.deepcopy(self.data)
