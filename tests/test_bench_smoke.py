"""Smoke run of the benchmark (`python -m bench`) at the smallest size.

It must run end to end and produce the table: every section, every row, positive numbers. No
assertion on wall time (CI machines differ); the full run is not part of the tests.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import pytest
import yaml

from bench import generate as gen
from bench.run import run, score_ranking, summarise_quality

ROOT = Path(__file__).resolve().parents[1]


def _numbers(row: str) -> list[float]:
    return [float(x) for x in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])", row)]


def test_generated_yaml_reads_back_as_written():
    world = gen.World.read(ROOT)
    g = gen.Generator(world, seed=3)
    companies = g.make_companies(40)
    people = g.make_people(200)
    materials = g.make_materials(60)
    for records in [companies, *people.values(), *materials.values()]:
        text = gen.dump_records(records, "# test\n")
        back = yaml.safe_load(text)
        expected = [{k: v for k, v in r.items() if not k.startswith("_") and v is not None and v != []}
                    for r in records]
        assert back == expected


def test_generated_lists_load_without_problems(tmp_path):
    ds = gen.generate(tmp_path / "data", people=150, materials=60, seed=1, n_queries=30)
    from promo.lists.loader import load_library

    lib = load_library(ds.root, today=dt.date(2026, 11, 26), use_cache=False)
    assert len(lib.people) == 150 and len(lib.materials) == 60
    assert {p.list.value for p in lib.people} == {"hometown", "alumni", "ministry", "agent"}
    assert not [w for w in lib.warnings if w.severity == "error"]
    assert len(ds.queries) == 30 and all(q["text"] for q in ds.queries)
    names = [p.name for p in lib.people]
    assert all(2 <= len(n) <= 4 for n in names)
    # Deterministic for a seed.
    again = gen.generate(tmp_path / "again", people=150, materials=60, seed=1, n_queries=30)
    for rel in ("lists/people/hometown.yaml", "pitch_library/chains.yaml", "lists/companies-synth.yaml"):
        assert (ds.root / rel).read_text(encoding="utf-8") == (again.root / rel).read_text(encoding="utf-8")


def test_scoring_of_a_ranking():
    q = {"expect_top1": "a", "expect_top3": ["a", "b"], "expect_absent": ["z"]}
    assert score_ranking(["a", "b", "c"], q) == {"absent_violation": False, "top1": True, "top3": True, "rr": 1.0}
    s = score_ranking(["c", "b", "z", "a"], q)
    assert s["top1"] is False and s["top3"] is False and s["rr"] == 0.25 and s["absent_violation"] is True
    assert score_ranking(["x"], {"expect_top3": ["b"]})["rr"] == 0.0
    rows = [{"kind": "typo", "task": "whom", "xfail": False, "ours": score_ranking(["a"], q),
             "naive": score_ranking(["b", "a"], q)}]
    summary = summarise_quality(rows)
    assert summary["all"]["ours"]["mrr"] == 1.0 and summary["all"]["naive"]["mrr"] == 0.5
    assert summary["typo"]["naive"]["top1"] == 0.0


def test_smoke_run_produces_the_table(tmp_path):
    random.seed(0)
    out = tmp_path / "benchmarks.md"
    report = run(["smoke"], quick=True, out=out, queries_file=ROOT / "tests" / "data" / "queries.yaml",
                 n_queries=20, e2e_seconds=2.0, e2e_variants="closed,open-half+db", e2e_users=20,
                 workdir=tmp_path / "work", log=lambda *a: None, json_out=None)
    md = out.read_text(encoding="utf-8")
    assert "<!-- bench:begin -->" in md and "<!-- bench:end -->" in md
    for heading in ("### Targets", "### say / whom latency", "### Cold start and memory", "### End to end"):
        assert heading in md

    lines = md.splitlines()
    for task in ("say", "whom"):
        row = next(line for line in lines if line.startswith(f"| smoke | {task} |"))
        assert len(row.split("|")) == 16      # 14 columns
        numbers = _numbers(row)
        assert numbers and all(n > 0 for n in numbers), row
        t = report["sizes"]["smoke"]["latency"]["tasks"][task]
        assert t["ours"]["p50"] > 0 and t["naive"]["p50"] > 0 and t["floor"]["p50"] > 0
        assert t["ours"]["n"] == 20

    cold = next(line for line in lines if line.startswith("| smoke | 300 |"))
    assert all(n > 0 for n in _numbers(cold)), cold
    entry = report["sizes"]["smoke"]
    assert entry["cold_yaml"]["maxrss_mb"] > 0 and entry["cold_warm"]["load_s"] > 0
    assert entry["cold_warm"]["maxrss_after_serving_mb"] > 0

    e2e_rows = [line for line in lines if line.startswith(("| smoke | closed", "| smoke | open-half+db"))]
    assert len(e2e_rows) == 2
    for variant in ("closed", "open-half+db"):
        v = entry["e2e"][variant]
        assert v["updates"] > 0 and v["per_second"] > 0 and v["p99_ms"] > 0 and v["bot_cpu_per_update_ms"] > 0
    assert entry["e2e"]["open-half+db"]["db_write"] is True

    if (ROOT / "tests" / "data" / "queries.yaml").is_file():
        assert "### Quality on the sample data" in md
        row = next(line for line in lines if line.startswith("| **all** |"))
        assert _numbers(row)[0] > 0
        q = report["quality"]["summary"]["all"]
        assert q["ours"]["mrr"] is not None and q["naive"]["mrr"] is not None


@pytest.mark.parametrize("label,expected", [("smoke", (300, 100)), ("1k", (1000, 1000)), ("100k", (100_000, 10_000)),
                                            ("2500", (2500, 2500))])
def test_sizes(label, expected):
    assert gen.parse_size(label) == expected
