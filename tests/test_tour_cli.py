"""`python bot.py tour …` in a subprocess: text, --json, --ics, --print, --pdf, and a clear error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from icalendar import Calendar

from .conftest import ROOT

ARGS = ["飞鹤乳业 副总", "--days", "2", "--arrive", "黑河瑷珲机场 10:30", "--date", "2026-06-02"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cache")


def run(cache: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PROMO_CACHE_DIR": str(cache), "PYTHONIOENCODING": "utf-8"}
    env.pop("PROMO_DATA_DIR", None)
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run([sys.executable, "bot.py", "tour", *args, "--data", str(ROOT)], cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=180)


def test_text_plan(cache):
    r = run(cache, *ARGS, "--escort", "招商局长")
    assert r.returncode == 0, r.stderr
    assert "第1天" in r.stdout and "第2天" in r.stdout and "车程" in r.stdout
    assert "https://" in r.stdout and "<a" not in r.stdout


def test_json_has_days_and_stops(cache):
    r = run(cache, *ARGS, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["days"] and any(day["stops"] for day in data["days"])


def test_ics_one_event_per_stop(cache, tmp_path):
    out = tmp_path / "plan.ics"
    r = run(cache, *ARGS[:4], "HEK 10:30", *ARGS[5:], "--ics", str(out))
    assert r.returncode == 0, r.stderr
    cal = Calendar.from_ical(out.read_bytes())
    events = list(cal.walk("VEVENT"))
    data = json.loads(run(cache, *ARGS, "--json").stdout)
    stops = sum(len(day["stops"]) for day in data["days"])
    assert len(events) == stops > 0


def test_print_writes_html(cache, tmp_path):
    out = tmp_path / "plan.html"
    r = run(cache, *ARGS, "--print", str(out), "--depart", "黑河站 18:00")
    assert r.returncode == 0, r.stderr
    page = out.read_text(encoding="utf-8")
    assert "<html" in page.lower() and "黑河" in page


def test_pdf_writes_a_pdf_with_the_cjk_font(cache, tmp_path):
    out = tmp_path / "plan.pdf"
    r = run(cache, *ARGS, "--pdf", str(out))
    assert r.returncode == 0, r.stderr
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and b"NotoSansSC" in data and b"/FontFile3" in data


def test_unknown_place_exits_1(cache):
    r = run(cache, "飞鹤乳业 副总", "--arrive", "火星基地 10:30", "--date", "2026-06-02")
    assert r.returncode == 1
    assert "unknown place" in r.stderr and len(r.stderr.strip().splitlines()) == 1
