"""The bureau's view in the chat: /board [月|季度|年|2026-07|2026Q3|2026] — the scoreboard
(public to every officer, in groups too: the ranking is aired on purpose), the ranking chart
and a unit's trend chart as photos, a unit's page, and the records behind a figure (only for
the unit's officers, its lead and admins). The monthly dispatch and the weekly milestone list
run as a job (promo/bureau/dispatch.py: claimed in the database before posting)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from promo.bureau.milestones import MILESTONE_KINDS as MILESTONE_LABELS
from promo.bureau.dispatch import DispatchLedger, due_month, due_week
from promo.bureau.present import FORMATS
from promo.bureau.scoreboard import COLUMNS, INDICATORS
from promo.meetings.store import STAGE_LABELS
from promo.render import render

from . import jobs
from .callbacks import CallbackData
from .common import Command, keyboard, pressed, require_user, send, svc

log = logging.getLogger(__name__)
COMMANDS = [Command("board", "擂台赛排名：/board 季度、/board 2026-07", "scoreboard and ranking", group=True),
            Command("node", "节点督查：/node 项目号 开工 2026-10-15；/node 看本单位逾期节点", "project milestones")]
LABELS = {k: i.label for k, i in INDICATORS.items()}
DISPATCH_EVERY = 600   # seconds between checks whether a dispatch is due


@dataclass(frozen=True)
class BoardChart(CallbackData):
    """The ranking chart of a period (unit empty) or a unit's trend chart."""
    PREFIX = "bc"
    period: str
    unit: str


@dataclass(frozen=True)
class BoardUnits(CallbackData):
    PREFIX = "bl"
    period: str


@dataclass(frozen=True)
class BoardUnit(CallbackData):
    PREFIX = "bu"
    period: str
    unit: str


@dataclass(frozen=True)
class BoardRecords(CallbackData):
    PREFIX = "br"
    period: str
    unit: str
    key: str


@dataclass(frozen=True)
class BoardBulletin(CallbackData):
    """The quarterly bulletin (.xlsx and printable page) of a quarter or year."""
    PREFIX = "bb"
    period: str


@dataclass(frozen=True)
class BoardShow(CallbackData):
    """The board of another period (the previous one, the quarter or year of this one)."""
    PREFIX = "bs"
    period: str


def _bureau(context):
    return svc(context).bureau


def _snapshot(context, period_text: str | None):
    s = svc(context)
    period = s.bureau.period(period_text, s.today())
    return s.bureau.snapshot(period, s.today())


def _board_buttons(snap, user, bureau):
    key = snap.board.period.key
    mine = bureau.unit_of(user)
    row = [("📈 排名图", BoardChart(key, "").pack()), ("📋 单位详情", BoardUnits(key).pack())]
    if mine and snap.board.row(mine):
        row.append(("🏢 本单位", BoardUnit(key, mine).pack()))
    p = snap.board.period
    nav = [(f"⬅️ {p.previous().label}", BoardShow(p.previous().key).pack())]
    if p.kind == "month":
        nav.append((f"📅 第{(p.index - 1) // 3 + 1}季度", BoardShow(f"{p.year}Q{(p.index - 1) // 3 + 1}").pack()))
    if p.kind != "year":
        nav.append((f"📅 {p.year}年", BoardShow(f"{p.year}").pack()))
    rows = [row, nav]
    if user.is_admin and snap.board.period.kind != "month":
        rows.append([("📑 通报（Excel/PDF）", BoardBulletin(key).pack())])
    return keyboard(rows)


