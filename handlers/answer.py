"""The answer card: /say, /whom and plain text in a private chat.

Flow: the officer types a visitor profile → one card with the top pitch materials and the top
people, each with its why → buttons refine without retyping (format, length, language, scope,
more, switch view) and send a material on its own (link with preview, or the file).

The profile text and the chosen refinements live in the database (the key-value table,
namespace `answer-query`) under a short id carried in callback_data, so a button works after a
restart and on any worker process (issue 16, item 8); the store is bounded (the least recently
used are forgotten first). A query made on other lists (a reload since: the lists' fingerprint
differs) or forgotten answers "please ask again".
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, replace

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from promo.lists.present import contact_line
from promo.matching.whom import LIST_LABELS
from promo.matching.say import KIND_LABELS, LANG_LABELS, SCOPE_LABELS
from promo.store.kvstore import KVStore

from .callbacks import CallbackData
from .common import Command, answer_stale, in_thread, is_private, keyboard, pressed, require_user, send, svc

PAGE = 5
MAX_QUERIES = 20000           # shared by every worker; a row is about 300 bytes
LENGTHS = (5, 15, 30)
COMMANDS = [Command("say", "说什么：推介材料", "what to say: pitch materials", group=True),
            Command("whom", "找谁招：能牵线的人", "whom to approach")]


# One class per refinement of a stored query (pressing a chosen filter again clears it).

@dataclass(frozen=True)
class AskKind(CallbackData):
    PREFIX = "ak"
    qid: str
    kind: str


@dataclass(frozen=True)
class AskLang(CallbackData):
    PREFIX = "al"
    qid: str
    lang: str


@dataclass(frozen=True)
class AskScope(CallbackData):
    PREFIX = "as"
    qid: str
    scope: str


@dataclass(frozen=True)
class AskMinutes(CallbackData):
    PREFIX = "am"
    qid: str
    minutes: int


@dataclass(frozen=True)
class AskView(CallbackData):
    """说什么 / 找谁 / 全部: which half of the card is shown."""

    PREFIX = "av"
    qid: str
    view: str


@dataclass(frozen=True)
class AskSayPage(CallbackData):
    PREFIX = "ap"
    qid: str
    page: int


@dataclass(frozen=True)
class AskWhomPage(CallbackData):
    PREFIX = "aw"
    qid: str
    page: int


@dataclass(frozen=True)
class WidenLists(CallbackData):
    """The text named a people list (乡贤, 校友…): search all lists instead (pressing again narrows back)."""

    PREFIX = "wl"
    qid: str


@dataclass(frozen=True)
class SendMaterial(CallbackData):
    PREFIX = "ms"
    qid: str
    material_id: str


@dataclass(frozen=True)
class Query:
    text: str
    view: str = "card"            # card | say | whom
    # The refine buttons: None = as the text asks, "" (minutes 0) = cleared, else the value.
    kind: str | None = None
    lang: str | None = None
    scope: str | None = None
    minutes: int | None = None
    say_page: int = 0
    whom_page: int = 0
    all_lists: bool = False       # the widen button: ignore the list the text named
    version: int = 0              # data version the query was made on


class QueryStore:
    """Recent queries by short id, in the database: every worker process sees the same ones and
    they survive a restart. Bounded: every `trim_every` additions (per process) all but the
    `size` most recently used are deleted. `lists` gives the fingerprint of the lists being
    served and their in-process version: a query is kept with the fingerprint it was made on,
    and comes back with this process's version when the fingerprint still matches, else not at
    all (another process, or this one before a reload, made it on other lists).

    The calls are single-row primary-key statements (about 1–3 ms with SQLAlchemy on a local
    PostgreSQL or SQLite, a commit for each write); they run in a worker thread, so other
    officers' updates go on meanwhile (issue 16, item 1)."""

    NAMESPACE = "answer-query"

    def __init__(self, kv: KVStore, lists: Callable[[], tuple[str, int]], size: int = MAX_QUERIES,
                 trim_every: int = 200):
        self.kv, self.lists, self.size, self.trim_every = kv, lists, size, trim_every
        self._added = secrets.randbelow(trim_every)   # workers do not all trim on the same add

    async def add(self, query: Query) -> str:
        qid = secrets.token_urlsafe(6)
        await self.put(qid, query)
        self._added += 1
        if self._added % self.trim_every == 0:
            await in_thread(self.kv.keep_newest, self.NAMESPACE, self.size)
        return qid

    async def get(self, qid: str) -> Query | None:
        try:
            row = await in_thread(self.kv.get, self.NAMESPACE, qid)
        except ValueError:                      # not a key we could have made (too long, empty)
            return None
        fingerprint, version = self.lists()
        if not isinstance(row, dict) or row.get("lists") != fingerprint:
            return None
        values = {k: v for k, v in row.get("q", {}).items() if k in _QUERY_FIELDS and k != "version"}
        try:
            return Query(**values, version=version)
        except TypeError:
            return None

    async def put(self, qid: str, query: Query) -> None:
        fingerprint, version = self.lists()
        if query.version != version:            # made on lists this process no longer serves
            fingerprint = ""
        q = {k: v for k, v in asdict(query).items() if k != "version"}
        await in_thread(self.kv.set, self.NAMESPACE, qid, {"q": q, "lists": fingerprint})


