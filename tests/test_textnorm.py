"""The per-character pinyin table and the lean one-shot CLI (issue 16, item 7)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from promo.config import ROOT
from promo.matching import textnorm


def test_the_table_is_pypinyins_reading_of_every_character():
    def expected(ch: str) -> str:
        reading = textnorm.pypinyin_reading(ch)
        return ch if reading == "-" else reading     # no reading: the character itself

    chars = textnorm.cjk_chars()
    assert len(chars) == 28096
    differ = [(ch, textnorm.char_pinyin(ch), expected(ch)) for ch in chars if textnorm.char_pinyin(ch) != expected(ch)]
    assert differ == [], f"{len(differ)} readings differ, e.g. {differ[:5]}: run `python -m promo.matching.textnorm`"


def test_readings_the_matcher_relies_on():
    assert textnorm.pinyin_key("飞鹤") == "feihe"
    assert textnorm.initials_key("中储粮") == "zcl"
    assert textnorm.pinyin_key("曾志", name=True) == "zengzhi"          # the surname's reading
    assert textnorm.pinyin_key("绿") == "lv"
    assert textnorm.char_pinyin("a") == "a" and textnorm.char_pinyin("㐂") == "㐂"   # no reading: itself


def test_the_table_checks_its_length(tmp_path, monkeypatch):
    bad = tmp_path / "pinyin_chars.txt"
    bad.write_text("# header\nqiu tian\n", encoding="utf-8")
    monkeypatch.setattr(textnorm, "PINYIN_TABLE", bad)
    textnorm._readings.cache_clear()
    try:
        with pytest.raises(RuntimeError, match=r"2 readings for 28096 characters.*python -m promo.matching.textnorm"):
            textnorm.char_pinyin("丁")
    finally:
        textnorm._readings.cache_clear()


def test_a_one_shot_say_imports_neither_pypinyin_nor_the_spreadsheet_stack():
    probe = ("import sys, runpy; sys.argv = ['bot.py', 'say', '飞鹤乳业 副总 北京 奶粉 feihe'];\n"
             "import bot, io, contextlib\n"
             "with contextlib.redirect_stdout(io.StringIO()) as out: code = bot.main(sys.argv[1:])\n"
             "assert code == 0 and '乳制品' in out.getvalue(), out.getvalue()\n"
             "print(sorted(m for m in ('pypinyin', 'openpyxl', 'ruamel.yaml', 'telegram', 'sqlalchemy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
