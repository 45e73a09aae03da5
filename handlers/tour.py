"""/tour: a guided visit plan (考察行程) — profile → days → arrival → escort → date → the plan card.

Any choice can be changed under the plan (天数 / 到达 / 陪同 / 日期) without starting over; under
the plan too: 必看/不看 (the ~10 most relevant sites, each marked must-see or avoid, then 完成
re-plans) and 离开 (the departure venue and time on the last day, or 默认). The
plan comes as an .ics calendar and a printable HTML page on request. The answer card gets a
"🗺 规划考察行程" button that starts the flow with the card's profile filled in.

State: `user_data["tour"]`, JSON-able (strings, ISO dates). A persistent conversation only
decides whether the next plain text is a value the flow asked for (the profile or a date).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import warnings
from dataclasses import dataclass

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, ConversationHandler, MessageHandler, filters

from promo.tour.planner import ALLOWED_DAYS
from promo.tour.service import (DAY_CHOICES, DEPART_TIME_CHOICES, ESCORT_CHOICES, TIME_CHOICES, arrival_venues,
                                make_plan, site_choices)
from promo.tour.view import days_label, escort_label, plan_view
from promo.tour.when import WhenError, check_day, check_start, looks_like_clock, parse_clock, parse_day

from .callbacks import CallbackData
from .common import Command, answer_stale, keyboard, officer_only, send, svc

log = logging.getLogger(__name__)

COMMANDS = [Command("tour", "规划考察行程", "plan a site-visit tour")]
TEXT = 1
END = ConversationHandler.END
STEPS = ("profile", "days", "arrive", "time", "escort", "date")
TYPED_STEPS = ("profile", "time", "dtime", "date")     # steps that take a typed value
CHANGE_LABELS = (("天数", "days"), ("到达", "arrive"), ("陪同", "escort"), ("日期", "date"))
CHANGES = ("days", "arrive", "escort", "date", "depart", "sites")


# ---------------------------------------------------------------------- buttons: one class per action
# Prefixes "t" + a letter; the old format ("t:<op>:<arg>", one class for all) decodes to nothing,
# so such buttons fall through to handlers/fallback.py and are answered as stale.

@dataclass(frozen=True)
class TourDays(CallbackData):
    """考察几天: the days as the planner takes them ("0.5", "1" … "4")."""
    PREFIX = "td"
    value: str


@dataclass(frozen=True)
class TourArrive(CallbackData):
    """从哪里到达: an arrival venue id."""
    PREFIX = "ta"
    venue: str


@dataclass(frozen=True)
class TourHour(CallbackData):
    """几点到达: HHMM."""
    PREFIX = "th"
    hhmm: str


@dataclass(frozen=True)
class TourEscort(CallbackData):
    """谁陪同: a role of ESCORT_CHOICES; None: 无（不指定）."""
    PREFIX = "te"
    role: str | None


@dataclass(frozen=True)
class TourDate(CallbackData):
    """哪天开始: an ISO date."""
    PREFIX = "tt"
    day: str


@dataclass(frozen=True)
class TourLeave(CallbackData):
    """从哪里离开: a venue id; None: 默认 (leave from the arrival point when the plan says)."""
    PREFIX = "tl"
    venue: str | None


@dataclass(frozen=True)
class TourLeaveHour(CallbackData):
    """最后一天几点离开: HHMM."""
    PREFIX = "tk"
    hhmm: str


@dataclass(frozen=True)
class TourChange(CallbackData):
    """Change one choice under the plan: one of CHANGES."""
    PREFIX = "tc"
    field: str


@dataclass(frozen=True)
class TourMust(CallbackData):
    """必看 toggle of the site at this index of st["sites"]."""
    PREFIX = "tm"
    index: int


@dataclass(frozen=True)
class TourAvoid(CallbackData):
    """不看 toggle of the site at this index of st["sites"]."""
    PREFIX = "tx"
    index: int


@dataclass(frozen=True)
class TourSiteInfo(CallbackData):
    """A site's name pressed in the 必看/不看 list: its state as a toast."""
    PREFIX = "ti"
    index: int


@dataclass(frozen=True)
class TourSitesDone(CallbackData):
    """完成 under 必看/不看: re-plan."""
    PREFIX = "to"


@dataclass(frozen=True)
class TourAddDay(CallbackData):
    """➕ 加一天 when a must-see does not fit."""
    PREFIX = "tn"