_QUERY_FIELDS = {f.name for f in fields(Query)}


def queries(context) -> QueryStore:
    state = context.bot_data
    if state.queries is None or state.queries.kv.db is not state.services.db:
        services = state.services
        state.queries = QueryStore(KVStore(services.db),
                                   lambda: (services.library.fingerprint, services.data_version))
    return state.queries


# ---------------------------------------------------------------------- entry points

async def say_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _ask(update, context, " ".join(context.args), "say")


async def whom_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _ask(update, context, " ".join(context.args), "whom")


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A plain private text: the intent decision picks the card (handlers/lists.py sets the
    route); without it, the answer card."""
    route = context.bot_data.text_route
    if route is not None:
        await route(update, context, update.effective_message.text or "")
        return
    await _ask(update, context, update.effective_message.text or "", "card")


async def _ask(update: Update, context, text: str, view: str) -> None:
    user = await require_user(update, context)
    if user is None:
        return
    text = text.strip()[:500]
    if not text:
        await send(update, context, "ask_usage.html.j2", view=view)
        return
    query = Query(text=text, view=view, version=svc(context).data_version)
    qid = await queries(context).add(query)
    await show(update, context, qid, query, edit=False)


# ---------------------------------------------------------------------- refinements: one handler a button

async def _refine(update: Update, context, cls: type[CallbackData], change) -> None:
    """The stored query of the pressed button, changed by `change(query, data)`, shown again in
    place; a query gone (restart, too old) or made on older lists is answered as stale."""
    got = await pressed(update, context, cls)
    if got is None:
        return
    _, data = got
    query = await queries(context).get(data.qid)
    if query is None or query.version != svc(context).data_version:
        await answer_stale(update)
        return
    query = change(query, data)
    await queries(context).put(data.qid, query)
    await update.callback_query.answer()
    await show(update, context, data.qid, query, edit=True)


def _effective(q: Query, profile) -> dict:
    """What the card is filtered by: the buttons' choice, else what the text asked for."""
    def pick(override, from_text):
        return from_text if override is None else (override or None)

    return {"kind": pick(q.kind, profile.kind), "scope": pick(q.scope, profile.scope),
            "minutes": pick(q.minutes, profile.minutes),
            "lang": pick(q.lang, profile.language if profile.language_explicit else None)}


def _toggle(context, q: Query, name: str, chosen) -> Query:
    """Pressing a ✓ filter clears it, even one the text asked for (stored as "" / 0 = cleared,
    None = as the text says); pressing another sets it."""
    on = _effective(q, svc(context).matcher.profile(q.text))
    cleared = 0 if name == "minutes" else ""
    return replace(q, **{name: cleared if on[name] == chosen else chosen}, say_page=0)


async def widen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _refine(update, context, WidenLists,
                  lambda q, d: replace(q, all_lists=not q.all_lists, whom_page=0))


async def press_kind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _refine(update, context, AskKind, lambda q, d: _toggle(context, q, "kind", d.kind))


async def press_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _refine(update, context, AskLang, lambda q, d: _toggle(context, q, "lang", d.lang))


