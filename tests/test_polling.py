"""`python bot.py` with a token, pointed at a Bot API server on 127.0.0.1 (BOT_API_URL): the
real long-polling path, over HTTP, answers an officer. The strict checks of every request are
the in-process fake's job (tests/fakebot); this test proves the process wiring and the URL
layout `{BOT_API_URL}/bot<token>/<method>`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .conftest import ROOT

TOKEN = "123456:TEST-token"
OFFICER = 4242


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.paths: list[str] = []
        self.sent: list[dict] = []
        self.pending = [{"update_id": 1, "message": {
            "message_id": 1, "date": int(time.time()), "text": "飞鹤乳业 副总 北京 奶粉",
            "chat": {"id": OFFICER, "type": "private", "first_name": "刘"},
            "from": {"id": OFFICER, "is_bot": False, "first_name": "刘"}}}]


class Handler(BaseHTTPRequestHandler):
    server: FakeServer

    def log_message(self, *args):   # keep the test output clean
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        params = {k: v[0] for k, v in urllib.parse.parse_qs(body).items()}
        self.server.paths.append(self.path)
        method = self.path.rsplit("/", 1)[-1]
        if method == "getMe":
            result = {"id": 123456, "is_bot": True, "first_name": "招商助手", "username": "promo_bot"}
        elif method == "getUpdates":
            offset = int(params.get("offset", 0))
            result = [u for u in self.server.pending if u["update_id"] >= offset]
            if not result:
                time.sleep(0.2)
        elif method == "sendMessage":
            self.server.sent.append(params)
            result = {"message_id": 100 + len(self.server.sent), "date": int(time.time()),
                      "chat": {"id": int(params["chat_id"]), "type": "private"}, "text": params["text"]}
        else:
            result = True
        payload = json.dumps({"ok": True, "result": result}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def test_long_polling_against_a_local_bot_api_server(tmp_path):
    server = FakeServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "BOT_API_URL": f"http://127.0.0.1:{server.server_port}",
           "PROMO_USERS": f"{OFFICER}:officer:北安市", "PROMO_DB_URL": f"sqlite:///{tmp_path / 'p.db'}",
           "PROMO_ENV_FILE": str(tmp_path / "none"), "PROMO_LOG_LEVEL": "WARNING"}
    bot = subprocess.Popen([sys.executable, "bot.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while not server.sent and time.monotonic() < deadline and bot.poll() is None:
            time.sleep(0.1)
        assert server.sent, f"no reply; bot exit {bot.poll()}: {bot.stderr.read() if bot.poll() is not None else ''}"
    finally:
        bot.send_signal(signal.SIGINT)
        try:
            out, err = bot.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            bot.kill()
            out, err = bot.communicate()
        server.shutdown()
    card = server.sent[0]
    assert int(card["chat_id"]) == OFFICER and card["parse_mode"] == "HTML"
    assert "曾立群" in card["text"] and "说什么" in card["text"]
    assert all(p.startswith(f"/bot{TOKEN}/") for p in server.paths)
    assert TOKEN not in out + err                              # the token is never logged
    assert bot.returncode == 0
