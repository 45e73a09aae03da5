"""Logging contact meetings in the chat: one message or /log step by step, the confirmation card
with a button per field, /mine (my meetings, editable) and /export (Excel).

    officer: 今天在北京见了飞鹤张总，谈奶粉工厂扩产，投资约5亿，下周三回访
    bot:     the card (日期 地点 企业 人员 … 回访日期, the project, ⚠️ other units' contacts)
             [✅ 保存] [❌ 取消] [✏️ 日期] [✏️ 地点] … — ambiguous parts are asked first.

The package: `buttons` (one CallbackData class per action), `view` (every screen, derived from
the item), `card` (one handler per button; saving, closing, writing edits), `form` (starting a
log, typed values), `mine` (/mine, opening a saved meeting, /export).

Where the state lives, and why:
- Drafts and edit sessions are `promo.meetings.draft.Draft` objects, held as `MeetingForms` in
  `user_data["mtg"]` and stored by their JSON form: SQLPersistence writes them before each
  reply, so an unconfirmed card or a half-filled form survives a restart, even a kill -9 (the
  conversation's state is derived from them: `view.state_of`). The draft's methods change it;
  the handlers only translate a button or a typed value into one call.
- The persistent conversation "meeting_form" only decides what the next plain text is: a
  value the bot asked for (TEXT), or free text (CARD / no conversation: a meeting text starts
  a new card, anything else goes on to the answer card).
- Every screen is derived from the item (`view.view`, `Draft.screen`): open question → form
  step → field being asked → the card. Buttons and typed values therefore lead to the same
  screens, and a restart in the middle shows the same screen again.
- A meeting is confirmed ("已保存 #id") only after `MeetingStore.add` has committed.
"""

from __future__ import annotations

import warnings

from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from ..common import Command
from ..persistence import derive_conversation
from .buttons import LogFromCard, MineOpen
from .card import BUTTONS
from .form import MEETING_TEXT, cancel, log_command, log_from_card, meeting_text, typed_value
from .mine import export, mine, mine_open
from .view import CARD, TEXT, state_of

COMMANDS = [Command("log", "记录对接：/log 加一句话，或分步填写", "log a contact meeting"),
            Command("mine", "我的对接记录（可修改）", "my meetings (edit)"),
            Command("export", "导出对接记录 Excel：/export [起 止]", "export meetings to Excel")]


def _card_action(qid: str, query) -> tuple[str, str]:
    return "📝 记录对接", LogFromCard(qid).pack()


CARD_ACTIONS = [_card_action]
START_LINES = ["📝 记录对接：直接发一句话，如「今天在北京见了飞鹤张总，谈扩产，投资约5亿，下周三回访」，"
               "或发送 /log 分步填写；/mine 我的记录，/export 导出 Excel"]


def handlers():
    derive_conversation("meeting_form", state_of)
    buttons = [*(CallbackQueryHandler(fn, pattern=cls.pattern()) for cls, fn in BUTTONS.items()),
               CallbackQueryHandler(log_from_card, pattern=LogFromCard.pattern()),
               CallbackQueryHandler(mine_open, pattern=MineOpen.pattern())]
    log_cmd = CommandHandler("log", log_command)
    new_text = MessageHandler(MEETING_TEXT, meeting_text)
    with warnings.catch_warnings():
        # PTB warns that with per_message=False a CallbackQueryHandler is tracked per chat, not
        # per message: intended — the buttons carry their draft's token and check it themselves.
        warnings.simplefilter("ignore")
        conversation = ConversationHandler(
            entry_points=[log_cmd, new_text, *buttons],
            states={
                CARD: [log_cmd, new_text],
                TEXT: [log_cmd, MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND,
                                               typed_value)],
            },
            fallbacks=[*buttons, CommandHandler("cancel", cancel)],
            name="meeting_form", persistent=True, per_chat=True, per_user=True, per_message=False,
        )
    return [conversation, CommandHandler("mine", mine), CommandHandler("export", export),
            CommandHandler("cancel", cancel)]
