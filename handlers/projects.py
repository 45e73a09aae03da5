"""Projects in the chat: /project <name> (the funnel card: stage history, capital, meetings),
moving a stage with one button and a confirmation, /capital for capital figures.

Moves: "⏩ 推进到下一阶段" asks before it writes (`ProjectStore.advance`, one step forward,
dated today). A lead or admin of the project's unit also gets "🛠 更正阶段" (any stage: a
correction, kept as such in the history). Other units see a project read-only, and without
its meetings' details (who met whom is the unit's business; the duplicate warning tells only
who and when).
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from promo.db import MAX_ID, Conflict, InvalidTransition, NotFound, PermissionDenied, looks_like_id, parse_id
from promo.meetings.service import capital_without_agreement, parse_capital, person_label
from promo.meetings.store import STAGE_LABELS, STAGES

from .callbacks import CallbackData, decode
from .common import Command, keyboard, pressed, require_user, send, svc
from .meetings import msvc

COMMANDS = [Command("project", "项目进展：阶段、资金、对接记录", "project funnel: stages, capital, meetings"),
            Command("capital", "登记项目资金：/capital 项目号 内资到位 5000万", "record a project's capital")]


@dataclass(frozen=True)
class ProjPick(CallbackData):
    PREFIX = "mp"
    project_id: int


@dataclass(frozen=True)
class ProjStage(CallbackData):
    """op: a = ask to advance to `to` · c = correction menu · k = ask to correct to `to` ·
    y = confirmed advance · z = confirmed correction · n = back to the card."""

    PREFIX = "mv"
    project_id: int
    to: str
    op: str


def _next_stage(stage: str) -> str | None:
    i = STAGES.index(stage)
    return STAGES[i + 1] if i + 1 < len(STAGES) else None


def _card(context, user, project_id: int, note: str | None = None):
    view = msvc(context).project(project_id)
    if view is None:
        return None
    p = view.project
    own = bool(user.unit) and user.unit == p.unit
    rows = []
    if own and (nxt := _next_stage(p.stage)):
        rows.append([(f"⏩ 推进到下一阶段（{STAGE_LABELS[nxt]}）", ProjStage(p.id, nxt, "a").pack())])
    if own and user.is_lead_or_admin:
        rows.append([("🛠 更正阶段", ProjStage(p.id, "", "c").pack())])
    ctx = dict(v=view, p=p, own=own, note=note, stage_labels=STAGE_LABELS, stages=STAGES,
               lib=svc(context).library, meetings=view.meetings[-10:], who=person_label,
               problems=_problems_of(context, p))
    return ctx, rows


def _problems_of(context, p) -> list[dict]:
    """Investor problems linked to this project, or open ones of its company (issue 13)."""
    store = getattr(svc(context), "problems", None)
    if store is None:
        return []
    from promo.problems import problem_record

    rows = {r.id: r for r in store.find(project_id=p.id)}
    if p.company_id:
        rows.update({r.id: r for r in store.find(company_id=p.company_id, open_only=True)})
    s = svc(context)
    return [problem_record(r, s.library, s.today()) for r in sorted(rows.values(), key=lambda r: r.id)]


async def _show(update: Update, context, user, project_id: int, *, edit: bool, note: str | None = None) -> bool:
    built = await asyncio.to_thread(_card, context, user, project_id, note)
    if built is None:
        return False
    ctx, rows = built
    await send(update, context, "project_card.html.j2", markup=keyboard(rows), edit=edit, **ctx)
    return True


async def project(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/project <name or #id>: one match → its card; several → buttons to choose. Private
    chats only: the card shows the project's meeting log."""
    user = await require_user(update, context, private=True)
    if user is None:
        return
    query = " ".join(context.args).strip()
    ms = msvc(context)
    if looks_like_id(query):
        pid = parse_id(query)        # None for 99999999999999999999: no such project, not a crash
        if pid is None or not await _show(update, context, user, pid, edit=False):
            await send(update, context, "project_list.html.j2", query=query, projects=[],
                       stage_labels=STAGE_LABELS, unit=user.unit)
        return
    if not query:
        found = await asyncio.to_thread(ms.unit_projects, user.unit)
    else:
        found = await asyncio.to_thread(ms.find_projects, query, user)
    if len(found) == 1 and query:
        await _show(update, context, user, found[0].id, edit=False)
        return
    buttons = [[(f"#{p.id} {p.name}"[:60], ProjPick(p.id).pack())] for p in found]
    await send(update, context, "project_list.html.j2", markup=keyboard(buttons), query=query,
               projects=found, stage_labels=STAGE_LABELS, unit=user.unit)


