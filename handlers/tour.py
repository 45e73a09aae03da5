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
import warnings
from dataclasses import dataclass

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, ConversationHandler, MessageHandler, filters

from promo.tour.cli import (DAY_CHOICES, DEPART_TIME_CHOICES, ESCORT_CHOICES, TIME_CHOICES, arrival_venues,
                            days_label, escort_label, make_plan, plan_view, site_choices)

from .callbacks import CallbackData, decode
from .common import Command, answer_stale, keyboard, require_user, send, svc

log = logging.getLogger(__name__)

COMMANDS = [Command("tour", "规划考察行程", "plan a site-visit tour")]
TEXT = 1
END = ConversationHandler.END
STEPS = ("profile", "days", "arrive", "time", "escort", "date")
CHANGE_LABELS = (("天数", "days"), ("到达", "arrive"), ("陪同", "escort"), ("日期", "date"))
CHANGES = ("days", "arrive", "escort", "date", "depart", "sites")


@dataclass(frozen=True)
class Tour(CallbackData):
    """op: d days · a arrival venue · h arrival time (HHMM) · e escort · t date (ISO) · c change a
    choice (days, arrive, escort, date, depart, sites) · l departure venue ("-": the default) ·
    k departure time (HHMM) · m / x toggle must-see / avoid (arg: the index in st["sites"]) ·
    mi a site's name pressed · mo 完成 · ics · pr printable · card start from an answer card
    (arg: its qid)."""

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
        question = "几点到达？"
        rows = [[(t, _cb("h", t.replace(":", ""))) for t in TIME_CHOICES]]
    elif step == "depart":
        question = "从哪里离开？（默认：从到达地离开，时间按行程安排）"
        venues = arrival_venues(svc(context).library.lists)
        rows = [[(v.name, _cb("l", v.id))] for v in venues] + [[("默认", _cb("l", "-"))]]
    elif step == "dtime":
        question = "最后一天几点离开？"
        rows = [[(t, _cb("k", t.replace(":", ""))) for t in DEPART_TIME_CHOICES]]
    elif step == "escort":
        question = "谁陪同？"
        rows = [[(label, _cb("e", role))] for label, role in ESCORT_CHOICES] + [[("无（不指定）", _cb("e", "-"))]]
    else:
        question = "哪天开始？也可以直接输入日期（YYYY-MM-DD）："
        today = svc(context).today()
        rows = [[(label, _cb("t", (today + dt.timedelta(days=i)).isoformat()))
                 for i, label in enumerate(("今天", "明天", "后天"))]]
    await send(update, context, "tour_step.html.j2", markup=keyboard(rows), edit=edit, st=st, step=step,
               days_text=days_label(st["days"]) if st.get("days") else "", arrive_text=_arrive_text(context, st),
               escort_text=escort_label(st.get("escort")), depart_text=_depart_text(context, st),
               question=question)
    return TEXT if step in ("profile", "date") else END


def _plan_buttons(st: dict) -> list[list[tuple[str, str]]]:
    return [[(f"✏️ {label}", _cb("c", field)) for label, field in CHANGE_LABELS],
            [("📍 必看/不看", _cb("c", "sites")), ("🛫 离开", _cb("c", "depart"))],
            [("📅 日历 .ics", _cb("ics")), ("🖨 打印版", _cb("pr"))]]


def _hhmm(text: str) -> dt.time:
    h, m = (int(x) for x in text.split(":"))
    return dt.time(h, m)


def _plan(context, st: dict):
    s = svc(context)
    profile = s.matcher.profile(st["profile"])
    depart = st.get("depart") or None
    depart_time = _hhmm(st["depart_time"]) if depart and st.get("depart_time") else None
    return make_plan(s.library, profile, days=float(st["days"]), arrive=st["arrive"], arrive_time=_hhmm(st["time"]),
                     date=dt.date.fromisoformat(st["date"]), depart=depart, depart_time=depart_time,
                     escort=st.get("escort") or None, must_see=st.get("must_see") or (),
                     must_avoid=st.get("must_avoid") or (), today=s.today())


