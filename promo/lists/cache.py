"""A derived on-disk cache for expensive, deterministic builds (parsed lists, indexes).

Entries are keyed by a content hash, written atomically and never trusted across code
versions (the key includes them). Losing the cache only costs time; a cache that cannot be
written (read-only data folder) is skipped with a log line.

Reading and building an entry create millions of small objects (100,000 people are 100,000
pydantic models with their dicts, sets and lists), and every 700 new container objects Python's
cyclic garbage collector runs, its older generations walking everything built so far. Nothing
in these builds is garbage, so the collector is paused while they run: loading 100k people
from the cache 2.6 s → 1.0 s, building 10k from YAML 17 s → 9 s (docs/benchmarks.md).
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def cache_dir(root: Path) -> Path:
    return Path(os.environ.get("PROMO_CACHE_DIR") or root / ".cache")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector (reference counting still frees memory)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def cached(root: Path, kind: str, key: str, build: Callable[[], T]) -> T:
    folder = cache_dir(root)
    path = folder / f"{kind}-{key[:40]}.pickle"
    try:
        with path.open("rb") as fh, gc_paused():
            return pickle.load(fh)
    except FileNotFoundError:
        pass
    except Exception as exc:  # a truncated or incompatible entry: rebuild it
        log.warning("cache entry %s unreadable (%s); rebuilding", path.name, type(exc).__name__)
    with gc_paused():
        value = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{kind}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        for old in folder.glob(f"{kind}-*.pickle"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("cannot write cache %s (%s); continuing without it", folder, exc)
    return value