async def board(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = await require_user(update, context)
    if user is None:
        return
    text = " ".join(context.args or []).strip()
    try:
        snap = await asyncio.to_thread(_snapshot, context, text or None)
    except ValueError as exc:
        await send(update, context, "board_error.html.j2", reason="period", message=str(exc))
        return
    await send(update, context, "board.html.j2", markup=_board_buttons(snap, user, _bureau(context)),
               board=snap.board, limit=8, labels=LABELS, **FORMATS)


async def show(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    got = await pressed(update, context, BoardShow)
    if got is None:
        return
    user, data = got
    await update.callback_query.answer()
    snap = await asyncio.to_thread(_snapshot, context, data.period)
    await send(update, context, "board.html.j2", markup=_board_buttons(snap, user, _bureau(context)), edit=True,
               board=snap.board, limit=8, labels=LABELS, **FORMATS)


async def chart(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    got = await pressed(update, context, BoardChart)
    if got is None:
        return
    user, data = got
    await update.callback_query.answer("正在生成图表…")
    bureau = _bureau(context)

    def draw():
        snap = _snapshot(context, data.period)
        if data.unit:
            return bureau.trend_png(data.unit, snap.board.period.year, svc(context).today(), snap), snap
        return bureau.ranking_png(snap), snap

    png, snap = await asyncio.to_thread(draw)
    name = (bureau.registry.get(data.unit).name if data.unit and bureau.registry.get(data.unit) else data.unit)
    caption = (f"{name} {snap.board.period.year}年走势" if data.unit else f"{snap.board.period.label} 擂台赛排名") + \
              ("（演示数据）" if snap.board.demo else "")
    name = f"走势-{data.unit}-{snap.board.period.year}.png" if data.unit else f"擂台赛排名-{snap.board.period.key}.png"
    await context.bot.send_photo(update.effective_chat.id, photo=InputFile(png, filename=name), caption=caption)


async def units(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    got = await pressed(update, context, BoardUnits)
    if got is None:
        return
    user, data = got
    await update.callback_query.answer()
    snap = await asyncio.to_thread(_snapshot, context, data.period)
    rows, line = [], []
    for section in snap.board.sections:
        for r in section.rows:
            line.append((f"{r.position}.{r.name}"[:20], BoardUnit(data.period, r.unit_id).pack()))
            if len(line) == 3:
                rows.append(line)
                line = []
    rows.append(line)
    await context.bot.send_message(update.effective_chat.id, f"{snap.board.period.label}：选择单位查看详情",
                                   reply_markup=keyboard(rows))


async def unit_page(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    got = await pressed(update, context, BoardUnit)
    if got is None:
        return
    user, data = got
    await update.callback_query.answer()
    snap = await asyncio.to_thread(_snapshot, context, data.period)
    row = snap.board.row(data.unit)
    if row is None:
        await send(update, context, "board_error.html.j2", reason="no_unit")
        return
    bureau = _bureau(context)
    can_open = bureau.may_open(user, data.unit) and update.effective_chat.type == "private"
    keys = COLUMNS[row.kind]
    buttons = []
    if can_open:
        line = []
        for key in keys:
            line.append((f"🔎 {LABELS[key]}", BoardRecords(data.period, data.unit, key).pack()))
            if len(line) == 3:
                buttons.append(line)
                line = []
        buttons.append(line)
    buttons.append([("📈 走势图", BoardChart(data.period, data.unit).pack())])
    await send(update, context, "board_unit.html.j2", markup=keyboard(buttons), board=snap.board, row=row,
               keys=keys, overdue=snap.overdue.get(data.unit, []), can_open=can_open,
               kind_label=bureau.registry.kind_label(row.kind), **FORMATS)


async def records(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    got = await pressed(update, context, BoardRecords, private=True)
    if got is None:
        return
    user, data = got
    bureau = _bureau(context)
    if not bureau.may_open(user, data.unit):
        await update.callback_query.answer("仅本单位人员、负责人和管理员可在私聊中查看 · Only the unit's officers, lead and admins, in a private chat",
                                           show_alert=True)
        return
    await update.callback_query.answer()
    snap = await asyncio.to_thread(_snapshot, context, data.period)
    recs = bureau.records(snap, user, data.unit, data.key)
    unit = bureau.registry.get(data.unit)
    await send(update, context, "board_records.html.j2", unit_name=unit.name if unit else data.unit,
               label=LABELS.get(data.key, data.key), period=snap.board.period, records=recs, key=data.key,
               stage_labels=STAGE_LABELS, foreign_text=snap.board.foreign_text, **FORMATS)


async def node(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/node: the own unit's overdue nodes; /node 项目号 开工|资金|问题 日期 [金额] [说明]: plan a
    node; /node 办结 节点号: close one. Private chat only (project names of the unit)."""
    from promo.bureau.milestones import NODE_USAGE, MilestoneStore, parse_node
    from promo.store.db import NotFound, PermissionDenied

    user = await require_user(update, context, private=True)
    if user is None:
        return
    s = svc(context)
    bureau = s.bureau
    text = " ".join(context.args or []).strip()
    store = MilestoneStore(s.db)
    if not text:
        unit_id = bureau.unit_of(user)
        snap = await asyncio.to_thread(bureau.snapshot, bureau.period("month", s.today()), s.today())
        await send(update, context, "board_overdue.html.j2", unit=bureau.registry.get(unit_id) if unit_id else None,
                   items=snap.overdue.get(unit_id, []), week=s.today().isoformat())
        return
    try:
        spec = parse_node(text)
        if "done" in spec:
            row = await asyncio.to_thread(store.done, spec["done"], s.today(), user)
            reply = f"✅ 节点 {row.id}（项目#{row.project_id}）已办结。"
        else:
            row = await asyncio.to_thread(store.add, spec["project_id"], spec["kind"], spec["due"],
                                          amount_yuan=spec["amount_yuan"], note=spec["note"], user=user, now=s.now())
            reply = (f"📌 已登记节点 {row.id}：项目#{row.project_id} {MILESTONE_LABELS[row.kind]}，"
                     f"{row.due_date} 前{'，应到位 ' + FORMATS['value']('capital', row.amount_yuan) if row.amount_yuan else ''}。"
                     "逾期后列入节点督查。")
    except ValueError as exc:
        reply = f"{exc}\n{NODE_USAGE}"
    except NotFound:
        reply = f"没有这个项目或节点。\n{NODE_USAGE}"
    except PermissionDenied:
        reply = "只能为本单位的项目登记或办结节点。"
    await context.bot.send_message(update.effective_chat.id, reply, parse_mode=ParseMode.HTML)


# --------------------------------------------------------------------------- the dispatch job

def _dispatch_jobs(settings, month, week, leads) -> list[tuple]:
    """(kind, period, target chat, user) of every post due now."""
    jobs: list[tuple] = []
    if month is not None:
        jobs.append(("board", month.key, settings.board_chat_id, None))
        if month.index % 3 == 0:      # the month closes a quarter: the quarterly bulletin too
            jobs.append(("bulletin", f"{month.year}Q{month.index // 3}", settings.board_chat_id, None))
        jobs += [("lead", month.key, u.user_id, u) for u in leads]
    if week is not None:
        jobs += [("milestones", week, u.user_id, u) for u in leads]
    return jobs


async def _send_parts(bot, target, text: str) -> None:
    for part in _parts(text):
        await bot.send_message(target, part, parse_mode=ParseMode.HTML)


async def _post_board(app: Application, target, bureau, snap, month) -> None:
    """The month's board to the leaders' chat: the text, then the ranking chart."""
    text = render("board.html.j2", board=snap.board, limit=30, labels=LABELS, **FORMATS)
    await _send_parts(app.bot, target, text)
    png = await asyncio.to_thread(bureau.ranking_png, snap)
    await app.bot.send_photo(target, photo=InputFile(png, filename=f"擂台赛排名-{month.key}.png"),
                             caption=f"{month.label} 擂台赛排名（按月调度）")


async def _post_lead(app: Application, target, bureau, snap, user) -> None:
    """A lead's unit page (nothing if the unit is not on the board)."""
    unit_id = bureau.unit_of(user)
    row = snap.board.row(unit_id)
    if row is None:
        return
    text = render("board_unit.html.j2", board=snap.board, row=row, keys=COLUMNS[row.kind],
                  overdue=snap.overdue.get(unit_id, []), can_open=True,
                  kind_label=bureau.registry.kind_label(row.kind), **FORMATS)
    await _send_parts(app.bot, target, text)


async def _post_milestones(app: Application, target, s, snap, user, week) -> None:
    """The week's overdue nodes of a lead's unit (nothing if none)."""
    bureau = s.bureau
    late_snap = snap or await asyncio.to_thread(bureau.snapshot, bureau.period("month", s.today()), s.today())
    unit_id = bureau.unit_of(user)
    items = late_snap.overdue.get(unit_id, [])
    if items:
        text = render("board_overdue.html.j2", unit=bureau.registry.get(unit_id), items=items, week=week)
        await _send_parts(app.bot, target, text)


async def _post_job(app: Application, s, job: tuple, snap, month, week) -> None:
    kind, period, target, user = job
    if kind == "board":
        await _post_board(app, target, s.bureau, snap, month)
    elif kind == "bulletin":
        await _send_bulletin(app.bot, target, s.bureau, period, s.today())
    elif kind == "lead":
        await _post_lead(app, target, s.bureau, snap, user)
    else:
        await _post_milestones(app, target, s, snap, user, week)


async def dispatch(app: Application, token: str | None = None) -> int:
    """Post what is due (the month's board to the leaders' chat and each lead's unit page; the
    week's overdue nodes to each lead), each claimed in the database first. Returns posts sent.
    Nothing without PROMO_BOARD_CHAT (the leaders' chat): configuring it turns the dispatch on."""
    s = app.bot_data.services
    settings = s.settings
    if not settings.board_chat_id or getattr(s, "bureau", None) is None:
        return 0           # PROMO_BOARD_CHAT turns the dispatch on
    now = s.now()
    local = now.astimezone(s.tz)
    if token is None:
        token = jobs.claim_token(app)
    ledger = DispatchLedger(s.db)
    bureau = s.bureau
    sent = 0
    month = due_month(local, settings.dispatch_day, settings.dispatch_hour)
    week = due_week(local, settings.dispatch_hour)
    leads = [u for u in s.access.list_users(include_revoked=False) if u.role == "lead" and u.unit]
    snap = None
    for job in _dispatch_jobs(settings, month, week, leads):
        kind, period, target, _user = job
        if not await asyncio.to_thread(ledger.claim, kind, period, str(target), token, now):
            continue
        try:
            if snap is None and month is not None:
                snap = await asyncio.to_thread(bureau.snapshot, month, s.today())
            await _post_job(app, s, job, snap, month, week)
        except TelegramError as exc:
            log.warning("dispatch %s %s to a chat failed: %s", kind, period, type(exc).__name__)
            await asyncio.to_thread(ledger.release, kind, period, str(target), token)
            continue
        await asyncio.to_thread(ledger.posted, kind, period, str(target), token, now)
        sent += 1
    return sent


async def _send_bulletin(bot, chat_id, bureau, quarter_key: str, today) -> None:
    """The quarterly bulletin as two documents: the workbook and the PDF."""
    from promo.bureau.bulletin import bulletin_pdf, bulletin_xlsx

    def build():
        snap = bureau.snapshot(bureau.period(quarter_key, today), today)
        registry = bureau.registry
        return snap, bulletin_xlsx(snap, registry), bulletin_pdf(snap, registry, bureau.ranking_png(snap))

    snap, xlsx, pdf = await asyncio.to_thread(build)
    label = snap.board.period.label + ("（演示数据）" if snap.board.demo else "")
    await bot.send_document(chat_id, InputFile(xlsx, filename=f"招商引资通报-{quarter_key}.xlsx"),
                            caption=f"{label}招商引资工作通报（Excel，可直接打印）")
    await bot.send_document(chat_id, InputFile(pdf, filename=f"招商引资通报-{quarter_key}.pdf"),
                            caption="打印版 PDF（A4 横向）")


async def bulletin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The bulletin button (admins only, private chat: it lists every unit's projects)."""
    got = await pressed(update, context, BoardBulletin, private=True)
    if got is None:
        return
    user, data = got
    if not user.is_admin:
        await update.callback_query.answer("季度通报仅管理员可导出 · Admins only", show_alert=True)
        return
    await update.callback_query.answer("正在生成通报…")
    s = svc(context)
    await _send_bulletin(context.bot, update.effective_chat.id, s.bureau, data.period, s.today())


def _parts(text: str) -> list[str]:
    from promo.render import split_message

    return split_message(text)


async def _dispatch_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await dispatch(context.application)


async def post_init(app: Application) -> None:
    s = app.bot_data.services
    if app.job_queue and getattr(s, "bureau", None) is not None and s.settings.board_chat_id:
        app.job_queue.run_repeating(_dispatch_job, DISPATCH_EVERY, first=30, name="bureau-dispatch")


def handlers():
    return [CommandHandler("board", board), CommandHandler("node", node),
            CallbackQueryHandler(chart, pattern=BoardChart.pattern()),
            CallbackQueryHandler(units, pattern=BoardUnits.pattern()),
            CallbackQueryHandler(unit_page, pattern=BoardUnit.pattern()),
            CallbackQueryHandler(records, pattern=BoardRecords.pattern()),
            CallbackQueryHandler(bulletin, pattern=BoardBulletin.pattern()),
            CallbackQueryHandler(show, pattern=BoardShow.pattern())]
