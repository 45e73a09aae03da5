"""Telegram's HTML parse mode, checked the way the server parses it.

Modelled on tdlib's `parse_html` (td/telegram/MessageEntity.cpp), which the Bot API server runs:
the same tag set, the same scanning rules (a tag name runs to whitespace or '>', end tags must
match case-sensitively, '>' needs no escaping) and the same error texts with UTF-8 byte offsets.

One deliberate difference, on by default (`strict=True`): tdlib keeps an '&' that starts no
known entity as a literal '&', and accepts `&amp` without ';'. Here both are errors, because
text that reaches Telegram with a raw '&' was not escaped, and the same text with a '<' in it
would fail in production.
"""

from __future__ import annotations

import html as _stdlib_html
import re
from dataclasses import dataclass, field

SUPPORTED_TAGS = frozenset({
    "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del",
    "span", "tg-spoiler", "tg-emoji", "pre", "code", "blockquote",
})

_ENTITY_TYPE = {
    "b": "bold", "strong": "bold",
    "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler",
    "code": "code", "pre": "pre",
    "blockquote": "blockquote",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
}

_SPACE = frozenset(" \t\r\n\v\f")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# tdlib accepts only a lowercase 'x' in hexadecimal references.
_ENTITY_RE = re.compile(r"&(?:#x([0-9a-fA-F]{1,8})|#([0-9]{1,8})|([A-Za-z]+))(;?)")


class HtmlParseError(ValueError):
    """The text Telegram puts after "Bad Request: can't parse entities: "."""


@dataclass
class Formatted:
    """Text as Telegram stores it: markup removed, entities with UTF-16 offsets."""

    text: str
    entities: list[dict] = field(default_factory=list)

    @property
    def length(self) -> int:
        return utf16_len(self.text)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of every Telegram text limit and offset."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _byte_offset(src: str, index: int) -> int:
    return len(src[:index].encode("utf-8", "surrogatepass"))


def _decode_entity(src: str, i: int, strict: bool) -> tuple[str | None, int]:
    """(character, index after the reference) or (None, i) if `src[i]` starts no entity."""
    m = _ENTITY_RE.match(src, i)
    if not m:
        return None, i
    hex_digits, dec_digits, name, semicolon = m.groups()
    if strict and not semicolon:
        return None, i
    if name is not None:
        ch = _NAMED.get(name)
        return (ch, m.end()) if ch else (None, i)
    code = int(hex_digits, 16) if hex_digits is not None else int(dec_digits)
    if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None, i
    return chr(code), m.end()


def _entity_error(src: str, i: int) -> str:
    m = re.match(r"&([A-Za-z]+);", src[i:])
    if m and m.group(1) not in _NAMED:
        return f'Unsupported HTML entity "&{m.group(1)};" at byte offset {_byte_offset(src, i)}'
    return f"Can't find end of the entity starting at byte offset {_byte_offset(src, i)}"


