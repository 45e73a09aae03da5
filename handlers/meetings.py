"""Logging contact meetings in the chat: one message or /log step by step, the confirmation card
with a button per field, /mine (my meetings, editable) and /export (Excel).

    officer: 今天在北京见了飞鹤张总，谈奶粉工厂扩产，投资约5亿，下周三回访
    bot:     the card (日期 地点 企业 人员 … 回访日期, the project, ⚠️ other units' contacts)
             [✅ 保存] [❌ 取消] [✏️ 日期] [✏️ 地点] … — ambiguous parts are asked first.

Where the state lives, and why:
- Drafts and edit sessions are JSON dicts (ISO dates) in `user_data["mtg"]`: SQLPersistence
  writes them before each reply, so an unconfirmed card or a half-filled form survives a
  restart, even a kill -9 (the conversation's state is derived from them: `_state_of`).
- The persistent conversation "meeting_form" only decides what the next plain text is: a
  value the bot asked for (TEXT), or free text (CARD / no conversation: a meeting text starts
  a new card, anything else goes on to the answer card).
- Every screen is derived from the item (`_view`): open question → form step → field being
  asked → the card. Buttons and typed values therefore lead to the same screens, and a restart
  in the middle shows the same screen again.
- A meeting is confirmed ("已保存 #id") only after `MeetingStore.add` has committed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import warnings
from dataclasses import dataclass

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (CallbackQueryHandler, CommandHandler, ContextTypes, ConversationHandler,
                          MessageHandler, filters)

from promo.db import Conflict, NotFound, PermissionDenied, looks_like_id, parse_id
from promo.meetings.service import (FIELDS, LABELS, MeetingService, answer_question, card_lines,
                                    looks_like_meeting, meeting_fields, new_draft, parse_range,
                                    person_label, set_fields)
from promo.meetings.store import STAGE_LABELS, STAGES
from promo.render import render

from .callbacks import CallbackData, CallbackDataError, is_index
from .common import Command, is_private, keyboard, pressed, require_user, send, svc

log = logging.getLogger(__name__)

COMMANDS = [Command("log", "记录对接：/log 加一句话，或分步填写", "log a contact meeting"),
            Command("mine", "我的对接记录（可修改）", "my meetings (edit)"),
            Command("export", "导出对接记录 Excel：/export [起 止]", "export meetings to Excel")]

CARD, TEXT = 1, 2
END = ConversationHandler.END
FORM_STEPS = ("company", "date", "topic", "amount", "followup")
STEP_FIELD = {"company": "company", "date": "meeting_date", "topic": "topic", "amount": "amount",
              "followup": "followup_date"}
STALE = "这张卡片已保存、已取消或已过期。发送 /mine 查看我的记录，或重新发送对接内容。"


@dataclass(frozen=True)
class Mtg(CallbackData):
    """A button on a draft or edit card. op: s save · x cancel/close · e edit field · v set a
    value (arg "field=value") · c toggle a chain · q answer the open question (arg index) ·
    m type instead of choosing · k skip a form step · p choose the project · b back to the card."""

    PREFIX = "mg"
    tok: str
    op: str
    arg: str


@dataclass(frozen=True)
class LogFromCard(CallbackData):
    """"📝 记录对接" on the answer card: the form, with the card's profile as the company hint."""

    PREFIX = "ml"
    qid: str


@dataclass(frozen=True)
class MineOpen(CallbackData):
    PREFIX = "mo"
    meeting_id: int


# ---------------------------------------------------------------------- state helpers

def service_for(app) -> MeetingService:
    """One MeetingService per Services object (bot_data is not persisted)."""
    s = app.bot_data["svc"]
    ms = app.bot_data.get("_meeting_service")
    if ms is None or ms.svc is not s:
        ms = app.bot_data["_meeting_service"] = MeetingService(s)
    return ms


def msvc(context) -> MeetingService:
    return service_for(context.application)


def _store(context) -> dict:
    st = context.user_data.setdefault("mtg", {})
    for key in ("draft", "edit", "active"):
        st.setdefault(key, None)
    return st


