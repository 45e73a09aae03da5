"""Investor problems in the chat (解决什么): report in one message, confirm, follow to solved.

    officer: 飞鹤反映环评批复慢，希望月底前解决
    bot:     🛠 请确认问题记录 — 企业 中国飞鹤有限公司 · 阶段 审批 · 责任单位 市生态环境局 · 期限 2026-11-30
             [✅ 保存] [❌ 取消] [审批] [用地] [建设] … [月底] [两周] [一个月] [不设期限] [✏️ 责任单位]
    officer: ✅ 保存 → "✅ 已保存 · 问题 #16" (committed first) [▶ 开始办理] [✅ 已解决]
    officer: ✅ 已解决 → "请输入解决情况" → 11月28日环评已批复 → "✅ 问题 #16 已解决"

The draft and what the bot waits for live in `user_data["prob"]` (JSON, written before each
reply by SQLPersistence), so a restart between any two steps loses nothing; a problem is said
to be saved only after `ProblemStore.add` committed. Problem records are for authorised officers
in private chats; /problems lists them, and overdue ones go to the responsible unit's lead daily.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from promo.store.db import Conflict, InvalidTransition, NotFound, PermissionDenied
from promo.ask.problems import (
    NEXT,
    STAGE_LABELS,
    STAGES,
    STATUS_LABELS,
    ProblemDraft,
    can_see,
    parse_problem,
    problem_record,
)
from promo.render import render

from . import jobs
from .callbacks import CallbackData, is_index
from .projects import ProjPick
from .switch import store_text, switch_rows
from .common import (
    Command,
    answer_stale,
    is_private,
    keyboard,
    officer_only,
    pressed,
    require_user,
    send,
    svc,
)

log = logging.getLogger(__name__)

COMMANDS = [Command("problems", "投资者反映的问题：台账与办理", "investor problems: ledger and follow-up")]
DEADLINES = (("月底", "eom"), ("两周", "14"), ("一个月", "30"), ("不设期限", "none"))
STALE = "这张问题卡片已保存、已取消或已过期。发送 /problems 查看问题台账。"
CANCEL_WORDS = ("取消", "算了", "/cancel")


@dataclass(frozen=True)
class ProbSave(CallbackData):
    """✅ 保存 on the draft card (`tok` names the draft the card shows)."""

    PREFIX = "pv"
    tok: str


@dataclass(frozen=True)
class ProbCancel(CallbackData):
    PREFIX = "px"
    tok: str


@dataclass(frozen=True)
class ProbStage(CallbackData):
    PREFIX = "pg"
    tok: str
    stage: str


@dataclass(frozen=True)
class ProbDeadline(CallbackData):
    """A deadline choice: eom (end of month), a number of days, or none."""

    PREFIX = "pd"
    tok: str
    choice: str


@dataclass(frozen=True)
class ProbUnit(CallbackData):
    """✏️ 责任单位: the next text is the responsible unit."""

    PREFIX = "pu"
    tok: str


@dataclass(frozen=True)
class ProbSet(CallbackData):
    """A saved problem: v view · in_progress · open · solved (asks for the note first)."""

    PREFIX = "ps"
    problem_id: int
    to: str


def _state(context) -> dict:
    st = context.user_data.setdefault("prob", {})
    st.setdefault("draft", None)
    st.setdefault("await", None)
    return st


def _view(draft: dict, lib, today: dt.date) -> dict:
    project = lib.get("projects", draft.get("project_ref"))
    return {"summary": draft["summary"], "company": draft.get("company"), "project": project.name if project else None,
            "stage_label": STAGE_LABELS[draft["stage"]], "unit": draft.get("unit"), "deadline": draft.get("deadline"),
            "overdue": False, "note": None, "status_label": None}


def _draft_rows(tok: str, draft: dict) -> list[list[tuple[str, str]]]:
    rows = [[("✅ 保存", ProbSave(tok).pack()), ("❌ 取消", ProbCancel(tok).pack())]]
    rows.append([(("✓" if draft["stage"] == s else "") + STAGE_LABELS[s], ProbStage(tok, s).pack())
                 for s in STAGES])
    rows.append([(label, ProbDeadline(tok, arg).pack()) for label, arg in DEADLINES])
    rows.append([("✏️ 责任单位", ProbUnit(tok).pack())])
    return rows


async def start_draft(update: Update, context, user, text: str, qid: str | None = None) -> None:
    s = svc(context)
    draft = await asyncio.to_thread(parse_problem, text, s.matcher, s.today())
    st = _state(context)
    if qid is None:
        qid = await store_text(context, text)
    st["draft"] = {**draft.to_json(), "tok": secrets.token_urlsafe(4), "qid": qid}
    st["await"] = None
    await _show_draft(update, context, edit=False)


async def _show_draft(update: Update, context, *, edit: bool, note: str | None = None) -> None:
    st = _state(context)
    d = st["draft"]
    s = svc(context)
    rows = _draft_rows(d["tok"], d)
    rows += switch_rows(context, d["qid"], "problem", [], True)
    await send(update, context, "problem.html.j2", markup=keyboard(rows), edit=edit, kind="draft",
               p=_view(d, s.library, s.today()), note=note, history=None)


def _deadline(arg: str, today: dt.date) -> dt.date | None:
    if arg == "eom":
        nxt = dt.date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)
    if is_index(arg):
        return today + dt.timedelta(days=int(arg))
    return None


def _draft_for(context, data) -> dict | None:
    """The draft a draft-card button belongs to, or None for an old card's button."""
    d = _state(context).get("draft")
    return d if d and d.get("tok") == data.tok else None


