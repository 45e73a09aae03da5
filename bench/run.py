"""`python -m bench [--sizes 1k,10k,100k] [--quick] [--out docs/benchmarks.md]`

For every size: synthetic lists are generated (bench/generate.py) into a temporary folder, then
each measurement runs in a fresh subprocess pinned to one core (the bot is single-threaded):

1. cold start from YAML (no cache) and from the warm cache: `promo.matching.matcher.load_matcher`, its
   time and the peak RSS (VmHWM, `peak_rss_mb`), and the RSS after serving;
2. say / whom latency over a query mix with messy queries (p50 / p99 / max, wall clock and CPU
   time of the thread), and in the same process the two baselines of bench/baselines.py on the
   same queries and data;
3. end to end through the real PTB application against a fake Bot API on 127.0.0.1
   (bench/e2e.py), at the smallest and the largest size.

Quality is measured once, on the sample data, with the labelled queries of
tests/data/queries.yaml (top-1, top-3, MRR per kind of messiness; ours and the naive baseline).

The table is printed and written to docs/benchmarks.md between the `bench:begin` / `bench:end`
markers; text outside the markers (findings, profiles, before / after) is kept.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.memory import peak_rss_mb

REPO = Path(__file__).resolve().parent.parent
RESULT_TAG = "BENCH-RESULT "
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
TARGETS = {"latency_p99_ms": 20.0, "naive_speedup": 30.0, "replies_per_second": 300.0, "reply_p99_ms": 100.0,
           "warm_start_s": 2.0, "peak_rss_mb": 400.0}


# --------------------------------------------------------------------------- helpers

def _pin() -> int | None:
    try:
        cpu = sorted(os.sched_getaffinity(0))[0]
        os.sched_setaffinity(0, {cpu})
        return cpu
    except (AttributeError, OSError):
        return None


def _pct(values, q) -> float:
    import numpy as np

    return round(float(np.percentile(np.asarray(values, dtype=float), q)), 3) if len(values) else float("nan")


def _stats(ms: list[float]) -> dict:
    return {"p50": _pct(ms, 50), "p99": _pct(ms, 99), "max": round(max(ms), 3) if ms else float("nan"), "n": len(ms)}


def _emit(result: dict) -> None:
    print(RESULT_TAG + json.dumps(result, ensure_ascii=False, default=str), flush=True)


_CODE = REPO     # where the workers import the code from: a snapshot taken when the run starts
SNAPSHOT = ("promo", "handlers", "templates", "migrations", "bench", "lists", "pitch_library")


def snapshot(dest: Path) -> str:
    """Copy the code (and the sample lists) the workers will run, so that edits made in the tree
    while the bench runs neither mix two versions in one table nor invalidate the warm cache
    (its key includes the code). Returns a short hash of the copied code."""
    import hashlib

    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".cache", "out")
    for name in SNAPSHOT:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, dest / name, ignore=ignore)
    for path in [*REPO.glob("*.py"), *REPO.glob("*.ini"), *REPO.glob("*.toml")]:
        shutil.copy2(path, dest / path.name)
    digest = hashlib.sha256()
    for path in sorted([*(dest / "promo").rglob("*.py"), *(dest / "handlers").rglob("*.py"),
                        *(dest / "templates").rglob("*")]):
        if path.is_file():
            digest.update(str(path.relative_to(dest)).encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def apply_proposals(code: Path) -> list[str]:
    """Apply bench/proposals/*.diff (performance patches proposed to the owners of the code) to
    the snapshot, to measure them; the tree itself is never changed."""
    applied = []
    for diff in sorted((REPO / "bench" / "proposals").glob("*.diff")):
        proc = subprocess.run(["git", "apply", "--unsafe-paths", f"--directory={code}", str(diff)],
                              cwd=code, capture_output=True, text=True)
        if proc.returncode:
            raise RuntimeError(f"{diff.name} does not apply to the current code: {proc.stderr.strip()}")
        applied.append(diff.stem)
    return applied


def _subprocess(args: list[str], env: dict | None = None, timeout: float = 3600) -> dict:
    """Run a worker (`python -m ...`) and return its BENCH-RESULT; fail loudly otherwise."""
    full_env = {**os.environ, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_CODE), full_env.get("PYTHONPATH")]))
    proc = subprocess.run([sys.executable, *args], cwd=_CODE, env=full_env, capture_output=True, text=True,
                          timeout=timeout)
    for line in proc.stderr.splitlines():
        if line.startswith("  e2e "):
            print(line, flush=True)
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(RESULT_TAG):
            return json.loads(line[len(RESULT_TAG):])
    raise RuntimeError(f"worker {' '.join(args)} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def _worker(name: str, env: dict | None = None, **kwargs) -> dict:
    return _subprocess(["-m", "bench.run", "--worker", name, "--args", json.dumps(kwargs, default=str)], env)


# --------------------------------------------------------------------------- workers

def worker_cold(root: str, mode: str, serve: int = 200, today: str | None = None) -> dict:
    """Load the matcher (from YAML when the cache folder is empty, else from the cache)."""
    cpu = _pin()
    t0 = time.perf_counter()
    import promo.matching.matcher as pm
    from promo.lists import cache

    imports = time.perf_counter() - t0
    timings: dict[str, float] = {}
    folder = cache.cache_dir(Path(root).resolve())
    before = {p.name: p.stat().st_mtime for p in folder.glob("*.pickle")} if folder.is_dir() else {}
    original_load, original_init = pm.load_library, pm.Matcher.__init__

    def timed_load(*a, **k):
        t = time.perf_counter()
        try:
            return original_load(*a, **k)
        finally:
            timings["library_s"] = time.perf_counter() - t

    def timed_init(self, *a, **k):
        t = time.perf_counter()
        try:
            return original_init(self, *a, **k)
        finally:
            timings["index_s"] = time.perf_counter() - t

    pm.load_library, pm.Matcher.__init__ = timed_load, timed_init
    t1 = time.perf_counter()
    matcher = pm.load_matcher(root)
    load = time.perf_counter() - t1
    pm.load_library, pm.Matcher.__init__ = original_load, original_init
    after = {p.name: p.stat().st_mtime for p in folder.glob("*.pickle")}
    result = {"mode": mode, "cpu": cpu, "imports_s": round(imports, 3), "load_s": round(load, 3),
              "ready_s": round(imports + load, 3), "maxrss_mb": peak_rss_mb(),
              "cache_hit": after == before and bool(before), "cache_mb": round(sum(
                  (folder / n).stat().st_size for n in after) / 1e6, 1),
              **{k: round(v, 3) for k, v in timings.items()}}
    if serve:
        queries = json.loads((Path(root) / "bench_queries.json").read_text(encoding="utf-8"))[:serve]
        day = dt.date.fromisoformat(today) if today else dt.date.today()
        t = time.perf_counter()
        for q in queries:
            profile = matcher.profile(q["text"])
            matcher.say(profile, today=day)
            matcher.whom(profile)
        result["served"] = len(queries)
        result["serve_s"] = round(time.perf_counter() - t, 3)
        result["maxrss_after_serving_mb"] = peak_rss_mb()
    return result


def worker_latency(root: str, n_queries: int, naive_budget: float, today: str) -> dict:
    """say / whom latency of our matcher and of the baselines, same process, same queries."""
    import gc

    cpu = _pin()
    from bench.baselines import Baselines
    from promo.matching.matcher import load_matcher

    day = dt.date.fromisoformat(today)
    t = time.perf_counter()
    matcher = load_matcher(root)
    load_s = time.perf_counter() - t
    queries = json.loads((Path(root) / "bench_queries.json").read_text(encoding="utf-8"))[:n_queries]
    gc.collect()
    for q in queries[:20]:          # warm-up: lazy tables, first allocations
        matcher.say(q["text"], today=day)
        matcher.whom(q["text"])
    clock, cpu_clock = time.perf_counter_ns, time.thread_time_ns
    ours: dict[str, dict[str, list[float]]] = {t: {"wall": [], "cpu": []} for t in ("say", "whom")}
    answered = {"say": 0, "whom": 0}
    for q in queries:
        for task in ("say", "whom"):
            c0, w0 = cpu_clock(), clock()
            res = matcher.say(q["text"], today=day) if task == "say" else matcher.whom(q["text"])
            w1, c1 = clock(), cpu_clock()
            ours[task]["wall"].append((w1 - w0) / 1e6)
            ours[task]["cpu"].append((c1 - c0) / 1e6)
            answered[task] += bool(res.items)
    t = time.perf_counter()
    base = Baselines(matcher.library, day)
    baseline_build_s = time.perf_counter() - t
    out: dict = {"cpu": cpu, "load_s": round(load_s, 3), "baseline_build_s": round(baseline_build_s, 3),
                 "people": len(matcher.library.people), "materials": len(matcher.library.materials),
                 "queries": len(queries), "tasks": {}}
    for task, records in (("say", len(base.materials)), ("whom", len(base.people))):
        floor = []
        for q in queries:
            w0 = clock()
            base.floor(task, q["text"])
            floor.append((clock() - w0) / 1e6)
        # The naive baseline is slow at scale: measure it on the first queries of the same mix,
        # within a time budget, and compare it with ours on exactly those queries.
        naive: list[float] = []
        spent = 0.0
        for q in queries:
            if naive and spent > naive_budget and len(naive) >= 30:
                break
            w0 = clock()
            base.naive(task, q["text"])
            naive.append((clock() - w0) / 1e6)
            spent += naive[-1] / 1000
        ours_subset = ours[task]["wall"][:len(naive)]
        s_ours, s_sub, s_naive, s_floor = (_stats(ours[task]["wall"]), _stats(ours_subset), _stats(naive),
                                           _stats(floor))
        out["tasks"][task] = {
            "records": records, "ours": s_ours, "ours_cpu": _stats(ours[task]["cpu"]), "ours_on_naive_subset": s_sub,
            "naive": s_naive, "floor": s_floor, "answered": answered[task],
            "naive_over_ours_p50": round(s_naive["p50"] / s_sub["p50"], 1),
            "naive_over_ours_p99": round(s_naive["p99"] / s_sub["p99"], 1),
            "ours_over_floor_p50": round(s_ours["p50"] / s_floor["p50"], 1),
            "ours_over_floor_p99": round(s_ours["p99"] / s_floor["p99"], 1),
            "slowest": sorted(((round(w, 2), q["kind"]) for w, q in zip(ours[task]["wall"], queries)),
                              reverse=True)[:5]}
    out["maxrss_mb"] = peak_rss_mb()
    return out


def load_labelled(path: Path) -> tuple[list[dict], dt.date]:
    import yaml

    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or []
    if isinstance(data, dict):
        data = data.get("queries", [])
    m = re.search(r"today\s*=\s*(\d{4}-\d{2}-\d{2})", text)
    return data, (dt.date.fromisoformat(m.group(1)) if m else dt.date.today())


def _ids(value) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def score_ranking(ranked: list[str], q: dict) -> dict | None:
    """top-1, top-3 (every expected id among the first three), reciprocal rank of the first
    expected id (expect_top1, else the best-placed of expect_top3), absent violations (top 10)."""
    top1, top3, absent = _ids(q.get("expect_top1")), _ids(q.get("expect_top3")), _ids(q.get("expect_absent"))
    wanted = list(dict.fromkeys(top1 + top3))
    out: dict = {"absent_violation": any(a in ranked[:10] for a in absent) if absent else None}
    if not wanted:
        return out
    out["top1"] = (ranked[:1] == top1[:1]) if top1 else None
    out["top3"] = all(w in ranked[:3] for w in wanted)
    targets = top1[:1] or top3
    ranks = [ranked.index(t) + 1 for t in targets if t in ranked[:10]]
    out["rr"] = 1.0 / min(ranks) if ranks else 0.0
    return out


def worker_quality(queries_file: str) -> dict:
    from bench.baselines import Baselines
    from promo.config import ROOT
    from promo.matching.matcher import load_matcher

    queries, today = load_labelled(Path(queries_file))
    matcher = load_matcher(ROOT, today=today)
    base = Baselines(matcher.library, today)
    rows = []
    for q in queries:
        text, task = str(q["query"]), q.get("task", "whom")
        if task == "say":
            ours = [r.material.id for r in matcher.say(text, today=today, top=10).items]
        else:
            ours = [r.person.id for r in matcher.whom(text, top=10).items]
        naive = base.naive(task, text, limit=10)
        rows.append({"kind": q.get("kind", "?"), "task": task, "ours": score_ranking(ours, q),
                     "naive": score_ranking(naive, q), "xfail": bool(q.get("xfail"))})
    return {"file": str(queries_file), "today": today.isoformat(), "queries": len(queries),
            "summary": summarise_quality(rows)}


def summarise_quality(rows: list[dict]) -> dict:
    """Per kind (and 'all'): n, top-1, top-3, MRR and absent violations, ours and naive."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["kind"], []).append(r)
    groups["all"] = rows
    out = {}
    for kind, rs in groups.items():
        entry = {"n": len(rs), "xfail": sum(r["xfail"] for r in rs)}
        for who in ("ours", "naive"):
            scored = [r[who] for r in rs if r[who] and "top3" in r[who]]
            t1 = [s["top1"] for s in scored if s.get("top1") is not None]
            ab = [r[who]["absent_violation"] for r in rs if r[who] and r[who]["absent_violation"] is not None]
            entry[who] = {"ranked": len(scored),
                          "top1": round(sum(t1) / len(t1), 3) if t1 else None,
                          "top3": round(sum(s["top3"] for s in scored) / len(scored), 3) if scored else None,
                          "mrr": round(sum(s["rr"] for s in scored) / len(scored), 3) if scored else None,
                          "absent_violations": sum(ab), "absent_checked": len(ab)}
        out[kind] = entry
    return out


WORKERS = {"cold": worker_cold, "latency": worker_latency, "quality": worker_quality}


# --------------------------------------------------------------------------- environment

def environment() -> dict:
    from importlib import metadata

    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "?"
    packages = {}
    for name in ("python-telegram-bot", "httpx", "rapidfuzz", "numpy", "pydantic", "PyYAML", "pypinyin",
                 "opencc", "SQLAlchemy", "Jinja2"):
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = "-"
    try:
        import yaml

        packages["PyYAML"] += " (libyaml)" if getattr(yaml, "__with_libyaml__", False) else " (pure Python)"
    except ImportError:
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "promo", "handlers"], cwd=REPO,
                                capture_output=True, text=True).stdout.strip())
    try:
        mem = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        mem_gb = round(int(mem.split()[1]) / 2**20, 1)
    except (OSError, StopIteration):
        mem_gb = None
    return {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "cpu": cpu,
            "cores": os.cpu_count(), "memory_gb": mem_gb, "os": platform.platform(),
            "python": platform.python_version(), "packages": packages,
            "commit": commit + (" + uncommitted changes" if dirty else ""), "loadavg_start": os.getloadavg()}


# --------------------------------------------------------------------------- orchestration

def run(sizes: list[str], quick: bool, out: Path | None, queries_file: Path, n_queries: int | None = None,
        e2e_seconds: float | None = None, e2e_sizes: list[str] | None = None, e2e_variants: str | None = None,
        e2e_users: int = 100, workdir: Path | None = None, keep: bool = False, log=print,
        command: str = "python -m bench", json_out: Path | None = REPO / "bench" / "out" / "last-run.json",
        proposals: bool = False, block: str = "") -> dict:
    from bench.e2e import VARIANTS
    from bench.generate import generate, parse_size

    n_queries = n_queries or (150 if quick else 400)
    e2e_seconds = e2e_seconds if e2e_seconds is not None else (10.0 if quick else 30.0)
    naive_budget = 15.0 if quick else 60.0
    today = dt.date.today().isoformat()
    report: dict = {"env": environment(), "sizes": {}, "command": command, "quick": quick,
                    "e2e_seconds": e2e_seconds, "started": time.time()}
    global _CODE
    base = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="promo-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(base / "code", ignore_errors=True)
    report["env"]["code_hash"] = snapshot(base / "code")
    _CODE = base / "code"
    if proposals:
        report["env"]["proposals"] = apply_proposals(base / "code")
    if queries_file.is_file():
        shutil.copyfile(queries_file, base / "queries.yaml")     # the labels as they were at the start
    e2e_sizes = e2e_sizes if e2e_sizes is not None else sorted({sizes[0], sizes[-1]}, key=sizes.index)
    try:
        for size in sizes:
            people, materials = parse_size(size)
            log(f"[{size}] generating {people} people, {materials} materials …")
            ds = generate(base / f"data-{size}", people, materials, n_queries=max(n_queries, 200))
            entry: dict = {"people": people, "materials": materials, "companies": ds.companies,
                           "yaml_mb": round(ds.yaml_bytes / 1e6, 1), "generate_s": round(ds.seconds, 1)}
            cache_env = {"PROMO_CACHE_DIR": str(base / f"cache-{size}")}
            shutil.rmtree(base / f"cache-{size}", ignore_errors=True)
            log(f"[{size}] cold start from YAML (no cache) …")
            entry["cold_yaml"] = _worker("cold", cache_env, root=str(ds.root), mode="yaml", serve=0)
            log(f"[{size}]   {entry['cold_yaml']['load_s']} s, peak RSS {entry['cold_yaml']['maxrss_mb']} MB")
            for _attempt in range(3):     # the cache key includes the code: a concurrent edit re-keys it
                warm = _worker("cold", cache_env, root=str(ds.root), mode="warm", serve=200, today=today)
                if warm["cache_hit"]:
                    break
                log(f"[{size}]   cache miss (promo/ changed during the run?), retrying")
            entry["cold_warm"] = warm
            log(f"[{size}] warm cache: {warm['load_s']} s, peak RSS {warm['maxrss_mb']} MB "
                f"(after serving {warm.get('maxrss_after_serving_mb')} MB)")
            log(f"[{size}] latency, ours and baselines, {n_queries} queries …")
            entry["latency"] = _worker("latency", cache_env, root=str(ds.root), n_queries=n_queries,
                                       naive_budget=naive_budget, today=today)
            for task, t in entry["latency"]["tasks"].items():
                log(f"[{size}]   {task}: ours p50 {t['ours']['p50']} p99 {t['ours']['p99']} ms; naive p50 "
                    f"{t['naive']['p50']} ms ({t['naive_over_ours_p50']}×); floor p50 {t['floor']['p50']} ms")
            if size in e2e_sizes:
                log(f"[{size}] end to end, {e2e_seconds:.0f} s per variant …")
                variants = e2e_variants or ",".join(VARIANTS)
                args = ["-m", "bench.e2e", "run", "--root", str(ds.root), "--seconds", str(e2e_seconds),
                        "--users", str(e2e_users), "--variants", variants]
                entry["e2e"] = _subprocess(args, cache_env)
                if not e2e_variants:       # what PTB persistence costs: same load without it
                    entry["e2e_no_persistence"] = _subprocess(
                        ["-m", "bench.e2e", "run", "--root", str(ds.root), "--seconds", str(e2e_seconds),
                         "--users", str(e2e_users), "--variants", "closed,open-half", "--no-persistence"], cache_env)
            report["sizes"][size] = entry
        if (base / "queries.yaml").is_file():
            log(f"quality on the sample data ({queries_file}) …")
            report["quality"] = _worker("quality", {"PROMO_CACHE_DIR": str(base / "cache-sample")},
                                        queries_file=str(base / "queries.yaml"))
            report["quality"]["file"] = str(queries_file)
        else:
            log(f"no labelled queries at {queries_file}: quality skipped")
    finally:
        _CODE = REPO
        if not keep and not workdir:
            shutil.rmtree(base, ignore_errors=True)
    report["env"]["loadavg_end"] = os.getloadavg()
    report["elapsed_s"] = round(time.time() - report.pop("started"), 1)
    tables = render(report)
    print(tables)
    if out:
        write_markdown(Path(out), tables, block)
    if json_out:
        Path(json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(json_out).write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    report["markdown"] = tables
    return report


# --------------------------------------------------------------------------- rendering

def _f(v, nd=1) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        if v != v:
            return "–"
        return f"{v:.{nd}f}"
    return str(v)


def _ok(flag) -> str:
    return "–" if flag is None else ("✅ met" if flag else "❌ missed")


def targets(report: dict) -> list[tuple[str, str, object]]:
    """(target, measured, met) at the largest size (the targets are stated for 100k)."""
    sizes = report["sizes"]
    if not sizes:
        return []
    size, e = list(sizes.items())[-1]
    out = _latency_targets(e, size)
    q = report.get("quality", {}).get("summary", {}).get("all")
    if q:
        better = (q["ours"]["mrr"] or 0) > (q["naive"]["mrr"] or 0) and (q["ours"]["top3"] or 0) >= (q["naive"]["top3"] or 0)
        out.append(("better quality than naive (sample, all queries)",
                    f"MRR {q['ours']['mrr']} vs {q['naive']['mrr']}, top-3 {q['ours']['top3']} vs {q['naive']['top3']}",
                    better))
    e2e = e.get("e2e")
    if e2e and ("open" in e2e or "closed" in e2e):
        out.append(_throughput_target(e2e, size))
    out += _start_and_memory_targets(e, size)
    return out


def _latency_targets(e: dict, size: str) -> list[tuple[str, str, object]]:
    out = []
    lat = e.get("latency", {}).get("tasks", {})
    for task in ("say", "whom"):
        t = lat.get(task)
        if not t:
            continue
        out.append((f"{task} p99 ≤ {TARGETS['latency_p99_ms']:.0f} ms ({size}, one core: CPU time)",
                    f"{t['ours_cpu']['p99']:.1f} ms CPU time (wall clock {t['ours']['p99']:.1f} ms)",
                    t["ours_cpu"]["p99"] <= TARGETS["latency_p99_ms"]))
        speed = min(t["naive_over_ours_p50"], t["naive_over_ours_p99"])
        out.append((f"{task} ≥ {TARGETS['naive_speedup']:.0f}× faster than naive ({size})",
                    f"{t['naive_over_ours_p50']}× at p50, {t['naive_over_ours_p99']}× at p99",
                    speed >= TARGETS["naive_speedup"]))
    return out


def _throughput_target(e2e: dict, size: str) -> tuple[str, str, object]:
    o = e2e.get("open", {})
    closed = e2e.get("closed", {})
    echo = e2e.get("echo-10") or e2e.get("echo") or {}
    measured = f"max {closed.get('per_second', '–')}/s (closed loop, {closed.get('bot_cpu_per_update_ms', '–')} ms CPU a reply)"
    if o and "skipped" in o:
        measured += f"; open loop at {TARGETS['replies_per_second']:.0f}/s not run ({o['skipped']})"
    elif o:
        measured += (f"; at {o.get('offered_per_second'):.0f}/s offered: {o['per_second']}/s answered, "
                     f"p99 {o['p99_ms']:.0f} ms, {o.get('unfinished', 0)} of {o.get('offered', '?')} unanswered")
    if echo:
        measured += f"; PTB+httpx alone (echo bot): {echo.get('per_second')}/s"
    ok = closed.get("per_second", 0) >= TARGETS["replies_per_second"] and bool(o) and \
        "skipped" not in o and o["p99_ms"] <= TARGETS["reply_p99_ms"]
    return (f"≥ {TARGETS['replies_per_second']:.0f} replies/s with p99 ≤ {TARGETS['reply_p99_ms']:.0f} ms ({size})",
            measured, ok)


def _start_and_memory_targets(e: dict, size: str) -> list[tuple[str, str, object]]:
    out: list[tuple[str, str, object]] = []
    e2e = e.get("e2e")
    warm = e.get("cold_warm")
    if warm:
        out.append((f"cold start ≤ {TARGETS['warm_start_s']:.0f} s from a warm cache ({size})",
                    f"{warm['load_s']:.2f} s load_matcher (+ {warm['imports_s']:.2f} s imports)",
                    warm["load_s"] <= TARGETS["warm_start_s"]))
        bot_rss = bot_serving_rss(e2e or {})
        rss = max(warm.get("maxrss_after_serving_mb") or warm["maxrss_mb"], bot_rss or 0)
        out.append((f"peak RSS ≤ {TARGETS['peak_rss_mb']:.0f} MB ({size}, serving)",
                    f"{warm.get('maxrss_after_serving_mb') or warm['maxrss_mb']:.0f} MB matcher process; "
                    f"{bot_rss if bot_rss else '–'} MB bot process (before the overload variant)"
                    + (f"; {e['cold_yaml']['maxrss_mb']:.0f} MB while building from YAML" if e.get("cold_yaml") else ""),
                    rss <= TARGETS["peak_rss_mb"]))
    return out


def bot_serving_rss(e2e: dict) -> float | None:
    """The bot's peak RSS at sustainable load: the high-water mark before the overload variant."""
    marks = [v["maxrss_mb"] for k, v in e2e.items() if isinstance(v, dict) and "maxrss_mb" in v and k != "open"]
    return max(marks) if marks else e2e.get("maxrss_mb")


def render(report: dict) -> str:
    lines = _render_env(report) + _render_targets(report) + _render_latency(report) + _render_quality(report)
    lines += _render_cold_start(report) + _render_e2e(report) + _render_generated(report)
    return "\n".join(lines)


def _render_env(report: dict) -> list[str]:
    """Where and on what the run measured."""
    env = report["env"]
    return [f"Run {env['date']} · `{report['command']}`" + (" (quick)" if report.get("quick") else "")
             + f" · {report.get('elapsed_s', '?')} s", "",
             f"- machine: {env['cpu']}, {env['cores']} cores, {env['memory_gb']} GB; {env['os']}",
             f"- Python {env['python']}; " + ", ".join(f"{k} {v}" for k, v in env["packages"].items()),
             f"- code: {env['commit']} (snapshot {env.get('code_hash', '?')} of promo/, handlers/, templates/ taken "
             "at the start; every measurement ran on that copy)"
             + (f"; **with the proposed patches** {', '.join(env['proposals'])} (bench/proposals/) applied to the copy"
                if env.get("proposals") else ""),
             f"- load average at start / end: {env['loadavg_start'][0]:.2f} / "
             f"{env.get('loadavg_end', env['loadavg_start'])[0]:.2f} (other processes share this machine; the "
             "CPU-time columns are immune to that, the wall-clock ones are not)", ""]


def _render_targets(report: dict) -> list[str]:
    """The targets met or missed."""
    lines: list[str] = []
    tg = targets(report)
    if tg:
        lines += ["### Targets", "", "| target | measured | |", "|---|---|---|"]
        lines += [f"| {name} | {measured} | {_ok(met)} |" for name, measured, met in tg]
        lines.append("")
    return lines


def _render_latency(report: dict) -> list[str]:
    """The say / whom latency table."""
    lines: list[str] = []
    lines += ["### say / whom latency (one core, ms, wall clock; query mix incl. messy queries)", "",
              "| size | task | records | ours p50 | ours p99 | ours max | ours CPU p99 | naive p50 | naive p99 | "
              "naive ÷ ours p50 / p99 | floor p50 | floor p99 | ours ÷ floor p50 / p99 | queries (naive) |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for size, e in report["sizes"].items():
        for task, t in e.get("latency", {}).get("tasks", {}).items():
            lines.append(f"| {size} | {task} | {t['records']} | {_f(t['ours']['p50'], 2)} | {_f(t['ours']['p99'], 2)} | "
                         f"{_f(t['ours']['max'], 2)} | {_f(t['ours_cpu']['p99'], 2)} | {_f(t['naive']['p50'])} | "
                         f"{_f(t['naive']['p99'])} | {t['naive_over_ours_p50']}× / {t['naive_over_ours_p99']}× | "
                         f"{_f(t['floor']['p50'], 2)} | {_f(t['floor']['p99'], 2)} | "
                         f"{t['ours_over_floor_p50']}× / {t['ours_over_floor_p99']}× | "
                         f"{t['ours']['n']} ({t['naive']['n']}) |")
    lines.append("")
    return lines


def _render_quality(report: dict) -> list[str]:
    """The quality table on the labelled sample queries."""
    lines: list[str] = []
    q = report.get("quality")
    if q:
        lines += [f"### Quality on the sample data (`{Path(q['file']).relative_to(REPO) if Path(q['file']).is_relative_to(REPO) else q['file']}`, "
                  f"{q['queries']} labelled queries, today = {q['today']})", "",
                  "top-1: the expected first answer is first; top-3: every expected id is in the first three; "
                  "MRR: 1 / rank of the expected first answer (0 beyond 10); absent: queries with an id "
                  "that must not show in the top 10 that did.", "",
                  "| kind | queries | ours top-1 | ours top-3 | ours MRR | naive top-1 | naive top-3 | naive MRR | "
                  "absent violations ours / naive | xfail |", "|---|---|---|---|---|---|---|---|---|---|"]
        summary = q["summary"]
        for kind in sorted(summary, key=lambda k: (k == "all", k)):
            s = summary[kind]
            o, n = s["ours"], s["naive"]
            name = "**all**" if kind == "all" else kind
            lines.append(f"| {name} | {s['n']} | {_f(o['top1'], 2)} | {_f(o['top3'], 2)} | {_f(o['mrr'], 2)} | "
                         f"{_f(n['top1'], 2)} | {_f(n['top3'], 2)} | {_f(n['mrr'], 2)} | "
                         f"{o['absent_violations']}/{o['absent_checked']} · {n['absent_violations']}/{n['absent_checked']} | "
                         f"{s['xfail']} |")
        lines.append("")
    return lines


def _render_cold_start(report: dict) -> list[str]:
    """The cold start and memory table."""
    lines: list[str] = []
    lines += ["### Cold start and memory (fresh process per cell, one core)", "",
              "| size | people | materials | YAML MB | from YAML: load_matcher s (parse+validate / index) | peak RSS MB | "
              "warm cache: load_matcher s | imports s | peak RSS MB | RSS after 200 cards MB | cache MB |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for size, e in report["sizes"].items():
        c, w = e.get("cold_yaml", {}), e.get("cold_warm", {})
        lines.append(f"| {size} | {e['people']} | {e['materials']} | {e['yaml_mb']} | {_f(c.get('load_s'), 2)} "
                     f"({_f(c.get('library_s'), 2)} / {_f(c.get('index_s'), 2)}) | {_f(c.get('maxrss_mb'), 0)} | "
                     f"{_f(w.get('load_s'), 2)}{'' if w.get('cache_hit') else ' (cache miss!)'} | {_f(w.get('imports_s'), 2)} | "
                     f"{_f(w.get('maxrss_mb'), 0)} | {_f(w.get('maxrss_after_serving_mb'), 0)} | {_f(w.get('cache_mb'))} |")
    lines.append("")
    return lines


def _render_e2e(report: dict) -> list[str]:
    """The end-to-end tables."""
    lines: list[str] = []
    e2e_rows = [(size, e[k], k) for size, e in report["sizes"].items() for k in ("e2e", "e2e_no_persistence") if k in e]
    if e2e_rows:
        lines += ["### End to end through PTB + httpx + a fake Bot API on 127.0.0.1 (bot on one core)", "",
                  "echo / echo-10: an application whose only handler answers \"ok\" (PTB + httpx alone), 100 / 10 "
                  "officers; closed: 100 officers, each sends the next message when the reply is back "
                  "(saturation); open-half: Poisson arrivals at half the closed-loop rate, latency from the "
                  "arrival; open: the same at 300/s (skipped when the closed loop shows it is over capacity); "
                  "sequential: through `app.update_queue` as the application is configured (`concurrent_updates` "
                  "off), p50/p99 are the gaps between replies; +db: one meeting written per update (SQLite, "
                  "synchronous=FULL); @50ms: the fake API answers after 50 ms, like a distant Telegram; "
                  "persistence: SQL = the production one, none = one that writes nothing. CPU ms/update is the "
                  "bot process's CPU time per update; 1000 ÷ it is what one core could do if nothing else ran.", "",
                  "| size | variant | persistence | replies/s | p50 ms | p99 ms | max ms | bot CPU ms/update | "
                  "CPU-bound capacity /s | server CPU ms/update | API calls | errors |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for size, r, _key in e2e_rows:
            for variant, v in r.items():
                if isinstance(v, dict) and "skipped" in v:
                    lines.append(f"| {size} | {variant} @{report.get('e2e_rate', 300):.0f}/s | "
                                 f"{'SQL' if r.get('persistence', True) else 'none'} | not run: {v['skipped']} "
                                 "| | | | | | | | |")
                elif isinstance(v, dict) and "per_second" in v:
                    lines.append(_e2e_row(size, r, variant, v))
        for size, r, _key in e2e_rows:
            lines.append(f"\n{size} ({'SQL persistence' if r.get('persistence', True) else 'a persistence that writes nothing'}): "
                         f"services start {r.get('services_start_s')} s; bot process peak RSS {bot_serving_rss(r)} MB "
                         f"before the overload variant, {r.get('maxrss_mb')} MB at the end; "
                         f"meeting store {'yes' if r.get('meeting_store') else 'no (KVStore.set)'}")
        lines.append("")
    return lines


def _e2e_row(size: str, r: dict, variant: str, v: dict) -> str:
    """One measured variant of the end-to-end table."""
    cap = round(1000 / v["bot_cpu_per_update_ms"]) if v.get("bot_cpu_per_update_ms") else "–"
    calls = ", ".join(f"{k} {n}" for k, n in sorted(v.get("api_calls", {}).items()))
    lat = "(gap)" if "latency_is" in v else ""
    offered = f" @{v['offered_per_second']:.0f}/s" if v.get("offered_per_second") else ""
    unanswered = f"; {v['unfinished']} unanswered" if v.get("unfinished") else ""
    persistence = "–" if variant.startswith("echo") else ("SQL" if r.get("persistence", True) else "none")
    return (f"| {size} | {variant}{offered} | {persistence} | "
            f"{v['per_second']} | {_f(v['p50_ms'])}{lat} | {_f(v['p99_ms'])}{lat} | {_f(v['max_ms'])} | "
            f"{_f(v.get('bot_cpu_per_update_ms'), 2)} | {cap} | {_f(v.get('server_cpu_per_update_ms'), 2)} | "
            f"{calls} | {v['errors']}{' ' + ','.join(v['error_kinds']) if v.get('error_kinds') else ''}"
            f"{unanswered} |")


def _render_generated(report: dict) -> list[str]:
    """How much data each size generated."""
    lines: list[str] = []
    gen = [f"{size}: {e['companies']} companies, {e['yaml_mb']} MB of YAML generated in {e['generate_s']} s"
           for size, e in report["sizes"].items()]
    if gen:
        lines += ["Data: " + "; ".join(gen) + ".", ""]
    return lines


def markers(block: str = "") -> tuple[str, str]:
    return (BEGIN, END) if not block else (f"<!-- bench:{block}:begin -->", f"<!-- bench:{block}:end -->")


def write_markdown(path: Path, tables: str, block: str = "") -> None:
    """Replace what is between the markers; keep the hand-written text around them."""
    begin, end = markers(block)
    block_text = f"{begin}\n{tables}\n{end}"
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        if begin in text and end in text:
            text = text[:text.index(begin)] + block_text + text[text.index(end) + len(end):]
        else:
            title = "Latest run" if not block else f"Latest run ({block})"
            text = text.rstrip() + f"\n\n## {title}\n\n" + block_text + "\n"
    else:
        text = ("# Benchmarks\n\nReproduce: `python -m bench` (about 30 minutes; `--quick` for a shorter run, "
                "`--sizes 1k,10k` for smaller data). See `bench/__init__.py`.\n\n## Latest run\n\n" + block_text + "\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- entry point

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description="speed, memory and scale benchmarks")
    ap.add_argument("--sizes", default="1k,10k,100k", help="people per run: smoke, 1k, 10k, 100k or a number")
    ap.add_argument("--quick", action="store_true", help="fewer queries, 10 s per end-to-end variant")
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    ap.add_argument("--queries-file", type=Path, default=REPO / "tests" / "data" / "queries.yaml")
    ap.add_argument("--queries", type=int, default=None, help="queries in the latency mix (400; quick 150)")
    ap.add_argument("--e2e-seconds", type=float, default=None, help="seconds per end-to-end variant (30; quick 10)")
    ap.add_argument("--e2e-sizes", default=None, help="sizes with an end-to-end run (default: smallest and largest; "
                                                        "'none' for none)")
    ap.add_argument("--e2e-variants", default=None, help="comma-separated, see bench/e2e.py VARIANTS")
    ap.add_argument("--e2e-users", type=int, default=100)
    ap.add_argument("--workdir", type=Path, default=None, help="keep generated data here (default: a temp folder)")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--with-proposals", action="store_true",
                    help="apply bench/proposals/*.diff to the code snapshot (not to the tree) and measure that")
    ap.add_argument("--block", default=None, help="marker block of --out to write (default: the main one; "
                                                  "'proposals' with --with-proposals)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--args", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        _emit(WORKERS[args.worker](**json.loads(args.args or "{}")))
        return 0
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    e2e_sizes = None if args.e2e_sizes is None else ([] if args.e2e_sizes == "none" else args.e2e_sizes.split(","))
    command = "python -m bench" + "".join(f" {a}" for a in (argv if argv is not None else sys.argv[1:]))
    block = args.block if args.block is not None else ("proposals" if args.with_proposals else "")
    run(sizes, args.quick, args.out, args.queries_file, args.queries, args.e2e_seconds, e2e_sizes,
        args.e2e_variants, args.e2e_users, args.workdir, args.keep, command=command,
        proposals=args.with_proposals, block=block,
        json_out=REPO / "bench" / "out" / (f"last-run-{block}.json" if block else "last-run.json"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
