"""The loader on broken copies of the lists: every problem names the file and the right line and
says how to fix it; warnings do not stop the bot; the derived cache is used and invalidated.

Each test copies lists/ and pitch_library/ into tmp_path, breaks one thing the way office
staff do, and checks the problem report. The repository's own files are never touched.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from promo.lists import loader
from promo.lists.loader import DataError, Problem, load_library
from promo.suggest import closest

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 26)


class DataCopy:
    """A copy of the data tree with line-level editing helpers."""

    def __init__(self, root: Path):
        self.root = root

    # ----------------------------------------------------------------- finding lines
    def lines(self, rel: str) -> list[str]:
        return (self.root / rel).read_text(encoding="utf-8").split("\n")

    def line(self, rel: str, text: str, start: int = 1) -> int:
        """1-based number of the first line at or after `start` that contains `text`."""
        for n, line in enumerate(self.lines(rel), 1):
            if n >= start and text in line:
                return n
        raise AssertionError(f"{text!r} not in {rel}")

    def record(self, rel: str, record_id: str) -> int:
        return self.line(rel, f"- id: {record_id}")

    def field(self, rel: str, record_id: str, name: str) -> int:
        return self.line(rel, f"  {name}:", start=self.record(rel, record_id))

    # ----------------------------------------------------------------- editing
    def set(self, rel: str, n: int, new: str) -> None:
        lines = self.lines(rel)
        lines[n - 1] = new
        (self.root / rel).write_text("\n".join(lines), encoding="utf-8")

    def replace(self, rel: str, n: int, old: str, new: str) -> None:
        line = self.lines(rel)[n - 1]
        assert old in line, (line, old)
        self.set(rel, n, line.replace(old, new, 1))

    def delete(self, rel: str, n: int) -> str:
        lines = self.lines(rel)
        gone = lines.pop(n - 1)
        (self.root / rel).write_text("\n".join(lines), encoding="utf-8")
        return gone

    def append(self, rel: str, text: str) -> int:
        """Append lines; returns the number of the first appended line."""
        lines = self.lines(rel)
        while lines and lines[-1] == "":
            lines.pop()
        first = len(lines) + 2          # after one blank separator line
        (self.root / rel).write_text("\n".join(lines) + "\n\n" + text.rstrip("\n") + "\n", encoding="utf-8")
        return first

    # ----------------------------------------------------------------- loading
    def load(self, **kw):
        kw.setdefault("today", TODAY)
        kw.setdefault("use_cache", False)
        return load_library(self.root, **kw)

    def problems(self, rel: str | None = None, severity: str = "error") -> list[Problem]:
        with pytest.raises(DataError) as info:
            self.load()
        found = [p for p in info.value.problems if p.severity == severity]
        return [p for p in found if rel is None or p.file == rel]


@pytest.fixture
def data(tmp_path, monkeypatch) -> DataCopy:
    root = tmp_path / "data"
    skip = shutil.ignore_patterns(".cache", "__pycache__")
    shutil.copytree(ROOT / "lists", root / "lists", ignore=skip)
    shutil.copytree(ROOT / "pitch_library", root / "pitch_library", ignore=skip)
    monkeypatch.setenv("PROMO_CACHE_DIR", str(tmp_path / "cache"))
    return DataCopy(root)


def one(problems: list[Problem], contains: str) -> Problem:
    hits = [p for p in problems if contains in p.message]
    assert len(hits) == 1, f"{contains!r} in {[str(p) for p in problems]}"
    return hits[0]


def assert_names(problem: Problem, rel: str, line: int) -> None:
    assert (problem.file, problem.line) == (rel, line), str(problem)
    assert str(problem).startswith(f"{rel}:{line}: ")
    assert problem.fix and len(problem.fix) > 10, "a problem must say how to fix it"
    assert f" — {problem.fix}" in str(problem)


# =========================================================================== the baseline

def test_sample_copy_loads_without_errors(data):
    """Every other test breaks one thing in this copy: it must be clean to start with."""
    lib = data.load()
    assert len(lib.materials) >= 80 and len(lib.people) >= 100 and len(lib.chains) == 15
    assert all(p.severity == "warning" for p in lib.warnings)


# =========================================================================== YAML syntax

@pytest.mark.parametrize("rel, record, field, bad", [
    ("lists/schools.yaml", "heihe_university", "city", "   city: 黑河"),            # 3 spaces
    ("lists/schools.yaml", "hit", "name_en", " name_en: Harbin Institute of Technology"),
    ("pitch_library/city.yaml", "city_deck_20", "minutes", "\tminutes: 20"),           # a tab
])
def test_bad_indentation_names_the_line(data, rel, record, field, bad):
    n = data.field(rel, record, field)
    data.set(rel, n, bad)
    p = one(data.problems(rel), "YAML syntax error")
    assert_names(p, rel, n)
    assert "indentation" in p.fix


@pytest.mark.parametrize("rel, record, field, bad", [
    ("lists/schools.yaml", "heihe_university", "name", '  name: "黑河学院'),
    ("pitch_library/city.yaml", "city_video_3min", "title_en", "  title_en: 'Heihe, the Twin City"),
])
def test_unclosed_quote_names_the_line(data, rel, record, field, bad):
    n = data.field(rel, record, field)
    data.set(rel, n, bad)
    assert_names(one(data.problems(rel), "YAML syntax error"), rel, n)


def test_unclosed_quote_is_reported_in_its_file(data):
    """Whatever the line, the broken file is named and the bot refuses to start."""
    rel = "lists/schools.yaml"
    data.set(rel, data.field(rel, "heihe_university", "name"), '  name: "黑河学院')
    p = one(data.problems(rel), "YAML syntax error")
    assert p.file == rel and "quotes" in p.fix


def test_top_level_not_a_list(data):
    rel = "lists/schools.yaml"
    body = [line for line in data.lines(rel) if not line.startswith("#")]
    (data.root / rel).write_text("schools:\n" + "\n".join("  " + line for line in body), encoding="utf-8")
    p = one(data.problems(rel), "expected a list of records")
    assert_names(p, rel, 1)
    assert "'- '" in p.fix


def test_record_that_is_not_a_mapping(data):
    rel = "lists/schools.yaml"
    data.append(rel, "- 哈尔滨理工大学")
    p = one(data.problems(rel), "a record must be")
    assert p.file == rel and "indent" in p.fix


def test_record_that_is_not_a_mapping_names_its_line(data):
    rel = "lists/schools.yaml"
    n = data.append(rel, "- 哈尔滨理工大学")
    assert_names(one(data.problems(rel), "a record must be"), rel, n)


def test_non_utf8_file(data):
    rel = "lists/schools.yaml"
    text = (data.root / rel).read_text(encoding="utf-8")
    (data.root / rel).write_bytes(text.encode("gbk"))
    p = one(data.problems(rel), "not UTF-8")
    assert p.file == rel and "UTF-8" in p.fix


def test_non_utf8_file_names_the_first_bad_line(data):
    rel = "lists/schools.yaml"
    text = (data.root / rel).read_text(encoding="utf-8")
    (data.root / rel).write_bytes(text.encode("gbk"))
    first_non_ascii = next(n for n, line in enumerate(text.split("\n"), 1) if not line.isascii())
    assert one(data.problems(rel), "not UTF-8").line == first_non_ascii


# =========================================================================== ids and references

def test_unknown_chain_id_suggests_the_right_one(data):
    rel = "pitch_library/chains.yaml"
    n = data.field(rel, "dairy_deck", "chains")
    data.replace(rel, n + 1, "- dairy", "- dairyy")
    p = one(data.problems(rel), "unknown chain id 'dairyy'")
    assert_names(p, rel, n)
    assert p.fix == "did you mean 'dairy'?"


def test_unknown_chain_id_without_a_close_match(data):
    rel = "lists/companies.yaml"
    n = data.field(rel, "feihe", "chains")
    data.replace(rel, n + 1, "- dairy", "- nanotech")
    p = one(data.problems(rel), "unknown chain id 'nanotech'")
    assert_names(p, rel, n)
    assert "chains list" in p.fix


def test_unknown_company_id_message_reads_well(data):
    rel = "lists/people/hometown.yaml"
    n = data.field(rel, "ht-001", "company_id")
    data.replace(rel, n, "net-amur-huaqiao", "net-amur-huaqia")
    p = one(data.problems(rel), "net-amur-huaqia'")
    assert "unknown company id 'net-amur-huaqia'" in p.message


def test_unknown_company_id_suggests_the_right_one(data):
    rel = "lists/people/hometown.yaml"
    n = data.field(rel, "ht-001", "company_id")
    data.replace(rel, n, "net-amur-huaqiao", "net-amur-huaqia")
    p = one(data.problems(rel), "'net-amur-huaqia'")
    assert_names(p, rel, n)
    assert p.fix == "did you mean 'net-amur-huaqiao'?"


def test_unknown_company_id_far_from_any_suggests_nothing(data):
    """The old scorer (rapidfuzz's WRatio at 60) suggested 'sf' for 'feihe' and a securities
    firm for 'tesla': a hint must be a real near-miss or nothing."""
    rel = "lists/people/hometown.yaml"
    n = data.field(rel, "ht-001", "company_id")
    data.replace(rel, n, "net-amur-huaqiao", "tesla")
    p = one(data.problems(rel), "unknown company id 'tesla'")
    assert_names(p, rel, n)
    assert p.fix == "add it to the companies list first"


# Near-misses as office staff type them → the id meant; unrelated words → no suggestion.
NEAR_MISSES = [("chains", "dariy", "dairy"), ("chains", "diary", "dairy"), ("chains", "dairyy", "dairy"),
               ("chains", "cross_boarder", "cross_border"), ("chains", "crossborder", "cross_border"),
               ("chains", "cross-border", "cross_border"), ("chains", "Green-Food", "green_food"),
               ("chains", "soy_bean", "soybean"), ("chains", "biopharm", "biopharma"),
               ("chains", "enegry", "energy"), ("chains", "agri_machine", "agri_machinery"),
               ("companies", "fiehe", "feihe"), ("companies", "mengnui", "mengniu"),
               ("companies", "yilli", "yili"), ("companies", "cofco-grains", "cofco_grain"),
               ("companies", "net-sgcc-int", "net-sgcc-intl"), ("companies", "jd_logistic", "jd_logistics"),
               ("places", "harbn", "harbin"), ("places", "moskow", "moscow"), ("places", "heihe-ftz", "heihe_ftz"),
               ("projects", "beian_milk_powdr", "beian_milk_powder")]
UNRELATED = [("chains", "nanotech"), ("chains", "milk"), ("chains", "fish"), ("chains", "ai"),
             ("companies", "tesla"), ("companies", "huawei"), ("companies", "bytedance"), ("companies", "haier"),
             ("companies", "moutai"), ("companies", "xyz"), ("companies", "bank"), ("places", "paris"),
             ("places", "london"), ("projects", "copper")]


@pytest.fixture(scope="module")
def sample_ids():
    lib = load_library(ROOT, today=TODAY, use_cache=False)
    return {name: [r.id for r in lib.lists[name]] for name in ("chains", "companies", "places", "projects")}


@pytest.mark.parametrize("target, typed, meant", NEAR_MISSES)
def test_suggestion_finds_the_near_miss(sample_ids, target, typed, meant):
    assert closest(typed, sample_ids[target]) == meant


@pytest.mark.parametrize("target, typed", UNRELATED)
def test_no_suggestion_for_an_unrelated_word(sample_ids, target, typed):
    assert closest(typed, sample_ids[target]) is None


def test_feihe_does_not_suggest_sf(sample_ids):
    """Without the feihe record, 'feihe' is like no other company id (it suggested 'sf')."""
    assert closest("feihe", [c for c in sample_ids["companies"] if c != "feihe"]) is None


@pytest.mark.parametrize("typed, meant", [("titel", "title"), ("langauges", "languages"), ("expire", "expires"),
                                          ("stauts", "status"), ("chain", "chains"), ("ttile", "title"),
                                          ("kidn", "kind"), ("colour", None),
                                          ("url", None), ("wind", None), ("mins", None)])
def test_field_name_suggestions(typed, meant):
    from promo.lists.models import Material

    assert closest(typed, list(Material.model_fields)) == meant


# =========================================================================== one misspelt key

def test_misspelt_key_is_reported_alone(data):
    """A misspelt key in the feihe company used to drop the record, and every person and chain
    naming 'feihe' then reported "unknown company id 'feihe' — did you mean 'sf'?"."""
    rel = "lists/companies.yaml"
    n = data.field(rel, "feihe", "name_ru")
    data.replace(rel, n, "name_ru:", "nmae_ru:")
    errors = data.problems()
    assert [(p.file, p.line, p.message) for p in errors] == [(rel, n, "unknown field 'nmae_ru'")], \
        [str(p) for p in errors]
    assert errors[0].fix.startswith("did you mean 'name_ru'?")


def test_misspelt_required_key_gives_no_follow_on_errors(data):
    """`nmae:` in a chain: its own two problems, and none at the ~100 records naming 'dairy'."""
    rel = "lists/chains.yaml"
    n = data.field(rel, "dairy", "name")
    data.replace(rel, n, "name:", "nmae:")
    errors = data.problems()
    assert {(p.file, p.message) for p in errors} == {(rel, "unknown field 'nmae'"), (rel, "missing field 'name'")}, \
        [str(p) for p in errors]
    assert one(errors, "unknown field 'nmae'").fix.startswith("did you mean 'name'?")


def test_kept_record_is_still_checked_for_its_own_references(data):
    """The record kept for cross-checks is checked too: its own unknown chain is reported."""
    rel = "lists/companies.yaml"
    n = data.field(rel, "feihe", "name_ru")
    data.replace(rel, n, "name_ru:", "nmae_ru:")
    c = data.field(rel, "feihe", "chains")
    data.replace(rel, c + 1, "- dairy", "- dairyy")
    errors = data.problems()
    assert {p.message for p in errors} == {"unknown field 'nmae_ru'", "chains: unknown chain id 'dairyy'"}


def test_broken_record_beyond_repair_still_counts_for_references(data):
    """A record with a misspelt key and a bad value cannot be used, but its id still can:
    only its own problems are reported."""
    rel = "lists/companies.yaml"
    n = data.field(rel, "feihe", "name_ru")
    data.replace(rel, n, "name_ru:", "nmae_ru:")
    data.set(rel, data.field(rel, "feihe", "name"), "  name: [中国飞鹤, 飞鹤乳业]")
    errors = data.problems()
    assert errors and all(p.file == rel and "feihe" not in p.message for p in errors), [str(p) for p in errors]
    assert len(errors) == 2


def test_duplicate_id_names_the_first_occurrence(data):
    rel = "lists/schools.yaml"
    first = data.record(rel, "hit")
    n = data.append(rel, "- id: hit\n  name: 哈尔滨工业大学（威海）")
    p = one(data.problems(rel), "duplicate id 'hit'")
    assert_names(p, rel, n)
    assert f"{rel}:{first}" in p.fix


def test_duplicate_person_id_across_people_files(data):
    """Person ids are unique across the four people files, not only within one."""
    first = data.record("lists/people/hometown.yaml", "ht-001")
    rel = "lists/people/alumni.yaml"
    n = data.append(rel, "- id: ht-001\n  name: 王振江\n  school: 黑河学院")
    p = one(data.problems(rel), "duplicate id 'ht-001'")
    assert_names(p, rel, n)
    assert f"lists/people/hometown.yaml:{first}" in p.fix
    assert "王振江" not in str(p)       # personal data stays out of problems


def test_bad_id_format(data):
    rel = "pitch_library/city.yaml"
    n = data.record(rel, "city_deck_20")
    data.set(rel, n, "- id: City Deck 20")
    p = one(data.problems(rel), "id:")
    assert_names(p, rel, n)
    assert "lower-case" in p.fix


# =========================================================================== fields

def test_missing_required_field(data):
    rel = "pitch_library/city.yaml"
    data.delete(rel, data.field(rel, "city_deck_20", "kind"))
    p = one(data.problems(rel), "missing field 'kind'")
    assert_names(p, rel, data.record(rel, "city_deck_20"))


def test_missing_required_field_of_a_people_list(data):
    rel = "lists/people/alumni.yaml"
    data.delete(rel, data.field(rel, "al-006", "school"))
    p = one(data.problems(rel), "needs 'school'")
    assert_names(p, rel, data.record(rel, "al-006"))


def test_unknown_field_typo_suggests_the_field(data):
    rel = "pitch_library/city.yaml"
    n = data.field(rel, "city_deck_20", "title")
    data.replace(rel, n, "title:", "titel:")
    problems = data.problems(rel)
    p = one(problems, "unknown field 'titel'")
    assert_names(p, rel, n)
    assert p.fix.startswith("did you mean 'title'?")
    one(problems, "missing field 'title'")          # and the record now lacks a title


def test_unknown_field_far_from_any(data):
    rel = "lists/schools.yaml"
    n = data.field(rel, "hit", "city")
    data.set(rel, n, "  colour: red")
    p = one(data.problems(rel), "unknown field 'colour'")
    assert_names(p, rel, n)
    assert p.fix.startswith("remove it or check the spelling")


@pytest.mark.parametrize("bad", ["ftp://promo.heihe.example/deck/city_deck_20.pptx", "www.x",
                                 "promo.heihe.example/deck/city_deck_20.pptx", "https://x y.cn/a b"])
def test_bad_link(data, bad):
    rel = "pitch_library/city.yaml"
    n = data.field(rel, "city_deck_20", "link")
    data.set(rel, n, f"  link: {bad}")
    p = one(data.problems(rel), "link")
    assert_names(p, rel, n)
    assert "https://" in str(p) or "web address" in str(p)


@pytest.mark.parametrize("bad", ["明年", "2026/11/26", "26.11.2026", "2026-11"])
def test_bad_date(data, bad):
    rel = "pitch_library/city.yaml"
    n = data.field(rel, "city_deck_20", "updated")
    data.set(rel, n, f"  updated: {bad}")
    p = one(data.problems(rel), "updated")
    assert_names(p, rel, n)
    assert "YYYY-MM-DD" in p.fix


def test_impossible_date(data):
    rel = "pitch_library/city.yaml"
    n = data.field(rel, "city_deck_20", "updated")
    data.set(rel, n, "  updated: 2026-13-45")
    p = one(data.problems(rel), "updated")
    assert_names(p, rel, n)
    assert "YYYY-MM-DD" in p.fix


def test_bad_enum_value_lists_the_allowed_ones(data):
    rel = "pitch_library/city.yaml"
    n = data.field(rel, "city_deck_20", "kind")
    data.set(rel, n, "  kind: slides")
    p = one(data.problems(rel), "'slides'")
    assert_names(p, rel, n)
    assert "ppt" in p.fix and "brochure" in p.fix


def test_scope_chain_without_chains(data):
    rel = "pitch_library/city.yaml"
    data.replace(rel, data.field(rel, "city_deck_20", "scope"), "scope: city", "scope: chain")
    p = one(data.problems(rel), "scope 'chain' needs at least one id in 'chains'")
    assert_names(p, rel, data.record(rel, "city_deck_20"))


def test_expires_before_released(data):
    rel = "pitch_library/city.yaml"
    n = data.field(rel, "city_video_2027", "released")
    data.set(rel, n, data.lines(rel)[n - 1] + "\n  expires: 2026-12-31")
    p = one(data.problems(rel), "'expires' is before 'released'")
    assert_names(p, rel, data.record(rel, "city_video_2027"))


# =========================================================================== warnings

EXPIRED = """- id: copper_deck_2020
  title: 铜产业推介（2020旧版）
  kind: ppt
  scope: chain
  chains: [copper]
  minutes: 20
  languages: [zh]
  link: https://promo.heihe.example/deck/copper_deck_2020.pptx
  expires: 2026-01-31
"""


def test_expired_material_still_current_is_a_warning(data):
    rel = "pitch_library/chains.yaml"
    start = data.append(rel, EXPIRED)
    lib = data.load()                           # no DataError: the bot still starts
    warnings = [w for w in lib.warnings if "copper" in w.message or w.line == start + 8]
    assert len(warnings) == 1
    w = warnings[0]
    assert w.severity == "warning" and (w.file, w.line) == (rel, start + 8)
    assert "expired on 2026-01-31" in w.message and "status: withdrawn" in w.fix
    assert str(w).startswith(f"{rel}:{start + 8}: warning: ")
    # One in the middle of the file is reported too, at its own `expires:` line.
    middle = insert_expired_current(data, rel)
    lib = data.load()
    assert any((x.file, x.line) == (rel, middle) and "2026-10-31" in x.message for x in lib.warnings)


# The sample passes `check --strict`: an expired material still marked current is a fixture,
# put in the middle of a copy of pitch_library/chains.yaml (before `tourism_video`).
EXPIRED_IN_THE_MIDDLE = """- id: cross_border_ecommerce_faq_2025
  title: 对俄跨境电商政策问答（2025）
  kind: document
  scope: chain
  chains:
    - cross_border
  pages: 12
  languages:
    - zh
  link: https://promo.heihe.example/doc/cross_border_ecommerce_faq_2025.pdf
  updated: 2025-05-16
  expires: 2026-10-31
"""


def insert_expired_current(data: DataCopy, rel: str) -> int:
    """Insert EXPIRED_IN_THE_MIDDLE before the `tourism_video` record; returns its `expires:` line."""
    n = data.record(rel, "tourism_video")
    data.set(rel, n, EXPIRED_IN_THE_MIDDLE + "\n" + data.lines(rel)[n - 1])
    return data.field(rel, "cross_border_ecommerce_faq_2025", "expires")


def test_sample_has_no_warnings_on_the_test_day(data):
    """`python bot.py check --strict` passes on the bundled sample (issue 9)."""
    assert data.load().warnings == []


def test_expiry_warning_depends_on_the_day(data):
    data.append("pitch_library/chains.yaml", EXPIRED)
    insert_expired_current(data, "pitch_library/chains.yaml")
    assert any("2026-10-31" in w.message for w in data.load().warnings)
    early = data.load(today=dt.date(2025, 12, 1))
    assert not any("2026-01-31" in w.message for w in early.warnings)
    assert not any("2026-10-31" in w.message for w in early.warnings)


def test_warnings_and_errors_are_reported_together(data):
    rel = "pitch_library/chains.yaml"
    data.append(rel, EXPIRED)
    data.set("lists/schools.yaml", data.field("lists/schools.yaml", "hit", "city"), "  colour: red")
    with pytest.raises(DataError) as info:
        data.load()
    kinds = {(p.file, p.severity) for p in info.value.problems}
    assert ("lists/schools.yaml", "error") in kinds and (rel, "warning") in kinds
    assert "1 error(s)" in str(info.value) and "warning" not in str(info.value)


# =========================================================================== people data stays private

def test_person_problem_does_not_show_the_value(data):
    rel = "lists/people/hometown.yaml"
    n = data.field(rel, "ht-001", "phone")
    phone = data.lines(rel)[n - 1].split('"')[1]
    data.set(rel, n, f"  phone: {phone}")
    p = one(data.problems(rel), "phone")
    assert_names(p, rel, n)
    assert phone not in str(p)


def test_ministry_records_default_to_sensitive(data):
    rel = "lists/people/ministry.yaml"
    data.delete(rel, data.field(rel, "mn-001", "sensitive"))
    lib = data.load()
    assert lib.get("people", "mn-001").sensitive is True
    assert lib.get("people", "ag-001").sensitive is False


# =========================================================================== the cache

def test_second_load_is_served_from_the_cache_and_edits_invalidate_it(data, tmp_path, monkeypatch):
    cache_dir = tmp_path / "cache"
    first = data.load(use_cache=True)
    assert list(cache_dir.glob("library-*.pickle")), "the cache goes to PROMO_CACHE_DIR"
    assert not (data.root / ".cache").exists()

    def no_yaml(text):
        raise RuntimeError("YAML parsed although the files did not change")

    monkeypatch.setattr(loader, "_load_yaml", no_yaml)
    again = data.load(use_cache=True)
    assert again.fingerprint == first.fingerprint
    assert [m.id for m in again.materials] == [m.id for m in first.materials]

    rel = "lists/schools.yaml"
    n = data.line(rel, "    - hgd")
    data.set(rel, n, "    - hgd\n    - gongda")
    with pytest.raises(RuntimeError, match="YAML parsed"):
        data.load(use_cache=True)               # changed file → new key → parsed again
    monkeypatch.undo()
    edited = data.load(use_cache=True)
    assert edited.fingerprint != first.fingerprint
    assert "gongda" in edited.get("schools", "hit").aliases
    assert len(list(cache_dir.glob("library-*.pickle"))) == 1     # the stale entry is dropped


def test_use_cache_false_always_parses(data, monkeypatch):
    data.load(use_cache=True)
    calls = []
    real = loader._load_yaml
    monkeypatch.setattr(loader, "_load_yaml", lambda text: calls.append(1) or real(text))
    data.load(use_cache=False)
    assert calls


def test_corrupt_cache_entry_is_rebuilt(data, tmp_path):
    data.load(use_cache=True)
    (entry,) = (tmp_path / "cache").glob("library-*.pickle")
    entry.write_bytes(b"not a pickle")
    lib = data.load(use_cache=True)
    assert len(lib.materials) >= 80


def test_broken_data_is_not_cached(data, tmp_path):
    rel = "lists/schools.yaml"
    data.set(rel, data.field(rel, "hit", "city"), "  colour: red")
    with pytest.raises(DataError):
        data.load(use_cache=True)
    assert not list((tmp_path / "cache").glob("library-*.pickle"))
    with pytest.raises(DataError):
        data.load(use_cache=True)


# =========================================================================== missing folder

def test_missing_folder_raises_a_clear_error(tmp_path):
    missing = tmp_path / "no-such-folder"
    with pytest.raises(DataError) as info:
        load_library(missing)
    (p,) = info.value.problems
    assert p.message == "data folder not found" and str(missing) in p.file
    assert "--data" in p.fix and "lists/" in p.fix
    assert "data folder not found" in str(info.value)


def test_empty_folder_says_what_is_missing(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError) as info:
        load_library(tmp_path / "empty", use_cache=False)
    p = one(info.value.problems, "no industry chains found")
    assert p.file == "lists/chains.yaml" and "lists/README.md" in p.fix
