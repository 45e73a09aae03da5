"""Wiring: the Application, every feature and its handlers in one visible list, menus and the
domain object.

The domain object (`promo.services.Services`) is started before the application (so broken
lists stop the bot with the same messages as `bot.py check`), kept in the typed `bot_data`
(`handlers.state.BotState`) and stopped in post_shutdown. Every feature module is imported
here, at the top: a feature that fails to import stops the bot at start-up, loudly.

A feature module offers `handlers()` (a list, or a {group: list} dict) and optionally
`COMMANDS` (menus and /help), `CARD_ACTIONS` (extra buttons on the answer card),
`START_LINES` (lines of the /start greeting) and an async `post_init(app)`.
"""

from __future__ import annotations

import logging
from types import ModuleType
from zoneinfo import ZoneInfo

from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, Defaults
from telegram.request import BaseRequest, HTTPXRequest

from promo.config import Settings
from promo.store.kvstore import KVStore
from promo.services import Services

from . import (admin, answer, board, brief, errors, fallback, followups, imports, inline, lists, meetings,
               problems, projects, start, tour)
from .persistence import SQLPersistence
from .processor import OfficerUpdateProcessor
from .ratelimit import TelegramRateLimiter
from .retry import PromoBuilder, RetryingRequest
from .state import BotState

log = logging.getLogger(__name__)

# Feature modules in handler order (PTB tries the handlers of one group in order, the first
# that matches wins). Order matters:
FEATURES: list[ModuleType] = [
    start,       # deep-link /start (invitation, a group's question) before plain /start
    admin,
    imports,     # an admin's spreadsheet is a list import, even while a conversation waits
    tour,        # conversations (the tour, the meeting forms) before the answer card: while a
    meetings,    # form waits for a typed value, the text is that value, not a visitor profile
    projects,
    followups,
    lists,       # /ask, /digest, the switch buttons (the private-text route itself is answer's)
    problems,    # investor problems: /problems, the draft and status buttons
    brief,       # the pre-meeting brief: /brief, 📋 on the answer card
    board,       # /board, /node and their buttons (commands and callbacks only)
    answer,      # takes any private text: after every feature that reads plain text
    inline,
    fallback,    # last: answers only what no feature took
]

CONTEXT_TYPES = ContextTypes(bot_data=BotState)


def features() -> list[ModuleType]:
    """The feature modules in handler order (see FEATURES)."""
    return list(FEATURES)


def build_application(settings: Settings, services: Services, *, request: BaseRequest | None = None,
                      updates_request: BaseRequest | None = None, rate_limiter: bool = True,
                      retry_backoff: float = 0.5, persistence=None) -> Application:
    """`persistence`: None = our SQL persistence, False = none, or a BasePersistence."""
    builder = PromoBuilder().token(settings.token or "0:console").context_types(CONTEXT_TYPES)
    # tzinfo: the configured zone, for the day a message was sent (meetings' MeetingText filter)
    builder = builder.defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=ZoneInfo(settings.timezone)))
    if settings.api_url:
        builder = builder.base_url(f"{settings.api_url}/bot").base_file_url(f"{settings.api_url}/file/bot")
    builder = builder.request(RetryingRequest(request or HTTPXRequest(connection_pool_size=16), backoff=retry_backoff))
    builder = builder.get_updates_request(RetryingRequest(updates_request or request or HTTPXRequest(),
                                                          backoff=retry_backoff))
    if rate_limiter:
        # issue 16: Telegram's limits, 429 retried; N worker processes share the bot's 30/s
        builder = builder.rate_limiter(TelegramRateLimiter(overall_per_second=30 / max(1, settings.workers)))
    builder = builder.concurrent_updates(OfficerUpdateProcessor())   # issue 16: concurrent, per-officer order
    if persistence is None:
        persistence = SQLPersistence(KVStore(services.db))
    if persistence is not False:
        builder = builder.persistence(persistence)
    app = builder.post_init(_post_init).post_shutdown(_post_shutdown).build()
    state: BotState = app.bot_data
    state.services = services
    state.features = mods = features()
    for mod in mods:
        app.add_handlers(mod.handlers())
        state.commands += getattr(mod, "COMMANDS", [])
        state.card_actions += getattr(mod, "CARD_ACTIONS", [])
        state.start_lines += getattr(mod, "START_LINES", [])
    app.add_error_handler(errors.error_handler)
    return app


async def _post_init(app: Application) -> None:
    state: BotState = app.bot_data
    svc = state.services
    for mod in state.features:
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
    svc = app.bot_data.services
    if svc:
        svc.stop()


async def _reload_lists(context: ContextTypes.DEFAULT_TYPE) -> None:
    context.bot_data.services.reload()


async def set_menus(app: Application) -> None:
    """Command menus per scope (private chats, groups, each admin) in Chinese and English."""
    commands = app.bot_data.commands
    svc = app.bot_data.services

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
