"""Every screen of the meeting log is derived from the item (`Draft.screen()`): an open
question → the form's step → the field being asked → the card. Buttons and typed values
therefore lead to the same screens, and a restart in the middle shows the same screen again."""

from __future__ import annotations

import datetime as dt

from telegram import Update
from telegram.ext import ConversationHandler

from promo.meetings.draft import FIELDS, FORM_STEPS, LABELS, Draft, MeetingForms, card_lines
from promo.meetings.store import STAGE_LABELS, STAGES

from ..callbacks import CallbackDataError
from ..common import in_thread, keyboard, meeting_service, send, svc
from .buttons import (MtgAnswer, MtgBack, MtgChain, MtgClose, MtgEdit, MtgProject, MtgSave, MtgSet,
                      MtgSkip, MtgType, MtgTypeDate)

CARD, TEXT = 1, 2          # the conversation's states: a card is open · a value is awaited
END = ConversationHandler.END
STALE = "这张卡片已保存、已取消或已过期。发送 /mine 查看我的记录，或重新发送对接内容。"


def forms(context) -> MeetingForms:
    """The officer's meeting items. user_data holds them as JSON after a restart; the first
    use turns that into the typed object (persistence writes it back by its `to_json`)."""
    held = context.user_data.get("mtg")
    if not isinstance(held, MeetingForms):
        held = context.user_data["mtg"] = MeetingForms.from_json(held)
    return held


def state_of(user_data: dict):
    """The conversation state the officer's items give (see persistence.derive_conversation)."""
    held = user_data.get("mtg")
    state = (held if isinstance(held, MeetingForms) else MeetingForms.from_json(held)).state()
    return {"text": TEXT, "card": CARD}.get(state)


def _btn(item: Draft, label: str, cls, *args) -> tuple[str, str] | None:
    try:
        return label, cls(item.tok, *args).pack()
    except CallbackDataError:            # an id too long for 64 bytes: no button rather than a refusal
        return None


def _rows(rows) -> list[list[tuple[str, str]]]:
    """Rows without the buttons `_btn` had to leave out."""
    return [[b for b in row if b] for row in rows]


def chunks(buttons: list, n: int) -> list[list]:
    return [buttons[i:i + n] for i in range(0, len(buttons), n)]


def _date_buttons(item: Draft, field: str, today: dt.date) -> list[list]:
    if field == "meeting_date":
        return [[_btn(item, label, MtgSet, field, (today - dt.timedelta(days=n)).isoformat())
                 for label, n in (("今天", 0), ("昨天", 1), ("前天", 2))]]
    return [[_btn(item, label, MtgSet, field, (today + dt.timedelta(days=n)).isoformat())
             for label, n in (("明天", 1), ("一周后", 7), ("两周后", 14), ("一个月后", 30))],
            [_btn(item, "🗑 不回访", MtgSet, field, "")]]


def _project_buttons(context, item: Draft, user) -> list[list]:
    projects = meeting_service(context).project_service
    unit = user.unit if user else None
    current = projects.project_choice(item, unit)
    rows = []
    for p in projects.company_projects(item.f, unit)[:6]:
        mark = "✓" if current.kind == "existing" and current.project.id == p.id else ""
        rows.append([_btn(item, f"{mark}#{p.id} {p.name}"[:60], MtgProject, str(p.id))])
    name = item.subject
    if name:
        mark = "✓" if current.kind == "new" else ""
        rows.append([_btn(item, f"{mark}🆕 新建「{name}」"[:60], MtgProject, "new")])
    return rows


def _field_choices(context, item: Draft, field: str, today: dt.date, user) -> list[list]:
    """Buttons offered while asking for one field (typing is always possible too)."""
    rows: list[list] = []
    if field in ("meeting_date", "followup_date"):
        rows += _date_buttons(item, field, today)
    elif field == "stage":
        rows.append([_btn(item, ("✓" if item.f.get("stage") == s else "") + STAGE_LABELS[s], MtgSet, "stage", s)
                     for s in STAGES])
    elif field == "chain_ids":
        chosen = set(item.f.get("chain_ids") or [])
        rows += chunks([_btn(item, ("✓" if c.id in chosen else "") + c.name.removesuffix("产业链"), MtgChain, c.id)
                        for c in svc(context).library.chains], 3)
    elif field == "project":
        rows += _project_buttons(context, item, user)
    rows.append([_btn(item, "↩ 返回" if field != "chain_ids" else "✔ 完成", MtgBack)])
    return rows


