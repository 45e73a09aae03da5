"""招商助手 — the investment-promotion assistant.

    python bot.py                 the Telegram bot (TELEGRAM_BOT_TOKEN set) or the console chat
    python bot.py check           validate the lists
    python bot.py say "<profile>" / whom "<profile>" / tour "<profile>" …

See README.md.
"""

from __future__ import annotations

import sys

# The bot and the console chat (long-running; they end through a normal shutdown).
_LONG_RUNNING = ("run", "--console", "--webhook", "--api-url", "--data")


def main(argv: list[str]) -> int:
    from promo.cli import main as cli_main

    if _long_running(argv):
        if argv and argv[0] in ("-h", "--help"):
            return cli_main(argv)
        from handlers.runner import run

        return run(argv[1:] if argv and argv[0] == "run" else argv)
    return cli_main(argv)


def _long_running(argv: list[str]) -> bool:
    return not argv or argv[0] in _LONG_RUNNING or argv[0].startswith("--")


def entry_point() -> int:
    """The `promo` console command of the installed package (pyproject.toml): `promo check` …

    A one-shot command (check, say, whom, tour …) ends with `os._exit` once its output is
    flushed: the interpreter's teardown would otherwise spend about a second freeing the
    gazetteer and the people index object by object (issue 16, item 7). Everything it writes
    (files, the database) is closed or committed before it returns; the bot and the console
    end normally."""
    argv = sys.argv[1:]
    if _long_running(argv) and argv[:1] not in (["-h"], ["--help"]):
        return main(argv)
    try:
        code = main(argv)
    except SystemExit as exc:            # argparse's usage errors and --help
        code = exc.code
    except BrokenPipeError:              # `bot.py ask … | head`: the reader left; say nothing more
        code = 141                       # what a shell reports for a process ended by SIGPIPE
    if code is None:
        code = 0
    elif not isinstance(code, int):      # sys.exit("message"): print it as Python would
        print(code, file=sys.stderr)
        code = 1
    _exit_now(code)
    return code   # (not reached)


def _exit_now(code: int) -> None:
    import logging
    import os

    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):    # a closed pipe: nothing more can be said
            pass
    os._exit(code)


if __name__ == "__main__":
    sys.exit(entry_point())
