"""The chat import (issue 15) against the strict fake Bot API: an admin sends a workbook, gets
the dry-run summary with a ✅ button, the lists are written and reloaded, /undo_import restores
them. Officers, other formats, files over the limit and stale buttons get clear answers."""

from __future__ import annotations

import hashlib
import io

import pytest
from openpyxl import Workbook

from handlers import imports

from .botkit import build_bot, data_copy, running
from .sample import person

KNOWN = person("ht-001")          # an existing hometown entrepreneur, found by name + company

pytestmark = pytest.mark.asyncio

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def digest(root) -> str:
    h = hashlib.sha256()
    for p in sorted((root / "lists").rglob("*.yaml")):
        h.update(p.read_bytes())
    return h.hexdigest()


def workbook(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "乡贤名单"
    ws.append(["姓名", "单位", "籍贯", "手机", "产业链"])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD = [["新人甲", "甲乳业有限公司", "北安市", "139 0000 0001", "乳制品"],
        [KNOWN.name, KNOWN.company, KNOWN.hometown, KNOWN.phone, "、".join([*KNOWN.chains, "dairy"])]]


@pytest.fixture
def data(tmp_path):
    return data_copy(tmp_path)


@pytest.fixture
def bot(fakebot, tmp_path, data):
    return build_bot(fakebot, tmp_path, data_dir=data)


async def send_document(fakebot, app, user, content: bytes, name: str, mime: str = XLSX, size: int | None = None,
                        caption: str | None = None):
    file_id = fakebot.add_file(content, name, mime)
    doc = {"file_id": file_id, "file_unique_id": "u" + file_id, "file_name": name, "mime_type": mime,
           "file_size": size if size is not None else len(content)}
    extra = {"caption": caption} if caption else {}
    message = fakebot.store_user_message(user, None, None, document=doc, **extra)
    return await fakebot.process(app, {"message": message.data_copy})


def said(fakebot, calls) -> str:
    return "\n".join(fakebot.plain(c.params.get("text", "")) for c in calls
                     if c.method in ("sendMessage", "editMessageText"))


async def test_an_admin_imports_a_workbook_applies_it_and_undoes_it(bot, fakebot, data):
    before = digest(data)
    async with running(bot):
        version = bot.services.data_version
        calls = await send_document(fakebot, bot.app, bot.admin, workbook(GOOD), "乡贤名单.xlsx")
        assert [c.method for c in calls] == ["getFile", "sendMessage"]
        text = said(fakebot, calls)
        assert "名单导入预览" in text and "工作表「乡贤名单」→ 乡贤企业家，2 行" in text
        assert "新增 1 条 · 修改 1 条 · 删除 0 条 · 错误 0 个" in text
        assert "➕ 新人甲 ht-053（乡贤名单 第 2 行）" in text
        names = "、".join(bot.services.library.chain_name(c) for c in KNOWN.chains)
        assert f"✏️ {KNOWN.name} ht-001（乡贤名单 第 3 行）：产业链 {names} → {names}、乳制品产业链" in text
        buttons = fakebot.buttons(calls[-1])
        assert [label for row in buttons for label, _ in row] == ["✅ 确认导入", "取消"]
        assert digest(data) == before                              # a preview writes nothing
        assert bot.services.library.get("people", "ht-053") is None
        calls = await fakebot.press(bot.app, bot.admin, calls[-1], "✅ 确认导入")
        assert "✅ 已导入「乡贤名单.xlsx」：新增 1 条，修改 1 条，删除 0 条" in said(fakebot, calls)
        assert bot.services.data_version == version + 1
        person = bot.services.library.get("people", "ht-053")
        assert (person.name, person.phone, person.chains) == ("新人甲", "13900000001", ["dairy"])
        assert bot.services.library.get("people", "ht-001").chains == [*KNOWN.chains, "dairy"]
        assert digest(data) != before
        assert not (data / ".imports" / "pending").exists() or not list((data / ".imports" / "pending").iterdir())
        # the new person is found by the officers' queries at once
        found = said(fakebot, await fakebot.send_text(bot.app, bot.admin, "北安 老乡 乳制品"))
        assert "新人甲" in found
        calls = await fakebot.send_text(bot.app, bot.admin, "/undo_import")
        text = said(fakebot, calls)
        assert "已撤销导入「乡贤名单.xlsx」，恢复了：lists/people/hometown.yaml" in text
        assert digest(data) == before and bot.services.library.get("people", "ht-053") is None
        assert bot.services.data_version == version + 2
        assert "没有可以撤销的导入" in said(fakebot, await fakebot.send_text(bot.app, bot.admin, "/undo_import"))
    assert not fakebot.unanswered_callbacks()


async def test_a_workbook_with_problems_shows_them_and_has_no_button(bot, fakebot, data):
    before = digest(data)
    rows = [*GOOD, ["新人乙", "乙公司", "孙吴县", "12345", "乳制品"], ["新人甲", "甲乳业有限公司", "北安市", None, "乳业"]]
    async with running(bot):
        calls = await send_document(fakebot, bot.app, bot.admin, workbook(rows), "乡贤名单.xlsx")
    text = said(fakebot, calls)
    assert "错误 2 个" in text and "❌ 有错误，不能导入，名单没有改动" in text
    assert "乡贤名单.xlsx:乡贤名单!4:D: 手机：'12345' 不是电话号码" in text
    assert "乡贤名单.xlsx:乡贤名单!5:A: 与第 2 行重复：同一人（姓名和单位相同）" in text
    assert fakebot.buttons(calls[-1]) == []
    assert digest(data) == before


async def test_cancel_and_stale_buttons(bot, fakebot, data):
    before = digest(data)
    async with running(bot):
        first = await send_document(fakebot, bot.app, bot.admin, workbook(GOOD), "a.xlsx")
        second = await send_document(fakebot, bot.app, bot.admin, workbook(GOOD[:1]), "b.xlsx")
        stale = await fakebot.press(bot.app, bot.admin, first[-1], "✅ 确认导入")     # replaced by the second
        answers = [c for c in stale if c.method == "answerCallbackQuery"]
        assert len(answers) == 1 and "过期" in answers[0].params["text"]
        calls = await fakebot.press(bot.app, bot.admin, second[-1], "取消")
        assert "已取消导入「b.xlsx」，名单没有改动" in said(fakebot, calls)
    assert digest(data) == before and not fakebot.unanswered_callbacks()


async def test_lists_changed_after_the_preview_get_a_new_preview(bot, fakebot, data):
    async with running(bot):
        calls = await send_document(fakebot, bot.app, bot.admin, workbook(GOOD[:1]), "a.xlsx")
        path = data / "lists/people/hometown.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "\n# edited meanwhile\n", encoding="utf-8")
        calls = await fakebot.press(bot.app, bot.admin, calls[-1], "✅ 确认导入")
        text = said(fakebot, calls)
        assert "名单在预览之后有变化" in text and "名单导入预览" in text
        assert bot.services.library.get("people", "ht-053") is None
        calls = await fakebot.press(bot.app, bot.admin, calls[-1], "✅ 确认导入")
        assert "✅ 已导入" in said(fakebot, calls)
        assert path.read_text(encoding="utf-8").count("# edited meanwhile") == 1
    assert not fakebot.unanswered_callbacks()


async def test_officers_other_formats_and_big_files_get_clear_answers(bot, fakebot, data):
    before = digest(data)
    async with running(bot):
        officer = said(fakebot, await send_document(fakebot, bot.app, bot.officer, workbook(GOOD), "a.xlsx"))
        undo = said(fakebot, await fakebot.send_text(bot.app, bot.officer, "/undo_import"))
        xls = await send_document(fakebot, bot.app, bot.admin, b"\xd0\xcf\x11\xe0", "旧名单.xls", "application/vnd.ms-excel")
        big = await send_document(fakebot, bot.app, bot.admin, b"PK", "大.xlsx", size=imports.MAX_BYTES + 1)
        pdf = await send_document(fakebot, bot.app, bot.admin, b"%PDF-1.4", "名片.pdf", "application/pdf")
        csv = await send_document(fakebot, bot.app, bot.admin, "姓名,单位,籍贯\n新人丙,丙公司,逊克县\n".encode("gb18030"),
                                  "名单.csv", "text/csv", caption="乡贤")
    assert "只有管理员可以导入名单" in officer and "需要管理员权限" in undo
    assert "「另存为」Excel 工作簿 (.xlsx) 或 CSV" in said(fakebot, xls) and "getFile" not in [c.method for c in xls]
    assert "超过 5 MB 的上限" in said(fakebot, big) and "getFile" not in [c.method for c in big]
    assert said(fakebot, pdf).startswith("收到文件。")            # not a spreadsheet: the fallback's answer
    assert "新增 1 条" in said(fakebot, csv) and "→ 乡贤企业家" in said(fakebot, csv)
    assert digest(data) == before


async def test_in_a_group_a_workbook_is_not_imported_and_the_commands_point_to_the_private_chat(bot, fakebot, data):
    group = fakebot.group(-100777, "招商工作群")
    async with running(bot):
        file_id = fakebot.add_file(workbook(GOOD), "a.xlsx", XLSX)
        doc = {"file_id": file_id, "file_unique_id": "u" + file_id, "file_name": "a.xlsx", "mime_type": XLSX}
        message = fakebot.store_user_message(bot.admin, None, group, document=doc)
        calls = await fakebot.process(bot.app, {"message": message.data_copy})
        assert not [c for c in calls if c.method in ("getFile", "sendMessage")]
        export = await fakebot.send_text(bot.app, bot.admin, "/lists_export", chat=group)
        undo = await fakebot.send_text(bot.app, bot.admin, "/undo_import", chat=group)
    assert not [c for c in export + undo if c.method == "sendDocument"]
    assert "私聊" in said(fakebot, export) and "私聊" in said(fakebot, undo)
    assert not (data / ".imports").exists()


async def test_an_admin_gets_the_workbook_and_sending_it_back_changes_nothing(bot, fakebot, data):
    before = digest(data)
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.admin, "/lists_export")
        [sent] = [c for c in calls if c.method == "sendDocument"]
        upload = sent.files["document"]
        assert upload.filename.startswith("招商名单-") and upload.filename.endswith(".xlsx")
        assert "含人员名单，请勿转发" in sent.params["caption"]
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(upload.data))
        assert wb.sheetnames[0] == "说明" and "乡贤企业家" in wb.sheetnames
        back = await send_document(fakebot, bot.app, bot.admin, upload.data, upload.filename)
        officer = await fakebot.send_text(bot.app, bot.officer, "/lists_export")
        help_admin = said(fakebot, await fakebot.send_text(bot.app, bot.admin, "/help"))
        help_officer = said(fakebot, await fakebot.send_text(bot.app, bot.officer, "/help"))
    text = said(fakebot, back)
    assert "新增 0 条 · 修改 0 条 · 删除 0 条 · 错误 0 个" in text and "名单没有变化，不需要导入" in text
    assert fakebot.buttons(back[-1]) == []
    assert "需要管理员权限" in said(fakebot, officer) and not [c for c in officer if c.method == "sendDocument"]
    assert "把名单表格" in help_admin and "/undo_import" in help_admin
    assert "把名单表格" not in help_officer and "/undo_import" not in help_officer
    assert digest(data) == before


async def test_unanswered_uploads_are_swept_after_two_days(bot, fakebot, data):
    import os

    folder = data / ".imports" / "pending"
    folder.mkdir(parents=True)
    old, fresh = folder / "dead1234.xlsx", folder / "live5678.xlsx"
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    now = bot.clock.now.timestamp()
    os.utime(old, (now - 3 * 86400, now - 3 * 86400))
    os.utime(fresh, (now - 3600, now - 3600))
    async with running(bot):
        await send_document(fakebot, bot.app, bot.admin, workbook(GOOD[:1]), "a.xlsx")
    assert not old.exists() and fresh.exists()