async def pick(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    cq = update.callback_query
    got = await pressed(update, context, ProjPick, "这个按钮已过期。", private=True)
    if got is None:
        return
    user, data = got
    await cq.answer()
    if not await _show(update, context, user, data.project_id, edit=False):
        await send(update, context, "project_list.html.j2", query=str(data.project_id), projects=[],
                   stage_labels=STAGE_LABELS, unit=user.unit)


async def stage(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    cq = update.callback_query
    user = await require_user(update, context, private=True)
    if user is None:
        return
    data = decode(update, ProjStage)
    view = msvc(context).project(data.project_id) if data else None
    if view is None or (data.to and data.to not in STAGES):
        await cq.answer("这个按钮已过期。", show_alert=True)
        return
    p = view.project
    s = svc(context)
    if data.op in ("a", "k"):
        correction = data.op == "k"
        await cq.answer()
        confirm = ProjStage(p.id, data.to, "z" if correction else "y").pack()
        await send(update, context, "project_confirm.html.j2", edit=True, p=p, to=data.to,
                   correction=correction, today=s.today(), stage_labels=STAGE_LABELS,
                   markup=keyboard([[("✅ 确认", confirm), ("取消", ProjStage(p.id, "", "n").pack())]]))
        return
    if data.op == "c":
        if not user.is_lead_or_admin:
            await cq.answer("只有专班负责人或管理员可以更正阶段。", show_alert=True)
            return
        await cq.answer()
        rows = [[(STAGE_LABELS[st], ProjStage(p.id, st, "k").pack()) for st in STAGES if st != p.stage],
                [("取消", ProjStage(p.id, "", "n").pack())]]
        await send(update, context, "project_confirm.html.j2", edit=True, p=p, to=None, correction=True,
                   today=s.today(), stage_labels=STAGE_LABELS, markup=keyboard(rows))
        return
    note = None
    if data.op in ("y", "z"):
        try:
            await asyncio.to_thread(msvc(context).projects.advance, p.id, data.to, s.today(), user, s.now(),
                                    correction=data.op == "z")
        except PermissionDenied:
            await cq.answer("只有项目所在单位可以推进；更正阶段需要负责人或管理员。", show_alert=True)
            return
        except (InvalidTransition, Conflict):
            # the project moved since the button was drawn (someone else, or a double tap)
            await cq.answer("项目阶段已变化，请看最新情况。", show_alert=True)
            await _show(update, context, user, p.id, edit=True)
            return
        except NotFound:
            await cq.answer("项目已不存在。", show_alert=True)
            return
        note = f"已{'更正' if data.op == 'z' else '推进'}到「{STAGE_LABELS[data.to]}」✓"
    await cq.answer()
    await _show(update, context, user, p.id, edit=True, note=note)


async def capital(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/capital <project id> 内资到位 5000万 [外资协议 +200万 …]: set a cumulative figure, or
    add to it with '+'. Private chats only (it answers with the project card)."""
    user = await require_user(update, context, private=True)
    if user is None:
        return
    text = (update.effective_message.text or "").partition(" ")[2]
    try:
        pid, figures = parse_capital(text)
    except ValueError:
        await send(update, context, "project_capital.html.j2", kind="usage")
        return
    ms = msvc(context)
    view = ms.project(pid) if pid <= MAX_ID else None
    if view is None:
        await send(update, context, "project_capital.html.j2", kind="not_found", pid=pid)
        return
    current = {"domestic_in_place": view.project.domestic_in_place_yuan,
               "foreign_in_place": view.project.foreign_in_place_yuan,
               "domestic_agreed": view.project.domestic_agreed_yuan,
               "foreign_agreed": view.project.foreign_agreed_yuan}
    values = {k: current[k] + v if add else v for k, (v, add) in figures.items()}
    if missing := capital_without_agreement(current, values):
        # capital in place with no agreed amount: ask (record the agreement, or confirm)
        tok = secrets.token_urlsafe(4)
        context.user_data["cap_pending"] = {"tok": tok, "pid": pid, "values": values}
        await send(update, context, "project_capital.html.j2", kind="no_agreed", pid=pid, missing=missing,
                   markup=keyboard([[("✅ 确认无协议，照此登记", CapConfirm(tok, "y").pack()),
                                     ("❌ 取消", CapConfirm(tok, "n").pack())]]))
        return
    await _set_capital(update, context, user, pid, values)


@dataclass(frozen=True)
class CapConfirm(CallbackData):
    """op: y = record the capital in place without an agreed amount · n = drop it."""

    PREFIX = "mc"
    tok: str
    op: str


async def capital_confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    got = await pressed(update, context, CapConfirm, "这个按钮已过期，请重新发送 /capital。", private=True)
    if got is None:
        return
    user, data = got
    pending = context.user_data.get("cap_pending") or {}
    if pending.get("tok") != data.tok:
        await update.callback_query.answer("这个按钮已过期，请重新发送 /capital。", show_alert=True)
        return
    context.user_data.pop("cap_pending", None)
    await update.callback_query.answer()
    if data.op != "y":
        await send(update, context, "project_capital.html.j2", kind="dropped", pid=pending["pid"], edit=True)
        return
    await _set_capital(update, context, user, pending["pid"], pending["values"])


async def _set_capital(update: Update, context, user, pid: int, values: dict) -> None:
    ms, s = msvc(context), svc(context)
    try:
        await asyncio.to_thread(ms.projects.set_capital, pid, user, s.now(), as_of=s.today(), **values)
    except PermissionDenied:
        await send(update, context, "project_capital.html.j2", kind="denied", pid=pid)
        return
    except Conflict:
        await send(update, context, "project_capital.html.j2", kind="conflict", pid=pid)
        return
    await _show(update, context, user, pid, edit=False, note="资金已登记 ✓")


def handlers():
    return [CommandHandler("project", project), CommandHandler("capital", capital),
            CallbackQueryHandler(pick, pattern=ProjPick.pattern()),
            CallbackQueryHandler(stage, pattern=ProjStage.pattern()),
            CallbackQueryHandler(capital_confirm, pattern=CapConfirm.pattern())]
