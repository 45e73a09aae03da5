"""招商助手 — the investment-promotion assistant.

    python bot.py                 the Telegram bot (TELEGRAM_BOT_TOKEN set) or the console chat
    python bot.py check           validate the lists
    python bot.py say "<profile>" / whom "<profile>" / tour "<profile>" …

See README.md.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from promo.cli import main as cli_main

    if not argv or argv[0] in ("run", "--console", "--webhook", "--api-url", "--data") or argv[0].startswith("--"):
        if argv and argv[0] in ("-h", "--help"):
            return cli_main(argv)
        from handlers.runner import run

        return run(argv[1:] if argv and argv[0] == "run" else argv)
    return cli_main(argv)


def entry_point() -> int:
    """The `promo` console command of the installed package (pyproject.toml): `promo check` …"""
    return main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(entry_point())
