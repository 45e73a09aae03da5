"""The strict fake as a Bot API server over HTTP, for bots in other processes.

    fake = FakeBotAPI()
    server = FakeBotHTTP(fake)
    await server.start()                     # on 127.0.0.1, a free port, in the running loop
    env["BOT_API_URL"] = server.url          # the bot's requests: {url}/bot<token>/<method>
    update = server.text_update(user, "/start")          # what Telegram would deliver
    update = server.press_update(user, card_call, "✅ 保存")

Each request is decoded as Telegram decodes PTB's (a form, or multipart with files; nested
objects and non-string values are JSON) and goes through `FakeBotAPI.do_request`, so every
check of the in-process fake applies and the state (`fake.calls`, chats, queries) is the same.
Files are served at {url}/file/bot<token>/<path>.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from typing import Any

import tornado.httpserver
import tornado.web

from .drive import _find_button
from .model import FakeBotUsageError, QueryRecord
from .server import FakeBotAPI
from .updates import FakeChat, FakeUser, callback_query_dict


@dataclass
class _Wire:
    """What `FakeBotAPI._decode` reads of PTB's RequestData."""

    parameters: dict[str, Any]
    multipart_data: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)


def _typed(fake: FakeBotAPI, method: str, name: str, text: str) -> Any:
    """A form value as the field's type: strings stay strings, the rest is JSON."""
    if not fake.schema.has_method(method):
        return text
    spec = fake.schema.method_fields(method).get(name)
    if spec is None or "String" in spec["types"]:
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


class _Api(tornado.web.RequestHandler):
    def initialize(self, fake: FakeBotAPI) -> None:
        self.fake = fake

    async def _serve(self) -> None:
        path = self.request.path
        method = path.rsplit("/", 1)[-1]
        params = {name: _typed(self.fake, method, name, values[-1].decode("utf-8"))
                  for name, values in self.request.body_arguments.items()}
        for name, values in self.request.query_arguments.items():
            params.setdefault(name, _typed(self.fake, method, name, values[-1].decode("utf-8")))
        files = {name: (f[-1].filename, f[-1].body, f[-1].content_type) for name, f in self.request.files.items()}
        status, body = await self.fake.do_request(path, self.request.method or "POST", _Wire(params, files))
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(body)

    async def post(self, *args: str) -> None:
        await self._serve()

    async def get(self, *args: str) -> None:
        await self._serve()


class FakeBotHTTP:
    def __init__(self, fake: FakeBotAPI, host: str = "127.0.0.1", port: int = 0):
        self.fake = fake
        self.host = host
        self.port = port
        self._server: tornado.httpserver.HTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> FakeBotHTTP:
        app = tornado.web.Application([(r"/.*", _Api, {"fake": self.fake})], log_function=lambda handler: None)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(128)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(app)
        self._server.add_sockets([sock])
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None

    # ---- what Telegram delivers ------------------------------------------------------------

    def text_update(self, user: FakeUser, text: str, chat: FakeChat | None = None) -> dict[str, Any]:
        """The update for `user` writing `text` (recorded in the chat as the user's message)."""
        message = self.fake.store_user_message(user, text, chat)
        return {"update_id": self.fake._next_update_id(), "message": message.data_copy}

    def press_update(self, user: FakeUser, message: Any, button: str, *,
                     chat: FakeChat | None = None) -> dict[str, Any]:
        """The update for `user` pressing `button` (text or callback_data) on a bot message."""
        target = self.fake._resolve_message(message, chat.id if chat else user.id)
        chosen = _find_button(target, button)
        if "callback_data" not in chosen:
            raise FakeBotUsageError(f"button {chosen['text']!r} is not a callback button")
        query_id = self.fake._next_query_id("cq")
        self.fake._queries[query_id] = QueryRecord(query_id, "callback_query", user.id, chosen["callback_data"])
        query = callback_query_dict(query_id=query_id, user=user, message=target.data_copy,
                                    data=chosen["callback_data"])
        return {"update_id": self.fake._next_update_id(), "callback_query": query}
