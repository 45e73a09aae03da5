"""`python bot.py ask "<text>" [--json] [--today YYYY-MM-DD]`: the chat's answer on the command line.

The same `promo.ask.answers.ask` as the chat, on the same database (PROMO_DB_URL): the JSON
lists the understood intent, its alternatives and typed sections (each item with its `kind`).
The CLI runs on the office's own machine, so it shows the personal parts too (like `whom`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

from promo.lists.loader import DataError


def context_for(services, today: dt.date, *, user=None, private: bool = True, cli: bool = False):
    from promo.ask.intent import IntentIndex
    from promo.ask.answers import Context

    index = getattr(services, "_intent_index", None)
    if index is None or index[0] is not services.matcher:
        services._intent_index = index = (services.matcher, IntentIndex(services.library, services.matcher.gazetteer))
    return Context(matcher=services.matcher, index=index[1], today=today, private=private, user=user,
                   problems=getattr(services, "problems", None), meetings=getattr(services, "meetings", None),
                   cli=cli)


def cmd_ask(args, root: Path) -> int:
    from promo.config import Settings
    from promo.ask.answers import ask
    from promo.render import render
    from promo.services import Services

    env = dict(os.environ, PROMO_DATA_DIR=str(root))
    services = Services(Settings.load(env=env))
    try:
        services.start()
    except DataError as exc:
        print(*exc.problems, sep="\n", file=sys.stderr)
        return 1
    try:
        today = args.today or services.today()
        answer = ask(args.text, context_for(services, today, cli=True))
    finally:
        services.stop()
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        print(render("cli_ask.txt.j2", a=answer))
    return 0
