"""`python bot.py [run] [options]`: the bot on Telegram (token set) or the console chat."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sys

from telegram import Update

from promo.cli import build_parser
from promo.config import ConfigError, Settings
from promo.lists.loader import DataError
from promo.services import Services

from .app import build_application
from .console import CONSOLE_USER, LOG_FORMAT, ConsoleBotAPI, console_logging, run_console

log = logging.getLogger("promo")


def settings_from(args) -> Settings:
    settings = Settings.load()
    if args.data:
        settings.data_dir = args.data.resolve()
        if "PROMO_DB_URL" not in __import__("os").environ:
            settings.db_url = f"sqlite:///{settings.data_dir / 'var' / 'promo.db'}"
    for name in ("api_url", "listen", "port", "secret_token"):
        value = getattr(args, name, None)
        if value:
            setattr(settings, name, value.rstrip("/") if name == "api_url" else value)
    if args.webhook:
        settings.webhook_url = args.webhook
    return settings


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(["run", *argv])
    try:
        settings = settings_from(args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    console = args.console or not settings.token
    if console:
        settings.users = [*settings.users, {"user_id": CONSOLE_USER["id"], "role": "admin",
                                            "unit": "本地控制台", "name": "控制台"}]
        settings.reload_seconds = 0
        var = settings.data_dir / "var"
        api = ConsoleBotAPI(outbox=var / "outbox")
        log_path = console_logging(api, var / "console.log", settings.log_level)   # the screen is the chat
    else:
        logging.basicConfig(level=settings.log_level, format=LOG_FORMAT)
    logging.getLogger("httpx").setLevel(logging.WARNING)   # its lines carry the token in the URL
    services = Services(settings)
    try:
        services.start()
    except DataError as exc:
        print(*exc.problems, sep="\n", file=sys.stderr)
        print("\nThe lists are broken; fix them (python bot.py check) and start again.", file=sys.stderr)
        return 1
    if console:
        app = build_application(settings, services, request=api, rate_limiter=False)
        try:
            asyncio.run(run_console(app, api, log_path=log_path))
        except KeyboardInterrupt:      # Ctrl-C: run_console has already shut the application down
            pass
        return 0
    app = build_application(settings, services)
    log.info("starting the bot (%s)", "webhook" if settings.webhook_url else "long polling")
    if settings.webhook_url:
        path = hashlib.sha256(settings.token.encode()).hexdigest()[:24]   # never the token in a URL
        app.run_webhook(listen=settings.listen, port=settings.port, url_path=path,
                        webhook_url=f"{settings.webhook_url.rstrip('/')}/{path}",
                        secret_token=settings.secret_token, allowed_updates=Update.ALL_TYPES)
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0