@dataclass(frozen=True)
class TourIcs(CallbackData):
    """📅 日历 .ics."""
    PREFIX = "tf"


@dataclass(frozen=True)
class TourPrint(CallbackData):
    """🖨 打印版 (PDF and HTML)."""
    PREFIX = "tp"


@dataclass(frozen=True)
class TourResume(CallbackData):
    """▶️ 继续规划考察行程: take up the draft put aside."""
    PREFIX = "tr"


@dataclass(frozen=True)
class TourFromCard(CallbackData):
    """🗺 规划考察行程 on an answer card: start with the card's profile (its query id)."""
    PREFIX = "tq"
    qid: str


# ---------------------------------------------------------------------- screens

def _venue_name(context, vid: str) -> str:
    return {v.id: v.name for v in arrival_venues(svc(context).library.lists)}.get(vid, vid)


def _arrive_text(context, st: dict) -> str:
    if not st.get("arrive"):
        return ""
    name = _venue_name(context, st["arrive"])
    return f"{name} {st['time']}" if st.get("time") else name


def _depart_text(context, st: dict) -> str:
    if not st.get("depart"):
        return ""
    name = _venue_name(context, st["depart"])
    return f"{name} {st['depart_time']}" if st.get("depart_time") else name


async def _show_step(update: Update, context, st: dict, edit: bool) -> int:
    step = st["step"]
    rows: list[list[tuple[str, str]]] = []
    if step == "profile":
        question = "请输入来访者（企业、职务、关注的产业），如「飞鹤乳业 副总」："
    elif step == "days":
        question = "考察几天？"
        rows = [[(label, TourDays(v).pack()) for label, v in DAY_CHOICES[:3]],
                [(label, TourDays(v).pack()) for label, v in DAY_CHOICES[3:]]]
    elif step == "arrive":
        question = "从哪里到达？"
        venues = arrival_venues(svc(context).library.lists)
        rows = [[(v.name, TourArrive(v.id).pack())] for v in venues]
    elif step == "time":
        question = "几点到达？也可以直接输入时间（如 11:20、1120、11点20、下午2点）："
        rows = [[(t, TourHour(t.replace(":", "")).pack()) for t in TIME_CHOICES]]
    elif step == "depart":
        question = "从哪里离开？（默认：从到达地离开，时间按行程安排）"
        venues = arrival_venues(svc(context).library.lists)
        rows = [[(v.name, TourLeave(v.id).pack())] for v in venues] + [[("默认", TourLeave(None).pack())]]
    elif step == "dtime":
        question = "最后一天几点离开？也可以直接输入时间（如 16:40、下午4点40）："
        rows = [[(t, TourLeaveHour(t.replace(":", "")).pack()) for t in DEPART_TIME_CHOICES]]
    elif step == "escort":
        question = "谁陪同？"
        rows = ([[(label, TourEscort(role).pack())] for label, role in ESCORT_CHOICES]
                + [[("无（不指定）", TourEscort(None).pack())]])
    else:
        question = "哪天开始？也可以直接输入日期（如 12-09、12月9日、2026-12-09、明天）："
        today = svc(context).today()
        rows = [[(label, TourDate((today + dt.timedelta(days=i)).isoformat()).pack())
                 for i, label in enumerate(("今天", "明天", "后天"))]]
    st["wait"] = step in TYPED_STEPS   # before the reply: the state written with it must say so
    await send(update, context, "tour_step.html.j2", markup=keyboard(rows), edit=edit, st=st, step=step,
               days_text=days_label(st["days"]) if st.get("days") else "", arrive_text=_arrive_text(context, st),
               escort_text=escort_label(st.get("escort")), depart_text=_depart_text(context, st),
               question=question)
    return TEXT if st["wait"] else END


def _plan_buttons(st: dict, must_missing: bool = False) -> list[list[tuple[str, str]]]:
    rows = []
    if must_missing:   # a must-see that does not fit: a day more, or drop another stop
        more = [("➕ 加一天", TourAddDay().pack())] if _one_more_day(st) else []
        rows.append(more + [("✂️ 去掉其他点位", TourChange("sites").pack())])
    return rows + [[(f"✏️ {label}", TourChange(field).pack()) for label, field in CHANGE_LABELS],
            [("📍 必看/不看", TourChange("sites").pack()), ("🛫 离开", TourChange("depart").pack())],
            [("📅 日历 .ics", TourIcs().pack()), ("🖨 打印版", TourPrint().pack())]]


