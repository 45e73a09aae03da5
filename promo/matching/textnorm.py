"""Text normalisation shared by the data index and the query side.

Both sides go through the same functions, so a record and a query typed differently (full-width
letters, traditional characters, capitals) meet in one form. Pinyin comes from a per-character
table: pypinyin's phrase analysis costs ~0.5 ms a string (see ../shared/notes/MATCHING.md),
and using the same per-character reading on both sides keeps homophones equal, which is all the
matcher needs.

The table (`pinyin_chars.txt`, beside this module) is pypinyin's own first reading of every
character `is_cjk` accepts, written by `python -m promo.matching.textnorm`. Reading it takes a
few milliseconds and a few MB, where importing pypinyin costs ~0.3 s and ~50 MB of phrase tables
that the matcher never uses (issue 16, item 7); `tests/test_textnorm.py` checks that it equals
pypinyin's answer for every character, so an upgrade of pypinyin that changes a reading fails
there until the table is regenerated.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from pathlib import Path

import opencc

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


# The code points `is_cjk` accepts, in the order of the table.
CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
PINYIN_TABLE = Path(__file__).with_name("pinyin_chars.txt")
_NO_READING = "-"


def cjk_chars() -> list[str]:
    return [chr(o) for lo, hi in CJK_RANGES for o in range(lo, hi + 1)]


@cache
def _readings() -> dict[str, str]:
    words = [w for line in PINYIN_TABLE.read_text(encoding="utf-8").splitlines()
             if not line.startswith("#") for w in line.split()]
    chars = cjk_chars()
    if len(words) != len(chars):
        raise RuntimeError(f"{PINYIN_TABLE}: {len(words)} readings for {len(chars)} characters; "
                           "regenerate it with `python -m promo.matching.textnorm`")
    return {ch: w for ch, w in zip(chars, words) if w != _NO_READING}


def char_pinyin(ch: str) -> str:
    """The first pinyin reading of a character without tones (pypinyin's Style.NORMAL); the
    character itself when it has none or is not Chinese."""
    return _readings().get(ch, ch)


def pypinyin_reading(ch: str) -> str:
    """What pypinyin itself says (Style.NORMAL, first reading); the table's source."""
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(ch, style=Style.NORMAL, errors="ignore")
    return syllables[0] if syllables else _NO_READING


def write_pinyin_table(path: Path = PINYIN_TABLE) -> int:
    from importlib.metadata import version

    chars = cjk_chars()
    words = [pypinyin_reading(ch) for ch in chars]
    ranges = " ".join(f"{lo:04X}-{hi:04X}" for lo, hi in CJK_RANGES)
    lines = [f"# The first pinyin reading (pypinyin {version('pypinyin')}, Style.NORMAL) of code points {ranges},",
             f"# in order, '{_NO_READING}' for none. Written by `python -m promo.matching.textnorm`; do not edit."]
    lines += [" ".join(words[i:i + 32]) for i in range(0, len(words), 32)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(chars)


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


if __name__ == "__main__":
    print(f"{PINYIN_TABLE}: {write_pinyin_table()} characters")
