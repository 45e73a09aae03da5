"""`python bot.py [run] [options]`: the bot on Telegram (token set) or the console chat."""

from __future__ import annotations

import asyncio
import logging
import os
import sys

from telegram import Update

from promo.cli import build_parser
from promo.config import ConfigError, Settings
from promo.lists.loader import DataError
from promo.services import Services

from . import webhook
from .app import build_application
from .console import CONSOLE_USER, LOG_FORMAT, ConsoleBotAPI, console_logging, run_console
from .dispatcher import webhook_path
from .processor import OfficerUpdateProcessor
from .webhook import WORKER_PATH

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
    worker_urls = args.worker_url or [u.strip() for u in os.environ.get("PROMO_WORKER_URLS", "").split(",")
                                      if u.strip()]
    if args.worker is None and (args.workers or args.worker_url) and not settings.webhook_url:
        print("configuration error: --workers and --worker-url need --webhook URL (or PROMO_WEBHOOK_URL)",
              file=sys.stderr)
        return 2
    if args.worker is None and settings.webhook_url and (args.workers or worker_urls):
        return run_dispatcher(settings, args.workers, worker_urls, args.worker_port, args.hold_seconds)
    if args.worker is not None and not settings.token:
        print("configuration error: a worker needs TELEGRAM_BOT_TOKEN", file=sys.stderr)
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
    mode = f"worker {args.worker}" if args.worker is not None else "webhook" if settings.webhook_url else "long polling"
    log.info("starting the bot (%s)", mode)
    # admission on the raw update (issue 16 item 4; handlers/processor.py, handlers/webhook.py)
    admission = app.update_processor if isinstance(app.update_processor, OfficerUpdateProcessor) else None
    if args.worker is not None or settings.webhook_url:
        parent = os.environ.get("PROMO_SUPERVISED_BY")
        if args.worker is not None:        # behind the dispatcher: the same intake, no setWebhook
            path, url = WORKER_PATH, None
        else:
            assert settings.token and settings.webhook_url
            path = webhook_path(settings.token)   # never the token in a URL
            url = f"{settings.webhook_url.rstrip('/')}/{path}"
        serving = webhook.serve(app, listen=settings.listen, port=settings.port, path=path,
                                secret=settings.secret_token, admission=admission, name=args.worker or "",
                                webhook_url=url, parent_pid=int(parent) if parent and parent.isdigit() else None)
        try:
            asyncio.run(serving)
        except KeyboardInterrupt:      # Ctrl-C before the signal handlers were set
            pass
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


def run_dispatcher(settings: Settings, workers: int, worker_urls: list[str], worker_port: int | None,
                   hold: float | None = None) -> int:
    """`--webhook URL --workers N` or `--webhook URL --worker-url …`: the dispatcher
    (handlers/dispatcher.py); it loads no lists and opens no database."""
    from . import dispatcher

    if not settings.token:
        print("configuration error: the dispatcher needs TELEGRAM_BOT_TOKEN", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        asyncio.run(dispatcher.serve(settings, workers=workers, worker_urls=worker_urls, worker_port=worker_port,
                                     hold=dispatcher.HOLD if hold is None else hold))
    except KeyboardInterrupt:
        pass
    return 0