async def press_scope(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _refine(update, context, AskScope,
                  lambda q, d: _toggle(context, q, "scope", d.scope))


async def press_minutes(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _refine(update, context, AskMinutes,
                  lambda q, d: _toggle(context, q, "minutes", d.minutes))


async def press_view(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _refine(update, context, AskView, lambda q, d: replace(q, view=d.view))


async def press_say_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _refine(update, context, AskSayPage, lambda q, d: replace(q, say_page=max(0, d.page)))


async def press_whom_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _refine(update, context, AskWhomPage, lambda q, d: replace(q, whom_page=max(0, d.page)))


# ---------------------------------------------------------------------- the card

async def show(update: Update, context, qid: str, q: Query, edit: bool) -> None:
    s = svc(context)
    matcher = s.matcher
    profile = matcher.profile(q.text)
    private = is_private(update)
    say = matcher.say(profile, today=s.today(), top=PAGE, offset=q.say_page * PAGE, kind=q.kind,
                      language=q.lang, scope=q.scope, minutes=q.minutes) if q.view in ("card", "say") else None
    whom = matcher.whom(profile, top=PAGE, offset=q.whom_page * PAGE,
                        lists={v.value for v in LIST_LABELS} if q.all_lists else None) \
        if q.view in ("card", "whom") and private else None
    people = [dict(r=r, contact=contact_line(r.person)) for r in whom.items] if whom else []
    bot_username = context.bot.username
    markup = keyboard(_buttons(qid, q, say, whom, private, bot_username, context, _effective(q, profile)))
    await send(update, context, "answer.html.j2", markup=markup, edit=edit, q=q, profile=profile,
               say=say, whom=whom, people=people, private=private, lib=matcher.library,
               say_offset=q.say_page * PAGE, whom_offset=q.whom_page * PAGE,
               kind_labels=KIND_LABELS, scope_labels=SCOPE_LABELS, lang_labels=LANG_LABELS,
               list_labels={k.value: v for k, v in LIST_LABELS.items()})


def _mark(label: str, on: bool) -> str:
    return f"✓{label}" if on else label


def _buttons(qid, q: Query, say, whom, private: bool, bot_username: str, context, on: dict):
    rows = []
    if say is not None:
        rows.append([(_mark(KIND_LABELS[k], on["kind"] == k), AskKind(qid, k).pack()) for k in ("video", "brochure", "ppt")])
        rows.append([(_mark(f"≤{m}分钟", on["minutes"] == m), AskMinutes(qid, m).pack()) for m in LENGTHS])
        rows.append([(_mark(LANG_LABELS[lang], on["lang"] == lang), AskLang(qid, lang).pack())
                     for lang in ("zh", "en", "ru")])
        rows.append([(_mark(SCOPE_LABELS[sc], on["scope"] == sc), AskScope(qid, sc).pack())
                     for sc in ("city", "chain", "project")])
        rows.append([(f"📤{q.say_page * PAGE + i + 1}", SendMaterial(qid, r.material.id).pack())
                     for i, r in enumerate(say.items)])
    more = []
    if say is not None and say.total > (q.say_page + 1) * PAGE:
        more.append(("更多材料 ▸", AskSayPage(qid, q.say_page + 1).pack()))
    if whom is not None and whom.total > (q.whom_page + 1) * PAGE:
        more.append(("更多人选 ▸", AskWhomPage(qid, q.whom_page + 1).pack()))
    if q.say_page or q.whom_page:
        more.append(("◂ 第一页", (AskSayPage(qid, 0) if q.say_page else AskWhomPage(qid, 0)).pack()))
    rows.append(more)
    if whom is not None and (whom.lists_from_text or whom.widened or q.all_lists):
        rows.append([(_mark("查全部名单", q.all_lists), WidenLists(qid).pack())])
    views = [("说什么", "say"), ("找谁", "whom"), ("全部", "card")]
    rows.append([(_mark(label, q.view == v), AskView(qid, v).pack()) for label, v in views if private or v == "say"])
    if not private and bot_username:
        rows.append([("🔒 私聊查看人选", f"https://t.me/{bot_username}?start=q_{qid}")])
    for extra in context.bot_data.card_actions:
        rows.append([extra(qid, q)])
    return rows


async def send_material(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    got = await pressed(update, context, SendMaterial)
    if got is None:
        return
    material = svc(context).library.get("materials", got[1].material_id)
    if material is None or not material.available(svc(context).today()):
        await answer_stale(update)
        return
    await update.callback_query.answer()
    from .materials import deliver

    await deliver(update, context, material)


async def start_with_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/start q_<id>`: continue a group's question in private, where people may be shown."""
    if await require_user(update, context) is None:
        return
    qid = context.args[0][2:]
    query = await queries(context).get(qid)
    if query is None:
        await send(update, context, "stale.html.j2")
        return
    new_id = await queries(context).add(replace(query, view="card", version=svc(context).data_version))
    await show(update, context, new_id, await queries(context).get(new_id), edit=False)


def handlers():
    return [
        CommandHandler("say", say_command),
        CommandHandler("whom", whom_command),
        CallbackQueryHandler(press_kind, pattern=AskKind.pattern()),
        CallbackQueryHandler(press_lang, pattern=AskLang.pattern()),
        CallbackQueryHandler(press_scope, pattern=AskScope.pattern()),
        CallbackQueryHandler(press_minutes, pattern=AskMinutes.pattern()),
        CallbackQueryHandler(press_view, pattern=AskView.pattern()),
        CallbackQueryHandler(press_say_page, pattern=AskSayPage.pattern()),
        CallbackQueryHandler(press_whom_page, pattern=AskWhomPage.pattern()),
        CallbackQueryHandler(send_material, pattern=SendMaterial.pattern()),
        CallbackQueryHandler(widen, pattern=WidenLists.pattern()),
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, text_message),
    ]
