"""Starting a meeting log (a meeting text, /log with a text, /log alone for the step-by-step
form, "📝 记录对接" on the answer card) and the values the officer types when asked."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes, filters

from promo.meetings.routing import looks_like_meeting

from ..answer import queries, text_message
from ..common import in_thread, meeting_service, officer_only, svc
from .buttons import LogFromCard
from .card import after_change
from .view import END, STALE, forms, note, show

# Fields whose typed value is free text: never read as a new meeting report instead.
FREE_TEXT = ("topic", "next_step", "person", "title", "place")


class MeetingText(filters.MessageFilter):
    """A text that reads as a meeting report (`promo.meetings.routing`), read on the day the
    message was sent in the configured time zone (the bot's Defaults.tzinfo)."""

    def filter(self, message) -> bool:
        tz = message.get_bot().defaults.tzinfo
        return looks_like_meeting(message.text or "", message.date.astimezone(tz).date())


MEETING_TEXT = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND & MeetingText()


async def _start_card(update: Update, context, user, text: str) -> int:
    draft = await in_thread(meeting_service(context).inputs.draft_from_text, text, svc(context).today())
    return await show(update, context, forms(context).put(draft), user, edit=False)


async def _start_form(update: Update, context, user, hint: str | None) -> int:
    draft = await in_thread(meeting_service(context).inputs.new_form, hint)
    return await show(update, context, forms(context).put(draft), user, edit=False)


@officer_only(private=True)
async def log_command(update: Update, context: ContextTypes.DEFAULT_TYPE, user):
    """/log <text>: parse the text into a card; /log alone: the step-by-step form."""
    text = (update.effective_message.text or "").partition(" ")[2].strip()
    if text:
        return await _start_card(update, context, user, text)
    return await _start_form(update, context, user, None)


@officer_only()
async def meeting_text(update: Update, context: ContextTypes.DEFAULT_TYPE, user):
    """A private text that reads as a meeting report (see `MeetingText`) — unless the intent
    decision reads it as something else (a brief, a problem …): then that answers (issue 13)."""
    handover = context.bot_data.meeting_handover
    if handover is not None and await handover(update, context):
        return END
    return await _start_card(update, context, user, update.effective_message.text or "")


# the form asks for values by text: that belongs in the officer's private chat
@officer_only(button=LogFromCard, stale=STALE, private=True)
async def log_from_card(update: Update, context: ContextTypes.DEFAULT_TYPE, user, data):
    await update.callback_query.answer()
    query = await queries(context).get(data.qid)
    return await _start_form(update, context, user, query.text if query else None)


@officer_only(refused=END)
async def typed_value(update: Update, context: ContextTypes.DEFAULT_TYPE, user):
    """Plain text while the bot waits for a value (TEXT state)."""
    text = update.effective_message.text or ""
    today = svc(context).today()
    item = forms(context).waiting()
    if item is None:
        # nothing is waiting (the draft was dropped): treat the text as if no form were open
        if looks_like_meeting(text, today):
            return await _start_card(update, context, user, text)
        await text_message(update, context)
        return END
    field = item.awaiting
    result = await in_thread(meeting_service(context).inputs.parse_field, field, text, today)
    if result.error:
        if field not in FREE_TEXT and looks_like_meeting(text, today):
            return await _start_card(update, context, user, text)          # a new report, not a value
        return await show(update, context, item, user, edit=False, note=result.error)
    if result.changes:
        item.set_fields(result.changes)
    if result.question:
        item.put_question(result.question, field)
        return await show(update, context, item, user, edit=False)
    item.typed_answer(field)
    note_text = await after_change(context, item, user, field)
    return await show(update, context, item, user, edit=False, note=note_text)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE):
    had = forms(context).clear()
    await note(update, context, "cancelled" if had else "nothing")
    return END