def _item(context, tok: str) -> dict | None:
    st = _store(context)
    for kind in ("draft", "edit"):
        it = st.get(kind)
        if it and it.get("tok") == tok:
            return it
    return None


def _question_field(q: dict) -> str:
    return "amount" if q["field"] in ("amount", "amount_yuan") else q["field"]


def _advance_form(item: dict, field: str) -> None:
    """After a value for the form's current step: go to the next step (or to the card)."""
    step = item.get("step")
    if item.get("mode") != "form" or not step or STEP_FIELD[step] != field:
        return
    i = FORM_STEPS.index(step)
    if i + 1 < len(FORM_STEPS):
        item["step"] = FORM_STEPS[i + 1]
    else:
        item["mode"], item["step"] = "card", None


def _new_form(context, hint: str | None, today: dt.date) -> dict:
    draft = new_draft("form")
    draft["step"] = "company"
    draft["f"] = {"stage": "contact", "chain_ids": []}
    if hint:
        choices = msvc(context).company_choices(hint)
        if choices:
            draft["q"] = [{"field": "company", "prompt": "是这家企业吗？也可以直接输入企业名称。",
                           "labels": [label for _, label in choices],
                           "values": [[cid, label] for cid, label in choices]}]
        chains = msvc(context).resolver().find_chains(hint)
        draft["f"]["chain_ids"] = chains[:3]
    _store(context)["draft"] = draft
    return draft


def _new_card(context, text: str, today: dt.date) -> dict:
    draft = msvc(context).draft_from_text(text, today)
    _store(context)["draft"] = draft
    return draft


def _new_edit(context, meeting) -> dict:
    f = meeting_fields(meeting)
    item = new_draft("card")
    item.update(kind="edit", id=meeting.id, version=meeting.version, f=f, orig=dict(f))
    _store(context)["edit"] = item
    return item


# ---------------------------------------------------------------------- views

def _btn(item: dict, label: str, op: str, arg: str = "") -> tuple[str, str] | None:
    try:
        return label, Mtg(item["tok"], op, arg).pack()
    except CallbackDataError:            # an id too long for 64 bytes: no button rather than a refusal
        return None


def _rows(rows) -> list[list[tuple[str, str]]]:
    """Rows without the buttons `_btn` had to leave out."""
    return [[b for b in row if b] for row in rows]


def _chunks(buttons: list, n: int) -> list[list]:
    return [buttons[i:i + n] for i in range(0, len(buttons), n)]


def _field_choices(context, item: dict, field: str, today: dt.date, user) -> list[list]:
    """Buttons offered while asking for one field (typing is always possible too)."""
    b = lambda label, op, arg="": _btn(item, label, op, arg)  # noqa: E731
    rows: list[list] = []
    if field == "meeting_date":
        rows.append([b(label, "v", f"meeting_date={(today - dt.timedelta(days=n)).isoformat()}")
                     for label, n in (("今天", 0), ("昨天", 1), ("前天", 2))])
    elif field == "followup_date":
        rows.append([b(label, "v", f"followup_date={(today + dt.timedelta(days=n)).isoformat()}")
                     for label, n in (("明天", 1), ("一周后", 7), ("两周后", 14), ("一个月后", 30))])
        rows.append([b("🗑 不回访", "v", "followup_date=")])
    elif field == "stage":
        rows.append([b(("✓" if item["f"].get("stage") == s else "") + STAGE_LABELS[s], "v", f"stage={s}")
                     for s in STAGES])
    elif field == "chain_ids":
        chosen = set(item["f"].get("chain_ids") or [])
        chains = svc(context).library.chains
        rows += _chunks([b(("✓" if c.id in chosen else "") + c.name.removesuffix("产业链"), "c", c.id)
                         for c in chains], 3)
    elif field == "project":
        ms = msvc(context)
        unit = user.unit if user else None
        current = ms.project_choice(item, unit)
        for p in ms.company_projects(item["f"], unit)[:6]:
            mark = "✓" if current.kind == "existing" and current.project.id == p.id else ""
            rows.append([b(f"{mark}#{p.id} {p.name}"[:60], "p", str(p.id))])
        name = (item["f"].get("topic") or item["f"].get("company") or "").strip()
        if name:
            mark = "✓" if current.kind == "new" else ""
            rows.append([b(f"{mark}🆕 新建「{name}」"[:60], "p", "new")])
    rows.append([b("↩ 返回" if field != "chain_ids" else "✔ 完成", "b")])
    return rows


