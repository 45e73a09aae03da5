"""Issue 16, item 7: a one-shot `bot.py` command skips the interpreter's teardown of the big
index (os._exit) only after its output is flushed; exit codes stay as they were."""

from __future__ import annotations

import os
import subprocess
import sys

from .test_cli import ROOT, copy_data

# bot.py run as a script, with an atexit hook standing for the teardown that is skipped.
PROBE = ("import atexit, runpy, sys; atexit.register(lambda: print('TEARDOWN RAN', flush=True)); "
         "sys.argv = ['bot.py', *sys.argv[1:]]; runpy.run_path('bot.py', run_name='__main__')")


def probe(tmp_path, *args):
    data = copy_data(tmp_path / "data")
    env = {**os.environ, "PROMO_CACHE_DIR": str(tmp_path / "cache"), "PYTHONIOENCODING": "utf-8"}
    env.pop("PROMO_DATA_DIR", None)
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run([sys.executable, "-c", PROBE, *args, "--data", str(data)], cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=180)


def test_say_prints_everything_then_skips_the_teardown(tmp_path):
    r = probe(tmp_path, "say", "飞鹤乳业 副总 北京 奶粉")
    assert r.returncode == 0, r.stderr
    assert "乳制品" in r.stdout and r.stdout.endswith("\n")       # the whole answer, flushed
    assert "TEARDOWN RAN" not in r.stdout                          # the teardown was skipped


def test_usage_errors_keep_their_exit_code(tmp_path):
    r = probe(tmp_path, "nonsense")
    assert r.returncode == 2 and "invalid choice" in r.stderr and "TEARDOWN RAN" not in r.stdout


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path):
    """`bot.py say … | head -1`: the pipe closes while the answer is written; the command ends
    quietly with the shell's SIGPIPE status instead of a BrokenPipeError traceback."""
    data = copy_data(tmp_path / "data")
    env = {**os.environ, "PROMO_CACHE_DIR": str(tmp_path / "cache"), "PYTHONIOENCODING": "utf-8"}
    env.pop("PROMO_DATA_DIR", None)
    env.pop("TELEGRAM_BOT_TOKEN", None)
    proc = subprocess.Popen([sys.executable, "bot.py", "whom", "北京", "--top", "200", "--json",
                             "--data", str(data)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()                  # the reader is gone before anything is written
    err = proc.stderr.read().decode("utf-8", "replace")
    assert proc.wait(timeout=180) == 141, err
    assert "Traceback" not in err and "BrokenPipe" not in err, err