def _one_more_day(st: dict) -> str | None:
    try:
        days = float(st.get("days") or 0) + 1
    except ValueError:
        return None
    return f"{days:g}" if days in ALLOWED_DAYS else None


def _hhmm(text: str) -> dt.time:
    return parse_clock(text)


def _plan(context, st: dict):
    s = svc(context)
    date = check_day(dt.date.fromisoformat(st["date"]), s.today())
    check_start(date, _hhmm(st["time"]), s.now())
    profile = s.matcher.profile(st["profile"])
    depart = st.get("depart") or None
    depart_time = _hhmm(st["depart_time"]) if depart and st.get("depart_time") else None
    return make_plan(s.library, profile, days=float(st["days"]), arrive=st["arrive"], arrive_time=_hhmm(st["time"]),
                     date=date, depart=depart, depart_time=depart_time,
                     escort=st.get("escort") or None, must_see=st.get("must_see") or (),
                     must_avoid=st.get("must_avoid") or (), today=s.today())


async def _show_plan(update: Update, context, st: dict, edit: bool) -> int:
    st["step"], st["done"], st["wait"] = "plan", True, False
    try:
        plan = await asyncio.to_thread(_plan, context, st)
    except (ValueError, OverflowError) as exc:   # InfeasibleRequest and WhenError are ValueErrors
        await send(update, context, "tour_error.html.j2", markup=keyboard(_plan_buttons(st)[:2]), edit=edit,
                   reason=_reason(exc))
        return END
    view = plan_view(plan)
    await send(update, context, "tour_plan.html.j2", markup=keyboard(_plan_buttons(st, bool(view["must_missing"]))),
               edit=edit, **view)
    return END


def _reason(exc: Exception) -> str:
    """The planner's reason for the officer; Python's own messages (overflow …) are not shown."""
    if isinstance(exc, OverflowError):
        return "日期超出范围：请重新选择日期"
    return str(exc)


async def _show_sites(update: Update, context, st: dict, edit: bool, fresh: bool) -> int:
    """必看/不看: the sites in st["sites"] (worked out afresh from the current plan when `fresh`),
    each with its two toggles, the current state marked; 完成 re-plans."""
    st["step"] = "sites"
    if fresh or not st.get("sites"):
        try:
            plan = await asyncio.to_thread(_plan, context, st)
        except (ValueError, OverflowError) as exc:
            st["step"] = "plan"
            await send(update, context, "tour_error.html.j2", markup=keyboard(_plan_buttons(st)[:2]), edit=edit,
                       reason=_reason(exc))
            return END
        st["sites"] = [[pid, name] for pid, name in site_choices(plan, svc(context).library)]
    must, avoid = set(st.get("must_see") or ()), set(st.get("must_avoid") or ())
    rows = [[(name, TourSiteInfo(i).pack()),
             ("✅必看" if pid in must else "✓必看", TourMust(i).pack()),
             ("🚫不看" if pid in avoid else "✗不看", TourAvoid(i).pack())]
            for i, (pid, name) in enumerate(st["sites"])]
    rows.append([("完成", TourSitesDone().pack())])
    names = {pid: name for pid, name in st["sites"]}
    await send(update, context, "tour_sites.html.j2", markup=keyboard(rows), edit=edit, st=st,
               must=[names.get(p, p) for p in st.get("must_see") or ()],
               avoid=[names.get(p, p) for p in st.get("must_avoid") or ()])
    return END


def _toggle(st: dict, pid: str, key: str) -> None:
    """Mark `pid` must-see (key must_see) or avoid (must_avoid), or unmark it; never both."""
    other = "must_avoid" if key == "must_see" else "must_see"
    mine, theirs = list(st.get(key) or []), list(st.get(other) or [])
    if pid in mine:
        mine.remove(pid)
    else:
        mine.append(pid)
        if pid in theirs:
            theirs.remove(pid)
    st[key], st[other] = mine, theirs


def _next(st: dict) -> None:
    """After a choice: the next unanswered step, or the plan once everything is chosen."""
    if st.get("done"):
        if st["step"] == "arrive":
            st["step"] = "time"
        elif st["step"] == "depart" and st.get("depart"):
            st["step"] = "dtime"
        else:
            st["step"] = "plan"
        return
    i = STEPS.index(st["step"])
    st["step"] = STEPS[i + 1] if i + 1 < len(STEPS) else "plan"