def _card_rows(item: dict, has_unit: bool) -> list[list]:
    b = lambda label, op, arg="": _btn(item, label, op, arg)  # noqa: E731
    edits = [b(f"✏️ {LABELS[f] if f != 'topic' else '内容'}", "e", f) for f in FIELDS]
    if item.get("kind") == "edit":
        return [*_chunks(edits, 4), [b("✔ 完成", "x")]]
    extra = [b("✏️ 项目", "e", "project")] if has_unit else []
    return [[b("✅ 保存", "s"), b("❌ 取消", "x")], *_chunks(edits + extra, 4)]


def _view(context, item: dict, user, note: str | None = None):
    """(template, context, rows, conversation state) for the item's current screen."""
    s = svc(context)
    ms = msvc(context)
    today = s.today()
    b = lambda label, op, arg="": _btn(item, label, op, arg)  # noqa: E731
    if item["q"]:
        q = item["q"][0]
        item["await"] = _question_field(q)
        rows = [[b(label[:60], "q", str(i))] for i, label in enumerate(q["labels"])]
        rows.append([b("✏️ 手动输入", "m"), b("❌ 取消", "x")])
        return "meeting_question.html.j2", dict(q=q, raw=item["f"].get("raw"), note=note), rows, TEXT
    if item.get("mode") == "form" and item.get("step"):
        step = item["step"]
        item["await"] = STEP_FIELD[step]
        rows: list[list] = []
        if step == "date":
            rows.append([b("今天", "v", f"meeting_date={today.isoformat()}"),
                         b("昨天", "v", f"meeting_date={(today - dt.timedelta(days=1)).isoformat()}"),
                         b("其他日期", "m", "date")])
        elif step in ("topic", "amount", "followup"):
            rows.append([b("跳过", "k")])
        rows.append([b("❌ 取消", "x")])
        done = [line for line in card_lines(item["f"], s.library) if line["value"]
                and line["key"] in ("company", "meeting_date", "topic", "amount", "chain_ids")]
        return "meeting_form.html.j2", dict(step=step, n=FORM_STEPS.index(step) + 1,
                                            total=len(FORM_STEPS), done=done, note=note,
                                            typed=item.get("typed")), rows, TEXT
    if item.get("await"):
        field = item["await"]
        rows = _field_choices(context, item, field, today, user)
        current = next((line["value"] for line in card_lines(item["f"], s.library)
                        if line["key"] == field), None)
        if field == "project":
            choice = ms.project_choice(item, user.unit if user else None)
            current = (choice.project.name if choice.kind == "existing" else choice.name)
        return "meeting_ask.html.j2", dict(field=field, label=LABELS[field], current=current,
                                           note=note), rows, TEXT
    return _card(context, item, user, note)


def _card(context, item: dict, user, note: str | None = None, *, buttons: bool = True,
          title: str | None = None):
    s = svc(context)
    ms = msvc(context)
    today = s.today()
    editing = item.get("kind") == "edit"
    priors = ms.prior_contacts(item["f"], user, today) if user else []
    project = None if editing else ms.project_choice(item, user.unit if user else None)
    title = title or (f"📝 对接记录 #{item['id']}" if editing else "📝 请确认对接记录")
    ctx = dict(title=title, lines=card_lines(item["f"], s.library, item.get("assumed") or []),
               project=project, priors=priors, note=note, editing=editing, saved=None,
               stage_labels=STAGE_LABELS, year=today.year, reminder=None)
    rows = _card_rows(item, bool(user and user.unit)) if buttons else []
    if buttons and project is not None and project.kind == "ask":
        # the topic names another project than the company's one: same project, or a new one?
        rows.insert(0, [_btn(item, f"✅ 同一项目 #{project.project.id}", "p", str(project.project.id)),
                        _btn(item, "🆕 新建项目", "p", "new")])
    return "meeting_card.html.j2", ctx, rows, CARD


