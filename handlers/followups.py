"""Follow-ups in the chat: /todo (due today, overdue, the next 7 days, people to keep in touch
with) and reminders at 09:00 on the follow-up date through the job queue.

Reminders are rebuilt from the database, never from memory: `post_init` schedules every open
follow-up whose reminder has not gone out (`FollowUps.reminders_to_schedule`; ones missed while
the bot was down fire at once), a daily 09:00 scan picks up what changed since, and saving or
editing a meeting schedules its own. A reminder is claimed in the database (`reminder_sent`)
*before* it is sent: if two jobs ever race (the scan and the job at 09:00), one sends and the
other stays silent. The price: a reminder whose send fails for good is not retried — the
follow-up still shows in /todo.

Keep-in-touch nudges name people from the lists: only in the officer's private chat, and only
people whose liaison is the officer's unit or names the officer (sensitive people: only the
officer named) — see `FollowUpService.liaison_matches`.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from promo.store.db import NotFound, PermissionDenied
from promo.meetings.service import person_label
from promo.render import render

from .callbacks import CallbackData
from .common import Command, alert_for, in_thread, keyboard, officer_only, send, svc
from .common import meeting_service as msvc

log = logging.getLogger(__name__)

COMMANDS = [Command("todo", "待办：回访提醒和该联系的人", "to-do: follow-ups and people to keep in touch with")]
JOB_PREFIX = "mtg-remind:"
SCAN_JOB = "mtg-remind-scan"
MAX_ITEMS = 30


@dataclass(frozen=True)
class TodoDone(CallbackData):
    """✓ on a follow-up; src: t = the /todo list (re-drawn), l = the list with the later
    follow-ups (re-drawn), r = a reminder message."""

    PREFIX = "md"
    meeting_id: int
    src: str


@dataclass(frozen=True)
class TodoLater(CallbackData):
    """"📅 查看以后的回访" on /todo: the list again, with the follow-ups after the window."""

    PREFIX = "mw"


# ---------------------------------------------------------------------- /todo

def _todo_view(context, user, later: bool = False):
    s = svc(context)
    today = s.today()
    todo = msvc(context).followups.todo(user, today)
    items = (todo.due_today + todo.overdue + todo.upcoming + (todo.later if later else []))[:MAX_ITEMS]
    number = {m.id: i + 1 for i, m in enumerate(items)}
    src = "l" if later else "t"
    buttons = [(f"✓ {number[m.id]}", TodoDone(m.id, src).pack()) for m in items]
    rows = [buttons[i:i + 5] for i in range(0, len(buttons), 5)]
    if todo.later and not later:
        rows.append([(f"📅 查看 {todo.window_days} 天以后的回访（{len(todo.later)}）", TodoLater().pack())])
    ctx = dict(todo=todo, number=number, today=today, lib=s.library, show_later=later,
               until=today + dt.timedelta(days=todo.window_days),
               days=s.settings.keep_in_touch_days, who=person_label)
    return ctx, rows


@officer_only(private=True)      # the list names people from the lists: never in a group
async def todo(update: Update, context: ContextTypes.DEFAULT_TYPE, user) -> None:
    ctx, rows = await in_thread(_todo_view, context, user)
    await send(update, context, "todo.html.j2", markup=keyboard(rows), **ctx)


DONE_ALERTS = {NotFound: "这条记录已不存在。", PermissionDenied: "只有记录人或本单位负责人可以完成这条回访。"}
TODO_STALE = "这个按钮已过期，请重新发送 /todo。"


@officer_only(button=TodoDone, stale=TODO_STALE, private=True)
async def done(update: Update, context: ContextTypes.DEFAULT_TYPE, user, data) -> None:
    cq = update.callback_query
    s = svc(context)
    try:
        m = await in_thread(msvc(context).followups.mark_done, data.meeting_id, user, s.now())
    except (NotFound, PermissionDenied) as exc:
        await alert_for(update, exc, DONE_ALERTS)
        return
    await cq.answer("已完成 ✓")
    if data.src in ("t", "l"):
        ctx, rows = await in_thread(_todo_view, context, user, data.src == "l")
        await send(update, context, "todo.html.j2", markup=keyboard(rows), edit=True, **ctx)
    else:
        await send(update, context, "todo_reminder.html.j2", edit=True, m=m, done=True,
                   today=s.today(), lib=s.library, who=person_label)


@officer_only(button=TodoLater, stale=TODO_STALE, private=True)
async def later(update: Update, context: ContextTypes.DEFAULT_TYPE, user, data) -> None:
    await update.callback_query.answer()
    ctx, rows = await in_thread(_todo_view, context, user, True)
    await send(update, context, "todo.html.j2", markup=keyboard(rows), edit=True, **ctx)


# ---------------------------------------------------------------------- reminders

def job_name(meeting_id: int, when: dt.datetime) -> str:
    return f"{JOB_PREFIX}{meeting_id}:{int(when.timestamp())}"


def schedule(app, meeting_id: int, user_id: int, when: dt.datetime) -> bool:
    """One job per (meeting, reminder time); True when a job is (already) queued."""
    jq = app.job_queue
    if jq is None:
        return False
    name = job_name(meeting_id, when)
    if jq.get_jobs_by_name(name):
        return True
    # misfire_grace_time=None: a reminder whose time passed while the bot was down (or before
    # the scheduler started) runs as soon as it can instead of being dropped
    jq.run_once(_remind, when, data={"meeting_id": meeting_id, "user_id": user_id,
                                     "when": when.isoformat()},
                name=name, user_id=user_id, job_kwargs={"misfire_grace_time": None})
    return True


def schedule_meeting(app, meeting) -> dt.datetime | None:
    """Schedule the reminder of a just saved or edited meeting; its time, or None."""
    when = app.bot_data.meetings.followups.upcoming_reminder(meeting, app.bot_data.services.now())
    if when is not None:
        schedule(app, meeting.id, meeting.logged_by, when)
    return when


def schedule_all(app) -> int:
    """Queue every reminder the database says is still to go out."""
    pending = app.bot_data.meetings.followups.to_schedule(app.bot_data.services.now())
    for meeting_id, user_id, when in pending:
        schedule(app, meeting_id, user_id, when)
    return len(pending)


async def _remind(context: ContextTypes.DEFAULT_TYPE) -> None:
    app = context.application
    data = context.job.data
    s = app.bot_data.services
    meeting_id, user_id = data["meeting_id"], data["user_id"]
    when = dt.datetime.fromisoformat(data["when"])
    # the domain decides whether it still goes out (done, re-dated, revoked, sent by another job)
    m = await in_thread(app.bot_data.meetings.followups.claim, meeting_id, user_id, when, s.now())
    if m is None:
        return
    text = render("todo_reminder.html.j2", m=m, done=False, today=s.today(), lib=s.library,
                  who=person_label)
    try:
        await context.bot.send_message(user_id, text, parse_mode=ParseMode.HTML,
                                       reply_markup=keyboard([[("✓ 已回访", TodoDone(m.id, "r").pack())]]))
    except TelegramError as exc:
        log.warning("reminder for meeting %s not delivered: %s", meeting_id, type(exc).__name__)


async def _scan(context: ContextTypes.DEFAULT_TYPE) -> None:
    schedule_all(context.application)


async def post_init(app) -> None:
    if app.job_queue is None:
        log.warning("no job queue (install python-telegram-bot[job-queue]): follow-up reminders are off")
        return
    n = schedule_all(app)
    tz = ZoneInfo(app.bot_data.services.settings.timezone)
    if not app.job_queue.get_jobs_by_name(SCAN_JOB):
        app.job_queue.run_daily(_scan, dt.time(9, 0, tzinfo=tz), name=SCAN_JOB)
    log.info("follow-up reminders scheduled: %d", n)


def handlers():
    return [CommandHandler("todo", todo), CallbackQueryHandler(done, pattern=TodoDone.pattern()),
            CallbackQueryHandler(later, pattern=TodoLater.pattern())]
