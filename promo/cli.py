"""The command line: `python bot.py check | say | whom | schemas | tour …` on the same core."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from promo.config import ROOT
from promo.lists.loader import DataError, load_library
from promo.lists.present import material_record, person_record
from promo.bureau.cli import add_bureau_parsers
from promo.sheets.cli import add_sheets_parsers
from promo.tour.cli import add_tour_parser

SENSITIVE_MASK = "（敏感：请通过联络人引荐）"


def add_data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=None,
                        help="folder holding lists/ and pitch_library/ (default: PROMO_DATA_DIR or the bundled sample)")


def data_dir(args) -> Path:
    import os

    return (args.data or Path(os.environ.get("PROMO_DATA_DIR") or ROOT)).resolve()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot.py", description="招商助手 investment-promotion assistant")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run the bot (TELEGRAM_BOT_TOKEN set) or the console chat (default)")
    add_data_option(run)
    run.add_argument("--console", action="store_true", help="the local console chat even with a token")
    run.add_argument("--webhook", metavar="URL", help="serve a webhook at this public URL instead of polling")
    run.add_argument("--listen", help="webhook listening address (default 127.0.0.1)")
    run.add_argument("--port", type=int, help="webhook listening port (default 8443)")
    run.add_argument("--secret-token", help="webhook secret token (default PROMO_WEBHOOK_SECRET)")
    run.add_argument("--workers", type=int, default=0, metavar="N",
                     help="with --webhook: a dispatcher in front of N worker processes it starts (one database)")
    run.add_argument("--worker-port", type=int, help="first port of the workers --workers starts (default --port + 1)")
    run.add_argument("--worker-url", action="append", default=[], metavar="URL",
                     help="with --webhook: route to this worker (repeatable; default PROMO_WORKER_URLS)")
    run.add_argument("--hold-seconds", type=float, default=None, metavar="S",
                     help="dispatcher: how long an update waits for an unreachable worker before a 503 (default 20)")
    run.add_argument("--worker", metavar="NAME", help="run as a worker behind the dispatcher (no setWebhook)")
    run.add_argument("--api-url", help="Bot API server, e.g. http://127.0.0.1:8081 (default BOT_API_URL)")
    check = sub.add_parser("check", help="validate all lists; print file:line: problem — fix")
    add_data_option(check)
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    for name, what in (("say", "pitch materials for a visitor"), ("whom", "people who can open the door")):
        p = sub.add_parser(name, help=what)
        p.add_argument("text", help="the visitor profile as typed, e.g. '飞鹤乳业 副总 北京 奶粉'")
        p.add_argument("--json", action="store_true", help="machine-readable output")
        p.add_argument("--top", type=int, default=10)
        p.add_argument("--today", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default today)")
        add_data_option(p)
    ask = sub.add_parser("ask", help="any question, as typed in the chat: the intent and the typed answer")
    ask.add_argument("text", help="e.g. '龙商回归大会哪天开', '用水用气能给什么支持', '明天见飞鹤王总'")
    ask.add_argument("--json", action="store_true", help="machine-readable output")
    ask.add_argument("--today", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default today)")
    add_data_option(ask)
    schemas = sub.add_parser("schemas", help="write JSON Schema files for editors to schemas/")
    schemas.add_argument("--out", type=Path, default=ROOT / "schemas")
    add_tour_parser(sub, add_data_option)
    add_sheets_parsers(sub, add_data_option)
    add_bureau_parsers(sub, add_data_option)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "check":
        return cmd_check(args)
    if args.command in ("say", "whom"):
        return cmd_query(args)
    if args.command == "ask":
        from promo.ask.cli import cmd_ask

        return cmd_ask(args, data_dir(args))
    if args.command == "schemas":
        from promo.lists.schemas import write_schemas

        for path in write_schemas(args.out):
            print(path)
        return 0
    if args.command in ("tour", "report", "demo", "milestone"):
        return args.handler(args, data_dir(args))
    if args.command in ("lists-export", "lists-import", "lists-undo"):
        return args.handler(args, data_dir(args))
    parser.print_help()
    return 2


def cmd_check(args) -> int:
    root = data_dir(args)
    try:
        lib = load_library(root, use_cache=False)
    except DataError as exc:
        for problem in exc.problems:
            print(problem)
        errors = sum(p.severity == "error" for p in exc.problems)
        print(f"\n{errors} error(s): the bot will not start on these lists.", file=sys.stderr)
        return 1
    for problem in lib.warnings:
        print(problem)
    counts = ", ".join(f"{name} {len(records)}" for name, records in lib.lists.items() if records)
    print(f"OK: {counts}" + (f"; {len(lib.warnings)} warning(s)" if lib.warnings else ""))
    return 1 if args.strict and lib.warnings else 0


def cmd_query(args) -> int:
    from promo.matching.matcher import load_matcher
    from promo.render import render

    try:
        matcher = load_matcher(data_dir(args))
    except DataError as exc:
        print(*exc.problems, sep="\n", file=sys.stderr)
        return 1
    today = args.today or dt.date.today()
    if args.command == "say":
        said = matcher.say(args.text, today=today, top=args.top)
        result: Any = said
        records = [dict(score=r.score, why=r.why, record=material_record(r.material, matcher.library))
                   for r in said.items]
    else:
        found = matcher.whom(args.text, top=args.top)
        result = found
        records = [dict(score=p.score, why=p.why,
                        record=person_record(p.person, matcher.library, mask=SENSITIVE_MASK))
                   for p in found.items]
    if args.json:
        out = {"profile": result.profile.to_dict(), "total": result.total, "message": result.message,
               "results": records}
        print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    else:
        print(render(f"cli_{args.command}.txt.j2", result=result, records=records,
                     lib=matcher.library))
    return 0
