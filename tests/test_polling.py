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
from .sample import FEIHE_VP, person

TOKEN = "123456:TEST-token"
OFFICER = 4242


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.paths: list[str] = []
        self.webhook: dict | None = None
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
        elif method == "setWebhook":
            self.server.webhook = params
            result = True
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
    assert person(FEIHE_VP).name in card["text"] and "说什么" in card["text"]
    assert all(p.startswith(f"/bot{TOKEN}/") for p in server.paths)
    assert TOKEN not in out + err                              # the token is never logged
    assert bot.returncode == 0


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webhook_mode_checks_the_secret_and_answers(tmp_path):
    import urllib.error
    import urllib.request

    server = FakeServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = _free_port()
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "BOT_API_URL": f"http://127.0.0.1:{server.server_port}",
           "PROMO_USERS": f"{OFFICER}:officer:北安市", "PROMO_DB_URL": f"sqlite:///{tmp_path / 'w.db'}",
           "PROMO_ENV_FILE": str(tmp_path / "none"), "PROMO_LOG_LEVEL": "WARNING"}
    bot = subprocess.Popen([sys.executable, "bot.py", "--webhook", "https://bot.example.org/hook", "--listen",
                            "127.0.0.1", "--port", str(port), "--secret-token", "S3cret"],
                           cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while server.webhook is None and time.monotonic() < deadline and bot.poll() is None:
            time.sleep(0.1)
        assert server.webhook, bot.stderr.read() if bot.poll() is not None else "no setWebhook"
        url = server.webhook["url"]
        assert url.startswith("https://bot.example.org/hook/") and TOKEN not in url
        assert server.webhook["secret_token"] == "S3cret"
        path = url.rsplit("/", 1)[-1]
        update = json.dumps(server.pending[0]).encode()

        def post(secret):
            request = urllib.request.Request(f"http://127.0.0.1:{port}/{path}", data=update, method="POST",
                                             headers={"Content-Type": "application/json",
                                                      "X-Telegram-Bot-Api-Secret-Token": secret})
            for _ in range(50):   # the listener may still be starting
                try:
                    return urllib.request.urlopen(request, timeout=5).status
                except urllib.error.HTTPError as exc:
                    return exc.code
                except OSError:
                    time.sleep(0.2)
            raise AssertionError("webhook listener never answered")

        assert post("wrong") == 403
        assert not server.sent
        assert post("S3cret") == 200
        while not server.sent and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        bot.send_signal(signal.SIGINT)
        try:
            bot.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            bot.kill()
        server.shutdown()
    assert server.sent and person(FEIHE_VP).name in server.sent[0]["text"]
