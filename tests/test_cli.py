"""`python bot.py check | say | whom` as a user runs them: exit codes, `file:line:` output,
text and JSON answers, masking of sensitive contacts, --top.

Every command runs in a subprocess on a copy of the data (`--data`), with PROMO_CACHE_DIR in a
temporary folder so nothing is written into the repository.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from promo.cli import SENSITIVE_MASK

from .sample import FEIHE_VP, company, person

ROOT = Path(__file__).resolve().parents[1]
TODAY = "2026-11-26"
PROBLEM_LINE = re.compile(r"^(?P<file>[\w./-]+\.yaml):(?P<line>\d+): (?P<rest>.+ — .+)$")


def copy_data(dest: Path) -> Path:
    skip = shutil.ignore_patterns(".cache", "__pycache__")
    shutil.copytree(ROOT / "lists", dest / "lists", ignore=skip)
    shutil.copytree(ROOT / "pitch_library", dest / "pitch_library", ignore=skip)
    return dest


def run(*args: str, data: Path, cache: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PROMO_CACHE_DIR": str(cache), "PYTHONIOENCODING": "utf-8"}
    env.pop("PROMO_DATA_DIR", None)
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run([sys.executable, "bot.py", *args, "--data", str(data)], cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """A read-only copy of the sample data and a cache folder shared by the query tests."""
    base = tmp_path_factory.mktemp("cli")
    return copy_data(base / "data"), base / "cache"


@pytest.fixture
def broken_copy(tmp_path):
    return copy_data(tmp_path / "data"), tmp_path / "cache"


def query(sample, *args: str) -> subprocess.CompletedProcess:
    data, cache = sample
    command, *rest = args                  # a later --today in `rest` wins over the default
    result = run(command, "--today", TODAY, *rest, data=data, cache=cache)
    assert result.returncode == 0, result.stderr
    return result


def query_json(sample, *args: str) -> dict:
    return json.loads(query(sample, *args, "--json").stdout)


# =========================================================================== check

def test_check_passes_on_the_sample(sample):
    data, cache = sample
    result = run("check", data=data, cache=cache)
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-1]
    materials = sum(len(yaml.safe_load(f.read_text(encoding="utf-8")) or [])
                    for f in (data / "pitch_library").glob("*.yaml"))
    assert last.startswith("OK: ") and f"materials {materials}," in last and "chains 15," in last
    for line in result.stdout.strip().splitlines()[:-1]:      # warnings only, as file:line:
        assert PROBLEM_LINE.match(line) and ": warning: " in line, line
    assert not (data / ".cache").exists()


def test_check_strict_passes_on_the_bundled_sample(tmp_path):
    """The bundled data is clean: no warnings, so `check --strict` exits 0 (issue 9)."""
    result = run("check", "--strict", data=ROOT, cache=tmp_path / "cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines() == [result.stdout.strip().splitlines()[-1]]
    assert result.stdout.startswith("OK: ") and "warning" not in result.stdout


def test_check_fails_with_file_line_problems(broken_copy):
    data, cache = broken_copy
    rel = "pitch_library/chains.yaml"
    lines = (data / rel).read_text(encoding="utf-8").split("\n")
    start = lines.index("- id: dairy_deck")
    chains = next(i for i in range(start, len(lines)) if lines[i] == "  chains:")
    lines[chains + 1] = "    - dairyy"
    title = next(i for i in range(start, len(lines)) if lines[i].startswith("  title:"))
    lines[title] = lines[title].replace("title:", "titel:")
    (data / rel).write_text("\n".join(lines), encoding="utf-8")

    result = run("check", data=data, cache=cache)
    assert result.returncode == 1
    problems = [PROBLEM_LINE.match(line) for line in result.stdout.splitlines() if line.strip()]
    assert all(problems), result.stdout
    found = {(m["file"], int(m["line"]), m["rest"].split(" — ")[0]) for m in problems}
    assert (rel, title + 1, "unknown field 'titel'") in found
    assert (rel, start + 1, "missing field 'title'") in found
    fixes = [m["rest"].split(" — ", 1)[1] for m in problems if m["file"] == rel]
    assert any(f.startswith("did you mean 'title'?") for f in fixes)
    assert "error(s)" in result.stderr and "will not start" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_unknown_chain_suggests(broken_copy):
    data, cache = broken_copy
    rel = "lists/companies.yaml"
    text = (data / rel).read_text(encoding="utf-8")
    (data / rel).write_text(text.replace("  chains:\n    - dairy\n", "  chains:\n    - diary\n", 1),
                            encoding="utf-8")
    result = run("check", data=data, cache=cache)
    assert result.returncode == 1
    line = next(x for x in result.stdout.splitlines() if "'diary'" in x)
    assert PROBLEM_LINE.match(line) and line.startswith(f"{rel}:")
    assert line.endswith("did you mean 'dairy'?")


EXPIRED = """
- id: copper_deck_2020
  title: 铜产业推介（2020旧版）
  kind: ppt
  scope: chain
  chains: [copper]
  minutes: 20
  languages: [zh]
  link: https://promo.heihe.example/deck/copper_deck_2020.pptx
  expires: 2020-01-31