def _card_rows(item: Draft, has_unit: bool) -> list[list]:
    edits = [_btn(item, f"✏️ {LABELS[f] if f != 'topic' else '内容'}", MtgEdit, f) for f in FIELDS]
    if item.is_edit:
        return [*chunks(edits, 4), [_btn(item, "✔ 完成", MtgClose)]]
    extra = [_btn(item, "✏️ 项目", MtgEdit, "project")] if has_unit else []
    return [[_btn(item, "✅ 保存", MtgSave), _btn(item, "❌ 取消", MtgClose)], *chunks(edits + extra, 4)]


def _question(item: Draft, q: dict, note):
    rows = [[_btn(item, label[:60], MtgAnswer, i)] for i, label in enumerate(q["labels"])]
    rows.append([_btn(item, "✏️ 手动输入", MtgType), _btn(item, "❌ 取消", MtgClose)])
    return "meeting_question.html.j2", dict(q=q, raw=item.f.get("raw"), note=note), rows, TEXT


def _form_step(context, item: Draft, step: str, note):
    today = svc(context).today()
    rows: list[list] = []
    if step == "date":
        rows.append([_btn(item, "今天", MtgSet, "meeting_date", today.isoformat()),
                     _btn(item, "昨天", MtgSet, "meeting_date", (today - dt.timedelta(days=1)).isoformat()),
                     _btn(item, "其他日期", MtgTypeDate)])
    elif step in ("topic", "amount", "followup"):
        rows.append([_btn(item, "跳过", MtgSkip)])
    rows.append([_btn(item, "❌ 取消", MtgClose)])
    done = [line for line in item.lines(svc(context).library) if line["value"]
            and line["key"] in ("company", "meeting_date", "topic", "amount", "chain_ids")]
    return "meeting_form.html.j2", dict(step=step, n=FORM_STEPS.index(step) + 1, total=len(FORM_STEPS),
                                        done=done, note=note, typed=item.typed), rows, TEXT


def _ask(context, item: Draft, field: str, user, note):
    rows = _field_choices(context, item, field, svc(context).today(), user)
    current = next((line["value"] for line in card_lines(item.f, svc(context).library)
                    if line["key"] == field), None)
    if field == "project":
        choice = meeting_service(context).project_service.project_choice(item, user.unit if user else None)
        current = choice.project.name if choice.kind == "existing" else choice.name
    return "meeting_ask.html.j2", dict(field=field, label=LABELS[field], current=current, note=note), rows, TEXT


def view(context, item: Draft, user, note: str | None = None):
    """(template, context, rows, conversation state) for the item's current screen."""
    screen, arg = item.screen()
    if screen == "question":
        return _question(item, arg, note)
    if screen == "form":
        return _form_step(context, item, arg, note)
    if screen == "ask":
        return _ask(context, item, arg, user, note)
    return card(context, item, user, note)


def card(context, item: Draft, user, note: str | None = None, *, buttons: bool = True,
         title: str | None = None):
    s = svc(context)
    ms = meeting_service(context)
    today = s.today()
    priors = ms.prior_contacts(item.f, user, today) if user else []
    project = None if item.is_edit else ms.project_service.project_choice(item, user.unit if user else None)
    title = title or (f"📝 对接记录 #{item.id}" if item.is_edit else "📝 请确认对接记录")
    ctx = dict(title=title, lines=card_lines(item.f, s.library, item.assumed), project=project,
               priors=priors, note=note, editing=item.is_edit, saved=None, stage_labels=STAGE_LABELS,
               year=today.year, reminder=None)
    rows = _card_rows(item, bool(user and user.unit)) if buttons else []
    if buttons and project is not None and project.kind == "ask":
        # the topic names another project than the company's one: same project, or a new one?
        rows.insert(0, [_btn(item, f"✅ 同一项目 #{project.project.id}", MtgProject, str(project.project.id)),
                        _btn(item, "🆕 新建项目", MtgProject, "new")])
    return "meeting_card.html.j2", ctx, rows, CARD


async def show(update: Update, context, item: Draft, user, *, edit: bool, note: str | None = None) -> int:
    """Show the item's current screen (the view reads the database: in a thread)."""
    template, ctx, rows, state = await in_thread(view, context, item, user, note)
    forms(context).shown(item)
    await send(update, context, template, markup=keyboard(_rows(rows)),
               edit=edit and update.callback_query is not None, **ctx)
    return state


async def note(update: Update, context, kind: str, *, edit: bool = False, **ctx) -> None:
    await send(update, context, "meeting_note.html.j2", edit=edit, kind=kind, **{"text": None, **ctx})