async def _show(update: Update, context, item: dict, user, *, edit: bool, note: str | None = None) -> int:
    template, ctx, rows, state = _view(context, item, user, note)
    _store(context)["active"] = "edit" if item.get("kind") == "edit" else "draft"
    await send(update, context, template, markup=keyboard(_rows(rows)),
               edit=edit and update.callback_query is not None, **ctx)
    return state


async def _note(update: Update, context, kind: str, *, edit: bool = False, **ctx) -> None:
    await send(update, context, "meeting_note.html.j2", edit=edit, kind=kind, **{"text": None, **ctx})


# ---------------------------------------------------------------------- entry points

async def log_command(update: Update, context: ContextTypes.DEFAULT_TYPE):
    """/log <text>: parse the text into a card; /log alone: the step-by-step form."""
    user = await require_user(update, context)
    if user is None:
        return None
    if not is_private(update):
        await _note(update, context, "private")
        return None
    text = (update.effective_message.text or "").partition(" ")[2].strip()
    today = svc(context).today()
    item = _new_card(context, text, today) if text else _new_form(context, None, today)
    return await _show(update, context, item, user, edit=False)


async def meeting_text(update: Update, context: ContextTypes.DEFAULT_TYPE):
    """A private text that reads as a meeting report (see `looks_like_meeting`) — unless the
    intent decision reads it as something else (a brief, a problem …): then that answers."""
    from .lists import not_a_meeting

    if await not_a_meeting(update, context):
        return END
    user = await require_user(update, context)
    if user is None:
        return None
    item = _new_card(context, update.effective_message.text or "", svc(context).today())
    return await _show(update, context, item, user, edit=False)


async def log_from_card(update: Update, context: ContextTypes.DEFAULT_TYPE):
    cq = update.callback_query
    got = await pressed(update, context, LogFromCard, STALE, private=True)
    if got is None:
        return None
    user, data = got
    if not is_private(update):
        # the form asks for values by text: that belongs in the officer's private chat
        await cq.answer("请在与机器人的私聊中记录对接（发送 /log）。", show_alert=True)
        return None
    await cq.answer()
    from .answer import queries

    query = queries(context).get(data.qid)
    item = _new_form(context, query.text if query else None, svc(context).today())
    return await _show(update, context, item, user, edit=False)


async def mine_open(update: Update, context: ContextTypes.DEFAULT_TYPE):
    """A "✏️ #id" button of /mine: open the meeting's card with a button per field."""
    got = await pressed(update, context, MineOpen, STALE, private=True)
    if got is None:
        return None
    user, data = got
    await update.callback_query.answer()
    return await _open_meeting(update, context, user, data.meeting_id)


async def _open_meeting(update: Update, context, user, meeting_id: int):
    try:
        meeting = await asyncio.to_thread(msvc(context).open_meeting, meeting_id, user)
    except NotFound:
        await _note(update, context, "not_found", id=meeting_id)
        return None
    except PermissionDenied:
        await _note(update, context, "denied", id=meeting_id)
        return None
    item = _new_edit(context, meeting)
    return await _show(update, context, item, user, edit=False)


# ---------------------------------------------------------------------- the buttons

