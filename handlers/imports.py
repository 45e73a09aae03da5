"""Lists from spreadsheets in the chat: an admin sends a workbook (.xlsx) or a CSV file, the bot
answers with the dry-run summary (new, changed, removed, problems), ✅ applies it and reloads the
lists, /undo_import restores the version before the last import.

Only admins, only in a private chat (people lists are personal data). A spreadsheet in another
format (.xls, .et, .ods) or over the size limit gets a clear answer; other documents go on to
the fallback. The uploaded file waits in `<data>/.imports/pending/` until the button is pressed;
the import is planned again then, and applied only if it is still the one the admin saw.
"""

from __future__ import annotations

import logging
import pickle
import secrets
from dataclasses import dataclass
from pathlib import Path

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from promo.render import render
from promo.sheets import ImportPlan, ImportRefused, apply_plan, export_workbook, plan_import, undo_last
from promo.sheets.plan import lists_fingerprint
from promo.sheets.reader import OTHER_SPREADSHEETS, SPREADSHEET_SUFFIXES
from promo.sheets.yamlio import BACKUP_DIR

from .callbacks import CallbackData
from .common import Command, current_user, in_thread, keyboard, pressed, refuse_stranger, require_user, send, svc

log = logging.getLogger(__name__)

COMMANDS = [Command("lists_export", "导出名单表格", "export the lists as a workbook", admin=True),
            Command("undo_import", "撤销上次名单导入", "undo the last list import", admin=True)]
MAX_BYTES = 5 * 1024 * 1024          # a workbook of every list is ~0.2 MB; Telegram lets bots fetch 20 MB
PENDING = "import_pending"
STALE = "这个按钮已过期，请重新发送表格。"

_MIME = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/csv",
         "application/vnd.ms-excel", "application/vnd.ms-excel.sheet.macroenabled.12",
         "application/vnd.oasis.opendocument.spreadsheet")
SPREADSHEET = filters.Document.MimeType(_MIME[0])
for _m in _MIME[1:]:
    SPREADSHEET = SPREADSHEET | filters.Document.MimeType(_m)
for _s in (*SPREADSHEET_SUFFIXES, *OTHER_SPREADSHEETS):
    SPREADSHEET = SPREADSHEET | filters.Document.FileExtension(_s.lstrip("."))


@dataclass(frozen=True)
class SheetImportApply(CallbackData):
    """✅ under a preview: apply the previewed import."""

    PREFIX = "xia"
    tok: str


@dataclass(frozen=True)
class SheetImportCancel(CallbackData):
    """取消 under a preview: drop it, write nothing."""

    PREFIX = "xic"
    tok: str


def _pending_dir(context) -> Path:
    return svc(context).settings.data_dir / BACKUP_DIR / "pending"


def _drop_pending(context) -> None:
    pending = context.user_data.pop(PENDING, None)
    if pending:
        path = _pending_dir(context) / pending["file"]
        path.unlink(missing_ok=True)
        path.with_suffix(".plan").unlink(missing_ok=True)


def _sweep(folder: Path, now: float, max_age: float = 2 * 86400) -> None:
    """Uploads whose preview was never answered go after two days (they may hold people lists)."""
    for path in folder.iterdir():
        if path.is_file() and now - path.stat().st_mtime > max_age:
            path.unlink(missing_ok=True)


def _saved_plan(path: Path):
    """The plan shown in the preview (our own pickle, next to the upload); None if unreadable."""
    try:
        plan = pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        return None
    return plan if isinstance(plan, ImportPlan) else None


def _suffix(name: str, mime: str | None) -> str:
    suffix = Path(name).suffix.lower()
    if suffix:
        return suffix
    return {"text/csv": ".csv", _MIME[0]: ".xlsx", "application/vnd.ms-excel": ".xls"}.get(mime or "", "")


