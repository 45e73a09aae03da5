"""PTB persistence in our own database (the `kv` table), so half-filled forms — the tour flow,
the step-by-step meeting form — survive a restart of the bot, even a kill -9.

User and chat data and conversation states are stored; bot_data is not (it holds the live
domain object). Values must be JSON, or offer `to_json()` (the meeting drafts, `promo.meetings.draft`).

When it is written: what the bot has said to an officer must already be on disk when it says
it. So before every reply (handlers/retry.py `PromoBot` calls `write_before_reply`) the user's
and the chat's data of the update being handled are written, and once the update is handled
(`DurableApplication`) the conversation states too; PTB's timer (`update_interval`, 1 s) and
shutdown only catch the rest (jobs). A conversation's new state is known only when its handler
returns, i.e. after the reply: a flow whose state follows from its user_data registers that
(`derive_conversation`), and after a restart the state is taken from the data, never lagging
behind it. A *confirmed* meeting never depends on this: it is committed before "saved" is shown.

How it is written (issue 16, item 3): PTB hands over every marked user's and chat's data and
every touched conversation; only what differs from what the database holds (or is about to
hold) is staged, and `commit()` writes everything staged in ONE transaction, in a worker
thread (`asyncio.to_thread`), so the event loop keeps serving other officers meanwhile. The
reply that needs the state still waits for that commit. A failed commit keeps its rows staged
(retried with the next one) and counts in `failures`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from telegram.ext import Application, BasePersistence, PersistenceInput

from promo.store.kvstore import KVStore

USER, CHAT, CONV = "ptb_user_data", "ptb_chat_data", "ptb_conv:"
log = logging.getLogger(__name__)

# The update being handled (and its application), for writes before a reply.
_CURRENT: contextvars.ContextVar[tuple[Application, object] | None] = contextvars.ContextVar(
    "promo_current_update", default=None)
_NO_WRITE: contextvars.ContextVar[bool] = contextvars.ContextVar("promo_no_write", default=False)
_DERIVED: dict[str, Callable[[dict], Any]] = {}


class StateNotSaved(RuntimeError):
    """The officer's state could not be written, so the reply that would confirm it is not sent."""


def derive_conversation(name: str, state_of: Callable[[dict], Any]) -> None:
    """Conversation `name` (per chat and user, private chats) is in state `state_of(user_data)`
    (None: not in the conversation). Used when the state is loaded after a restart."""
    _DERIVED[name] = state_of


class DurableApplication(Application):
    """An Application that knows which update it is handling (for `write_before_reply`) and
    writes the persistence as soon as an update is handled, not up to a second later."""

    async def process_update(self, update: object) -> None:
        token = _CURRENT.set((self, update))
        try:
            await super().process_update(update)
        finally:
            _CURRENT.reset(token)
        if self.persistence:
            await self.update_persistence()

    async def update_persistence(self) -> None:
        """PTB's run (which only stages, see SQLPersistence) followed by one commit of what
        changed. A failed commit goes to the error handlers, as PTB does with its own writes;
        `write_before_reply` sees it in `failures`."""
        await super().update_persistence()
        persistence = self.persistence
        if isinstance(persistence, SQLPersistence):
            try:
                await persistence.commit()
            except Exception as exc:   # noqa: BLE001 - reported like PTB reports persistence errors
                await self.process_error(update=None, error=exc)


async def write_before_reply() -> None:
    """Write the user's and chat's data of the update being handled (nothing outside an
    update, e.g. in jobs). Raises StateNotSaved if the database refused: no reply then."""
    current = _CURRENT.get()
    if current is None or _NO_WRITE.get():
        return
    app, update = current
    persistence = app.persistence
    if not isinstance(persistence, SQLPersistence):
        return
    chat, user = getattr(update, "effective_chat", None), getattr(update, "effective_user", None)
    app.mark_data_for_update_persistence(chat_ids=chat.id if chat else None, user_ids=user.id if user else None)
    failures = persistence.failures
    await app.update_persistence()     # PTB's lock: never interleaved with the timer's writes
    if persistence.failures != failures:
        raise StateNotSaved("the conversation state could not be written")


@contextlib.contextmanager
def replies_without_state():
    """For the error handler: its apology confirms nothing and must go out even when the
    database is what failed."""
    token = _NO_WRITE.set(True)
    try:
        yield
    finally:
        _NO_WRITE.reset(token)