async def card_button(update: Update, context: ContextTypes.DEFAULT_TYPE):
    cq = update.callback_query
    got = await pressed(update, context, Mtg, STALE, private=True)
    if got is None:
        return None
    user, data = got
    item = _item(context, data.tok)
    if item is None:
        await cq.answer(STALE, show_alert=True)
        return None
    op, arg = data.op, data.arg
    if op == "s":
        return await _save(update, context, item, user)
    if op == "x":
        await cq.answer()
        return await _close(update, context, item, user)
    note = None
    if op == "e" and arg in (*FIELDS, "project"):
        item["await"] = arg
    elif op == "b":
        item["await"] = None
    elif op == "m":
        if item["q"]:
            item["await"] = _question_field(item["q"].pop(0))
            if item.get("mode") == "form" and item.get("step") and STEP_FIELD[item["step"]] == item["await"]:
                item["typed"] = True
        elif arg == "date":
            if item.get("typed"):        # already asking to type: nothing would change
                await cq.answer("请直接输入日期，例如 11月20日、上周五。")
                return None
            item["typed"] = True         # the form's "其他日期": ask to type a date
    elif op == "k" and item.get("step"):
        _advance_form(item, STEP_FIELD[item["step"]])
        item["await"] = None
        item.pop("typed", None)
    elif op == "q":
        if not item["q"] or not is_index(arg):
            await cq.answer(STALE, show_alert=True)
            return None
        field = _question_field(item["q"][0])
        if not answer_question(item, int(arg)):
            await cq.answer(STALE, show_alert=True)
            return None
        note = await _after_change(context, item, user, field)
    elif op == "v" and "=" in arg:
        field, _, value = arg.partition("=")
        if field not in ("meeting_date", "followup_date", "stage"):
            await cq.answer(STALE, show_alert=True)
            return None
        set_fields(item, {field: value or None})
        note = await _after_change(context, item, user, field)
    elif op == "c":
        chains = list(item["f"].get("chain_ids") or [])
        chains.remove(arg) if arg in chains else chains.append(arg)
        set_fields(item, {"chain_ids": chains})
        note = await _after_change(context, item, user, "chain_ids", keep_asking=True)
    elif op == "p":
        item["project"] = {"new": (item["f"].get("topic") or item["f"].get("company") or "")[:200]} \
            if arg == "new" else {"id": parse_id(arg)} if parse_id(arg) else None
        item["await"] = None
    await cq.answer()
    return await _show(update, context, item, user, edit=True, note=note)


async def _after_change(context, item: dict, user, field: str, *, keep_asking: bool = False) -> str | None:
    """A field got a value: leave the asking screen, move the form on, and for a saved
    meeting write the change (optimistic: the version shown must still be current)."""
    if not keep_asking:
        item["await"] = None
        item.pop("typed", None)
    if field == "company" and item.get("kind") != "edit":
        msvc(context).fill_chains(item)
    _advance_form(item, field)
    if item.get("kind") != "edit" or item["q"]:
        return None
    return await _commit_edit(context, item, user)


async def _commit_edit(context, item: dict, user) -> str | None:
    changes = {k: v for k, v in item["f"].items() if item["orig"].get(k) != v}
    if not changes:
        return None
    s = svc(context)
    ms = msvc(context)
    try:
        m = await asyncio.to_thread(ms.edit_meeting, item["id"], changes, user, s.now(), item["version"])
    except (Conflict, NotFound, PermissionDenied) as exc:
        fresh = ms.meetings.get(item["id"])
        if fresh is None or isinstance(exc, (NotFound, PermissionDenied)) or not ms.meetings.can_edit(fresh, user):
            item["f"] = dict(item["orig"])
            return ("您无权修改这条记录。" if isinstance(exc, PermissionDenied) else
                    "这条记录已不存在。" if fresh is None else "这条记录刚被他人修改，您的修改没有保存。")
        item.update(version=fresh.version, f=meeting_fields(fresh), orig=meeting_fields(fresh))
        return "这条记录刚被他人修改过，已显示最新内容，您的修改没有保存，请重新修改。"
    except ValueError:
        item["f"] = dict(item["orig"])
        return "这个值无法保存，请换一种写法。"
    item.update(version=m.version, f=meeting_fields(m), orig=meeting_fields(m))
    if "followup_date" in changes:
        from .followups import schedule_meeting
        schedule_meeting(context.application, m)
    return "已修改 ✓"


