"""`FakeBotAPI`: an in-process Bot API server behind PTB's `BaseRequest` seam.

Each request goes through: fault injection → method lookup (404) → api.json validation →
Telegram's rules (`limits`) → state (chats, messages, files, queries). Any rejection is also kept
in `violations`, so a test that forgets to look at a swallowed BadRequest still fails at teardown.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import json
import mimetypes
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote

from telegram.request import BaseRequest, RequestData

from . import limits
from .drive import Driver
from .model import ApiError, Call, QueryRecord, StoredMessage, Upload
from .schema import load_schema
from .tghtml import Formatted
from .updates import FakeChat, FakeUser, command_entities, message_dict

QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
# PTB's Bot._send_message puts these on every send-like method once `Defaults` set them, even on
# methods without such a field (sendLocation gets parse_mode); Telegram ignores them, and so does
# the fake, or every bot with Defaults(parse_mode=HTML) would fail. They land in `Call.ignored`.
PTB_DEFAULTS_FIELDS = frozenset({"parse_mode", "disable_notification", "protect_content", "link_preview_options"})
_URL_RE = re.compile(r"/bot(?P<token>[^/]+)/(?P<method>[A-Za-z0-9_]+)$")
_FILE_URL_RE = re.compile(r"/file/bot(?P<token>[^/]+)/(?P<path>.+)$")


@dataclass
class _ChatState:
    chat: dict[str, Any]
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    last_message_id: int = 0
    blocked: bool = False

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id


@dataclass
class _Fault:
    status: int | None
    retry_after: int
    exc: Any
    description: str | None
    remaining: int
    executed: bool = False


class FakeBotAPI(Driver, BaseRequest):
    """A strict fake Telegram Bot API. Pass one instance as both `request` and
    `get_updates_request` of an ApplicationBuilder (see `builder()`)."""

    def __init__(
        self,
        *,
        username: str = "promo_test_bot",
        first_name: str = "Promo Test Bot",
        strict_html: bool = True,
        long_poll_cap: float = 0.05,
        clock: Callable[[], float] = time.time,
        api_json: str | None = None,
    ):
        self.schema = load_schema(api_json)
        self.username = username
        self.first_name = first_name
        self.strict_html = strict_html
        self.long_poll_cap = long_poll_cap
        self.clock = clock
        self.bot_id = 123  # replaced by the numeric part of the token on the first request

        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.uploads: list[Upload] = []
        self.reuses: list[tuple[str, Any]] = []  # (file_id, chat_id) of sends by file_id
        self.commands: dict[tuple[str, str], list[dict]] = {}
        self.webhook: dict[str, Any] | None = None

        self._files: dict[str, Upload] = {}
        self._chats: dict[int, _ChatState] = {}
        self._queries: dict[str, QueryRecord] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._responders: dict[str, Callable[[Call], Any]] = {}
        self._after: list[Callable[[Call], Any]] = []
        self._queue: list[dict[str, Any]] = []
        self._allowed_updates: list[str] = []
        self._last_update_id = 0
        self._last_query_id = 0
        self._last_user_id = 100000
        self._last_group_id = -1001000000000

    # ---- BaseRequest -----------------------------------------------------------------------

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        """Nothing to open; PTB calls this once per role (request and get_updates_request)."""

    async def shutdown(self) -> None:
        """Nothing to close; state stays readable after the application shut down."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        # A real request always suspends the caller; never doing so would run whole handlers
        # inside one event-loop step and hide ordering bugs (and loses PTB's stop_running()).
        await asyncio.sleep(0)
        file_match = _FILE_URL_RE.search(url)
        if file_match:
            return self._download(file_match.group("path"))
        match = _URL_RE.search(url)
        api_method = match.group("method") if match else url.rsplit("/", 1)[-1]
        if match:
            self._note_token(match.group("token"))
        params, files = self._decode(request_data)
        call = Call(api_method, params, files)
        self.calls.append(call)

        fault = self._take_fault(api_method)
        try:
            if fault is not None and not fault.executed:
                call.injected = True
                self._raise_fault(fault)
            result = await self._handle(call)
            if fault is not None:
                # Telegram executed the call; the answer is lost on the way back (a dropped
                # connection, a gateway's 502): the bot cannot know that it took effect.
                call.ok, call.status, call.result, call.injected = True, 200, result, True
                self._raise_fault(fault)
        except ApiError as err:
            call.status, call.description = err.status, err.description
            if not call.injected:
                self.violations.append(f"{api_method}: {err.description}")
            return err.status, json.dumps(err.payload()).encode()
        except Exception as exc:
            # An injected exception, or a bug in the fake or in a responder: PTB will wrap the
            # latter in NetworkError("Unknown error in HTTP implementation"), so say it here too.
            call.description = f"{type(exc).__name__}: {exc}"
            if not call.injected:
                self.violations.append(f"{api_method}: fakebot internal error: {call.description}")
            raise
        call.ok, call.status, call.result = True, 200, result
        for hook in list(self._after):
            outcome = hook(call)
            if inspect.isawaitable(outcome):
                await outcome
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # ---- decoding and dispatch -------------------------------------------------------------

    def _note_token(self, token: str) -> None:
        head = token.split(":", 1)[0]
        if head.isdigit():
            self.bot_id = int(head)

    @staticmethod
    def _decode(request_data: RequestData | None) -> tuple[dict[str, Any], dict[str, Upload]]:
        if request_data is None:
            return {}, {}
        # A JSON round trip gives what the server decodes: tuples become lists and PTB's
        # StringEnum members plain strings.
        params = {k: json.loads(json.dumps(v)) for k, v in request_data.parameters.items()}
        files: dict[str, Upload] = {}
        for part, (filename, content, mimetype) in request_data.multipart_data.items():
            if hasattr(content, "read"):  # PTB passes file handles through since 21.5
                pos = content.tell() if hasattr(content, "tell") else None
                data = content.read()
                if pos is not None and hasattr(content, "seek"):
                    content.seek(pos)
            else:
                data = content
            files[part] = Upload(field=part, filename=filename, data=bytes(data), mimetype=mimetype)
        return params, files

    async def _handle(self, call: Call) -> Any:
        method = call.method
        if not self.schema.has_method(method):
            raise ApiError("Not Found", 404)
        fields = self.schema.method_fields(method)
        for name in PTB_DEFAULTS_FIELDS & (call.params.keys() - fields.keys()):
            call.ignored[name] = call.params.pop(name)
        call.params = self.schema.decode_params(method, call.params)
        problems = self.schema.validate_call(method, call.params, call.files.keys())
        if problems:
            first = problems[0]
            if first.kind == "missing" and first.path == "text" and method == "sendMessage":
                raise ApiError(limits.TEXT_EMPTY)
            raise ApiError(first.describe())
        parsed = limits.check_request(method, call.params, strict_html=self.strict_html)
        if method in self._responders:
            result = self._responders[method](call)
            if inspect.isawaitable(result):
                result = await result
            return result
        handler = getattr(self, "_api_" + method, None)
        if handler is not None:
            result = handler(call, parsed)
            if inspect.isawaitable(result):
                result = await result
            return result
        return self._generic(call, parsed)

    def _generic(self, call: Call, parsed: dict[str, Formatted]) -> Any:
        returns = self.schema.returns(call.method)
        if call.method.startswith(("edit", "stop")) and "Message" in returns:
            target = self._edit_target(call)  # e.g. editMessageLiveLocation: same message back
            return target.data_copy if target is not None else True
        if "Message" in returns and "chat_id" in call.params:
            chat = self._chat(call.params["chat_id"])
            for part in call.files.values():
                self._store_upload(part, chat)
            return self._new_bot_message(chat, call, caption=parsed.get("caption")).data_copy
        if returns == ["Array of Message"] and "chat_id" in call.params:
            chat = self._chat(call.params["chat_id"])
            for part in call.files.values():
                self._store_upload(part, chat)
            items = call.params.get("media") or [None]
            return [self._new_bot_message(chat, call).data_copy for _ in items]
        if "Boolean" in returns:
            return True
        raise ApiError(
            f"fakebot does not model {call.method} (returns {' or '.join(returns)}); "
            f"register a responder with fake.on({call.method!r}, ...)",
            status=501,
        )

    # ---- faults and responders -------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int | None = 429,
        retry_after: int = 1,
        *,
        exc: Any = None,
        times: int = 1,
        description: str | None = None,
        executed: bool = False,
    ) -> None:
        """Make the next `times` calls of `method` ("*" = any but getUpdates) fail: with an HTTP
        `status` (429 carries `retry_after`), or by raising `exc` (class or instance, e.g.
        telegram.error.TimedOut) from do_request. Injected failures are not violations.

        With `executed=True` the call is carried out first (the message is sent, the query
        answered) and only then fails: the connection dropped after Telegram acted on it."""
        self._faults.setdefault(method, []).append(
            _Fault(None if exc is not None else status, retry_after, exc, description, times, executed)
        )

    def _take_fault(self, method: str) -> _Fault | None:
        for key in (method, "*"):
            if key == "*" and method == "getUpdates":
                continue
            queue = self._faults.get(key)
            if queue:
                fault = queue[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.pop(0)
                return fault
        return None

    @staticmethod
    def _raise_fault(fault: _Fault) -> None:
        if fault.exc is not None:
            raise fault.exc() if isinstance(fault.exc, type) else fault.exc
        status = fault.status or 500
        if status == 429:
            raise ApiError(
                fault.description or f"Too Many Requests: retry after {fault.retry_after}",
                429,
                {"retry_after": fault.retry_after},
            )
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        raise ApiError(fault.description or phrase, status)

    def on(self, method: str, responder: Callable[[Call], Any]) -> None:
        """Answer `method` with `responder(call)` (sync or async; its value is the `result`;
        raise ApiError to refuse) after validation. For methods the fake does not model."""
        self._responders[method] = responder

    def after_call(self, hook: Callable[[Call], Any]) -> None:
        """Call `hook(call)` (sync or async) after each successful call, before the bot gets the
        answer: the moment Telegram has acted and the bot does not know it yet (e.g. to kill the
        process right when a message is on the officer's screen)."""
        self._after.append(hook)

    # ---- chats, users, messages ------------------------------------------------------------

    @property
    def bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.first_name, "username": self.username}

    def now(self) -> int:
        return int(self.clock())

    def user(
        self,
        id: int | None = None,
        first_name: str = "测试用户",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
    ) -> FakeUser:
        """A Telegram user who has started the bot (so the bot may write to them)."""
        if id is None:
            self._last_user_id += 1
            id = self._last_user_id
        person = FakeUser(id, first_name, last_name, username, language_code)
        self._register_chat(person.chat_dict())
        return person

    def group(
        self,
        id: int | None = None,
        title: str = "测试群",
        *,
        username: str | None = None,
        type: str | None = None,
    ) -> FakeChat:
        """A group the bot is a member of; ids starting -100 are supergroups, as in Telegram."""
        if id is None:
            self._last_group_id -= 1
            id = self._last_group_id
        kind = type or ("supergroup" if str(id).startswith("-100") else "group")
        chat = FakeChat(id, kind, title, username)
        self._register_chat(chat.to_dict())
        return chat

    def block(self, user: FakeUser | int, blocked: bool = True) -> None:
        """The user blocks the bot: sends to them answer 403 as in Telegram."""
        chat_id = user if isinstance(user, int) else user.id
        self._chat_state(chat_id).blocked = blocked

    def _register_chat(self, chat: dict[str, Any]) -> _ChatState:
        state = self._chats.get(chat["id"])
        if state is None:
            state = self._chats[chat["id"]] = _ChatState(dict(chat))
        else:
            state.chat.update(chat)
        return state

    def _chat_state(self, chat_id: int) -> _ChatState:
        if chat_id not in self._chats:
            raise KeyError(f"fakebot knows no chat {chat_id}; create it with fake.user() or fake.group()")
        return self._chats[chat_id]

    def _chat(self, chat_id: Any) -> _ChatState:
        """The chat a request names, with Telegram's answers for unknown and blocked chats."""
        state = None
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            wanted = chat_id[1:].lower()
            state = next((s for s in self._chats.values()
                          if str(s.chat.get("username", "")).lower() == wanted), None)
        elif isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
            state = self._chats.get(int(chat_id))
        elif isinstance(chat_id, int):
            state = self._chats.get(chat_id)
        if state is None:
            raise ApiError("Bad Request: chat not found")
        if state.blocked:
            raise ApiError("Forbidden: bot was blocked by the user", 403)
        return state

    def _new_bot_message(
        self,
        chat: _ChatState,
        call: Call,
        *,
        text: Formatted | None = None,
        caption: Formatted | None = None,
        extra: dict[str, Any] | None = None,
    ) -> StoredMessage:
        mid = chat.next_message_id()
        data = message_dict(message_id=mid, date=self.now(), chat=dict(chat.chat), sender=self.bot_user)
        if text is not None:
            data["text"] = text.text
            if text.entities:
                data["entities"] = text.entities
        if extra:
            data.update(extra)
        if caption is not None:
            data["caption"] = caption.text
            if caption.entities:
                data["caption_entities"] = caption.entities
        markup = _inline_markup(call.params.get("reply_markup"))
        if markup:
            data["reply_markup"] = markup
        reply_to = self._replied(chat, call.params.get("reply_parameters"))
        if reply_to is not None:
            data["reply_to_message"] = reply_to
        shown = text or caption
        stored = StoredMessage(
            chat_id=chat.chat["id"],
            message_id=mid,
            from_bot=True,
            data=data,
            plain=shown.text if shown else None,
            entities=list(shown.entities) if shown else [],
            markup=markup,
        )
        chat.messages[mid] = stored
        return stored

    def _replied(self, chat: _ChatState, reply: Any) -> dict[str, Any] | None:
        if not isinstance(reply, dict):
            return None
        target_chat = chat
        if "chat_id" in reply:
            target_chat = self._chat(reply["chat_id"])
        target = target_chat.messages.get(reply.get("message_id"))
        if target is None or target.deleted:
            if reply.get("allow_sending_without_reply"):
                return None
            raise ApiError("Bad Request: message to be replied not found")
        replied = copy.deepcopy(target.data)
        replied.pop("reply_to_message", None)  # Telegram nests replies one level only
        return replied

    def store_user_message(
        self, user: FakeUser, text: str | None, chat: FakeChat | dict | None = None, **extra: Any
    ) -> StoredMessage:
        """Record a message from `user` (in their private chat unless `chat`) and return it."""
        chat_dict = chat.to_dict() if isinstance(chat, FakeChat) else (chat or user.chat_dict())
        state = self._register_chat(chat_dict)
        mid = state.next_message_id()
        entities = command_entities(text) if text else []
        data = message_dict(
            message_id=mid, date=self.now(), chat=dict(state.chat), sender=user.to_dict(),
            text=text, entities=entities, **extra,
        )
        stored = StoredMessage(state.chat["id"], mid, False, data, plain=text, entities=entities)
        state.messages[mid] = stored
        return stored

    def messages(self, chat_id: Any) -> list[StoredMessage]:
        """Current (not deleted) messages of a chat, oldest first."""
        state = self._chats.get(_chat_key(chat_id))
        if state is None:
            return []
        return [m for m in state.messages.values() if not m.deleted]

    def message(self, chat_id: Any, message_id: int) -> StoredMessage | None:
        state = self._chats.get(_chat_key(chat_id))
        return state.messages.get(message_id) if state else None

    # ---- files -----------------------------------------------------------------------------

    def _store_upload(self, part: Upload, chat: _ChatState) -> Upload:
        if not part.file_id:
            n = len(self._files) + 1
            part.file_id = f"file-{n}"
            part.chat_id = chat.chat["id"]
            self._files[part.file_id] = part
            self.uploads.append(part)
        return part

    def add_file(self, data: bytes, filename: str = "file.bin", mimetype: str | None = None) -> str:
        """A file that exists on 'Telegram's servers' (e.g. one a user sent); returns its file_id."""
        n = len(self._files) + 1
        mime = mimetype or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        up = Upload(field="", filename=filename, data=data, mimetype=mime, file_id=f"file-{n}")
        self._files[up.file_id] = up
        return up.file_id

    def _file_for(self, call: Call, field_name: str, chat: _ChatState) -> Upload:
        """The file a send method names: a fresh upload, a known file_id, or an HTTP URL."""
        value = call.params.get(field_name)
        part_name = field_name
        if isinstance(value, str) and value.startswith("attach://"):
            part_name = value[len("attach://"):]
        if part_name in call.files:
            return self._store_upload(call.files[part_name], chat)
        if isinstance(value, str) and value in self._files:
            call.reused_file_id = value
            self.reuses.append((value, chat.chat["id"]))
            return self._files[value]
        if isinstance(value, str) and re.match(r"https?://[^\s/]+\.[^\s]+$", value):
            name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
            return self._files[self.add_file(b"", name)]
        raise ApiError("Bad Request: wrong file identifier/HTTP URL specified")

    @staticmethod
    def _file_dict(up: Upload, *, with_name: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file_id": up.file_id,
            "file_unique_id": "u" + up.file_id,
            "file_size": up.size,
        }
        if with_name:
            data["file_name"] = up.filename
            data["mime_type"] = up.mimetype
        return data

    @staticmethod
    def _file_path(up: Upload) -> str:
        # Telegram's paths are ASCII ("documents/file_3.pdf") whatever the upload was called.
        suffix = "".join(PurePosixPath(up.filename).suffixes[-1:])
        suffix = suffix if suffix.isascii() else ""
        return f"documents/{up.file_id.replace('-', '_')}{suffix}"

    def _download(self, path: str) -> tuple[int, bytes]:
        path = unquote(path)  # PTB percent-encodes the path (and the token) of file URLs
        for up in self._files.values():
            if self._file_path(up) == path:
                return 200, up.data
        return 404, json.dumps(ApiError("Not Found", 404).payload()).encode()

    # ---- Bot API methods -------------------------------------------------------------------
    # Named _api_<method>; each gets the validated call and the parsed text/caption.

    def _api_getMe(self, call: Call, parsed: dict) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_logOut(self, call: Call, parsed: dict) -> bool:
        return True

    def _api_close(self, call: Call, parsed: dict) -> bool:
        return True

    def _api_sendMessage(self, call: Call, parsed: dict) -> dict[str, Any]:
        chat = self._chat(call.params["chat_id"])
        return self._new_bot_message(chat, call, text=parsed["text"]).data_copy

    def _source_message(self, call: Call, what: str) -> StoredMessage:
        source = self._chat(call.params["from_chat_id"]).messages.get(call.params["message_id"])
        if source is None or source.deleted:
            raise ApiError(f"Bad Request: message to {what} not found")
        return source

    def _api_forwardMessage(self, call: Call, parsed: dict) -> dict[str, Any]:
        source = self._source_message(call, "forward")
        chat = self._chat(call.params["chat_id"])
        stored = self._new_bot_message(chat, call)
        for key in ("text", "entities", "caption", "caption_entities", "document", "photo"):
            if key in source.data:
                stored.data[key] = copy.deepcopy(source.data[key])
        stored.plain, stored.entities = source.plain, list(source.entities)
        stored.data["forward_origin"] = {"type": "user", "date": source.data["date"],
                                         "sender_user": source.data["from"]}
        return stored.data_copy

    def _api_copyMessage(self, call: Call, parsed: dict) -> dict[str, Any]:
        source = self._source_message(call, "copy")
        chat = self._chat(call.params["chat_id"])
        stored = self._new_bot_message(chat, call, caption=parsed.get("caption"))
        for key in ("text", "entities", "caption", "caption_entities", "document", "photo"):
            if key in source.data and not (key.startswith("caption") and "caption" in call.params):
                stored.data[key] = copy.deepcopy(source.data[key])
        if "caption" not in call.params:
            stored.plain, stored.entities = source.plain, list(source.entities)
        return {"message_id": stored.message_id}

    def _api_sendDocument(self, call: Call, parsed: dict) -> dict[str, Any]:
        chat = self._chat(call.params["chat_id"])
        up = self._file_for(call, "document", chat)
        extra = {"document": self._file_dict(up)}
        return self._new_bot_message(chat, call, caption=parsed.get("caption"), extra=extra).data_copy

    def _api_sendPhoto(self, call: Call, parsed: dict) -> dict[str, Any]:
        chat = self._chat(call.params["chat_id"])
        up = self._file_for(call, "photo", chat)
        size = {**self._file_dict(up, with_name=False), "width": 800, "height": 600}
        extra = {"photo": [size]}
        return self._new_bot_message(chat, call, caption=parsed.get("caption"), extra=extra).data_copy

    def _api_getFile(self, call: Call, parsed: dict) -> dict[str, Any]:
        up = self._files.get(call.params["file_id"])
        if up is None:
            raise ApiError("Bad Request: invalid file_id")
        return {**self._file_dict(up, with_name=False), "file_path": self._file_path(up)}

    def _api_sendChatAction(self, call: Call, parsed: dict) -> bool:
        self._chat(call.params["chat_id"])
        return True

    def _api_getChat(self, call: Call, parsed: dict) -> dict[str, Any]:
        chat = self._chat(call.params["chat_id"])
        return {
            **chat.chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                "premium_subscription": False, "gifts_from_channels": False,
            },
        }

    def _edit_target(self, call: Call) -> StoredMessage | None:
        """The bot message an edit names; None for inline messages, which the fake doesn't track."""
        p = call.params
        if "inline_message_id" in p:
            return None
        if "chat_id" not in p:
            raise ApiError("Bad Request: chat_id is empty")
        if "message_id" not in p:
            raise ApiError("Bad Request: message identifier is not specified")
        chat = self._chat(p["chat_id"])
        target = chat.messages.get(p["message_id"])
        if target is None or target.deleted:
            raise ApiError("Bad Request: message to edit not found")
        if not target.from_bot:
            raise ApiError("Bad Request: message can't be edited")
        return target

    def _edited(self, target: StoredMessage, markup: dict | None) -> dict[str, Any]:
        target.markup = markup
        if markup:
            target.data["reply_markup"] = markup
        else:
            target.data.pop("reply_markup", None)
        target.data["edit_date"] = self.now()
        return target.data_copy

    def _api_editMessageText(self, call: Call, parsed: dict) -> Any:
        target = self._edit_target(call)
        if target is None:
            return True
        if "text" not in target.data:
            raise ApiError("Bad Request: there is no text in the message to edit")
        new = parsed["text"]
        markup = _inline_markup(call.params.get("reply_markup"))
        if new.text == target.plain and new.entities == target.entities and markup == target.markup:
            raise ApiError(NOT_MODIFIED)
        target.plain, target.entities = new.text, list(new.entities)
        target.data["text"] = new.text
        if new.entities:
            target.data["entities"] = new.entities
        else:
            target.data.pop("entities", None)
        return self._edited(target, markup)

    def _api_editMessageCaption(self, call: Call, parsed: dict) -> Any:
        target = self._edit_target(call)
        if target is None:
            return True
        if "text" in target.data:
            raise ApiError("Bad Request: there is no caption in the message to edit")
        new = parsed.get("caption") or Formatted("")
        markup = _inline_markup(call.params.get("reply_markup"))
        if new.text == (target.plain or "") and new.entities == target.entities and markup == target.markup:
            raise ApiError(NOT_MODIFIED)
        target.plain, target.entities = new.text, list(new.entities)
        if new.text:
            target.data["caption"] = new.text
        else:
            target.data.pop("caption", None)
        if new.entities:
            target.data["caption_entities"] = new.entities
        else:
            target.data.pop("caption_entities", None)
        return self._edited(target, markup)

    def _api_editMessageReplyMarkup(self, call: Call, parsed: dict) -> Any:
        target = self._edit_target(call)
        if target is None:
            return True
        markup = _inline_markup(call.params.get("reply_markup"))
        if markup == target.markup:
            raise ApiError(NOT_MODIFIED)
        return self._edited(target, markup)

    def _api_deleteMessage(self, call: Call, parsed: dict) -> bool:
        chat = self._chat(call.params["chat_id"])
        target = chat.messages.get(call.params["message_id"])
        if target is None or target.deleted:
            raise ApiError("Bad Request: message to delete not found")
        target.deleted = True
        return True

    def _api_deleteMessages(self, call: Call, parsed: dict) -> bool:
        chat = self._chat(call.params["chat_id"])
        for mid in call.params["message_ids"]:
            if mid in chat.messages:
                chat.messages[mid].deleted = True
        return True

    def _answer(self, call: Call, query_id: str, kind: str) -> bool:
        record = self._queries.get(query_id)
        if record is None or record.kind != kind or record.answered:
            raise ApiError(QUERY_TOO_OLD)
        record.answered, record.answer = True, call
        return True

    def _api_answerCallbackQuery(self, call: Call, parsed: dict) -> bool:
        return self._answer(call, call.params["callback_query_id"], "callback_query")

    def _api_answerInlineQuery(self, call: Call, parsed: dict) -> bool:
        return self._answer(call, call.params["inline_query_id"], "inline_query")

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.get("language_code") or ""

    def _api_setMyCommands(self, call: Call, parsed: dict) -> bool:
        self.commands[self._commands_key(call.params)] = list(call.params["commands"])
        return True

    def _api_getMyCommands(self, call: Call, parsed: dict) -> list[dict]:
        return copy.deepcopy(self.commands.get(self._commands_key(call.params), []))

    def _api_deleteMyCommands(self, call: Call, parsed: dict) -> bool:
        self.commands.pop(self._commands_key(call.params), None)
        return True

    def _api_setWebhook(self, call: Call, parsed: dict) -> bool:
        url = call.params["url"]
        if url and not url.startswith("https://"):
            raise ApiError("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = dict(call.params) if url else None
        return True

    def _api_deleteWebhook(self, call: Call, parsed: dict) -> bool:
        self.webhook = None
        if call.params.get("drop_pending_updates"):
            self._queue.clear()
        return True

    def _api_getWebhookInfo(self, call: Call, parsed: dict) -> dict[str, Any]:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }

    async def _api_getUpdates(self, call: Call, parsed: dict) -> list[dict]:
        if self.webhook:
            raise ApiError(
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
                409,
            )
        p = call.params
        if "allowed_updates" in p:
            self._allowed_updates = list(p["allowed_updates"])
        offset = p.get("offset")
        if isinstance(offset, int) and offset < 0:
            self._queue = self._queue[offset:]
        elif isinstance(offset, int) and offset > 0:
            # An offset confirms (and so forgets) every update below it.
            self._queue = [u for u in self._queue if u["update_id"] >= offset]
        limit = p.get("limit", 100)
        if not 1 <= limit <= 100:
            limit = 100
        # Long polling is capped so that a polling test never waits for Telegram's timeout.
        wait = min(float(p.get("timeout", 0) or 0), self.long_poll_cap)
        deadline = time.monotonic() + wait
        while not self._deliverable() and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        return copy.deepcopy(self._deliverable()[:limit])

    def _deliverable(self) -> list[dict[str, Any]]:
        if not self._allowed_updates:
            return self._queue
        allowed = set(self._allowed_updates)
        return [u for u in self._queue if allowed & (set(u) - {"update_id"})]


def _inline_markup(markup: Any) -> dict | None:
    """The markup Telegram keeps on a message: inline keyboards with buttons only."""
    if isinstance(markup, dict) and any(markup.get("inline_keyboard") or []):
        return copy.deepcopy(markup)
    return None


def _chat_key(chat_id: Any) -> Any:
    if isinstance(chat_id, (FakeUser, FakeChat)):
        return chat_id.id
    if isinstance(chat_id, str) and re.fullmatch(r"-?\d+", chat_id):
        return int(chat_id)
    return chat_id
