"""Wiring: the Application, its handlers in one visible block, menus and the domain object.

The domain object (`promo.services.Services`) is started before the application (so broken
lists stop the bot with the same messages as `bot.py check`), put into `bot_data` in
post_init and stopped in post_shutdown.
"""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes
from telegram.request import BaseRequest, HTTPXRequest

from promo.config import Settings
from promo.services import Services

from . import admin, answer, errors, fallback, inline, start
from .processor import OfficerUpdateProcessor
from .ratelimit import TelegramRateLimiter
from .retry import PromoBuilder, RetryingRequest

log = logging.getLogger(__name__)


def features():
    """Feature modules in handler order. Order matters: deep-link /start before plain /start,
    conversations (tour, meeting forms) before the plain-text answer card, which takes any text;
    the fallback last, so it answers only what no feature took."""
    mods = [start, admin]
    for optional in ("handlers.tour", "handlers.meetings", "handlers.projects", "handlers.followups"):
        try:
            mods.append(__import__(optional, fromlist=["handlers"]))
        except ImportError:
            pass
    return [*mods, answer, inline, fallback]


def build_application(settings: Settings, services: Services, *, request: BaseRequest | None = None,
                      updates_request: BaseRequest | None = None, rate_limiter: bool = True,
                      retry_backoff: float = 0.5, persistence=None) -> Application:
    """`persistence`: None = our SQL persistence, False = none, or a BasePersistence."""
    builder = PromoBuilder().token(settings.token or "0:console")
    if settings.api_url:
        builder = builder.base_url(f"{settings.api_url}/bot").base_file_url(f"{settings.api_url}/file/bot")
    builder = builder.request(RetryingRequest(request or HTTPXRequest(connection_pool_size=16), backoff=retry_backoff))
    builder = builder.get_updates_request(RetryingRequest(updates_request or request or HTTPXRequest(),
                                                          backoff=retry_backoff))
    if rate_limiter:
        builder = builder.rate_limiter(TelegramRateLimiter())   # issue 16: Telegram's limits, 429 retried
    builder = builder.concurrent_updates(OfficerUpdateProcessor())   # issue 16: concurrent, per-officer order
    if persistence is None:
        from promo.kvstore import KVStore

        from .persistence import SQLPersistence

        persistence = SQLPersistence(KVStore(services.db))
    if persistence is not False:
        builder = builder.persistence(persistence)
    app = builder.post_init(_post_init).post_shutdown(_post_shutdown).build()
    app.bot_data["svc"] = services
    app.bot_data["_svc"] = services   # restored after persistence replaces bot_data on initialize
    mods = features()
    for mod in mods:
        app.add_handlers(mod.handlers())
    app.add_error_handler(errors.error_handler)
    app.bot_data["_features"] = mods
    return app


async def _post_init(app: Application) -> None:
    app.bot_data["svc"] = svc = app.bot_data.get("_svc") or app.bot_data["svc"]
    mods = app.bot_data["_features"]
    app.bot_data["commands"] = [c for mod in mods for c in getattr(mod, "COMMANDS", [])]
    for mod in mods:
        hook = getattr(mod, "post_init", None)
        if hook:
            await hook(app)
    if app.job_queue and svc.settings.reload_seconds > 0:
        app.job_queue.run_repeating(_reload_lists, svc.settings.reload_seconds, name="reload-lists")
    try:
        await set_menus(app)
    except TelegramError as exc:   # menus are a nicety: never stop the bot for them
        log.warning("could not set command menus: %s", type(exc).__name__)


async def _post_shutdown(app: Application) -> None:
    svc = app.bot_data.get("svc")
    if svc:
        svc.stop()


async def _reload_lists(context: ContextTypes.DEFAULT_TYPE) -> None:
    context.application.bot_data["svc"].reload()


async def set_menus(app: Application) -> None:
    """Command menus per scope (private chats, groups, each admin) in Chinese and English."""
    commands = app.bot_data["commands"]
    svc = app.bot_data["svc"]

    def menu(items, lang):
        return [BotCommand(c.name, c.zh if lang == "zh" else c.en) for c in items]

    private = [c for c in commands if c.private and not c.admin]
    group = [c for c in commands if c.group]
    admins = [u.user_id for u in svc.access.list_users(include_revoked=False) if u.is_admin]
    for lang in (None, "zh", "en"):
        text_lang = lang or "zh"
        await app.bot.set_my_commands(menu(private, text_lang), scope=BotCommandScopeAllPrivateChats(),
                                      language_code=lang)
        await app.bot.set_my_commands(menu(group, text_lang), scope=BotCommandScopeAllGroupChats(),
                                      language_code=lang)
        for admin_id in admins:
            try:   # "chat not found" until the admin has opened a chat with the bot
                await app.bot.set_my_commands(menu([c for c in commands if c.private], text_lang),
                                              scope=BotCommandScopeChat(admin_id), language_code=lang)
            except TelegramError:
                pass
