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

from promo.tour.cli import (DAY_CHOICES, DEPART_TIME_CHOICES, ESCORT_CHOICES, TIME_CHOICES, arrival_venues,
                            days_label, escort_label, make_plan, plan_view, site_choices)
from promo.tour.planner import ALLOWED_DAYS
from promo.tour.when import WhenError, check_day, check_start, looks_like_clock, parse_clock, parse_day

from .callbacks import CallbackData, decode, is_index
from .common import Command, answer_stale, keyboard, require_user, send, svc

log = logging.getLogger(__name__)

COMMANDS = [Command("tour", "规划考察行程", "plan a site-visit tour")]
TEXT = 1
END = ConversationHandler.END
STEPS = ("profile", "days", "arrive", "time", "escort", "date")
TYPED_STEPS = ("profile", "time", "dtime", "date")     # steps that take a typed value
CHANGE_LABELS = (("天数", "days"), ("到达", "arrive"), ("陪同", "escort"), ("日期", "date"))
CHANGES = ("days", "arrive", "escort", "date", "depart", "sites")


@dataclass(frozen=True)
class Tour(CallbackData):
    """op: d days · a arrival venue · h arrival time (HHMM) · e escort · t date (ISO) · c change a
    choice (days, arrive, escort, date, depart, sites) · l departure venue ("-": the default) ·
    k departure time (HHMM) · m / x toggle must-see / avoid (arg: the index in st["sites"]) ·
    mi a site's name pressed · mo 完成 · ics · pr printable · card start from an answer card
    (arg: its qid) · ad add a day · r resume a draft put aside."""

    PREFIX = "t"
    op: str
    arg: str