async def _advance(update: Update, context, st: dict, edit: bool) -> int:
    _next(st)
    if st["step"] == "plan":
        return await _show_plan(update, context, st, edit)
    return await _show_step(update, context, st, edit)


def _new_state(profile: str | None) -> dict:
    return {"profile": profile or "", "days": None, "arrive": None, "time": None, "escort": None,
            "date": None, "depart": None, "depart_time": None, "must_see": [], "must_avoid": [], "sites": [],
            "step": "days" if profile else "profile", "done": False}


# ---------------------------------------------------------------------- handlers

@officer_only(refused=END)
async def tour_command(update: Update, context: ContextTypes.DEFAULT_TYPE, _user) -> int:
    text = " ".join(context.args or []).strip()[:500]
    old = context.user_data.get("tour")
    if not text and old and old.get("aside"):     # /tour alone: resume the draft put aside
        return await _resume(update, context, old, edit=False)
    st = context.user_data["tour"] = _new_state(text or None)
    return await _show_step(update, context, st, edit=False)


async def _resume(update: Update, context, st: dict, edit: bool) -> int:
    st.pop("aside", None)
    if st.get("step") == "plan" or st.get("done") and st.get("step") not in TYPED_STEPS:
        return await _show_plan(update, context, st, edit)
    return await _show_step(update, context, st, edit)


async def from_card(update: Update, context, qid: str) -> int:
    from .answer import queries

    query = await queries(context).get(qid)
    if query is None:
        await answer_stale(update)
        return END
    await update.callback_query.answer()
    st = context.user_data["tour"] = _new_state(query.text)
    return await _show_step(update, context, st, edit=False)


# ---------------------------------------------------------------------- button handlers, one per class

async def _stale(update: Update) -> int:
    await answer_stale(update)
    return END


def _draft_of(context, data) -> dict | None:
    """The officer's tour draft a button belongs to; None (the stale answer) when there is none."""
    st = context.user_data.get("tour")
    return st if st and st.get("profile") else None


async def _taken_up(update: Update, st: dict, *, done: bool = False) -> bool:
    """Any button but 继续 takes a draft put aside up again; `done`: the button exists only
    under a plan (a choice made once), so before that it is stale."""
    st.pop("aside", None)
    if done and not st.get("done"):
        await answer_stale(update)
        return False
    return True


async def _chosen(update: Update, context, st: dict) -> int:
    """A step's choice is stored: the next step, or the plan."""
    await update.callback_query.answer()
    return await _advance(update, context, st, edit=True)


@officer_only(button=TourFromCard, refused=END)
async def on_from_card(update: Update, context: ContextTypes.DEFAULT_TYPE, _user, data) -> int:
    return await from_card(update, context, data.qid)


@officer_only(button=TourResume, find=_draft_of, refused=END)
async def on_resume(update: Update, context: ContextTypes.DEFAULT_TYPE, _user, data, st: dict) -> int:
    if not st.get("aside"):
        return await _stale(update)
    await update.callback_query.answer()
    return await _resume(update, context, st, edit=False)


@officer_only(button=TourAddDay, find=_draft_of, refused=END)
async def on_add_day(update: Update, context: ContextTypes.DEFAULT_TYPE, _user, data, st: dict) -> int:
    if not await _taken_up(update, st, done=True):
        return END
    more = _one_more_day(st)
    if more is None:
        return await _stale(update)
    await update.callback_query.answer()
    st["days"] = more
    return await _show_plan(update, context, st, edit=True)


@officer_only(button=TourIcs, find=_draft_of, refused=END)
async def on_ics(update: Update, context: ContextTypes.DEFAULT_TYPE, _user, data, st: dict) -> int:
    if not await _taken_up(update, st, done=True):
        return END
    await update.callback_query.answer()
    return await _send_ics(update, context, st)


@officer_only(button=TourPrint, find=_draft_of, refused=END)
async def on_print(update: Update, context: ContextTypes.DEFAULT_TYPE, _user, data, st: dict) -> int:
    if not await _taken_up(update, st, done=True):
        return END
    await update.callback_query.answer()
    return await _send_printable(update, context, st)


