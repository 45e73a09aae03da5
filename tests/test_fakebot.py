"""The fake Bot API is strict (refuses what Telegram refuses) and works under a real PTB app."""

from __future__ import annotations

import asyncio

import pytest
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputFile,
    InputTextMessageContent,
    Update,
)
from telegram.error import BadRequest, EndPointNotFound, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, InlineQueryHandler

from tests.fakebot import FakeBotAPI, FakeBotUsageError, HtmlParseError, load_schema, parse_html, utf16_len

# The `fakebot` fixture comes from tests/fakebot/pytest_plugin.py, loaded by tests/conftest.py.


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in row] for row in rows])


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    name = update.effective_user.first_name
    await update.message.reply_html(
        f"<b>你好</b>, {name} &amp; welcome", reply_markup=keyboard([("项目", "p:1"), ("政策", "pol")])
    )


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer()
    await query.edit_message_text(f"chose <i>{query.data}</i>", parse_mode="HTML")


def make_app(fake: FakeBotAPI):
    app = fake.builder().build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(on_button))
    return app


async def rejected(fake: FakeBotAPI, coro, exc_type=BadRequest) -> str:
    """Await a bot call the fake must refuse; return the (single) violation it recorded."""
    with pytest.raises(exc_type):
        await coro
    taken = fake.take_violations()
    assert len(taken) == 1, taken
    return taken[0]


# ---- the HTML parse-mode checker ---------------------------------------------------------------

@pytest.mark.parametrize(
    "source, text",
    [
        ("<b>粗</b> <strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins>", "粗 sieun"),
        ("<s>a</s><strike>b</strike><del>c</del>", "abc"),
        ('<span class="tg-spoiler">x</span><tg-spoiler>y</tg-spoiler>', "xy"),
        ('<a href="https://example.com/?a=1&amp;b=2">link</a>', "link"),
        ('<pre><code class="language-python">x = 1 &lt; 2</code></pre>', "x = 1 < 2"),
        ("<blockquote expandable>q</blockquote><blockquote>r</blockquote>", "qr"),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍"),
        ("&lt;&gt;&amp;&quot;&#20013;&#x1F600;", '<>&"中😀'),
        ("a > b", "a > b"),
    ],
)
def test_html_accepts_telegram_subset(source, text):
    assert parse_html(source).text == text


@pytest.mark.parametrize(
    "source, error",
    [
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("<p>x</p>", 'Unsupported start tag "p"'),
        ("AT&T", "Can't find end of the entity starting at byte offset 2"),
        ("中&", "Can't find end of the entity starting at byte offset 3"),
        ("&nbsp;", 'Unsupported HTML entity "&nbsp;"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<a href="https://x.org/?a=1&b=2">l</a>', "Can't find end of the entity"),
    ],
)
def test_html_rejects_what_telegram_rejects(source, error):
    with pytest.raises(HtmlParseError) as info:
        parse_html(source)
    assert error in str(info.value)


def test_length_is_counted_in_utf16_units():
    assert utf16_len("中文") == 2
    assert utf16_len("😀") == 2
    assert parse_html("<b>😀</b>").entities == [{"type": "bold", "offset": 0, "length": 2}]


def test_plain_strips_markup():
    assert FakeBotAPI.plain("<b>A</b> &amp; <a href='https://x.org'>B</a>") == "A & B"


# ---- api.json validation without PTB ---------------------------------------------------------