def parse_html(src: str, *, strict: bool = True) -> Formatted:
    """Parse Telegram HTML; raise HtmlParseError with Telegram's wording on what it refuses."""
    out: list[str] = []
    u16 = 0
    stack: list[tuple[str, str, int]] = []  # (tag, argument, utf16 offset where it opened)
    entities: list[dict] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c == "&":
            ch, end = _decode_entity(src, i, strict)
            if ch is None:
                if strict:
                    raise HtmlParseError(_entity_error(src, i))
                ch, end = "&", i + 1
            out.append(ch)
            u16 += utf16_len(ch)
            i = end
            continue
        if c != "<":
            out.append(c)
            u16 += 1 + (ord(c) > 0xFFFF)
            i += 1
            continue

        begin = i
        if i + 1 < n and src[i + 1] == "/":
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {_byte_offset(src, begin)}")
            j = i + 2
            while j < n and src[j] not in _SPACE and src[j] != ">":
                j += 1
            end_name = src[i + 2:j]
            while j < n and src[j] in _SPACE:
                j += 1
            if j >= n or src[j] != ">":
                raise HtmlParseError(f"Unclosed end tag at byte offset {_byte_offset(src, begin)}")
            tag, argument, start = stack.pop()
            if end_name and end_name != tag:
                raise HtmlParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(src, begin)}, "
                    f'expected "</{tag}>", found "</{end_name}>"'
                )
            _close_entity(entities, tag, argument, start, u16, "".join(out))
            i = j + 1
            continue

        j = i + 1
        while j < n and src[j] not in _SPACE and src[j] != ">":
            j += 1
        if j >= n:
            raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        tag = src[i + 1:j].lower()
        if tag not in SUPPORTED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{tag}" at byte offset {_byte_offset(src, begin)}')
        argument, j = _parse_attributes(src, j, tag, begin, strict)
        if tag == "span" and argument != "spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(src, begin)}'
            )
        stack.append((tag, argument, u16))
        i = j + 1
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    for entity in entities:
        if entity["type"] == "code":  # a language only means something on pre
            entity.pop("language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return Formatted("".join(out), entities)


def _parse_attributes(src: str, j: int, tag: str, begin: int, strict: bool) -> tuple[str, int]:
    """Scan attributes up to the closing '>'; return (the tag's argument, index of '>')."""
    n = len(src)
    argument = ""
    where = f'the tag "{tag}" at byte offset {_byte_offset(src, begin)}'
    while True:
        while j < n and src[j] in _SPACE:
            j += 1
        if j < n and src[j] == ">":
            return argument, j
        name_begin = j
        while j < n and src[j] not in _SPACE and src[j] not in "=>":
            j += 1
        name = src[name_begin:j]
        if not name:
            raise HtmlParseError(f"Empty attribute name in {where}")
        while j < n and src[j] in _SPACE:
            j += 1
        if j >= n or src[j] != "=":
            # Only <blockquote expandable> is documented without a value.
            if tag == "blockquote" and name == "expandable":
                argument = "1"
                continue
            if strict or j >= n:
                raise HtmlParseError(f"Expected equal sign in declaration of an attribute of {where}")
            continue
        j += 1
        while j < n and src[j] in _SPACE:
            j += 1
        if j >= n:
            raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {_byte_offset(src, begin)}')
        if src[j] in "'\"":
            quote = src[j]
            j += 1
            chars: list[str] = []
            while j < n and src[j] != quote:
                if src[j] == "&":
                    ch, end = _decode_entity(src, j, strict)
                    if ch is not None:
                        chars.append(ch)
                        j = end
                        continue
                    if strict:
                        raise HtmlParseError(_entity_error(src, j))
                chars.append(src[j])
                j += 1
            if j >= n:
                raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
            j += 1
            value = "".join(chars)
        else:
            token_begin = j
            while j < n and (src[j].isascii() and (src[j].isalnum() or src[j] in ".-")):
                j += 1
            value = src[token_begin:j].lower()
            if j >= n or (src[j] not in _SPACE and src[j] != ">"):
                raise HtmlParseError(f"Unexpected end of name token at byte offset {_byte_offset(src, token_begin)}")
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-"):]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[len("tg-"):]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
        elif tag == "blockquote" and name == "expandable":
            argument = "1"


def _close_entity(entities: list[dict], tag: str, argument: str, start: int, end: int, text: str) -> None:
    if tag == "tg-emoji" and not (argument.isdigit() and int(argument) > 0):
        raise HtmlParseError("Invalid custom emoji identifier specified")
    length = end - start
    if length == 0:  # Telegram drops empty entities silently
        return
    entity: dict = {"type": _ENTITY_TYPE[tag], "offset": start, "length": length}
    if tag == "a":
        if not argument:
            return
        entity["url"] = argument
    elif tag == "blockquote" and argument:
        entity["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = argument
    elif tag == "code" and argument:
        entity["language"] = argument
    elif tag == "pre":
        # <pre><code class="language-x">…</code></pre> is one pre entity with a language.
        last = entities[-1] if entities else None
        if last and last["type"] == "code" and last["offset"] == start and last["length"] == length:
            entities.pop()
            if "language" in last:
                entity["language"] = last["language"]
    entities.append(entity)


def plain(text: str) -> str:
    """Text without markup, entities decoded; never raises (falls back to a regex strip)."""
    try:
        return parse_html(text, strict=False).text
    except HtmlParseError:
        return _stdlib_html.unescape(re.sub(r"</?[A-Za-z][^<>]*>", "", text))
