"""Projects in the chat: /project <name> (the funnel card: stage history, capital, meetings),
moving a stage with one button and a confirmation, /capital for capital figures.

Moves: "⏩ 推进到下一阶段" asks before it writes (`ProjectStore.advance`, one step forward,
dated today). A lead or admin of the project's unit also gets "🛠 更正阶段" (any stage: a
correction, kept as such in the history). Other units see a project read-only, and without
its meetings' details (who met whom is the unit's business; the duplicate warning tells only
who and when).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from promo.store.db import MAX_ID, Conflict, InvalidTransition, NotFound, PermissionDenied, looks_like_id, parse_id
from promo.meetings.funnel import Money
from promo.meetings.parse import money_label
from promo.meetings.projects import ProjectService, capital_lines, parse_capital
from promo.meetings.service import person_label
from promo.meetings.store import STAGE_LABELS, STAGES

from .callbacks import CallbackData
from .common import Command, alert_for, in_thread, keyboard, meeting_service, officer_only, send, svc

COMMANDS = [Command("project", "项目进展：阶段、资金、对接记录", "project funnel: stages, capital, meetings"),
            Command("capital", "登记项目资金：/capital 项目号 内资到位 5000万", "record a project's capital")]


@dataclass(frozen=True)
class ProjPick(CallbackData):
    PREFIX = "mp"
    project_id: int


# The stage buttons: one class per action.

@dataclass(frozen=True)
class ProjAdvanceAsk(CallbackData):
    """"⏩ 推进到下一阶段": ask before moving to `to`."""

    PREFIX = "pa"
    project_id: int
    to: str


@dataclass(frozen=True)
class ProjAdvance(CallbackData):
    """"✅ 确认" of an advance."""

    PREFIX = "py"
    project_id: int
    to: str


@dataclass(frozen=True)
class ProjCorrectMenu(CallbackData):
    """"🛠 更正阶段" (leads and admins): the stages to correct to."""

    PREFIX = "pc"
    project_id: int


@dataclass(frozen=True)
class ProjCorrectAsk(CallbackData):
    """A stage of the correction menu: ask before correcting to `to`."""

    PREFIX = "pk"
    project_id: int
    to: str


@dataclass(frozen=True)
class ProjCorrect(CallbackData):
    """"✅ 确认" of a correction."""

    PREFIX = "pz"
    project_id: int
    to: str


@dataclass(frozen=True)
class ProjBack(CallbackData):
    """"取消" on a confirmation or the correction menu: the project card again."""

    PREFIX = "pn"
    project_id: int


STALE = "这个按钮已过期。"


def _projects(context) -> ProjectService:
    return meeting_service(context).project_service


def _next_stage(stage: str) -> str | None:
    i = STAGES.index(stage)
    return STAGES[i + 1] if i + 1 < len(STAGES) else None


def _card(context, user, project_id: int, note: str | None = None, recorded: list | None = None):
    view = _projects(context).get(project_id)
    if view is None:
        return None
    p = view.project
    own = bool(user.unit) and user.unit == p.unit
    rows = []
    if own and (nxt := _next_stage(p.stage)):
        rows.append([(f"⏩ 推进到下一阶段（{STAGE_LABELS[nxt]}）", ProjAdvanceAsk(p.id, nxt).pack())])
    if own and user.is_lead_or_admin:
        rows.append([("🛠 更正阶段", ProjCorrectMenu(p.id).pack())])
    ctx = dict(v=view, p=p, own=own, note=note, stage_labels=STAGE_LABELS, stages=STAGES,
               lib=svc(context).library, meetings=view.meetings[-10:], who=person_label,
               problems=_problems_of(context, p), recorded=recorded or [],
               currency_lines=capital_lines(view, svc(context).settings.fx), money=money_label,
               fx=svc(context).settings.fx)
    return ctx, rows


def _problems_of(context, p) -> list[dict]:
    """Investor problems linked to this project, or open ones of its company (issue 13)."""
    store = getattr(svc(context), "problems", None)
    if store is None:
        return []
    from promo.ask.problems import problem_record

    rows = {r.id: r for r in store.find(project_id=p.id)}
    if p.company_id:
        rows.update({r.id: r for r in store.find(company_id=p.company_id, open_only=True)})
    s = svc(context)
    return [problem_record(r, s.library, s.today()) for r in sorted(rows.values(), key=lambda r: r.id)]


async def _show(update: Update, context, user, project_id: int, *, edit: bool, note: str | None = None,
                recorded: list | None = None) -> bool:
    built = await in_thread(_card, context, user, project_id, note, recorded)
    if built is None:
        return False
    ctx, rows = built
    await send(update, context, "project_card.html.j2", markup=keyboard(rows), edit=edit, **ctx)
    return True


@officer_only(private=True)
async def project(update: Update, context: ContextTypes.DEFAULT_TYPE, user) -> None:
    """/project <name or #id>: one match → its card; several → buttons to choose. Private
    chats only: the card shows the project's meeting log."""
    query = " ".join(context.args).strip()
    projects = _projects(context)
    if looks_like_id(query):
        pid = parse_id(query)        # None for 99999999999999999999: no such project, not a crash
        if pid is None or not await _show(update, context, user, pid, edit=False):
            await send(update, context, "project_list.html.j2", query=query, projects=[],
                       stage_labels=STAGE_LABELS, unit=user.unit)
        return
    if not query:
        found = await in_thread(projects.of_unit, user.unit)
    else:
        found = await in_thread(projects.find, query, user)
    if len(found) == 1 and query:
        await _show(update, context, user, found[0].id, edit=False)
        return
    buttons = [[(f"#{p.id} {p.name}"[:60], ProjPick(p.id).pack())] for p in found]
    await send(update, context, "project_list.html.j2", markup=keyboard(buttons), query=query,
               projects=found, stage_labels=STAGE_LABELS, unit=user.unit)