def test_schema_checks_fields_types_and_nested_objects():
    schema = load_schema()
    as_json = '{"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}'  # the wire form
    ok = {"chat_id": "@channel", "text": "hi", "reply_markup": as_json}
    assert schema.validate_call("sendMessage", ok) == []

    problems = schema.validate_call("sendMessage", {"chat_id": 1, "txt": "hi"})
    assert {(p.kind, p.path) for p in problems} == {("unknown", "txt"), ("missing", "text")}

    problems = schema.validate_call("sendMessage", {"chat_id": 1.5, "text": "x"})
    assert problems[0].describe() == 'Bad Request: field "chat_id" must be of type Integer or String, got Float'

    bad_button = {"chat_id": 1, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": 5, "callback_data": "b"}]]}}
    problems = schema.validate_call("sendMessage", bad_button)
    assert problems[0].path == "reply_markup.inline_keyboard[0][0].text"

    result = {"type": "articel", "id": "1", "title": "t", "input_message_content": {"message_text": "m"}}
    problems = schema.validate_call("answerInlineQuery", {"inline_query_id": "1", "results": [result]})
    assert problems[0].path == "results[0].type"

    no_title = {"type": "article", "id": "1", "input_message_content": {"message_text": "m"}}
    problems = schema.validate_call("answerInlineQuery", {"inline_query_id": "1", "results": [no_title]})
    assert [(p.kind, p.path) for p in problems] == [("missing", "results[0].title")]

    assert schema.validate_call("sendDocument", {"chat_id": 1}, parts=["document"]) == []
    assert schema.validate_call("sendDocument", {"chat_id": 1})[0].path == "document"


# ---- a real PTB application against the fake ---------------------------------------------------

@pytest.mark.asyncio
async def test_command_round_trip(fakebot):
    app = make_app(fakebot)
    async with app:
        alice = fakebot.user(first_name="Alice", username="alice")
        calls = await fakebot.send_text(app, alice, "/start")
    assert [c.method for c in calls] == ["sendMessage"]
    assert calls[0].params["chat_id"] == alice.id
    assert fakebot.last_text(alice) == "<b>你好</b>, Alice &amp; welcome"
    assert fakebot.last_text(alice.id, plain=True) == "你好, Alice & welcome"
    assert fakebot.buttons(calls[0]) == [[("项目", "p:1"), ("政策", "pol")]]
    assert calls[0].result["from"]["username"] == "promo_test_bot"
    assert app.bot.username == "promo_test_bot"


@pytest.mark.asyncio
async def test_group_command_addressed_to_the_bot(fakebot):
    app = make_app(fakebot)
    async with app:
        alice = fakebot.user(first_name="Alice")
        team = fakebot.group(title="招商组")
        calls = await fakebot.send_text(app, alice, "/start@promo_test_bot", chat=team)
    assert calls[0].params["chat_id"] == team.id
    assert calls[0].result["chat"]["type"] == "supergroup"


@pytest.mark.asyncio
async def test_press_edits_and_expects_an_answer(fakebot):
    app = make_app(fakebot)
    async with app:
        alice = fakebot.user()
        sent = await fakebot.send_text(app, alice, "/start")
        calls = await fakebot.press(app, alice, sent[0], "政策")
        assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
        assert fakebot.last_text(alice, plain=True) == "chose pol"
        assert fakebot.buttons(calls[1]) == []  # an edit without reply_markup drops the keyboard
        assert fakebot.unanswered_callbacks() == []
        with pytest.raises(FakeBotUsageError):
            await fakebot.press(app, alice, sent[0], "项目")  # the keyboard is gone


@pytest.mark.asyncio
async def test_unanswered_callback_is_reported():
    fake = FakeBotAPI()
    app = fake.build_app()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(lambda u, c: asyncio.sleep(0)))  # forgets query.answer()
    async with app:
        alice = fake.user()
        await fake.send_text(app, alice, "/start")
        await fake.press(app, alice, None, "p:1")  # None: the newest keyboard; by callback_data
    assert [q.data for q in fake.unanswered_callbacks()] == ["p:1"]
    assert "never answered" in fake.problems()[0]


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore:Please use 'Bot.:telegram.warnings.PTBUserWarning")  # do_api_request
async def test_rejections(fakebot):
    app = make_app(fakebot)
    async with app:
        bot = app.bot
        uid = fakebot.user().id

        v = await rejected(fakebot, bot.send_message(uid, "1 < 2", parse_mode="HTML"))
        assert "can't parse entities: Unsupported start tag" in v

        v = await rejected(fakebot, bot.send_message(uid, "x" * 4097))
        assert v == "sendMessage: Bad Request: MESSAGE_TOO_LONG"
        await bot.send_message(uid, "中" * 4096)
        await bot.send_message(uid, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")  # tags don't count
        v = await rejected(fakebot, bot.send_message(uid, "😀" * 2049))  # 4098 UTF-16 units
        assert "MESSAGE_TOO_LONG" in v
        v = await rejected(fakebot, bot.send_message(uid, "<b> </b>", parse_mode="HTML"))
        assert v.endswith("message text is empty")

        await bot.send_message(uid, "ok", reply_markup=keyboard([("a", "x" * 64)]))
        v = await rejected(fakebot, bot.send_message(uid, "x", reply_markup=keyboard([("a", "x" * 65)])))
        assert v.endswith("BUTTON_DATA_INVALID")
        v = await rejected(fakebot, bot.send_message(uid, "x", reply_markup=keyboard([("a", "项" * 22)])))
        assert v.endswith("BUTTON_DATA_INVALID")  # 66 bytes although 22 characters

        nine = keyboard([(str(i), str(i)) for i in range(9)])
        v = await rejected(fakebot, bot.send_message(uid, "x", reply_markup=nine))
        assert "too many buttons in a row" in v
        many = keyboard(*[[(f"{r}.{c}", f"{r}.{c}") for c in range(8)] for r in range(13)])
        assert "reply markup is too long" in await rejected(fakebot, bot.send_message(uid, "x", reply_markup=many))
        both = InlineKeyboardMarkup([[InlineKeyboardButton("a", url="https://x.org", callback_data="b")]])
        assert "exactly one" in await rejected(fakebot, bot.send_message(uid, "x", reply_markup=both))
        bad_url = InlineKeyboardMarkup([[InlineKeyboardButton("a", url="javascript:alert(1)")]])
        assert "BUTTON_URL_INVALID" in await rejected(fakebot, bot.send_message(uid, "x", reply_markup=bad_url))

        v = await rejected(fakebot, bot.send_message(uid, "x", api_kwargs={"colour": "red"}))
        assert 'unknown parameter "colour"' in v
        v = await rejected(fakebot, bot.do_api_request("sendMessage", api_kwargs={"chat_id": uid}))
        assert v.endswith("message text is empty")
        v = await rejected(fakebot, bot.do_api_request("sendMessage", api_kwargs={"text": "x"}))
        assert 'parameter "chat_id" is required' in v
        v = await rejected(fakebot, bot.send_message(uid, "x", api_kwargs={"disable_notification": "yes"}))
        assert 'field "disable_notification" must be of type Boolean, got String' in v

        v = await rejected(fakebot, bot.send_message(-42, "x"))
        assert v.endswith("chat not found")
        assert "MESSAGE_TOO_LONG" in await rejected(
            fakebot, bot.answer_callback_query("cq-none", text="x" * 201)
        )
        assert "query is too old" in await rejected(fakebot, bot.answer_callback_query("cq-none"))

        v = await rejected(fakebot, bot.set_my_commands([BotCommand("Start", "开始")]))
        assert v.endswith("BOT_COMMAND_INVALID")
        v = await rejected(fakebot, bot.set_my_commands([BotCommand("start", "")]))
        assert v.endswith("BOT_COMMAND_DESCRIPTION_INVALID")

        # A 404 is InvalidToken in PTB; do_api_request on an initialised bot refines it.
        v = await rejected(fakebot, bot.do_api_request("sendMesage", api_kwargs={"chat_id": uid}), EndPointNotFound)
        assert v == "sendMesage: Not Found"
    assert fakebot.violations == []


@pytest.mark.asyncio
async def test_inline_results_limits(fakebot):
    results_for: dict[str, list] = {}

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.inline_query.answer(results_for[update.inline_query.query])

    def article(rid: str, text: str = "m") -> InlineQueryResultArticle:
        return InlineQueryResultArticle(rid, "t", InputTextMessageContent(text, parse_mode="HTML"))

    results_for["ok"] = [article(str(i)) for i in range(50)]
    results_for["51"] = [article(str(i)) for i in range(51)]
    results_for["dup"] = [article("a"), article("a")]
    results_for["long-id"] = [article("x" * 65)]
    results_for["bad-html"] = [article("1", "<p>x</p>")]

    app = fakebot.build_app()
    app.add_handler(InlineQueryHandler(answer))
    async with app:
        alice = fakebot.user()
        call = await fakebot.inline(app, alice, "ok")
        assert call is not None and len(call.params["results"]) == 50
        for query, error in [("51", "RESULTS_TOO_MUCH"), ("dup", "RESULT_ID_DUPLICATE"),
                             ("long-id", "RESULT_ID_INVALID"), ("bad-html", "can't parse entities")]:
            with pytest.raises(BadRequest):
                await fakebot.inline(app, alice, query)
            assert error in fakebot.take_violations()[0]
    assert [q.data for q in fakebot.unanswered_inline_queries()] == ["51", "dup", "long-id", "bad-html"]


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter's own init
async def test_faults_surface_as_ptb_errors(fakebot):
    app = make_app(fakebot)
    async with app:
        uid = fakebot.user().id
        fakebot.fail_next("sendMessage", status=429, retry_after=1)
        with pytest.raises(RetryAfter) as info:
            await app.bot.send_message(uid, "x")
        assert "Retry in 1" in str(info.value)
        fakebot.fail_next("sendMessage", status=502)
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await app.bot.send_message(uid, "x")
        fakebot.fail_next("sendMessage", exc=TimedOut, times=2)
        for _ in range(2):
            with pytest.raises(TimedOut):
                await app.bot.send_message(uid, "x")
        await app.bot.send_message(uid, "x")  # faults are used up
        fakebot.block(uid)
        with pytest.raises(Forbidden, match="blocked"):
            await app.bot.send_message(uid, "x")
        fakebot.take_violations()
    injected = [c for c in fakebot.calls if c.injected]
    assert [c.status for c in injected] == [429, 502, 0, 0]


@pytest.mark.asyncio
async def test_edit_and_delete_follow_message_state(fakebot):
    app = make_app(fakebot)
    async with app:
        bot = app.bot
        uid = fakebot.user().id
        msg = await bot.send_message(uid, "<b>one</b>", parse_mode="HTML", reply_markup=keyboard([("a", "a")]))
        assert msg.text == "one" and msg.reply_markup == keyboard([("a", "a")])
        v = await rejected(fakebot, bot.edit_message_text("x", uid, msg.message_id + 50))
        assert "message to edit not found" in v
        # Same text and entities (<strong> is bold too) and the same keyboard: not modified.
        v = await rejected(fakebot, bot.edit_message_text(
            "<strong>one</strong>", uid, msg.message_id, parse_mode="HTML", reply_markup=keyboard([("a", "a")])
        ))
        assert "message is not modified" in v
        edited = await bot.edit_message_text("<b>one</b>", uid, msg.message_id, parse_mode="HTML")
        assert edited.reply_markup is None
        assert "not modified" in await rejected(fakebot, bot.edit_message_reply_markup(uid, msg.message_id))
        await bot.edit_message_reply_markup(uid, msg.message_id, reply_markup=keyboard([("b", "b")]))
        assert await bot.delete_message(uid, msg.message_id)
        assert "to delete not found" in await rejected(fakebot, bot.delete_message(uid, msg.message_id))
        assert "to edit not found" in await rejected(fakebot, bot.edit_message_text("z", uid, msg.message_id))


@pytest.mark.asyncio
async def test_upload_then_reuse_by_file_id(fakebot):
    app = make_app(fakebot)
    async with app:
        uid = fakebot.user().id
        brochure = InputFile(b"%PDF-1.4 brochure", filename="黑河.pdf")
        first = await app.bot.send_document(uid, brochure, caption="<b>册</b>", parse_mode="HTML")
        assert first.document.file_id == "file-1" and first.document.file_name == "黑河.pdf"
        assert first.caption == "册"
        again = await app.bot.send_document(uid, first.document.file_id)
        assert again.document.file_id == "file-1"
        file = await app.bot.get_file("file-1")
        assert bytes(await file.download_as_bytearray()) == b"%PDF-1.4 brochure"
        assert "wrong file identifier" in await rejected(fakebot, app.bot.send_document(uid, "file-99"))
        v = await rejected(fakebot, app.bot.send_document(uid, "file-1", caption="x" * 1025))
        assert "caption is too long" in v
    assert [(u.filename, u.data) for u in fakebot.uploads] == [("黑河.pdf", b"%PDF-1.4 brochure")]
    assert fakebot.reuses == [("file-1", uid)]
    sends = [c for c in fakebot.sent(uid) if c.method == "sendDocument"]
    assert [bool(c.files) for c in sends] == [True, False]
    assert sends[1].reused_file_id == "file-1"


@pytest.mark.asyncio
async def test_commands_are_stored_per_scope_and_language(fakebot):
    app = make_app(fakebot)
    async with app:
        await app.bot.set_my_commands([BotCommand("start", "开始"), BotCommand("say", "推介")])
        await app.bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
        assert [c.command for c in await app.bot.get_my_commands()] == ["start", "say"]
        assert [c.description for c in await app.bot.get_my_commands(language_code="en")] == ["Start"]
        await app.bot.delete_my_commands()
        assert await app.bot.get_my_commands() == ()


@pytest.mark.asyncio
async def test_get_updates_honours_offset(fakebot):
    app = make_app(fakebot)
    async with app:
        alice = fakebot.user()
        first = fakebot.queue_text(alice, "one")
        fakebot.queue_text(alice, "two")
        updates = await app.bot.get_updates(timeout=5)
        assert [u.message.text for u in updates] == ["one", "two"]
        updates = await app.bot.get_updates(offset=first["update_id"] + 1)
        assert [u.message.text for u in updates] == ["two"]
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        assert await app.bot.get_updates(offset=updates[-1].update_id + 1, timeout=30) == ()
        assert loop.time() - t0 < 1  # long polling is capped


@pytest.mark.asyncio
async def test_polling_delivers_a_queued_update(fakebot):
    app = make_app(fakebot)
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=10)
        alice = fakebot.user(first_name="Polly")
        fakebot.queue_text(alice, "/start")
        call = await fakebot.wait_for("sendMessage")
        await app.updater.stop()
        await app.stop()
    assert call.params["chat_id"] == alice.id
    assert fakebot.plain(call.text).endswith("Polly & welcome")
    assert any(c.method == "deleteWebhook" for c in fakebot.calls)  # PTB's polling bootstrap