class SQLPersistence(BasePersistence):
    def __init__(self, store: KVStore, update_interval: float = 1.0):
        super().__init__(store_data=PersistenceInput(bot_data=False, chat_data=True, user_data=True,
                                                     callback_data=False), update_interval=update_interval)
        self.store = store
        self.failures = 0                         # writes that raised (see write_before_reply)
        # What the database holds once the staged rows are committed, to skip rewrites.
        self._written: dict[tuple[str, str], str] = {}
        self._pending: dict[tuple[str, str], Any] = {}    # staged: value, or None to delete
        self._commit_lock = asyncio.Lock()
        self.commits = 0                          # transactions committed (for tests and bench)
        self.rows_written = 0

    async def flush(self) -> None:
        """PTB calls this on shutdown, after its last update_persistence: a last try, which must
        not stop the shutdown (the failure is logged)."""
        with contextlib.suppress(Exception):
            await self.commit()

    # ------------------------------------------------------------------ reading
    async def get_user_data(self):
        return defaultdict(dict, {int(k): v for k, v in self.store.all(USER).items()})

    async def get_chat_data(self):
        return defaultdict(dict, {int(k): v for k, v in self.store.all(CHAT).items()})

    async def get_bot_data(self):
        return {}

    async def get_callback_data(self):
        return None

    async def get_conversations(self, name: str):
        states = {tuple(json.loads(k)): v for k, v in self.store.all(CONV + name).items()}
        state_of = _DERIVED.get(name)
        if state_of is not None:
            # The data is written before each reply, the state only after the handler: the
            # data is right, the state may lag (e.g. kill -9 right after "第 1/5 步").
            for key, data in self.store.all(USER).items():
                uid = int(key)
                state = state_of(data)
                if state is None:
                    states.pop((uid, uid), None)
                else:
                    states[(uid, uid)] = state
        return states

    # ------------------------------------------------------------------ writing
    async def update_user_data(self, user_id: int, data: dict) -> None:
        self._put(USER, str(user_id), data)

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        self._put(CHAT, str(chat_id), data)

    async def update_conversation(self, name: str, key, new_state) -> None:
        self._write(CONV + name, json.dumps(list(key)), new_state)

    def _put(self, namespace: str, key: str, data: dict) -> None:
        self._write(namespace, key, _jsonable(data) if data else None)

    def _write(self, namespace: str, key: str, value) -> None:
        """Stage a set (None: delete) unless the database holds, or is about to hold, exactly
        this. Nothing touches the database here: `commit()` does."""
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
        if self._written.get((namespace, key)) == text:
            return
        if value is not None:
            KVStore._check(namespace, key, value)
        self._written[(namespace, key)] = text
        self._pending[(namespace, key)] = value

    @property
    def pending(self) -> int:
        """Rows staged and not yet committed."""
        return len(self._pending)

    async def commit(self) -> int:
        """Write everything staged in one transaction, off the event loop; the number of rows.
        Commits run one at a time, in the order they were asked for."""
        async with self._commit_lock:
            if not self._pending:
                return 0
            rows, self._pending = self._pending, {}
            try:
                await asyncio.to_thread(self._commit_rows, rows)
            except Exception:
                self.failures += 1
                for k, v in rows.items():      # retried with the next commit, unless restaged
                    self._pending.setdefault(k, v)
                log.warning("persistence: %d rows not written", len(rows))
                raise
            self.commits += 1
            self.rows_written += len(rows)
            return len(rows)

    def _commit_rows(self, rows: dict[tuple[str, str], Any]) -> None:
        """One transaction: upserts and deletes of the kv table (in a worker thread)."""
        from sqlalchemy import delete, tuple_

        from promo.store.db import as_utc, insert_on_conflict
        from promo.store.tables import KeyValue

        now = as_utc(None)
        gone = [k for k, v in rows.items() if v is None]
        with self.store.db.session() as s:
            for (namespace, key), value in rows.items():
                if value is not None:
                    insert_on_conflict(s, KeyValue, {"namespace": namespace, "key": key, "value": value,
                                                     "updated_at": now},
                                       index_elements=["namespace", "key"], update=["value", "updated_at"])
            if gone:
                s.execute(delete(KeyValue).where(tuple_(KeyValue.namespace, KeyValue.key).in_(gone)))

    async def drop_user_data(self, user_id: int) -> None:
        self._write(USER, str(user_id), None)

    async def drop_chat_data(self, chat_id: int) -> None:
        self._write(CHAT, str(chat_id), None)

    async def update_bot_data(self, data) -> None:
        pass

    async def update_callback_data(self, data) -> None:
        pass

    async def refresh_user_data(self, user_id, user_data) -> None:
        pass

    async def refresh_chat_data(self, chat_id, chat_data) -> None:
        pass

    async def refresh_bot_data(self, bot_data) -> None:
        pass


def _jsonable(data: dict) -> dict:
    """Keep what JSON can hold (typed states by their `to_json()`); transient objects (keys
    starting with '_') are not persisted."""
    out = {}
    for key, value in data.items():
        if str(key).startswith("_"):
            continue
        if hasattr(value, "to_json"):       # a typed state (e.g. the meeting drafts): its JSON form
            value = value.to_json()
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue
        out[str(key)] = value
    return out
