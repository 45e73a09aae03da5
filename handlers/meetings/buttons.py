"""The meeting log's buttons: one CallbackData class per action. The card's and the form's
buttons carry their item's token (`Draft.tok`): a button of a card that was saved, cancelled or
replaced finds no item and is answered as stale."""

from __future__ import annotations

from dataclasses import dataclass

from ..callbacks import CallbackData


@dataclass(frozen=True)
class MtgSave(CallbackData):
    """✅ 保存 (a new card) · ✔ 完成 on an edit is MtgClose."""

    PREFIX = "gs"
    tok: str


@dataclass(frozen=True)
class MtgClose(CallbackData):
    """❌ 取消 (drops a draft) · ✔ 完成 (closes an edit)."""

    PREFIX = "gx"
    tok: str


@dataclass(frozen=True)
class MtgEdit(CallbackData):
    """✏️ <field>: ask for a value of that field."""

    PREFIX = "ge"
    tok: str
    field: str


@dataclass(frozen=True)
class MtgSet(CallbackData):
    """A value offered as a button (今天, 一周后, 签约…); an empty value clears the field."""

    PREFIX = "gv"
    tok: str
    field: str
    value: str


@dataclass(frozen=True)
class MtgChain(CallbackData):
    """A chain on the chain list: toggled."""

    PREFIX = "gc"
    tok: str
    chain: str


@dataclass(frozen=True)
class MtgAnswer(CallbackData):
    """A choice of the open question."""

    PREFIX = "gq"
    tok: str
    index: int


@dataclass(frozen=True)
class MtgType(CallbackData):
    """✏️ 手动输入 on a question: type the value instead."""

    PREFIX = "gm"
    tok: str


@dataclass(frozen=True)
class MtgTypeDate(CallbackData):
    """其他日期 on the form's date step: type the date."""

    PREFIX = "gd"
    tok: str


@dataclass(frozen=True)
class MtgSkip(CallbackData):
    """跳过 on a form step."""

    PREFIX = "gk"
    tok: str


@dataclass(frozen=True)
class MtgProject(CallbackData):
    """The project the meeting joins: a project id, or "new"."""

    PREFIX = "gp"
    tok: str
    choice: str


@dataclass(frozen=True)
class MtgBack(CallbackData):
    """↩ 返回 / ✔ 完成 on a field's screen: back to the card."""

    PREFIX = "gb"
    tok: str


@dataclass(frozen=True)
class LogFromCard(CallbackData):
    """"📝 记录对接" on the answer card: the form, with the card's profile as the company hint."""

    PREFIX = "ml"
    qid: str


@dataclass(frozen=True)
class MineOpen(CallbackData):
    """"✏️ #id" on /mine or a saved card: the meeting's card with a button per field."""

    PREFIX = "mo"
    meeting_id: int