@officer_only(button=ProjPick, stale=STALE, private=True)
async def pick(update: Update, context: ContextTypes.DEFAULT_TYPE, user, data) -> None:
    await update.callback_query.answer()
    if not await _show(update, context, user, data.project_id, edit=False):
        await send(update, context, "project_list.html.j2", query=str(data.project_id), projects=[],
                   stage_labels=STAGE_LABELS, unit=user.unit)


def _project_of(context, data):
    """The project a stage button names, while the stage it names exists; else None (stale)."""
    if getattr(data, "to", None) is not None and data.to not in STAGES:
        return None
    return _projects(context).get(data.project_id)


def _stage_button(cls):
    """A stage button: called as `fn(update, context, user, data, view)` with the project's view;
    a button of a project or stage that no longer exists is answered as stale."""
    return officer_only(button=cls, stale=STALE, private=True, find=_project_of)


async def _ask_move(update: Update, context, data, view, *, correction: bool) -> None:
    p = view.project
    await update.callback_query.answer()
    confirm = (ProjCorrect if correction else ProjAdvance)(p.id, data.to).pack()
    await send(update, context, "project_confirm.html.j2", edit=True, p=p, to=data.to,
               correction=correction, today=svc(context).today(), stage_labels=STAGE_LABELS,
               markup=keyboard([[("✅ 确认", confirm), ("取消", ProjBack(p.id).pack())]]))


@_stage_button(ProjAdvanceAsk)
async def advance_ask(update: Update, context: ContextTypes.DEFAULT_TYPE, user, data, view) -> None:
    await _ask_move(update, context, data, view, correction=False)


@_stage_button(ProjCorrectAsk)
async def correct_ask(update: Update, context: ContextTypes.DEFAULT_TYPE, user, data, view) -> None:
    await _ask_move(update, context, data, view, correction=True)


@_stage_button(ProjCorrectMenu)
async def correct_menu(update: Update, context: ContextTypes.DEFAULT_TYPE, user, data, view) -> None:
    cq = update.callback_query
    if not user.is_lead_or_admin:
        await cq.answer("只有专班负责人或管理员可以更正阶段。", show_alert=True)
        return
    p = view.project
    await cq.answer()
    rows = [[(STAGE_LABELS[st], ProjCorrectAsk(p.id, st).pack()) for st in STAGES if st != p.stage],
            [("取消", ProjBack(p.id).pack())]]
    await send(update, context, "project_confirm.html.j2", edit=True, p=p, to=None, correction=True,
               today=svc(context).today(), stage_labels=STAGE_LABELS, markup=keyboard(rows))


MOVE_ALERTS = {PermissionDenied: "只有项目所在单位可以推进；更正阶段需要负责人或管理员。",
               # the project moved since the button was drawn (someone else, or a double tap)
               InvalidTransition: "项目阶段已变化，请看最新情况。", Conflict: "项目阶段已变化，请看最新情况。",
               NotFound: "项目已不存在。"}


async def _move(update: Update, context, user, data, view, *, correction: bool) -> None:
    cq, p, s = update.callback_query, view.project, svc(context)
    try:
        await in_thread(_projects(context).advance, p.id, data.to, s.today(), user, s.now(),
                        correction=correction)
    except (PermissionDenied, InvalidTransition, Conflict, NotFound) as exc:
        await alert_for(update, exc, MOVE_ALERTS)
        if isinstance(exc, (InvalidTransition, Conflict)):
            await _show(update, context, user, p.id, edit=True)     # show how it stands now
        return
    await cq.answer()
    note = f"已{'更正' if correction else '推进'}到「{STAGE_LABELS[data.to]}」✓"
    await _show(update, context, user, p.id, edit=True, note=note)


@_stage_button(ProjAdvance)
async def advance(update: Update, context: ContextTypes.DEFAULT_TYPE, user, data, view) -> None:
    await _move(update, context, user, data, view, correction=False)


@_stage_button(ProjCorrect)
async def correct(update: Update, context: ContextTypes.DEFAULT_TYPE, user, data, view) -> None:
    await _move(update, context, user, data, view, correction=True)


