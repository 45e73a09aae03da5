"""The buttons of a draft card, a form step or an edit card: one handler per button class, each
one method call on the draft; saving and closing; writing an edit of a saved meeting."""

from __future__ import annotations

from telegram import Update

from promo.store.db import Conflict, NotFound, PermissionDenied
from promo.meetings.draft import BUTTON_FIELDS, Draft, meeting_fields, question_field

from ..common import answer_stale, in_thread, keyboard, meeting_service, officer_only, send, svc
from ..followups import schedule_meeting
from ..projects import ProjPick
from .buttons import (MineOpen, MtgAnswer, MtgBack, MtgChain, MtgClose, MtgEdit, MtgProject, MtgSave,
                      MtgSet, MtgSkip, MtgType, MtgTypeDate)
from .view import END, STALE, card, forms, note, show

# Why an edit of a saved meeting was not written (MeetingService.refused_edit) → the card's note.
EDIT_REFUSED = {"denied": "您无权修改这条记录。", "gone": "这条记录已不存在。",
                "locked": "这条记录刚被他人修改，您的修改没有保存。",
                "changed": "这条记录刚被他人修改过，已显示最新内容，您的修改没有保存，请重新修改。"}


def _item(context, data) -> Draft | None:
    return forms(context).item(data.tok)


def _on_card(cls):
    """A card button: called as `fn(update, context, user, data, item)` with the officer's item
    the button's token names; a button of no open item is answered as stale."""
    return officer_only(button=cls, stale=STALE, private=True, find=_item)


async def _redraw(update: Update, context, item: Draft, user, note_text: str | None = None) -> int:
    await update.callback_query.answer()
    return await show(update, context, item, user, edit=True, note=note_text)


@_on_card(MtgSave)
async def save_button(update, context, user, data, item):
    return await _save(update, context, item, user)


@_on_card(MtgClose)
async def close_button(update, context, user, data, item):
    await update.callback_query.answer()
    return await _close(update, context, item, user)


@_on_card(MtgEdit)
async def edit_button(update, context, user, data, item):
    item.ask(data.field)
    return await _redraw(update, context, item, user)


@_on_card(MtgBack)
async def back_button(update, context, user, data, item):
    item.back()
    return await _redraw(update, context, item, user)


@_on_card(MtgType)
async def type_button(update, context, user, data, item):
    if item.q:
        item.type_instead()
    return await _redraw(update, context, item, user)


@_on_card(MtgTypeDate)
async def type_date_button(update, context, user, data, item):
    if item.q:
        item.type_instead()
    elif not item.type_date():           # already asking to type: nothing would change
        await update.callback_query.answer("请直接输入日期，例如 11月20日、上周五。")
        return None
    return await _redraw(update, context, item, user)


@_on_card(MtgSkip)
async def skip_button(update, context, user, data, item):
    item.skip_step()
    return await _redraw(update, context, item, user)


@_on_card(MtgAnswer)
async def answer_button(update, context, user, data, item):
    field = question_field(item.q[0]) if item.q else None
    if field is None or not item.answer_question(data.index):
        await answer_stale(update, STALE)
        return None
    return await _redraw(update, context, item, user, await after_change(context, item, user, field))


@_on_card(MtgSet)
async def set_button(update, context, user, data, item):
    if data.field not in BUTTON_FIELDS:
        await answer_stale(update, STALE)
        return None
    item.set_fields({data.field: data.value or None})
    return await _redraw(update, context, item, user, await after_change(context, item, user, data.field))


@_on_card(MtgChain)
async def chain_button(update, context, user, data, item):
    item.toggle_chain(data.chain)
    note_text = await after_change(context, item, user, "chain_ids", keep_asking=True)
    return await _redraw(update, context, item, user, note_text)


@_on_card(MtgProject)
async def project_button(update, context, user, data, item):
    item.choose_project(data.choice)
    return await _redraw(update, context, item, user)


BUTTONS = {MtgSave: save_button, MtgClose: close_button, MtgEdit: edit_button, MtgBack: back_button,
           MtgType: type_button, MtgTypeDate: type_date_button, MtgSkip: skip_button,
           MtgAnswer: answer_button, MtgSet: set_button, MtgChain: chain_button, MtgProject: project_button}


# ---------------------------------------------------------------------- changes, saving, closing

async def after_change(context, item: Draft, user, field: str, *, keep_asking: bool = False) -> str | None:
    """A field got a value: leave the asking screen, move the form on, and for a saved
    meeting write the change (optimistic: the version shown must still be current)."""
    if field == "company" and not item.is_edit:
        meeting_service(context).inputs.fill_chains(item)
    if not item.got_value(field, keep_asking=keep_asking):
        return None
    return await _commit_edit(context, item, user)


async def _commit_edit(context, item: Draft, user) -> str | None:
    changes = item.changes()
    if not changes:
        return None
    ms = meeting_service(context)
    try:
        m = await in_thread(ms.edit_meeting, item.id, changes, user, svc(context).now(), item.version)
    except (Conflict, NotFound, PermissionDenied) as exc:
        why, fresh = await in_thread(ms.refused_edit, item.id, user, exc)
        if fresh is None:
            item.undo()
        else:
            item.saved_as(fresh)
        return EDIT_REFUSED[why]
    except ValueError:
        item.undo()
        return "这个值无法保存，请换一种写法。"
    item.saved_as(m)
    if "followup_date" in changes:
        schedule_meeting(context.application, m)
    return "已修改 ✓"


async def _save(update: Update, context, item: Draft, user) -> int | None:
    cq = update.callback_query
    if item.is_edit:
        await cq.answer()
        return await _close(update, context, item, user)
    if item.q:
        await cq.answer("请先回答上面的问题。", show_alert=True)
        return None
    s = svc(context)
    ms = meeting_service(context)
    if (await in_thread(ms.project_service.project_choice, item, user.unit)).kind == "ask":
        await cq.answer("请先选择：是同一项目，还是新建项目。", show_alert=True)
        return None
    await cq.answer("正在保存…")
    result = await in_thread(ms.save, item, user, s.now())
    # committed: only now is the draft dropped and "已保存" said
    forms(context).drop(item)
    m = result.meeting
    reminder = schedule_meeting(context.application, m)
    saved = Draft(kind="edit", id=m.id, f=meeting_fields(m))
    template, ctx, _, _ = await in_thread(card, context, saved, user, buttons=False,
                                          title=f"✅ 已保存 · 记录 #{m.id}")
    ctx.update(saved=result, priors=[], reminder=reminder.astimezone(s.tz) if reminder else None)
    await send(update, context, template, markup=keyboard(_saved_rows(m, result)), edit=True, **ctx)
    return END


def _saved_rows(m, result) -> list[list]:
    rows = [[("✏️ 修改这条记录", MineOpen(m.id).pack())]]
    if result.project is not None:
        rows.append([(f"📊 项目 #{result.project.id}", ProjPick(result.project.id).pack())])
    return rows


async def _close(update: Update, context, item: Draft, user) -> int:
    forms(context).drop(item)
    if item.is_edit:
        template, ctx, _, _ = await in_thread(card, context, item, user, buttons=False)
        await send(update, context, template, edit=True, **ctx)
    else:
        # the card becomes "cancelled" (without buttons, so it cannot be saved by mistake later)
        await note(update, context, "cancelled", edit=True)
    return END