async def _save(update: Update, context, item: dict, user) -> int | None:
    cq = update.callback_query
    if item.get("kind") == "edit":
        await cq.answer()
        return await _close(update, context, item, user)
    if item["q"]:
        await cq.answer("请先回答上面的问题。", show_alert=True)
        return None
    s = svc(context)
    ms = msvc(context)
    if ms.project_choice(item, user.unit).kind == "ask":
        await cq.answer("请先选择：是同一项目，还是新建项目。", show_alert=True)
        return None
    await cq.answer("正在保存…")
    result = await asyncio.to_thread(ms.save, item, user, s.now())
    # committed: only now is the draft dropped and "已保存" said
    _store(context)["draft"] = None
    m = result.meeting
    from .followups import schedule_meeting

    reminder = schedule_meeting(context.application, m)
    template, ctx, _, _ = _card(context, {**new_draft(), "f": meeting_fields(m), "kind": "edit",
                                          "id": m.id}, user, buttons=False,
                               title=f"✅ 已保存 · 记录 #{m.id}")
    ctx.update(saved=result, priors=[], reminder=reminder.astimezone(s.tz) if reminder else None)
    await send(update, context, template, markup=keyboard(_saved_rows(m, result)), edit=True, **ctx)
    return END


def _saved_rows(m, result) -> list[list]:
    rows = []
    try:
        rows.append([("✏️ 修改这条记录", MineOpen(m.id).pack())])
        if result.project is not None:
            from .projects import ProjPick

            rows.append([(f"📊 项目 #{result.project.id}", ProjPick(result.project.id).pack())])
    except ImportError:
        pass
    return rows


async def _close(update: Update, context, item: dict, user) -> int:
    st = _store(context)
    if item.get("kind") == "edit":
        st["edit"] = None
        template, ctx, _, _ = _card(context, item, user, buttons=False)
        await send(update, context, template, edit=True, **ctx)
    else:
        st["draft"] = None
        # the card becomes "cancelled" (without buttons, so it cannot be saved by mistake later)
        await _note(update, context, "cancelled", edit=True)
    return END


# ---------------------------------------------------------------------- typed values

async def typed_value(update: Update, context: ContextTypes.DEFAULT_TYPE):
    """Plain text while the bot waits for a value (TEXT state)."""
    user = await require_user(update, context)
    if user is None:
        return END
    st = _store(context)
    text = update.effective_message.text or ""
    item = st.get(st.get("active") or "draft")
    if not item or not item.get("await"):
        item = next((it for it in (st.get("draft"), st.get("edit")) if it and it.get("await")), None)
    if item is None:
        # nothing is waiting (the draft was dropped): treat the text as if no form were open
        if looks_like_meeting(text):
            return await meeting_text(update, context)
        from .answer import text_message

        await text_message(update, context)
        return END
    field = item["await"]
    s = svc(context)
    result = msvc(context).parse_field(field, text, s.today())
    if result.error:
        if field not in ("topic", "next_step", "person", "title", "place") and looks_like_meeting(text):
            return await meeting_text(update, context)          # a new report, not a value
        return await _show(update, context, item, user, edit=False, note=result.error)
    pending = item["q"] and _question_field(item["q"][0]) == field
    if result.changes:
        set_fields(item, result.changes)
    if result.question:
        if pending:
            item["q"][0] = result.question
        else:
            item["q"].insert(0, result.question)
        return await _show(update, context, item, user, edit=False)
    if pending:
        item["q"].pop(0)
    note = await _after_change(context, item, user, field)
    return await _show(update, context, item, user, edit=False, note=note)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE):
    st = _store(context)
    had = bool(st.get("draft") or st.get("edit"))
    st.update(draft=None, edit=None, active=None)
    await _note(update, context, "cancelled" if had else "nothing")
    return END


# ---------------------------------------------------------------------- /mine and /export

