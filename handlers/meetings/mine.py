"""/mine (my recent meetings, each editable), opening a saved meeting's card, /export (Excel)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from promo.store.db import NotFound, PermissionDenied, looks_like_id, parse_id
from promo.meetings.draft import Draft
from promo.meetings.service import parse_range, person_label
from promo.meetings.store import STAGE_LABELS
from promo.render import render

from ..common import in_thread, keyboard, meeting_service, officer_only, send, svc
from .buttons import MineOpen
from .view import STALE, chunks, forms, note, show


@officer_only(private=True)
async def mine(update: Update, context: ContextTypes.DEFAULT_TYPE, user):
    """/mine: my recent meetings with an edit button each; /mine <id>: open one to edit."""
    if context.args and looks_like_id(context.args[0]):
        meeting_id = parse_id(context.args[0])
        if meeting_id is None:       # 99999999999999999999, "²": no such record, not a crash
            await note(update, context, "not_found", id=context.args[0].lstrip("#＃")[:24])
            return None
        return await open_meeting(update, context, user, meeting_id)
    meetings = await in_thread(meeting_service(context).mine, user, 10)
    buttons = [(f"✏️ #{m.id}", MineOpen(m.id).pack()) for m in meetings]
    await send(update, context, "mine.html.j2", markup=keyboard(chunks(buttons, 5)),
               meetings=meetings, lib=svc(context).library, stage_labels=STAGE_LABELS, who=person_label)
    return None


@officer_only(button=MineOpen, stale=STALE, private=True)
async def mine_open(update: Update, context: ContextTypes.DEFAULT_TYPE, user, data):
    """A "✏️ #id" button of /mine: open the meeting's card with a button per field."""
    await update.callback_query.answer()
    return await open_meeting(update, context, user, data.meeting_id)


async def open_meeting(update: Update, context, user, meeting_id: int):
    try:
        meeting = await in_thread(meeting_service(context).open_meeting, meeting_id, user)
    except NotFound:
        await note(update, context, "not_found", id=meeting_id)
        return None
    except PermissionDenied:
        await note(update, context, "denied", id=meeting_id)
        return None
    item = forms(context).put(Draft.edit_of(meeting))
    return await show(update, context, item, user, edit=False)


@officer_only(private=True)
async def export(update: Update, context: ContextTypes.DEFAULT_TYPE, user) -> None:
    """/export [YYYY-MM-DD YYYY-MM-DD | YYYY-MM]: an .xlsx of my meetings (a lead's or admin's:
    the unit's), this month by default."""
    try:
        start, end = parse_range(list(context.args), svc(context).today())
    except ValueError:
        await send(update, context, "meeting_export.html.j2", kind="usage", n=0, start=None, end=None,
                   unit=None)
        return
    data, n, filename = await in_thread(meeting_service(context).export, user, start, end)
    unit = user.unit if user.is_lead_or_admin and user.unit else None
    if n == 0:
        await send(update, context, "meeting_export.html.j2", kind="empty", n=0, start=start, end=end,
                   unit=unit)
        return
    caption = render("meeting_export.html.j2", kind="caption", n=n, start=start, end=end, unit=unit)
    await context.bot.send_document(update.effective_chat.id, data, filename=filename, caption=caption)