async def _show_plan(update: Update, context, st: dict, edit: bool) -> int:
    st["step"], st["done"] = "plan", True
    try:
        plan = await asyncio.to_thread(_plan, context, st)
    except ValueError as exc:   # InfeasibleRequest is a ValueError too
        await send(update, context, "tour_error.html.j2", markup=keyboard(_plan_buttons(st)[:2]), edit=edit,
                   reason=str(exc))
        return END
    await send(update, context, "tour_plan.html.j2", markup=keyboard(_plan_buttons(st)), edit=edit,
               **plan_view(plan))
    return END


async def _show_sites(update: Update, context, st: dict, edit: bool, fresh: bool) -> int:
    """必看/不看: the sites in st["sites"] (worked out afresh from the current plan when `fresh`),
    each with its two toggles, the current state marked; 完成 re-plans."""
    st["step"] = "sites"
    if fresh or not st.get("sites"):
        try:
            plan = await asyncio.to_thread(_plan, context, st)
        except ValueError as exc:
            st["step"] = "plan"
            await send(update, context, "tour_error.html.j2", markup=keyboard(_plan_buttons(st)[:2]), edit=edit,
                       reason=str(exc))
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
    st = context.user_data["tour"] = _new_state(text or None)
    return await _show_step(update, context, st, edit=False)


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
        if not arg.isdigit() or int(arg) >= len(sites):
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
    elif op == "h" and len(arg) == 4 and arg.isdigit():
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
            st["date"] = dt.date.fromisoformat(arg).isoformat()
        except ValueError:
            await answer_stale(update)
            return END
        st["step"] = "date"
    else:
        await answer_stale(update)
        return END
    await cq.answer()
    return await _advance(update, context, st, edit=True)


async def typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if await require_user(update, context) is None:
        return END
    st = context.user_data.get("tour")
    text = (update.effective_message.text or "").strip()
    if not st or st.get("step") not in ("profile", "date"):
        return END
    if st["step"] == "profile":
        if not text:
            return await _show_step(update, context, st, edit=False)
        st["profile"] = text[:500]
        return await _advance(update, context, st, edit=False)
    try:
        st["date"] = dt.date.fromisoformat(text.replace("/", "-").replace(".", "-")).isoformat()
    except ValueError:
        await context.bot.send_message(update.effective_chat.id, "日期格式：YYYY-MM-DD，例如 2026-06-02")
        return TEXT
    return await _advance(update, context, st, edit=False)


async def _send_file(update: Update, context, st: dict, op: str) -> int:
    try:
        plan = await asyncio.to_thread(_plan, context, st)
    except ValueError as exc:
        await send(update, context, "tour_error.html.j2", markup=keyboard(_plan_buttons(st)[:2]), reason=str(exc))
        return END
    chat_id = update.effective_chat.id
    if op == "ics":
        from promo.tour.ics import plan_to_ics

        data = plan_to_ics(plan)
        await context.bot.send_document(chat_id, data, filename="考察行程.ics",
                                        caption="导入手机日历：每个行程节点一个日程")
    else:
        from promo.tour.printable import render_printable

        data = render_printable(plan, generated=svc(context).now().replace(tzinfo=None)).encode("utf-8")
        await context.bot.send_document(chat_id, data, filename="考察行程（打印版）.html",
                                        caption="打印版：用浏览器打开后打印")
    return END


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    context.user_data.pop("tour", None)
    await context.bot.send_message(update.effective_chat.id, "已取消考察行程规划。")
    return END


# ---------------------------------------------------------------------- wiring

def _card_action(qid: str, query) -> tuple[str, str]:
    return "🗺 规划考察行程", _cb("card", qid)


async def post_init(app) -> None:
    actions = app.bot_data.setdefault("card_actions", [])
    if _card_action not in actions:
        actions.append(_card_action)


def _state_of(user_data: dict):
    """The conversation state `_show_step` gives the officer's tour (see derive_conversation)."""
    return TEXT if (user_data.get("tour") or {}).get("step") in ("profile", "date") else None


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
    return [conversation]
