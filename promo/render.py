"""Rendering replies from jinja2 templates, and splitting them below Telegram's length limit.

Chat replies are `templates/*.html.j2` in Telegram's HTML subset with autoescape on, so user
text can never break the markup. A template marks the places where a long answer may be cut
with `{{ cut }}` (between items); `split_message` cuts there and nowhere else, so no tag spans
two messages.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
CUT = "\x1e"          # record separator: never typed by users, stripped before sending
LIMIT = 4096          # Telegram counts UTF-16 code units after entity parsing


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2", "html"), default=False),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.do"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.globals["cut"] = Markup(CUT)
    env.filters["yuan"] = format_yuan
    env.filters["chain_name"] = lambda chain_id, lib: lib.chain_name(chain_id)
    env.filters["stars"] = lambda n: "★" * int(n or 0) + "☆" * (5 - int(n or 0))
    return env


def render(template: str, /, **context) -> str:
    return environment().get_template(template).render(**context).strip()


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def visible_len(markup: str) -> int:
    """Length Telegram counts: text after tags are removed and entities decoded."""
    return utf16_len(html.unescape(re.sub(r"<[^>]+>", "", markup)))


def split_message(text: str, limit: int = LIMIT - 96) -> list[str]:
    """Cut a rendered reply at its CUT marks into messages of at most `limit` visible units.

    A single item longer than the limit (a hostile or absurd record) is sent as plain text cut
    at line breaks: cutting inside markup could leave a tag open.
    """
    pieces = [p.strip("\n") for p in text.split(CUT)]
    out, current = [], ""
    for piece in pieces:
        if not piece.strip():
            continue
        candidate = f"{current}\n{piece}" if current else piece
        if visible_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            out.append(current)
        while visible_len(piece) > limit:
            head, piece = _hard_cut(piece, limit)
            out.append(head)
        current = piece
    if current:
        out.append(current)
    return out or [""]


def _hard_cut(piece: str, limit: int) -> tuple[str, str]:
    plain = html.unescape(re.sub(r"<[^>]+>", "", piece))
    cut = plain.rfind("\n", 0, limit)
    cut = cut if cut > limit // 2 else limit
    return html.escape(plain[:cut], quote=False), html.escape(plain[cut:].lstrip("\n"), quote=False)


def format_yuan(amount) -> str:
    if amount is None:
        return "—"
    amount = int(amount)
    if amount >= 100_000_000:
        return f"{amount / 100_000_000:g}亿元"
    if amount >= 10_000:
        return f"{amount / 10_000:g}万元"
    return f"{amount}元"