@officer_only(button=TourChange, find=_draft_of, refused=END)
async def on_change(update: Update, context: ContextTypes.DEFAULT_TYPE, _user, data, st: dict) -> int:
    if not await _taken_up(update, st):
        return END
    if data.field not in CHANGES or data.field in ("depart", "sites") and not st.get("done"):
        return await _stale(update)
    await update.callback_query.answer()
    if data.field == "sites":
        return await _show_sites(update, context, st, edit=True, fresh=True)
    st["step"] = data.field
    return await _show_step(update, context, st, edit=True)


def _site_at(st: dict, index: int) -> tuple[str, str] | None:
    sites = st.get("sites") or []
    return tuple(sites[index]) if 0 <= index < len(sites) else None


async def _mark(update: Update, context, data, st: dict, key: str) -> int:
    if not await _taken_up(update, st, done=True):
        return END
    site = _site_at(st, data.index)
    if site is None:
        return await _stale(update)
    await update.callback_query.answer()
    _toggle(st, site[0], key)
    return await _show_sites(update, context, st, edit=True, fresh=False)


@officer_only(button=TourMust, find=_draft_of, refused=END)
async def on_must(update: Update, context: ContextTypes.DEFAULT_TYPE, _user, data, st: dict) -> int:
    return await _mark(update, context, data, st, "must_see")


@officer_only(button=TourAvoid, find=_draft_of, refused=END)
async def on_avoid(update: Update, context: ContextTypes.DEFAULT_TYPE, _user, data, st: dict) -> int:
    return await _mark(update, context, data, st, "must_avoid")


@officer_only(button=TourSiteInfo, find=_draft_of, refused=END)
async def on_site_info(update: Update, context: ContextTypes.DEFAULT_TYPE, _user, data, st: dict) -> int:
    if not await _taken_up(update, st, done=True):
        return END
    site = _site_at(st, data.index)
    if site is None:
        return await _stale(update)
    pid, name = site
    state = ("必看" if pid in (st.get("must_see") or ()) else
             "不看" if pid in (st.get("must_avoid") or ()) else "未标记")
    await update.callback_query.answer(f"{name}：{state}")
    return END


@officer_only(button=TourSitesDone, find=_draft_of, refused=END)
async def on_sites_done(update: Update, context: ContextTypes.DEFAULT_TYPE, _user, data, st: dict) -> int:
    if not await _taken_up(update, st, done=True):
        return END
    await update.callback_query.answer()
    return await _show_plan(update, context, st, edit=True)


@officer_only(button=TourDays, find=_draft_of, refused=END)
async def on_days(update: Update, context: ContextTypes.DEFAULT_TYPE, _user, data, st: dict) -> int:
    if not await _taken_up(update, st):
        return END
    if data.value not in {v for _, v in DAY_CHOICES}:
        return await _stale(update)
    st["days"], st["step"] = data.value, "days"
    return await _chosen(update, context, st)


def _venue_ids(context) -> set[str]:
    return {v.id for v in arrival_venues(svc(context).library.lists)}


@officer_only(button=TourArrive, find=_draft_of, refused=END)
async def on_arrive(update: Update, context: ContextTypes.DEFAULT_TYPE, _user, data, st: dict) -> int:
    if not await _taken_up(update, st):
        return END
    if data.venue not in _venue_ids(context):
        return await _stale(update)
    st["arrive"], st["step"] = data.venue, "arrive"
    return await _chosen(update, context, st)


@officer_only(button=TourHour, find=_draft_of, refused=END)
async def on_hour(update: Update, context: ContextTypes.DEFAULT_TYPE, _user, data, st: dict) -> int:
    if not await _taken_up(update, st):
        return END
    if not _valid_hhmm(data.hhmm):
        return await _stale(update)
    st["time"], st["step"] = f"{data.hhmm[:2]}:{data.hhmm[2:]}", "time"
    return await _chosen(update, context, st)


@officer_only(button=TourEscort, find=_draft_of, refused=END)
async def on_escort(update: Update, context: ContextTypes.DEFAULT_TYPE, _user, data, st: dict) -> int:
    if not await _taken_up(update, st):
        return END
    if data.role is not None and data.role not in {r for _, r in ESCORT_CHOICES}:
        return await _stale(update)
    st["escort"], st["escort_set"], st["step"] = data.role, True, "escort"
    return await _chosen(update, context, st)