def _cb(op: str, arg: str = "") -> str:
    return Tour(op, arg).pack()


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
        rows = [[(label, _cb("d", v)) for label, v in DAY_CHOICES[:3]],
                [(label, _cb("d", v)) for label, v in DAY_CHOICES[3:]]]
    elif step == "arrive":
        question = "从哪里到达？"
        venues = arrival_venues(svc(context).library.lists)
        rows = [[(v.name, _cb("a", v.id))] for v in venues]
    elif step == "time":
        question = "几点到达？也可以直接输入时间（如 11:20、1120、11点20、下午2点）："
        rows = [[(t, _cb("h", t.replace(":", ""))) for t in TIME_CHOICES]]
    elif step == "depart":
        question = "从哪里离开？（默认：从到达地离开，时间按行程安排）"
        venues = arrival_venues(svc(context).library.lists)
        rows = [[(v.name, _cb("l", v.id))] for v in venues] + [[("默认", _cb("l", "-"))]]
    elif step == "dtime":
        question = "最后一天几点离开？也可以直接输入时间（如 16:40、下午4点40）："
        rows = [[(t, _cb("k", t.replace(":", ""))) for t in DEPART_TIME_CHOICES]]
    elif step == "escort":
        question = "谁陪同？"
        rows = [[(label, _cb("e", role))] for label, role in ESCORT_CHOICES] + [[("无（不指定）", _cb("e", "-"))]]
    else:
        question = "哪天开始？也可以直接输入日期（如 12-09、12月9日、2026-12-09、明天）："
        today = svc(context).today()
        rows = [[(label, _cb("t", (today + dt.timedelta(days=i)).isoformat()))
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
        more = [("➕ 加一天", _cb("ad"))] if _one_more_day(st) else []
        rows.append(more + [("✂️ 去掉其他点位", _cb("c", "sites"))])
    return rows + [[(f"✏️ {label}", _cb("c", field)) for label, field in CHANGE_LABELS],
            [("📍 必看/不看", _cb("c", "sites")), ("🛫 离开", _cb("c", "depart"))],
            [("📅 日历 .ics", _cb("ics")), ("🖨 打印版", _cb("pr"))]]


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
    rows = [[(name, _cb("mi", str(i))),
             ("✅必看" if pid in must else "✓必看", _cb("m", str(i))),
             ("🚫不看" if pid in avoid else "✗不看", _cb("x", str(i)))]
            for i, (pid, name) in enumerate(st["sites"])]
    rows.append([("完成", _cb("mo"))])
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

async def tour_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await require_user(update, context) is None:
        return END
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

    query = queries(context).get(qid)
    if query is None:
        await answer_stale(update)
        return END
    await update.callback_query.answer()
    st = context.user_data["tour"] = _new_state(query.text)
    return await _show_step(update, context, st, edit=False)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    data = decode(update, Tour)
    if await require_user(update, context) is None:
        return END
    if data is None:
        await answer_stale(update)
        return END
    if data.op == "card":
        return await from_card(update, context, data.arg)
    st = context.user_data.get("tour")
    if not st or not st.get("profile"):
        await answer_stale(update)
        return END
    cq = update.callback_query
    op, arg = data.op, data.arg
    if op == "r":
        if not st.get("aside"):
            await answer_stale(update)
            return END
        await cq.answer()
        return await _resume(update, context, st, edit=False)
    st.pop("aside", None)           # any other button of the draft takes it up again
    if op == "ad":
        more = _one_more_day(st)
        if not st.get("done") or more is None:
            await answer_stale(update)
            return END
        await cq.answer()
        st["days"] = more
        return await _show_plan(update, context, st, edit=True)
    if op in ("ics", "pr"):
        if not st.get("done"):
            await answer_stale(update)
            return END
        await cq.answer()
        return await _send_file(update, context, st, op)
    if op == "c":
        if arg not in CHANGES or arg in ("depart", "sites") and not st.get("done"):
            await answer_stale(update)
            return END
        await cq.answer()
        if arg == "sites":
            return await _show_sites(update, context, st, edit=True, fresh=True)
        st["step"] = arg
        return await _show_step(update, context, st, edit=True)
    if op in ("m", "x", "mi", "mo", "l", "k") and not st.get("done"):
        await answer_stale(update)
        return END
    if op in ("m", "x", "mi"):
        sites = st.get("sites") or []
        if not is_index(arg) or int(arg) >= len(sites):
            await answer_stale(update)
            return END
        pid, name = sites[int(arg)]
        if op == "mi":
            state = ("必看" if pid in (st.get("must_see") or ()) else
                     "不看" if pid in (st.get("must_avoid") or ()) else "未标记")
            await cq.answer(f"{name}：{state}")
            return END
        await cq.answer()
        _toggle(st, pid, "must_see" if op == "m" else "must_avoid")
        return await _show_sites(update, context, st, edit=True, fresh=False)
    if op == "mo":
        await cq.answer()
        return await _show_plan(update, context, st, edit=True)
    if op == "d" and arg in {v for _, v in DAY_CHOICES}:
        st["days"], st["step"] = arg, "days"
    elif op == "a" and arg in {v.id for v in arrival_venues(svc(context).library.lists)}:
        st["arrive"], st["step"] = arg, "arrive"
    elif op == "h" and _valid_hhmm(arg):
        st["time"], st["step"] = f"{arg[:2]}:{arg[2:]}", "time"
    elif op == "e" and (arg == "-" or arg in {r for _, r in ESCORT_CHOICES}):
        st["escort"], st["escort_set"], st["step"] = (None if arg == "-" else arg), True, "escort"
    elif op == "l" and (arg == "-" or arg in {v.id for v in arrival_venues(svc(context).library.lists)}):
        if arg == "-":
            st["depart"], st["depart_time"] = None, None
        else:
            st["depart"] = arg
        st["step"] = "depart"
    elif op == "k" and arg in {t.replace(":", "") for t in DEPART_TIME_CHOICES} and st.get("depart"):
        st["depart_time"], st["step"] = f"{arg[:2]}:{arg[2:]}", "dtime"
    elif op == "t":
        try:
            day = dt.date.fromisoformat(arg)
        except ValueError:
            await answer_stale(update)
            return END
        try:
            st["date"] = check_day(day, svc(context).today()).isoformat()
        except WhenError as exc:         # an old 今天 button, or forged data
            await cq.answer(str(exc), show_alert=True)
            return END
        st["step"] = "date"
    else:
        await answer_stale(update)
        return END
    await cq.answer()
    return await _advance(update, context, st, edit=True)


def _valid_hhmm(arg: str) -> bool:
    return bool(re.fullmatch(r"[0-9]{4}", arg)) and int(arg[:2]) <= 23 and int(arg[2:]) <= 59


def _looks_like_date(text: str) -> bool:
    return bool(re.fullmatch(r"[\d\-/.年月日号\s]+|今天|今日|明天|明日|后天|大后天", text))


async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Plain text while the flow waits for a value. Text that is not one (a new visitor profile)
    puts the draft aside, says so, and goes on to the handler that would have taken it."""
    if await require_user(update, context) is None:
        return END
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
    await send(update, context, "tour_aside.html.j2", markup=keyboard([[("▶️ 继续规划考察行程", _cb("r"))]]),
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


async def _send_file(update: Update, context, st: dict, op: str) -> int:
    try:
        plan = await asyncio.to_thread(_plan, context, st)
    except (ValueError, OverflowError) as exc:
        await send(update, context, "tour_error.html.j2", markup=keyboard(_plan_buttons(st)[:2]),
                   reason=_reason(exc))
        return END
    chat_id = update.effective_chat.id
    if op == "ics":
        from promo.tour.ics import plan_to_ics

        data = plan_to_ics(plan)
        await context.bot.send_document(chat_id, data, filename="考察行程.ics",
                                        caption="导入手机日历：每个行程节点一个日程")
    else:
        from promo.tour.pdf import render_pdf
        from promo.tour.printable import render_printable

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

def _card_action(qid: str, query) -> tuple[str, str]:
    return "🗺 规划考察行程", _cb("card", qid)


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
    buttons = CallbackQueryHandler(button, pattern=Tour.pattern())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # per_message=False with callback handlers: intended
        conversation = ConversationHandler(
            entry_points=[cmd, buttons],
            states={TEXT: [cmd, buttons,
                           MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, typed)]},
            fallbacks=[CommandHandler("cancel", cancel)],
            name="tour_flow", persistent=True, per_chat=True, per_user=True, per_message=False,
        )
    # group -1 sees a command before any conversation does (and lets it through)
    return {-1: [MessageHandler(filters.ChatType.PRIVATE & filters.COMMAND, watch)], 0: [conversation]}