def test_run_polling_against_the_fake():
    """The blocking entry point `python bot.py` uses: run_polling owns its own event loop."""
    fake = FakeBotAPI()
    alice = fake.user(first_name="Run")

    async def post_init(app) -> None:
        fake.queue_text(alice, "/start")
        asyncio.get_running_loop().call_later(5, app.stop_running)  # watchdog: never hang CI

    async def start_then_stop(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await start(update, context)
        context.application.stop_running()

    app = fake.builder().post_init(post_init).build()
    app.add_handler(CommandHandler("start", start_then_stop))
    app.run_polling(poll_interval=0, timeout=1, stop_signals=None)
    assert fake.last_text(alice, plain=True) == "你好, Run & welcome"
    assert fake.problems() == []


@pytest.mark.asyncio
async def test_handler_errors_are_raised_not_just_logged(fakebot):
    async def broken(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.message.reply_text("x" * 5000)

    app = fakebot.build_app()
    app.add_handler(CommandHandler("long", broken))
    async with app:
        with pytest.raises(BadRequest, match="(?i)message_too_long"):
            await fakebot.send_text(app, fakebot.user(), "/long")
    assert fakebot.take_violations() == ["sendMessage: Bad Request: MESSAGE_TOO_LONG"]


@pytest.mark.asyncio
async def test_the_fake_over_http_decodes_as_telegram_does():
    """tests/fakebot/http.py: PTB's real HTTP requests (a form, multipart with a file) reach the
    same strict fake; a text of digits stays a string, a keyboard is decoded, the file comes back."""
    import io

    from telegram import Bot

    from tests.fakebot.http import FakeBotHTTP

    fake = FakeBotAPI()
    api = await FakeBotHTTP(fake).start()
    try:
        fake.user(77, "x")
        async with Bot("123:ABC", base_url=f"{api.url}/bot", base_file_url=f"{api.url}/file/bot") as bot:
            doc = await bot.send_document(77, io.BytesIO(b"hello"), filename="a.xlsx", caption="<b>x</b>",
                                          parse_mode="HTML", reply_markup=InlineKeyboardMarkup(
                                              [[InlineKeyboardButton("b", callback_data="d")]]))
            assert (doc.document.file_name, doc.caption) == ("a.xlsx", "x")
            data = await (await bot.get_file(doc.document.file_id)).download_as_bytearray()
            assert bytes(data) == b"hello"
            await bot.send_message(77, "123")
            with pytest.raises(BadRequest):
                await bot.send_message(77, "<b>unclosed", parse_mode="HTML")
        assert fake.last_text(77) == "123"
        assert fake.buttons(fake.sent(77)[0]) == [[("b", "d")]]
        assert len(fake.take_violations()) == 1 and not fake.problems()
    finally:
        await api.stop()