def _draft_button(cls):
    return officer_only(private=True, button=cls, stale=STALE, find=_draft_for)


@_draft_button(ProbCancel)
async def draft_cancel(update: Update, context, user, data: ProbCancel, d: dict) -> None:
    st = _state(context)
    st["draft"], st["await"] = None, None
    await update.callback_query.answer()
    await send(update, context, "problem.html.j2", edit=True, kind="error", text="已取消，没有保存。",
               history=None, note=None)


@_draft_button(ProbSave)
async def draft_save(update: Update, context, user, data: ProbSave, d: dict) -> None:
    s, st = svc(context), _state(context)
    await update.callback_query.answer("正在保存…")
    row = await asyncio.to_thread(s.problems.add, ProblemDraft.from_json(
        {k: v for k, v in d.items() if k not in ("tok", "qid")}), user, s.now())
    st["draft"], st["await"] = None, None           # committed: only now is the draft dropped
    await _show_problem(update, context, row.id, kind="saved", edit=True)


@_draft_button(ProbStage)
async def draft_stage(update: Update, context, user, data: ProbStage, d: dict) -> None:
    if data.stage not in STAGES:
        await answer_stale(update, STALE)
        return
    d["stage"] = data.stage
    await update.callback_query.answer()
    await _show_draft(update, context, edit=True)


@_draft_button(ProbDeadline)
async def draft_deadline(update: Update, context, user, data: ProbDeadline, d: dict) -> None:
    when = _deadline(data.choice, svc(context).today())
    d["deadline"] = when.isoformat() if when else None
    await update.callback_query.answer()
    await _show_draft(update, context, edit=True)


@_draft_button(ProbUnit)
async def draft_unit(update: Update, context, user, data: ProbUnit, d: dict) -> None:
    _state(context)["await"] = {"kind": "unit"}
    await update.callback_query.answer()
    await send(update, context, "problem.html.j2", kind="error",
               text="请输入责任单位，例如「市自然资源局」。发送「取消」放弃。", history=None, note=None)


async def typed(update: Update, context, user, text: str) -> bool:
    """A typed value the problem flow waits for (the responsible unit, a solving note)."""
    st = context.user_data.get("prob") or {}
    waiting = st.get("await")
    if not waiting or not is_private(update):
        return False
    text = (text or "").strip()
    if text in CANCEL_WORDS:
        st["await"] = None
        await send(update, context, "problem.html.j2", kind="error", text="好的，已放弃。", history=None, note=None)
        return True
    if waiting["kind"] == "unit" and st.get("draft"):
        st["draft"]["unit"] = text[:64]
        st["await"] = None
        await _show_draft(update, context, edit=False)
        return True
    if waiting["kind"] == "note":
        if not text:
            return True
        s = svc(context)
        try:
            await asyncio.to_thread(s.problems.set_status, waiting["id"], "solved", user, s.now(), note=text)
        except (NotFound, PermissionDenied, InvalidTransition, Conflict, ValueError) as exc:
            st["await"] = None
            await send(update, context, "problem.html.j2", kind="error", text=_why(exc, waiting["id"]),
                       history=None, note=None)
            return True
        st["await"] = None
        await _show_problem(update, context, waiting["id"], kind="solved", edit=False)
        return True
    st["await"] = None
    return False


def _why(exc, pid: int) -> str:
    if isinstance(exc, NotFound):
        return f"问题 #{pid} 不存在。"
    if isinstance(exc, PermissionDenied):
        return "问题台账仅限授权干部查看和办理。"
    if isinstance(exc, InvalidTransition):
        return f"问题 #{pid} 的状态已变化，请发送 /problems 查看最新情况。"
    return "这个说明无法保存，请换一种写法。"


async def _show_problem(update: Update, context, pid: int, *, kind: str, edit: bool, note: str | None = None) -> None:
    s = svc(context)
    row = await asyncio.to_thread(s.problems.get, pid)
    if row is None:
        await send(update, context, "problem.html.j2", kind="error", text=f"问题 #{pid} 不存在。", edit=edit,
                   history=None, note=None)
        return
    history = await asyncio.to_thread(s.problems.history, pid)
    tz = s.tz
    hist = [{"at": h.changed_at.astimezone(tz).strftime("%m-%d %H:%M"), "from": STATUS_LABELS.get(h.from_status),
             "to": STATUS_LABELS[h.to_status], "note": h.note} for h in history]
    rows = [[(("▶ 开始办理" if to == "in_progress" and row.status == "open" else
               "↩ 重新办理" if to == "in_progress" else "✅ 已解决" if to == "solved" else "↩ 退回待办"),
              ProbSet(pid, to).pack()) for to in NEXT[row.status]]]
    if row.project_id is not None:
        rows.append([(f"📊 项目 #{row.project_id}", ProjPick(row.project_id).pack())])
    await send(update, context, "problem.html.j2", markup=keyboard(rows), edit=edit, kind=kind,
               p=problem_record(row, s.library, s.today()), history=hist if kind == "card" else None, note=note)