@officer_only(button=TourLeave, find=_draft_of, refused=END)
async def on_leave(update: Update, context: ContextTypes.DEFAULT_TYPE, _user, data, st: dict) -> int:
    if not await _taken_up(update, st, done=True):
        return END
    if data.venue is None:
        st["depart"], st["depart_time"] = None, None
    elif data.venue in _venue_ids(context):
        st["depart"] = data.venue
    else:
        return await _stale(update)
    st["step"] = "depart"
    return await _chosen(update, context, st)


@officer_only(button=TourLeaveHour, find=_draft_of, refused=END)
async def on_leave_hour(update: Update, context: ContextTypes.DEFAULT_TYPE, _user, data, st: dict) -> int:
    if not await _taken_up(update, st, done=True):
        return END
    if data.hhmm not in {t.replace(":", "") for t in DEPART_TIME_CHOICES} or not st.get("depart"):
        return await _stale(update)
    st["depart_time"], st["step"] = f"{data.hhmm[:2]}:{data.hhmm[2:]}", "dtime"
    return await _chosen(update, context, st)


@officer_only(button=TourDate, find=_draft_of, refused=END)
async def on_date(update: Update, context: ContextTypes.DEFAULT_TYPE, _user, data, st: dict) -> int:
    if not await _taken_up(update, st):
        return END
    try:
        day = dt.date.fromisoformat(data.day)
    except ValueError:
        return await _stale(update)
    try:
        st["date"] = check_day(day, svc(context).today()).isoformat()
    except WhenError as exc:         # an old 今天 button, or forged data
        await update.callback_query.answer(str(exc), show_alert=True)
        return END
    st["step"] = "date"
    return await _chosen(update, context, st)


def _valid_hhmm(arg: str) -> bool:
    return bool(re.fullmatch(r"[0-9]{4}", arg)) and int(arg[:2]) <= 23 and int(arg[2:]) <= 59


def _looks_like_date(text: str) -> bool:
    return bool(re.fullmatch(r"[\d\-/.年月日号\s]+|今天|今日|明天|明日|后天|大后天", text))


@officer_only(refused=END)
async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE, _user) -> int:
    """Plain text while the flow waits for a value. Text that is not one (a new visitor profile)
    puts the draft aside, says so, and goes on to the handler that would have taken it."""
    st = context.user_data.get("tour")
    text = (update.effective_message.text or "").strip()
    if not st or st.get("step") not in TYPED_STEPS or not st.get("wait", True) or st.get("aside"):
        return await _pass_on(update, context)
    step = st["step"]
    if step == "profile":
        if not text:
            return await _show_step(update, context, st, edit=False)
        st["profile"] = text[:500]
        return await _advance(update, context, st, edit=False)
    if step in ("time", "dtime"):
        if not looks_like_clock(text):
            await _set_aside(update, context, st)
            return await _pass_on(update, context)
        try:
            value = parse_clock(text)
        except WhenError as exc:
            await send(update, context, "tour_step_error.html.j2", reason=str(exc))
            return TEXT
        if step == "time":
            st["time"] = f"{value:%H:%M}"
        else:
            if not st.get("depart"):
                return await _show_step(update, context, st, edit=False)
            st["depart_time"] = f"{value:%H:%M}"
        return await _advance(update, context, st, edit=False)
    if not _looks_like_date(text):
        await _set_aside(update, context, st)
        return await _pass_on(update, context)
    try:
        st["date"] = parse_day(text, svc(context).today()).isoformat()
    except WhenError as exc:
        await send(update, context, "tour_step_error.html.j2", reason=str(exc))
        return TEXT
    return await _advance(update, context, st, edit=False)


async def _set_aside(update: Update, context, st: dict) -> None:
    """The draft waits (/tour or the button resumes it); the officer is told so."""
    st["aside"], st["wait"] = True, False
    await send(update, context, "tour_aside.html.j2", markup=keyboard([[("▶️ 继续规划考察行程", TourResume().pack())]]),
               st=st)


async def _pass_on(update: Update, context) -> int:
    """End the tour conversation and hand the update to the first other handler of its group
    that takes it (the answer card for a profile, a meeting text …), as if the tour had not
    been waiting."""
    app = context.application
    for group in sorted(app.handlers):
        if group < 0:
            continue
        for handler in app.handlers[group]:
            if isinstance(handler, ConversationHandler) and handler.name == "tour_flow":
                continue
            check = handler.check_update(update)
            if check is not None and check is not False:
                await handler.handle_update(update, app, check, context)
                return END
        break
    return END


