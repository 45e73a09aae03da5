"""Benchmarks: speed, memory and scale of the matcher and the bot, against baselines.

    python -m bench [--sizes 1k,10k,100k] [--quick] [--out docs/benchmarks.md]

`bench.generate` writes synthetic lists in the real format; `bench.run` measures and writes the
table; `bench.baselines` holds the naive rapidfuzz baselines; `bench.e2e` drives the real PTB
application against a fake Bot API on 127.0.0.1. See docs/benchmarks.md.
"""