"""


def test_check_warning_exits_zero_unless_strict(broken_copy):
    data, cache = broken_copy
    rel = "pitch_library/chains.yaml"
    with (data / rel).open("a", encoding="utf-8") as fh:
        fh.write(EXPIRED)
    relaxed = run("check", data=data, cache=cache)
    assert relaxed.returncode == 0, relaxed.stdout + relaxed.stderr
    warning = next(x for x in relaxed.stdout.splitlines() if "2020-01-31" in x)
    assert PROBLEM_LINE.match(warning) and ": warning: expired on 2020-01-31" in warning
    assert "warning(s)" in relaxed.stdout.splitlines()[-1]
    strict = run("check", "--strict", data=data, cache=cache)
    assert strict.returncode == 1


def test_check_missing_folder(tmp_path):
    result = run("check", data=tmp_path / "nowhere", cache=tmp_path / "cache")
    assert result.returncode == 1
    assert "data folder not found" in result.stdout and "--data" in result.stdout
    assert "Traceback" not in result.stderr


def test_query_on_broken_data_refuses_with_problems(broken_copy):
    data, cache = broken_copy
    rel = "lists/schools.yaml"
    text = (data / rel).read_text(encoding="utf-8")
    (data / rel).write_text(text.replace("  city: 哈尔滨\n", "  colour: 哈尔滨\n", 1), encoding="utf-8")
    result = run("say", "飞鹤", data=data, cache=cache)
    assert result.returncode == 1 and result.stdout == ""
    assert any(PROBLEM_LINE.match(x) and "unknown field 'colour'" in x for x in result.stderr.splitlines())


# =========================================================================== say

def test_say_text(sample):
    out = query(sample, "say", "飞鹤乳业 副总 北京 奶粉").stdout
    lines = out.strip().splitlines()
    assert re.match(r"^1\. \[(?:0\.\d\d|1\.00)\] \S", lines[0]), out
    assert "乳制品产业链招商推介" in out and "https://promo.heihe.example/" in out
    assert re.search(r"（共 \d+ 条相关材料）$", out.strip())
    assert "2025版" not in out and "旧版" not in out       # withdrawn materials


def test_say_json(sample):
    out = query_json(sample, "say", "飞鹤乳业 副总 北京 奶粉")
    assert set(out) == {"profile", "total", "message", "results"}
    profile = out["profile"]
    assert profile["company_id"] == "feihe" and profile["chain_ids"] == ["dairy"]
    assert profile["city_id"] == "beijing" and profile["seniority"] == 4
    assert profile["evidence"] and {"text", "kind", "ref", "score", "how"} <= set(profile["evidence"][0])
    results = out["results"]
    assert 1 <= len(results) <= 10 and out["total"] >= len(results) and out["message"] is None
    scores = [r["score"] for r in results]
    assert all(isinstance(s, float) and 0 <= s <= 1 for s in scores) and scores == sorted(scores, reverse=True)
    ids = [r["record"]["id"] for r in results]
    assert "dairy_deck" in ids[:3]
    for r in results:
        assert r["why"] and all(isinstance(w, str) for w in r["why"])
        for chain in r["record"]["chains"]:
            assert set(chain) == {"id", "name"} and chain["name"].endswith("产业链")
    dairy = next(r["record"] for r in results if r["record"]["id"] == "dairy_deck")
    assert dairy["chains"] == [{"id": "dairy", "name": "乳制品产业链"}]
    assert dairy["kind"] == "ppt" and dairy["languages"] == ["zh"]
    project = next(r["record"] for r in results if r["record"]["id"] == "beian_milk_powder_deck")
    assert project["project"] == {"id": "beian_milk_powder", "name": "北安10万吨乳粉加工项目"}


def test_say_today_filters_by_date(sample):
    now = [r["record"]["id"] for r in query_json(sample, "say", "城市宣传片 新版", "--top", "50")["results"]]
    later = [r["record"]["id"] for r in query_json(sample, "say", "城市宣传片 新版", "--top", "50",
                                                   "--today", "2027-03-01")["results"]]
    assert "city_video_2027" not in now and "city_video_2027" in later


def test_say_noise(sample):
    out = query_json(sample, "say", "asdf qwer")
    assert out["results"] == [] and out["total"] == 0 and out["message"]
    text = query(sample, "say", "asdf qwer").stdout
    assert out["message"] in text and "1." not in text


@pytest.mark.parametrize("top", ["3"])
def test_top(sample, top):
    said = query_json(sample, "say", "乳业", "--top", top)
    asked = query_json(sample, "whom", "乳业", "--top", top)
    assert len(said["results"]) == int(top) < said["total"]
    assert len(asked["results"]) == int(top) < asked["total"]
    text = query(sample, "say", "乳业", "--top", top).stdout
    assert len(re.findall(r"^\d+\. \[", text, re.M)) == int(top)


# =========================================================================== whom

def test_whom_text(sample):
    out = query(sample, "whom", "飞鹤乳业 副总 北京 奶粉").stdout
    first = out.strip().splitlines()[0]
    vp = person(FEIHE_VP)
    assert re.match(rf"^1\. \[0\.\d\d\] {re.escape(f'{vp.name} — {vp.company} {vp.title}')}$", first), out
    assert f"同在{company('feihe').name}" in out and f"联络人 {vp.liaison}" in out
    assert re.search(r"（共 \d+ 位相关人员）$", out.strip())


def _ministry_phones() -> dict[str, str]:
    with (ROOT / "lists/people/ministry.yaml").open(encoding="utf-8") as fh:
        return {p["id"]: str(p["phone"]) for p in yaml.safe_load(fh) if p.get("phone")}


def test_whom_json_masks_sensitive_contacts(sample):
    raw = query(sample, "whom", "五大连池 老乡 奶业", "--json").stdout
    out = json.loads(raw)
    records = {r["record"]["id"]: r for r in out["results"]}
    assert "mn-006" in records, list(records)
    mn = records["mn-006"]["record"]
    assert mn["sensitive"] is True and mn["phone"] == SENSITIVE_MASK
    assert mn["wechat"] in (None, SENSITIVE_MASK) and mn["email"] in (None, SENSITIVE_MASK)
    assert mn["liaison"] == "驻京办 张主任"                  # the way in stays visible
    assert "农业农村部畜牧兽医局" in records["mn-006"]["why"]
    for phone in _ministry_phones().values():
        assert phone not in raw
    open_record = records["ht-021"]["record"]            # not sensitive: contacts shown
    assert open_record["sensitive"] is False and open_record["phone"].startswith("1380000")
    assert open_record["chains"] == [{"id": "dairy", "name": "乳制品产业链"}]
    for r in out["results"]:
        assert 0 <= r["score"] <= 1 and r["why"]


def test_whom_text_shows_no_sensitive_contacts(sample):
    out = query(sample, "whom", "商务部 发改委 自贸区 海关 北京").stdout
    assert out.strip()
    for phone in _ministry_phones().values():
        assert phone not in out


def test_whom_noise(sample):
    out = query_json(sample, "whom", "今天天气不错")
    assert out["results"] == [] and out["message"]


# =========================================================================== the cache

def test_cache_goes_to_promo_cache_dir(sample):
    data, cache = sample
    query(sample, "whom", "哈工大 校友 深圳")
    assert list(cache.glob("matcher-*.pickle"))
    assert not (data / ".cache").exists()
    # The cached matcher answers the same as a fresh build.
    cached = query_json(sample, "whom", "哈工大 校友 深圳")
    fresh_cache = cache.parent / "fresh-cache"
    fresh = json.loads(run("whom", "哈工大 校友 深圳", "--json", data=data, cache=fresh_cache).stdout)
    assert cached["results"] == fresh["results"]