async def status_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    got = await pressed(update, context, ProbSet, private=True)
    if got is None:
        return
    user, data = got
    cq = update.callback_query
    if not can_see(user):
        await cq.answer("问题台账请在私聊中查看。", show_alert=True)
        return
    s = svc(context)
    if data.to == "v":
        await cq.answer()
        await _show_problem(update, context, data.problem_id, kind="card", edit=False)
        return
    if data.to == "solved":
        row = await asyncio.to_thread(s.problems.get, data.problem_id)
        if row is None or "solved" not in NEXT[row.status]:
            await answer_stale(update)
            return
        _state(context)["await"] = {"kind": "note", "id": data.problem_id}
        await cq.answer()
        await send(update, context, "problem.html.j2", kind="ask_note", p={"id": data.problem_id}, history=None,
                   note=None)
        return
    if data.to not in ("in_progress", "open"):
        await answer_stale(update)
        return
    try:
        await asyncio.to_thread(s.problems.set_status, data.problem_id, data.to, user, s.now())
    except (NotFound, PermissionDenied, InvalidTransition, Conflict) as exc:
        await cq.answer(_why(exc, data.problem_id), show_alert=True)
        return
    await cq.answer("已更新")
    await _show_problem(update, context, data.problem_id, kind="card", edit=True, note="状态已更新 ✓")


async def problems_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/problems: open problems first (overdue marked), a button each; /problems all: with solved ones."""
    user = await require_user(update, context, private=True)
    if user is None:
        return
    if not can_see(user):
        await send(update, context, "problem.html.j2", kind="error", text="问题台账仅限授权干部在私聊中查看。",
                   history=None, note=None)
        return
    s = svc(context)
    everything = bool(context.args) and context.args[0] in ("all", "全部")
    rows = await asyncio.to_thread(s.problems.find, open_only=not everything, limit=20)
    items = [problem_record(r, s.library, s.today()) for r in rows]
    buttons = [(f"#{r.id}", ProbSet(r.id, "v").pack()) for r in rows]
    await send(update, context, "problem.html.j2", markup=keyboard([buttons[i:i + 5] for i in range(0, len(buttons), 5)]),
               kind="list", items=items, open_n=sum(1 for i in items if i["status"] != "solved"),
               overdue_n=sum(1 for i in items if i["overdue"]), history=None, note=None)


# ---------------------------------------------------------------------- overdue → the unit's lead

def overdue_digests(services, today: dt.date) -> list[tuple[int, str]]:
    """(lead's user id, message) for each lead or admin whose unit answers for overdue problems;
    problems whose unit has no lead go to the admins."""
    by_unit = services.problems.overdue(today)
    if not by_unit:
        return []
    users = [u for u in services.access.list_users(include_revoked=False) if u.role in ("lead", "admin")]
    out: dict[int, list] = {}
    for unit, rows in by_unit.items():
        leads = [u for u in users if u.unit == unit and u.role == "lead"] or [u for u in users if u.role == "admin"]
        for u in leads:
            out.setdefault(u.user_id, []).extend(rows)
    return [(uid, render("problem.html.j2", kind="list", items=[problem_record(r, services.library, today) for r in rows],
                         open_n=len(rows), overdue_n=len(rows), history=None, note="以上问题已超过办理期限，请督办。"))
            for uid, rows in out.items()]


OVERDUE_AT = dt.time(9, 5)


async def _overdue_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Each lead's overdue problems, once a day across every worker process (each send claimed
    in the database first, handlers/jobs.py); a lead who never opened the chat: tomorrow."""
    from promo.render import split_message

    s = svc(context)
    today = s.today()
    for uid, text in await asyncio.to_thread(overdue_digests, s, today):
        await jobs.send_once(context.application, "problems-overdue", today.isoformat(), uid, split_message(text))


async def _overdue_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    local = svc(context).now().astimezone(svc(context).tz)
    if local.time() >= OVERDUE_AT:
        await _overdue_job(context)


async def post_init(app) -> None:
    if app.job_queue is not None:
        app.job_queue.run_repeating(_overdue_tick, jobs.TICK, first=90, name="problems-overdue")


def handlers():
    return [CommandHandler("problems", problems_command),
            *(CallbackQueryHandler(fn, pattern=cls.pattern()) for cls, fn in (
                (ProbSave, draft_save), (ProbCancel, draft_cancel), (ProbStage, draft_stage),
                (ProbDeadline, draft_deadline), (ProbUnit, draft_unit))),
            CallbackQueryHandler(status_button, pattern=ProbSet.pattern())]
