"""Text normalisation shared by the data index and the query side.

Both sides go through the same functions, so a record and a query typed differently (full-width
letters, traditional characters, capitals) meet in one form. Pinyin comes from a per-character
table: pypinyin's phrase analysis costs ~0.5 ms a string (see ../shared/notes/MATCHING.md),
and using the same per-character reading on both sides keeps homophones equal, which is all the
matcher needs.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc
from pypinyin import Style, lazy_pinyin

# tw2sp also rewrites Taiwan wording (軟體 → 软件); plain t2s keeps it.
_T2S = opencc.OpenCC("tw2sp")

# pypinyin reads surnames by their common reading (python-pinyin issue 297).
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "区": "ou", "查": "zha", "朴": "piao",
    "乐": "yue", "盖": "ge", "尉": "yu", "缪": "miao", "翟": "zhai", "覃": "qin", "召": "shao",
    "折": "she", "繁": "po", "员": "yun", "句": "gou", "长孙": "zhangsun", "万俟": "moqi",
    "尉迟": "yuchi", "澹台": "tantai",
}

_TOKEN_RE = re.compile(
    r"(?P<cjk>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)"
    r"|(?P<cyr>[\u0400-\u04ff]+(?:-[\u0400-\u04ff]+)*)"
    r"|(?P<lat>[a-z]+(?:['’][a-z]+)?)"
    r"|(?P<num>\d+(?:\.\d+)?)"
)


def normalize(text: str) -> str:
    """NFKC (full-width → ASCII), lower case, traditional → simplified, ё → е, one space."""
    text = unicodedata.normalize("NFKC", text or "").lower().replace("ё", "е")
    if any(is_cjk(ch) for ch in text):
        text = _T2S.convert(text)
    return " ".join(text.split())


def is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF


def is_cyrillic(ch: str) -> bool:
    return 0x0400 <= ord(ch) <= 0x04FF


def tokens(text: str) -> list[tuple[str, str, int, int]]:
    """(script, token, start, end) for runs of CJK, Cyrillic, Latin letters and numbers.

    `text` must already be normalised; offsets refer to it.
    """
    out: list[tuple[str, str, int, int]] = []
    for m in _TOKEN_RE.finditer(text):
        out.append((m.lastgroup or "", m.group(), m.start(), m.end()))
    return out


@lru_cache(maxsize=65536)
def char_pinyin(ch: str) -> str:
    if not is_cjk(ch):
        return ch
    syllables = lazy_pinyin(ch, style=Style.NORMAL, errors="ignore")
    return syllables[0] if syllables else ch


def pinyin_syllables(text: str, name: bool = False) -> list[str]:
    """Per-character pinyin of the CJK characters in `text` (others dropped).

    With `name=True` the first one or two characters are read as a surname.
    """
    chars = [ch for ch in text if is_cjk(ch)]
    out = []
    if name and chars:
        two = "".join(chars[:2])
        if two in SURNAME_READINGS:
            out.append(SURNAME_READINGS[two])
            chars = chars[2:]
        elif chars[0] in SURNAME_READINGS:
            out.append(SURNAME_READINGS[chars[0]])
            chars = chars[1:]
    out.extend(char_pinyin(ch) for ch in chars)
    return out


def pinyin_key(text: str, name: bool = False) -> str:
    """Full pinyin without separators: 飞鹤 → feihe."""
    return "".join(pinyin_syllables(text, name))


def initials_key(text: str, name: bool = False) -> str:
    """Pinyin initials: 中储粮 → zcl."""
    return "".join(s[0] for s in pinyin_syllables(text, name) if s)


def script_of(text: str) -> str:
    """The dominant script of a text: zh, ru or en (Latin; may be pinyin)."""
    counts = {"zh": 0, "ru": 0, "en": 0}
    for ch in text:
        if is_cjk(ch):
            counts["zh"] += 1
        elif is_cyrillic(ch):
            counts["ru"] += 1
        elif "a" <= ch.lower() <= "z":
            counts["en"] += 1
    # A Chinese character carries roughly a word: weigh it against Latin letters fairly.
    counts["zh"] *= 3
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else "zh"
