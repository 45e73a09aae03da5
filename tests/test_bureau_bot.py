"""/board against the strict fake Bot API: the scoreboard, the ranking chart as a photo, a
unit's page, the records behind a figure (own unit only), and the monthly dispatch posting once
per period across a kill -9 and a restart."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from promo.bureau.demo import load_demo
from promo.bureau.dispatch import DispatchLedger

from handlers import board as board_handlers

from .botkit import Clock, build_bot, running

pytestmark = pytest.mark.asyncio
TZ = ZoneInfo("Asia/Shanghai")


def with_demo(bot):
    s = bot.services
    load_demo(s.db, s.bureau.registry, s.library, now=s.now())
    return bot


def texts(calls):
    return "\n".join(c.params.get("text", "") or c.params.get("caption", "") for c in calls
                     if c.method in ("sendMessage", "editMessageText", "sendPhoto"))


async def test_board_shows_the_ranking_and_the_chart_as_a_photo(fakebot, tmp_path):
    bot = with_demo(build_bot(fakebot, tmp_path))
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "/board 2026Q3")
        text = texts(calls)
        assert "2026年第3季度 招商引资擂台赛" in text and "演示数据" in text
        assert "1. 北安市：3.56亿元" in text and "入统 30 个" in text
        calls = await fakebot.press(bot.app, bot.officer, None, "📈 排名图")
        photo = [c for c in calls if c.method == "sendPhoto"]
        assert len(photo) == 1 and "擂台赛排名" in photo[0].params["caption"]
        upload = next(iter(photo[0].files.values()))
        assert upload.data[:8] == b"\x89PNG\r\n\x1a\n"


async def test_own_unit_opens_the_records_other_units_do_not(fakebot, tmp_path):
    bot = with_demo(build_bot(fakebot, tmp_path))
    async with running(bot):
        await fakebot.send_text(bot.app, bot.officer, "/board 2026Q3")
        calls = await fakebot.press(bot.app, bot.officer, None, "🏢 本单位")
        text = texts(calls)
        assert "北安市 · 2026年第3季度" in text and "第1/8名" in text
        calls = await fakebot.press(bot.app, bot.officer, None, "🔎 签约项目")
        text = texts(calls)
        assert text.count("签约 2026-") == 12 and "重复登记" in text    # 爱辉's duplicate is shown, not counted
        # the 乳制品专班 lead sees 北安's figures (public) but not the records behind them
        await fakebot.send_text(bot.app, bot.lead, "/board 2026Q3")
        await fakebot.press(bot.app, bot.lead, None, "📋 单位详情")
        calls = await fakebot.press(bot.app, bot.lead, None, "1.北安市")
        text = texts(calls)
        assert "内资到位</b> 3.56亿元" in text and "仅本单位人员" in text
        assert not any("🔎" in label for row in fakebot.buttons(calls[-1]) for label, _ in row)
        # a forged button for another unit's records is refused with an alert
        from tests.fakebot.updates import callback_query_dict
        qid = "cqforged"
        fakebot._queries[qid] = __import__("tests.fakebot", fromlist=["QueryRecord"]).QueryRecord(
            qid, "callback_query", bot.lead.id, board_handlers.BoardRecords("2026Q3", "beian", "signed").pack())
        msg = fakebot.sent(bot.lead.id)[-1].result
        calls = await fakebot.process(bot.app, {"callback_query": callback_query_dict(
            query_id=qid, user=bot.lead, message=msg, data=board_handlers.BoardRecords("2026Q3", "beian", "signed").pack())})
        answer = [c for c in calls if c.method == "answerCallbackQuery"][0]
        assert answer.params.get("show_alert") and "仅本单位" in answer.params["text"]
        assert not [c for c in calls if c.method == "sendMessage"]


async def test_the_board_moves_between_periods(fakebot, tmp_path):
    bot = with_demo(build_bot(fakebot, tmp_path))
    async with running(bot):
        await fakebot.send_text(bot.app, bot.officer, "/board 2026-09")
        calls = await fakebot.press(bot.app, bot.officer, None, "📅 第3季度")
        edited = [c for c in calls if c.method == "editMessageText"]
        assert edited and "2026年第3季度 招商引资擂台赛" in edited[0].params["text"]
        calls = await fakebot.press(bot.app, bot.officer, None, "⬅️ 2026年第2季度")
        assert "2026年第2季度" in texts(calls) and "签约 0 个" in texts(calls)
        calls = await fakebot.press(bot.app, bot.officer, None, "📅 2026年")
        assert "2026年 招商引资擂台赛" in texts(calls) and "入统 30 个" in texts(calls)


async def test_a_period_it_cannot_read_gets_examples(fakebot, tmp_path):
    bot = build_bot(fakebot, tmp_path)
    async with running(bot):
        calls = await fakebot.send_text(bot.app, bot.officer, "/board 七月份吧")
    text = texts(calls)
    assert "看不懂时间段" in text and "/board 2026Q3" in text


async def test_a_stranger_gets_no_board(fakebot, tmp_path):
    bot = with_demo(build_bot(fakebot, tmp_path))
    stranger = fakebot.user(5555, "路人")
    async with running(bot):
        calls = await fakebot.send_text(bot.app, stranger, "/board 2026Q3")
    assert "北安市" not in texts(calls)


async def test_the_dispatch_posts_once_per_period_across_kill_and_restart(fakebot, tmp_path):
    group = fakebot.group(-100777, "领导调度群")
    clock = Clock(dt.datetime(2026, 10, 3, 9, 5, tzinfo=TZ))
    bot = with_demo(build_bot(fakebot, tmp_path, clock=clock, PROMO_BOARD_CHAT=str(group.id),
                              PROMO_DISPATCH_DAY="3", PROMO_DISPATCH_HOUR="9"))
    await bot.app.initialize()
    await bot.app.post_init(bot.app)
    sent = await board_handlers.dispatch(bot.app)
    to_group = [c for c in fakebot.calls if c.chat_id == group.id and c.ok]
    assert sent >= 2 and any(c.method == "sendPhoto" for c in to_group)
    docs = [c for c in to_group if c.method == "sendDocument"]      # September closes 2026Q3
    assert [next(iter(c.files.values())).filename for c in docs] == ["招商引资通报-2026Q3.xlsx", "招商引资通报-2026Q3.pdf"]
    assert "2026年9月" in texts(to_group)
    lead_pages = [c for c in fakebot.calls if c.chat_id == bot.lead.id and c.method == "sendMessage"]
    assert lead_pages and "乳制品产业链专班 · 2026年9月" in lead_pages[0].params["text"]
    weekly = [c for c in lead_pages if "节点督查（2026-W40）" in c.params["text"]]
    assert len(weekly) == 1 and "逾期" in weekly[0].params["text"]      # the week's overdue nodes
    assert not [c for c in fakebot.calls if c.chat_id == bot.officer.id]  # officers get no dispatch
    before = len(fakebot.calls)
    # kill -9: the application is dropped without shutdown; a new process on the same database
    del bot
    clock.advance(hours=2)
    bot2 = build_bot(fakebot, tmp_path, clock=clock, PROMO_BOARD_CHAT=str(group.id),
                     PROMO_DISPATCH_DAY="3", PROMO_DISPATCH_HOUR="9")
    async with running(bot2):
        assert await board_handlers.dispatch(bot2.app) == 0
        assert not [c for c in fakebot.calls[before:] if c.method in ("sendMessage", "sendPhoto")]
        # next month it posts again, once
        clock.now = dt.datetime(2026, 11, 3, 10, 0, tzinfo=TZ)
        assert await board_handlers.dispatch(bot2.app) >= 2
        assert await board_handlers.dispatch(bot2.app) == 0
    later = [c for c in fakebot.calls[before:] if c.chat_id == group.id]
    assert "2026年10月" in texts(later) and not [c for c in later if c.method == "sendDocument"]


async def test_admins_export_the_bulletin_from_the_board(fakebot, tmp_path):
    bot = with_demo(build_bot(fakebot, tmp_path))
    async with running(bot):
        await fakebot.send_text(bot.app, bot.officer, "/board 2026Q3")
        assert not any("通报" in label for row in fakebot.buttons(fakebot.sent(bot.officer.id)[-1]) for label, _ in row)
        await fakebot.send_text(bot.app, bot.admin, "/board 2026Q3")
        calls = await fakebot.press(bot.app, bot.admin, None, "📑 通报（Excel/PDF）")
    docs = [c for c in calls if c.method == "sendDocument"]
    assert len(docs) == 2 and next(iter(docs[0].files.values())).data[:2] == b"PK"
    assert next(iter(docs[1].files.values())).data[:5] == b"%PDF-"


async def test_a_claim_whose_process_died_before_posting_is_taken_over(fakebot, tmp_path):
    group = fakebot.group(-100778, "领导调度群")
    clock = Clock(dt.datetime(2026, 10, 3, 9, 5, tzinfo=TZ))
    bot = build_bot(fakebot, tmp_path, clock=clock, PROMO_BOARD_CHAT=str(group.id))
    ledger = DispatchLedger(bot.services.db)
    # another process claimed the September board and was killed before posting
    assert ledger.claim("board", "2026-09", str(group.id), "dead-process", clock.now)
    assert not ledger.claim("board", "2026-09", str(group.id), "other", clock.now)
    async with running(bot):
        await board_handlers.dispatch(bot.app)
        assert not [c for c in fakebot.calls if c.chat_id == group.id and c.method != "sendDocument"]
        clock.advance(minutes=11)          # past the lease
        await board_handlers.dispatch(bot.app)
        assert len([c for c in fakebot.calls if c.chat_id == group.id and c.method == "sendPhoto"]) == 1
        await board_handlers.dispatch(bot.app)
        assert len([c for c in fakebot.calls if c.chat_id == group.id and c.method == "sendPhoto"]) == 1


async def test_board_in_the_console_chat_saves_the_chart_to_the_outbox(tmp_path):
    from tests.test_console import Console

    c = Console(tmp_path)
    s = c.services
    load_demo(s.db, s.bureau.registry, s.library, now=s.now())
    text = await c.run("/board 2026Q3", "=📈 排名图", "/quit")
    assert "北安市" in text and "3.56亿元" in text
    pngs = list((tmp_path / "var" / "outbox").glob("*.png"))
    assert [p.name for p in pngs] == ["擂台赛排名-2026Q3.png"] and pngs[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


async def test_node_plans_lists_and_closes_milestones_of_the_own_unit(fakebot, tmp_path):
    bot = build_bot(fakebot, tmp_path)
    s = bot.services
    officer = s.access.get(bot.officer.id)                  # 北安市
    p = s.projects.find_or_create("甲公司", "甲项目", "北安市", user=officer, contact_date=dt.date(2026, 9, 1), now=s.now())
    async with running(bot):
        text = texts(await fakebot.send_text(bot.app, bot.officer, f"/node {p.id} 资金 2026-11-01 5000万 首期"))
        assert "已登记节点" in text and "资金到位" in text and "5000万元" in text
        text = texts(await fakebot.send_text(bot.app, bot.officer, "/node"))
        assert "资金未按期到位" in text and "甲项目" in text and "对接后无跟进" in text
        text = texts(await fakebot.send_text(bot.app, bot.lead, f"/node {p.id} 开工 2026-12-01"))
        assert "只能为本单位的项目" in text                   # 乳制品专班 is another unit
        text = texts(await fakebot.send_text(bot.app, bot.officer, f"/node {p.id} 资金 2026-11-01"))
        assert "应到位金额" in text and "/node 项目号 开工 2026-10-15" in text
        text = texts(await fakebot.send_text(bot.app, bot.officer, f"/node {p.id} 开会 2026-11-01"))
        assert "节点类型“开会”不认识" in text
        text = texts(await fakebot.send_text(bot.app, bot.officer, "/node 办结 1"))
        assert "已办结" in text
        text = texts(await fakebot.send_text(bot.app, bot.officer, "/node"))
        assert "资金未按期到位" not in text
        group = fakebot.group(-100999, "某群")
        text = texts(await fakebot.send_text(bot.app, bot.officer, "/node", chat=group))
        assert "甲项目" not in text and "私聊" in text


FX_ENV = {"PROMO_FX_RATES": "USD=7.10", "PROMO_FX_DATE": "2026-11-30", "PROMO_FX_SOURCE": "中国人民银行中间价"}


async def test_capital_in_dollars_shows_on_the_board_with_its_rate_and_roubles_as_not_converted(fakebot, tmp_path):
    """An officer types /capital … 500万美元: the card states the rate; the board shows the yuan
    figure and the dollars with the rate line. Roubles (no rate configured) are kept in roubles,
    the reply says the yuan figure is missing, and the board notes them as not converted."""
    bot = build_bot(fakebot, tmp_path, **FX_ENV)
    s = bot.services
    officer = s.access.get(bot.officer.id)                  # 北安市
    p = s.projects.find_or_create("俄罗斯远东农业控股", "对俄大豆加工项目", "北安市", user=officer,
                                  contact_date=s.today(), now=s.now())
    async with running(bot):
        text = fakebot.plain(texts(await fakebot.send_text(
            bot.app, bot.officer, f"/capital {p.id} 外资协议 800万美元 外资到位 500万美元")))
        assert "资金已登记" in text
        assert "外资到位 500万美元：本次增加 500万美元，按 1 USD = 7.10 元（2026-11-30，中国人民银行中间价）折合 3550万元" in text
        assert "其中到位 500万美元" in text
        text = fakebot.plain(texts(await fakebot.send_text(bot.app, bot.officer, f"/capital {p.id} 外资到位 +3000万卢布")))
        assert "外资到位 3000万卢布 已按原币登记；未配置 RUB 汇率" in text and "暂无人民币折合数" in text
        assert "其中到位 3000万卢布（未折合人民币：未配置 RUB 汇率）" in text
        board = fakebot.plain(texts(await fakebot.send_text(bot.app, bot.officer, "/board")))
        assert "外资到位 3550万元（其中 500万美元 @7.10，2026-11-30 中国人民银行中间价；另有 3000万卢布 未折算" in board
        assert "外资折算汇率：1 USD = 7.10 元（2026-11-30，中国人民银行中间价）" in board
        assert "外资另有 3000万卢布 未折合人民币" in board and "未计入外资到位和排名" in board
        assert "1. 北安市：0万元（0%） · 3550万元（71%）（含 500万美元 @7.10；3000万卢布未折算）" in board
        page = fakebot.plain(texts(await fakebot.press(bot.app, bot.officer, None, "🏢 本单位")))
        assert "外资到位 3550万元（其中 500万美元 @7.10" in page
        recs = fakebot.plain(texts(await fakebot.press(bot.app, bot.officer, None, "🔎 外资到位")))
        assert f"#{p.id} 对俄大豆加工项目" in recs and "3550万元（其中 500万美元 @7.10" in recs and "3000万卢布 未折算" in recs
    got = s.projects.get(p.id)
    assert got.project.foreign_in_place_yuan == 35_500_000
    assert got.amounts()[("foreign", "in_place", "RUB")] == 30_000_000