@_stage_button(ProjBack)
async def back(update: Update, context: ContextTypes.DEFAULT_TYPE, user, data, view) -> None:
    await update.callback_query.answer()
    await _show(update, context, user, view.project.id, edit=True)


@officer_only(private=True)
async def capital(update: Update, context: ContextTypes.DEFAULT_TYPE, user) -> None:
    """/capital <project id> 内资到位 5000万 [外资协议 +200万 外资到位 500万美元 …]: set a
    cumulative figure (in its currency), or add to it with '+'. Foreign amounts are converted at
    the configured rate (PROMO_FX_RATES), stated on the card; without one they are kept in their
    currency and the card says the yuan figure is missing. Private chats only (it answers with
    the project card)."""
    text = (update.effective_message.text or "").partition(" ")[2]
    try:
        pid, figures = parse_capital(text)
    except ValueError:
        await send(update, context, "project_capital.html.j2", kind="usage")
        return
    view = await in_thread(_projects(context).get, pid) if pid <= MAX_ID else None
    if view is None:
        await send(update, context, "project_capital.html.j2", kind="not_found", pid=pid)
        return
    values, missing = ProjectService.capital_values(view, figures)
    if missing:
        # capital in place with no agreed amount: ask (record the agreement, or confirm)
        tok = secrets.token_urlsafe(4)
        context.user_data["cap_pending"] = {"tok": tok, "pid": pid,
                                            "values": {k: [m.amount, m.currency] for k, m in values.items()}}
        await send(update, context, "project_capital.html.j2", kind="no_agreed", pid=pid, missing=missing,
                   markup=keyboard([[("✅ 确认无协议，照此登记", CapConfirm(tok).pack()),
                                     ("❌ 取消", CapDrop(tok).pack())]]))
        return
    await _set_capital(update, context, user, pid, values)


@dataclass(frozen=True)
class CapConfirm(CallbackData):
    """"✅ 确认无协议": record the capital in place without an agreed amount."""

    PREFIX = "cy"
    tok: str


@dataclass(frozen=True)
class CapDrop(CallbackData):
    """"❌ 取消" of capital in place without an agreed amount."""

    PREFIX = "cn"
    tok: str


CAP_STALE = "这个按钮已过期，请重新发送 /capital。"


def _pending(context, data) -> dict | None:
    """The /capital waiting for this button's confirmation; None for another (or no) one."""
    pending = context.user_data.get("cap_pending") or {}
    return pending if pending.get("tok") == data.tok else None


@officer_only(button=CapConfirm, stale=CAP_STALE, private=True, find=_pending)
async def capital_confirm(update: Update, context: ContextTypes.DEFAULT_TYPE, user, data, pending) -> None:
    context.user_data.pop("cap_pending", None)
    await update.callback_query.answer()
    await _set_capital(update, context, user, pending["pid"],
                       {k: Money(int(a), str(c)) for k, (a, c) in pending["values"].items()})


@officer_only(button=CapDrop, stale=CAP_STALE, private=True, find=_pending)
async def capital_drop(update: Update, context: ContextTypes.DEFAULT_TYPE, user, data, pending) -> None:
    context.user_data.pop("cap_pending", None)
    await update.callback_query.answer()
    await send(update, context, "project_capital.html.j2", kind="dropped", pid=pending["pid"], edit=True)


async def _set_capital(update: Update, context, user, pid: int, values: dict) -> None:
    s = svc(context)
    try:
        _, rows = await in_thread(_projects(context).record_capital, pid, user, s.now(), as_of=s.today(),
                                  fx=s.settings.fx, **values)
    except PermissionDenied:
        await send(update, context, "project_capital.html.j2", kind="denied", pid=pid)
        return
    except Conflict:
        await send(update, context, "project_capital.html.j2", kind="conflict", pid=pid)
        return
    # the card says how each foreign amount was converted, or that its yuan figure is missing
    await _show(update, context, user, pid, edit=False, note="资金已登记 ✓",
                recorded=[r for r in rows if (r.currency or "CNY") != "CNY"])


def handlers():
    return [CommandHandler("project", project), CommandHandler("capital", capital),
            CallbackQueryHandler(pick, pattern=ProjPick.pattern()),
            CallbackQueryHandler(advance_ask, pattern=ProjAdvanceAsk.pattern()),
            CallbackQueryHandler(advance, pattern=ProjAdvance.pattern()),
            CallbackQueryHandler(correct_menu, pattern=ProjCorrectMenu.pattern()),
            CallbackQueryHandler(correct_ask, pattern=ProjCorrectAsk.pattern()),
            CallbackQueryHandler(correct, pattern=ProjCorrect.pattern()),
            CallbackQueryHandler(back, pattern=ProjBack.pattern()),
            CallbackQueryHandler(capital_confirm, pattern=CapConfirm.pattern()),
            CallbackQueryHandler(capital_drop, pattern=CapDrop.pattern())]