async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = current_user(update, context)
    if user is None:
        await refuse_stranger(update, context)
        return
    doc = update.effective_message.document
    name = (doc.file_name or "表格")[:80]
    if not user.is_admin:
        await send(update, context, "import_result.html.j2", kind="not_admin")
        return
    suffix = _suffix(name, doc.mime_type)
    if suffix not in SPREADSHEET_SUFFIXES:
        await send(update, context, "import_result.html.j2", kind="other_type", name=name, suffix=suffix)
        return
    if doc.file_size and doc.file_size > MAX_BYTES:
        await send(update, context, "import_result.html.j2", kind="too_big", name=name,
                   size_mb=doc.file_size / 1024 / 1024, limit_mb=MAX_BYTES // 1024 // 1024)
        return
    try:
        file = await context.bot.get_file(doc.file_id)
        data = bytes(await file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("could not download an import file: %s", type(exc).__name__)
        await send(update, context, "import_result.html.j2", kind="download_failed", name=name)
        return
    if len(data) > MAX_BYTES:
        await send(update, context, "import_result.html.j2", kind="too_big", name=name,
                   size_mb=len(data) / 1024 / 1024, limit_mb=MAX_BYTES // 1024 // 1024)
        return
    hint = (update.effective_message.caption or "").strip()[:40] or None
    await _preview(update, context, data, name, suffix, hint)


async def _preview(update: Update, context, data: bytes, name: str, suffix: str, hint: str | None,
                   note: str | None = None) -> None:
    s = svc(context)
    plan = await in_thread(plan_import, s.settings.data_dir, data, name, list_hint=hint, today=s.today())
    _drop_pending(context)
    markup = None
    if plan.ok and plan.texts:
        tok = secrets.token_hex(4)
        folder = _pending_dir(context)
        folder.mkdir(parents=True, exist_ok=True)
        _sweep(folder, s.now().timestamp())
        (folder / f"{tok}{suffix}").write_bytes(data)
        (folder / f"{tok}.plan").write_bytes(pickle.dumps(plan))
        context.user_data[PENDING] = {"tok": tok, "file": f"{tok}{suffix}", "name": name, "hint": hint,
                                      "digest": plan.digest}
        markup = keyboard([[("✅ 确认导入", SheetImportApply(tok).pack()), ("取消", SheetImportCancel(tok).pack())]])
    await send(update, context, "import_preview.html.j2", plan=plan, note=note, markup=markup,
               lib=s.library, limit=12, problem_limit=10)


async def _pending_for(update: Update, context, cls):
    """(pending import, its upload) for a press of a preview's button; None once answered."""
    got = await pressed(update, context, cls, STALE, private=True)
    if got is None:
        return None
    user, data = got
    query = update.callback_query
    if not user.is_admin:
        await query.answer("只有管理员可以导入名单", show_alert=True)
        return None
    pending = context.user_data.get(PENDING) or {}
    path = _pending_dir(context) / pending.get("file", "-")
    if pending.get("tok") != data.tok or not path.is_file():
        await query.answer(STALE, show_alert=True)
        return None
    await query.answer()
    return user, pending, path


async def cancel_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    got = await _pending_for(update, context, SheetImportCancel)
    if got is None:
        return
    _, pending, _ = got
    _drop_pending(context)
    await send(update, context, "import_result.html.j2", kind="cancelled", name=pending["name"], edit=True)


async def apply_pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    got = await _pending_for(update, context, SheetImportApply)
    if got is None:
        return
    user, pending, path = got
    s = svc(context)
    raw = path.read_bytes()
    plan = _saved_plan(path.with_suffix(".plan"))
    if plan is None or plan.digest != pending["digest"] or \
            plan.fingerprint != await in_thread(lists_fingerprint, s.settings.data_dir):
        # the lists changed since the preview (or it is lost): plan again, apply only what is shown
        plan = await in_thread(plan_import, s.settings.data_dir, raw, pending["name"],
                                       list_hint=pending.get("hint"), today=s.today())
    if plan.digest != pending["digest"]:
        await _preview(update, context, raw, pending["name"], path.suffix, pending.get("hint"),
                       note="名单在预览之后有变化，下面是按最新名单重新生成的预览，请再确认一次。")
        return
    try:
        await in_thread(apply_plan, s.settings.data_dir, plan, s.now())
    except ImportRefused as exc:
        _drop_pending(context)
        await send(update, context, "import_result.html.j2", kind="refused", message=exc.message, fix=exc.fix)
        return
    _drop_pending(context)
    problems = await in_thread(s.reload)
    if problems:      # cannot happen after the staged check; never leave broken lists on disk
        await in_thread(undo_last, s.settings.data_dir)
        await in_thread(s.reload)
        await send(update, context, "import_result.html.j2", kind="reload_failed", problems=problems[:5])
        return
    log.info("lists imported by admin %s: %d added, %d changed, %d removed", user.user_id,
             plan.count("add"), plan.count("change"), plan.count("remove"))
    await send(update, context, "import_result.html.j2", kind="applied", plan=plan, version=s.data_version,
               edit=True)


async def undo_import(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    user = await require_user(update, context, role="admin", private=True)
    if user is None:
        return
    s = svc(context)
    manifest = await in_thread(undo_last, s.settings.data_dir)
    if manifest is None:
        await send(update, context, "import_result.html.j2", kind="nothing_to_undo")
        return
    problems = await in_thread(s.reload)
    log.info("list import undone by admin %s", user.user_id)
    await send(update, context, "import_result.html.j2", kind="undone", manifest=manifest,
               version=s.data_version, problems=problems or [])


async def lists_export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The workbook of every list (the template to fill in): admins only, it holds the people lists."""
    user = await require_user(update, context, role="admin", private=True)
    if user is None:
        return
    s = svc(context)

    def build() -> tuple[bytes, dict]:
        import io

        out = io.BytesIO()
        counts = export_workbook(s.settings.data_dir, out, lib=s.library)
        return out.getvalue(), counts

    data, counts = await in_thread(build)
    caption = render("import_result.html.j2", kind="exported", counts=counts, version=s.data_version)
    filename = f"招商名单-{s.today().isoformat()}.xlsx"
    await context.bot.send_document(update.effective_chat.id, data, filename=filename, caption=caption,
                                    parse_mode=ParseMode.HTML)


def handlers():
    private = filters.ChatType.PRIVATE
    return [MessageHandler(private & filters.Document.ALL & SPREADSHEET, document),
            CommandHandler("undo_import", undo_import),
            CommandHandler("lists_export", lists_export),
            CallbackQueryHandler(apply_pressed, pattern=SheetImportApply.pattern()),
            CallbackQueryHandler(cancel_pressed, pattern=SheetImportCancel.pattern())]
