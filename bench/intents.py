"""`python -m bench.intents [--json] [--show-misses]`

Scores the intent decision (`promo.ask.intent.decide`) side by side on three sets: the tuning set
written with the rules (`tests/data/intents_tuning.yaml`); the blind set written from the brief
by someone who never saw the data (`tests/data/blind/intents.yaml`, never edited to fit — but the
rules' author read it before writing them, so its figure is optimistic); and a held-out set
written after the rules were final and never tuned on (`tests/data/intents_heldout.yaml`, the
fairest of the three). Accuracy overall, per gold intent (recall), per kind, confusion pairs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TUNING = ROOT / "tests/data/intents_tuning.yaml"
BLIND = ROOT / "tests/data/blind/intents.yaml"
HELDOUT = ROOT / "tests/data/intents_heldout.yaml"
SETS = (("tuning", TUNING), ("blind", BLIND), ("heldout", HELDOUT))


def load(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def score(items: list[dict], matcher, index, today) -> dict:
    from promo.ask.intent import decide

    per_intent: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    confusion: Counter = Counter()
    misses = []
    for it in items:
        got = decide(it["text"], matcher, index, today).intent
        ok = got == it["intent"]
        for table, key in ((per_intent, it["intent"]), (per_kind, it.get("kind", "clean"))):
            table[key][0] += ok
            table[key][1] += 1
        if not ok:
            confusion[(it["intent"], got)] += 1
            misses.append({"id": it.get("id"), "text": it["text"], "gold": it["intent"], "got": got})
    n = len(items)
    correct = sum(v[0] for v in per_intent.values())
    return {"n": n, "accuracy": correct / n if n else 0.0,
            "per_intent": {k: {"correct": v[0], "n": v[1], "recall": v[0] / v[1]} for k, v in sorted(per_intent.items())},
            "per_kind": {k: {"correct": v[0], "n": v[1], "accuracy": v[0] / v[1]} for k, v in sorted(per_kind.items())},
            "confusion": [{"gold": g, "got": p, "n": c} for (g, p), c in confusion.most_common()],
            "misses": misses}


def run(today=None) -> dict:
    import datetime as dt

    from promo.ask.intent import IntentIndex
    from promo.matching.matcher import load_matcher

    today = today or dt.date(2026, 11, 26)
    matcher = load_matcher(ROOT, today=today)
    index = IntentIndex(matcher.library, matcher.gazetteer)
    return {name: score(load(path), matcher, index, today) for name, path in SETS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.intents")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)
    res = run()
    if args.json:
        print(json.dumps(res, ensure_ascii=False, indent=2))
        return 0
    sets = [res[name] for name, _ in SETS]
    print(f"{'':12}" + "".join(f" {name:>16}" for name, _ in SETS))
    print(f"{'accuracy':12}" + "".join(f" {r['accuracy']:>8.1%} ({r['n']:3})" for r in sets))
    for intent in sorted(set().union(*(r["per_intent"] for r in sets))):
        cells = []
        for r in sets:
            v = r["per_intent"].get(intent)
            cells.append(f"{v['recall']:>8.1%} ({v['correct']:2}/{v['n']:2})" if v else f"{'-':>16}")
        print(f"{intent:12}" + "".join(f" {c:>16}" for c in cells))
    for name in ("blind", "heldout"):
        r = res[name]
        print(f"\n{name} by kind:", ", ".join(f"{k} {v['accuracy']:.0%} ({v['n']})" for k, v in r["per_kind"].items()))
        print(f"{name} confusions:", ", ".join(f"{c['gold']}→{c['got']} {c['n']}" for c in r["confusion"][:10]) or "none")
    if args.show_misses:
        for name, _ in SETS:
            print(f"\n{name} misses:")
            for m in res[name]["misses"]:
                print(f"  {m['id']}: {m['text']}  gold={m['gold']} got={m['got']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