async def mine(update: Update, context: ContextTypes.DEFAULT_TYPE):
    """/mine: my recent meetings with an edit button each; /mine <id>: open one to edit."""
    user = await require_user(update, context)
    if user is None:
        return None
    if not is_private(update):
        await _note(update, context, "private")
        return None
    if context.args and looks_like_id(context.args[0]):
        meeting_id = parse_id(context.args[0])
        if meeting_id is None:       # 99999999999999999999, "²": no such record, not a crash
            await _note(update, context, "not_found", id=context.args[0].lstrip("#＃")[:24])
            return None
        return await _open_meeting(update, context, user, meeting_id)
    meetings = await asyncio.to_thread(msvc(context).meetings.mine, user.user_id, 10)
    buttons = [(f"✏️ #{m.id}", MineOpen(m.id).pack()) for m in meetings]
    await send(update, context, "mine.html.j2", markup=keyboard(_chunks(buttons, 5)),
               meetings=meetings, lib=svc(context).library, stage_labels=STAGE_LABELS, who=person_label)
    return None


async def export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/export [YYYY-MM-DD YYYY-MM-DD | YYYY-MM]: an .xlsx of my meetings (a lead's or admin's:
    the unit's), this month by default."""
    user = await require_user(update, context)
    if user is None:
        return
    if not is_private(update):
        await _note(update, context, "private")
        return
    s = svc(context)
    try:
        start, end = parse_range(list(context.args), s.today())
    except ValueError:
        await send(update, context, "meeting_export.html.j2", kind="usage", n=0, start=None, end=None,
                   unit=None)
        return
    data, n, filename = await asyncio.to_thread(msvc(context).export, user, start, end)
    unit = user.unit if user.is_lead_or_admin and user.unit else None
    if n == 0:
        await send(update, context, "meeting_export.html.j2", kind="empty", n=0, start=start, end=end,
                   unit=unit)
        return
    caption = render("meeting_export.html.j2", kind="caption", n=n, start=start, end=end, unit=unit)
    await context.bot.send_document(update.effective_chat.id, data, filename=filename,
                                    caption=caption, parse_mode=ParseMode.HTML)


# ---------------------------------------------------------------------- wiring

class _MeetingText(filters.MessageFilter):
    def filter(self, message) -> bool:
        return looks_like_meeting(message.text or "")


MEETING_TEXT = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND & _MeetingText()


def _card_action(qid: str, query) -> tuple[str, str]:
    return "📝 记录对接", LogFromCard(qid).pack()


START_LINE = ("📝 记录对接：直接发一句话，如「今天在北京见了飞鹤张总，谈扩产，投资约5亿，下周三回访」，"
              "或发送 /log 分步填写；/mine 我的记录，/export 导出 Excel")


async def post_init(app) -> None:
    actions = app.bot_data.setdefault("card_actions", [])
    if _card_action not in actions:
        actions.append(_card_action)
    lines = app.bot_data.setdefault("start_lines", [])
    if START_LINE not in lines:
        lines.append(START_LINE)


def _state_of(user_data: dict):
    """The conversation state `_view` gives the officer's draft or edit (see derive_conversation)."""
    items = [it for it in ((user_data.get("mtg") or {}).get(k) for k in ("draft", "edit")) if it]
    return TEXT if any(it.get("await") for it in items) else CARD if items else None


def handlers():
    from .persistence import derive_conversation

    derive_conversation("meeting_form", _state_of)
    buttons = [CallbackQueryHandler(card_button, pattern=Mtg.pattern()),
               CallbackQueryHandler(log_from_card, pattern=LogFromCard.pattern()),
               CallbackQueryHandler(mine_open, pattern=MineOpen.pattern())]
    log_cmd = CommandHandler("log", log_command)
    new_text = MessageHandler(MEETING_TEXT, meeting_text)
    with warnings.catch_warnings():
        # PTB warns that with per_message=False a CallbackQueryHandler is tracked per chat, not
        # per message: intended — the buttons carry their draft's token and check it themselves.
        warnings.simplefilter("ignore")
        conversation = ConversationHandler(
            entry_points=[log_cmd, new_text, *buttons],
            states={
                CARD: [log_cmd, new_text],
                TEXT: [log_cmd, MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND,
                                               typed_value)],
            },
            fallbacks=[*buttons, CommandHandler("cancel", cancel)],
            name="meeting_form", persistent=True, per_chat=True, per_user=True, per_message=False,
        )
    return [conversation, CommandHandler("mine", mine), CommandHandler("export", export),
            CommandHandler("cancel", cancel)]
