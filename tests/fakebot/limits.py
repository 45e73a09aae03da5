"""Telegram's rules beyond field types: text limits, keyboards, inline results, commands.

api.json states most of these only in prose ("1-4096 characters after entities parsing"); the
button counts per row and per keyboard are not documented at all but enforced by the server.
Descriptions follow what Telegram answers; where the server only has an MTProto code
(BUTTON_DATA_INVALID, RESULTS_TOO_MUCH, ...) the description is that code.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from .model import ApiError
from .tghtml import Formatted, HtmlParseError, parse_html, utf16_len

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_BUTTONS = 100
MAX_BUTTONS_PER_ROW = 8
MAX_CALLBACK_ANSWER = 200
MAX_INLINE_RESULTS = 50
MAX_RESULT_ID_BYTES = 64
MAX_NEXT_OFFSET_BYTES = 64
MAX_COMMANDS = 100
MAX_COMMAND_DESCRIPTION = 256
COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")

CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})

# Every key of InlineKeyboardButton except these selects what the button does.
_BUTTON_DECORATION = frozenset({"text", "icon_custom_emoji_id", "style"})
_BUTTON_STYLES = frozenset({"danger", "success", "primary"})

TEXT_EMPTY = "Bad Request: message text is empty"
TEXT_TOO_LONG = "Bad Request: MESSAGE_TOO_LONG"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"


def format_text(text: str, parse_mode: Any, entities: Any, *, strict_html: bool = True) -> Formatted:
    """Text as Telegram would store it. Explicit entities win over parse_mode (as on the server)."""
    if isinstance(entities, list):
        _check_explicit_entities(text, entities)
        return Formatted(text, [dict(e) for e in entities])
    mode = (parse_mode or "").lower() if isinstance(parse_mode, str) else ""
    if mode == "":
        return Formatted(text, [])
    if mode == "html":
        try:
            return parse_html(text, strict=strict_html)
        except HtmlParseError as exc:
            raise ApiError(f"Bad Request: can't parse entities: {exc}") from None
    if mode in ("markdown", "markdownv2"):
        # Not modelled (the project writes HTML only); the raw length is an upper bound.
        return Formatted(text, [])
    raise ApiError(f"Bad Request: unsupported parse_mode {parse_mode!r}")


def _check_explicit_entities(text: str, entities: list) -> None:
    size = utf16_len(text)
    for e in entities:
        if not isinstance(e, dict):
            continue
        offset, length = e.get("offset", 0), e.get("length", 0)
        if not (isinstance(offset, int) and isinstance(length, int)):
            continue  # the schema check reports the type
        if offset < 0 or length <= 0 or offset + length > size:
            raise ApiError(
                "Bad Request: can't parse entities: entity beginning at UTF-16 offset "
                f"{offset} ends after the end of the text at UTF-16 offset {size}"
            )


def message_text(text: Any, parse_mode: Any, entities: Any, *, strict_html: bool = True) -> Formatted:
    """A message body: 1-4096 UTF-16 units after parsing, not blank."""
    if not isinstance(text, str) or not text:
        raise ApiError(TEXT_EMPTY)
    formatted = format_text(text, parse_mode, entities, strict_html=strict_html)
    if not formatted.text.strip():
        raise ApiError(TEXT_EMPTY)
    if formatted.length > MAX_TEXT:
        raise ApiError(TEXT_TOO_LONG)
    return formatted


def caption(text: Any, parse_mode: Any, entities: Any, *, strict_html: bool = True) -> Formatted | None:
    if text is None:
        return None
    formatted = format_text(text, parse_mode, entities, strict_html=strict_html)
    if formatted.length > MAX_CAPTION:
        raise ApiError(CAPTION_TOO_LONG)
    return formatted


def valid_button_url(url: str) -> bool:
    if any(ch.isspace() for ch in url):
        return False
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        # Telegram refuses hosts it cannot resolve publicly, such as "localhost".
        return "." in (parts.hostname or "")
    if parts.scheme == "tg":
        return bool(parts.netloc or parts.path)
    return False


def inline_keyboard(markup: dict) -> None:
    rows = markup.get("inline_keyboard") or []
    if sum(len(row) for row in rows if isinstance(row, list)) > MAX_BUTTONS:
        raise ApiError("Bad Request: reply markup is too long")
    for row in rows:
        if len(row) > MAX_BUTTONS_PER_ROW:
            raise ApiError(f"Bad Request: too many buttons in a row ({len(row)} > {MAX_BUTTONS_PER_ROW})")
        for button in row:
            _inline_button(button)


def _inline_button(button: dict) -> None:
    actions = sorted(k for k in button if k not in _BUTTON_DECORATION)
    if not button.get("text"):
        raise ApiError("Bad Request: can't parse inline keyboard button: Text must be non-empty")
    if not actions:
        raise ApiError(
            "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if len(actions) > 1:
        raise ApiError(
            "Bad Request: can't parse inline keyboard button: exactly one of the optional fields "
            f"must be used, got {', '.join(actions)}"
        )
    if "style" in button and button["style"] not in _BUTTON_STYLES:
        raise ApiError("Bad Request: BUTTON_STYLE_INVALID")
    if "callback_data" in button:
        data = button["callback_data"]
        size = len(data.encode("utf-8")) if isinstance(data, str) else 0
        if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
            raise ApiError("Bad Request: BUTTON_DATA_INVALID")
    if "url" in button and not valid_button_url(str(button["url"])):
        raise ApiError("Bad Request: BUTTON_URL_INVALID")


def reply_keyboard(markup: dict) -> None:
    for row in markup.get("keyboard") or []:
        for button in row:
            text = button if isinstance(button, str) else button.get("text")
            if not text:
                raise ApiError("Bad Request: keyboard button text must be non-empty")


def any_markup(value: Any) -> None:
    """Check every keyboard anywhere inside a request (messages, inline results, media)."""
    if isinstance(value, dict):
        if isinstance(value.get("inline_keyboard"), list):
            inline_keyboard(value)
        if isinstance(value.get("keyboard"), list):
            reply_keyboard(value)
        for v in value.values():
            any_markup(v)
    elif isinstance(value, list):
        for v in value:
            any_markup(v)


def inline_results(results: list, next_offset: Any, *, strict_html: bool = True) -> None:
    if len(results) > MAX_INLINE_RESULTS:
        raise ApiError("Bad Request: RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        rid = result.get("id")
        size = len(rid.encode("utf-8")) if isinstance(rid, str) else 0
        if not 1 <= size <= MAX_RESULT_ID_BYTES:
            raise ApiError("Bad Request: RESULT_ID_INVALID")
        if rid in seen:
            raise ApiError("Bad Request: RESULT_ID_DUPLICATE")
        seen.add(rid)
        content = result.get("input_message_content")
        if isinstance(content, dict) and "message_text" in content:
            message_text(content.get("message_text"), content.get("parse_mode"),
                          content.get("entities"), strict_html=strict_html)
        if "caption" in result:
            caption(result["caption"], result.get("parse_mode"), result.get("caption_entities"),
                    strict_html=strict_html)
    if isinstance(next_offset, str) and len(next_offset.encode("utf-8")) > MAX_NEXT_OFFSET_BYTES:
        raise ApiError("Bad Request: NEXT_OFFSET_INVALID")


def bot_commands(commands: list) -> None:
    if len(commands) > MAX_COMMANDS:
        raise ApiError("Bad Request: BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not COMMAND_RE.fullmatch(command.get("command", "")):
            raise ApiError("Bad Request: BOT_COMMAND_INVALID")
        if not 1 <= utf16_len(command.get("description", "")) <= MAX_COMMAND_DESCRIPTION:
            raise ApiError("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")


def check_request(method: str, params: dict[str, Any], *, strict_html: bool = True) -> dict[str, Formatted]:
    """Run the rules that apply to `method`; return the parsed text/caption for the server."""
    parsed: dict[str, Formatted] = {}
    if method in ("sendMessage", "editMessageText"):
        if method == "sendMessage" or "rich_message" not in params:
            parsed["text"] = message_text(params.get("text"), params.get("parse_mode"),
                                          params.get("entities"), strict_html=strict_html)
    elif "caption" in params:
        cap = caption(params["caption"], params.get("parse_mode"), params.get("caption_entities"),
                      strict_html=strict_html)
        if cap is not None:
            parsed["caption"] = cap
    any_markup(params.get("reply_markup"))
    if method == "answerInlineQuery":
        results = params.get("results") or []
        any_markup(results)
        inline_results(results, params.get("next_offset"), strict_html=strict_html)
    elif method == "answerCallbackQuery":
        text = params.get("text")
        if isinstance(text, str) and utf16_len(text) > MAX_CALLBACK_ANSWER:
            raise ApiError("Bad Request: MESSAGE_TOO_LONG")
    elif method == "setMyCommands":
        bot_commands(params.get("commands") or [])
    elif method == "sendChatAction" and params.get("action") not in CHAT_ACTIONS:
        raise ApiError("Bad Request: wrong parameter action in request")
    return parsed