async def watch(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Group -1: a command while the flow waits for typed text puts the draft aside (and says
    so) before the command runs; the next plain text then goes where it would without a tour."""
    st = context.user_data.get("tour") if context.user_data is not None else None
    if not st or not st.get("wait") or st.get("aside"):
        return
    command = (update.effective_message.text or "").split()[0].split("@")[0].lstrip("/").lower()
    if command in ("tour", "cancel"):
        return
    await _set_aside(update, context, st)


async def _plan_or_error(update: Update, context, st: dict):
    """The plan for the files, or None once the reason it cannot be made was said."""
    try:
        return await asyncio.to_thread(_plan, context, st)
    except (ValueError, OverflowError) as exc:
        await send(update, context, "tour_error.html.j2", markup=keyboard(_plan_buttons(st)[:2]),
                   reason=_reason(exc))
        return None


async def _send_ics(update: Update, context, st: dict) -> int:
    from promo.tour.ics import plan_to_ics

    plan = await _plan_or_error(update, context, st)
    if plan is None:
        return END
    await context.bot.send_document(update.effective_chat.id, plan_to_ics(plan), filename="考察行程.ics",
                                    caption="导入手机日历：每个行程节点一个日程")
    return END


async def _send_printable(update: Update, context, st: dict) -> int:
    from promo.tour.pdf import render_pdf
    from promo.tour.printable import render_printable

    plan = await _plan_or_error(update, context, st)
    if plan is None:
        return END
    chat_id = update.effective_chat.id
    generated = svc(context).now().replace(tzinfo=None)
    pdf = await asyncio.to_thread(render_pdf, plan, generated)
    await context.bot.send_document(chat_id, pdf, filename="考察行程（打印版）.pdf",
                                    caption="打印版 PDF：手机可直接打印；材料链接附二维码")
    data = render_printable(plan, generated=generated).encode("utf-8")
    await context.bot.send_document(chat_id, data, filename="考察行程（打印版）.html",
                                    caption="网页版：用浏览器打开后打印")
    return END


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop("tour", None)
    await context.bot.send_message(update.effective_chat.id, "已取消考察行程规划。")
    return END


# ---------------------------------------------------------------------- wiring

# Each button class and the one handler that takes it, in the order the officer meets them
# (wired in handlers()).
BUTTONS = (
    (TourDays, on_days), (TourArrive, on_arrive), (TourHour, on_hour), (TourEscort, on_escort),
    (TourDate, on_date),                                         # the steps
    (TourChange, on_change), (TourLeave, on_leave), (TourLeaveHour, on_leave_hour),   # under the plan
    (TourMust, on_must), (TourAvoid, on_avoid), (TourSiteInfo, on_site_info),
    (TourSitesDone, on_sites_done), (TourAddDay, on_add_day),    # 必看/不看
    (TourIcs, on_ics), (TourPrint, on_print),                    # the files
    (TourResume, on_resume), (TourFromCard, on_from_card),       # starting and taking up again
)


def _card_action(qid: str, query) -> tuple[str, str]:
    return "🗺 规划考察行程", TourFromCard(qid).pack()


CARD_ACTIONS = [_card_action]


def _state_of(user_data: dict):
    """The conversation state `_show_step` gives the officer's tour (see derive_conversation)."""
    st = user_data.get("tour") or {}
    waiting = st.get("step") in TYPED_STEPS and st.get("wait", True) and not st.get("aside")
    return TEXT if waiting else None


def handlers():
    from .persistence import derive_conversation

    derive_conversation("tour_flow", _state_of)
    cmd = CommandHandler("tour", tour_command)
    buttons = [CallbackQueryHandler(fn, pattern=cls.pattern()) for cls, fn in BUTTONS]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # per_message=False with callback handlers: intended
        conversation = ConversationHandler(
            entry_points=[cmd, *buttons],
            states={TEXT: [cmd, *buttons,
                           MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, typed)]},
            fallbacks=[CommandHandler("cancel", cancel)],
            name="tour_flow", persistent=True, per_chat=True, per_user=True, per_message=False,
        )
    # group -1 sees a command before any conversation does (and lets it through)
    return {-1: [MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, watch)], 0: [conversation]}
