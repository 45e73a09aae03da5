"""`python bot.py report …` and `python bot.py demo [--remove]` on the same code as the bot.

The CLI runs on the server, as the bureau's operator: it sees every unit's records (the chat
checks who asks; see promo/bureau/scoreboard.py `may_open`)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

__all__ = ["add_bureau_parsers"]


def add_bureau_parsers(sub, add_data_option) -> None:
    rep = sub.add_parser("report", help="the scoreboard (擂台赛) of a month, quarter or year; bulletin files")
    when = rep.add_mutually_exclusive_group()
    when.add_argument("--month", help="YYYY-MM (default: last month)")
    when.add_argument("--quarter", help="YYYYQn, e.g. 2026Q3")
    when.add_argument("--year", help="YYYY")
    rep.add_argument("--unit", help="one unit (id, name or alias): its figures and the records behind them")
    rep.add_argument("--xlsx", type=Path, help="write the bulletin workbook (.xlsx) here")
    rep.add_argument("--png", type=Path, help="write the ranking chart (with --unit: the unit's trend) here")
    rep.add_argument("--print", dest="printable", type=Path, help="write the printable bulletin here: .pdf for a PDF, else an HTML page")
    rep.add_argument("--json", action="store_true", help="machine-readable output")
    rep.add_argument("--today", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default today)")
    rep.add_argument("--db", help="database URL (default PROMO_DB_URL)")
    add_data_option(rep)
    rep.set_defaults(handler=cmd_report)
    demo = sub.add_parser("demo", help="load a realistic demo quarter (2026Q3) into a fresh database, or --remove it")
    demo.add_argument("--remove", action="store_true", help="delete the demo rows")
    demo.add_argument("--db", help="database URL (default PROMO_DB_URL)")
    add_data_option(demo)
    demo.set_defaults(handler=cmd_demo)
    ms = sub.add_parser("milestone", help="planned nodes of projects (节点督查): add, mark done, list overdue")
    ms.add_argument("action", choices=["add", "done", "overdue"])
    ms.add_argument("--project", type=int, help="project number (#id), for add")
    ms.add_argument("--kind", choices=["start", "capital", "problem"], help="start 计划开工 · capital 资金到位 · problem 问题办结")
    ms.add_argument("--due", type=dt.date.fromisoformat, help="YYYY-MM-DD, for add")
    ms.add_argument("--amount", help="capital due, e.g. 5000万 or 50000000 (yuan), for --kind capital")
    ms.add_argument("--note", help="what the node is (the problem, the phase)")
    ms.add_argument("--id", type=int, help="milestone id, for done")
    ms.add_argument("--unit", help="for overdue: one unit (id, name or alias)")
    ms.add_argument("--today", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default today)")
    ms.add_argument("--db", help="database URL (default PROMO_DB_URL)")
    add_data_option(ms)
    ms.set_defaults(handler=cmd_milestone)


def _open(args, root: Path):
    from promo.config import Settings
    from promo.store.db import Database
    from promo.lists.loader import DataError, load_library

    import os

    settings = Settings.load()
    if args.data:
        settings = Settings.load(env={**os.environ, "PROMO_DATA_DIR": str(root)})
    try:
        library = load_library(root)
    except DataError as exc:
        print(*exc.problems, sep="\n", file=sys.stderr)
        return None
    db = Database(args.db or settings.db_url)
    db.migrate()
    return settings, library, db


def cmd_demo(args, root: Path) -> int:
    from promo.bureau.demo import DemoRefused, load_demo, remove_demo
    from promo.bureau.units import UnitRegistry

    opened = _open(args, root)
    if opened is None:
        return 1
    settings, library, db = opened
    try:
        if args.remove:
            n = remove_demo(db)
            print(f"已删除演示数据：项目 {n['projects']} 个，对接记录 {n['meetings']} 条。")
            return 0
        n = load_demo(db, UnitRegistry.from_library(library), library, fx=settings.fx)
    except DemoRefused as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        db.dispose()
    print(f"已装入演示数据（{n['projects']} 个项目，{n['meetings']} 条对接记录，{n['milestones']} 个计划节点），"
          "标记为演示数据。看效果：python bot.py report --quarter 2026Q3 ；删除：python bot.py demo --remove")
    return 0


def _report_period(args, today: dt.date):
    """The period asked for (--month/--quarter/--year, default last month); ValueError if malformed."""
    from promo.bureau.periods import Period, parse_period

    if not (args.month or args.quarter or args.year):
        return Period("month", today.year, today.month).previous()
    period = parse_period(args.month or args.quarter or args.year, today)
    expected = "month" if args.month else "quarter" if args.quarter else "year"
    if period.kind != expected:
        example = {"month": "2026-07", "quarter": "2026Q3"}.get(expected, "2026")
        raise ValueError(f"--{expected}: 请写 {example}")
    return period


def _report_unit(args, registry):
    """(unit, ok): the --unit asked for, or None without --unit; ok False (message printed) if unknown."""
    if not args.unit:
        return None, True
    unit = registry.resolve(args.unit)
    if unit is not None:
        return unit, True
    import difflib

    names = [n for u in registry.units for n in (u.id, u.name, *u.aliases)]
    hits = difflib.get_close_matches(args.unit, names, n=1, cutoff=0.5)
    hit = registry.resolve(hits[0]) if hits else None
    close = hit.name if hit else None
    print(f"单位“{args.unit}”不在 lists/units.yaml 中" + (f"；是不是“{close}”？" if close else "。"),
          file=sys.stderr)
    return None, False


def _write_report_files(args, bureau, snap, period, today: dt.date, unit) -> None:
    """--xlsx, --png and --print: the bulletin files."""
    from promo.bureau.bulletin import bulletin_xlsx

    registry = bureau.registry
    if args.xlsx:
        args.xlsx.write_bytes(bulletin_xlsx(snap, registry))
        print(f"wrote {args.xlsx}", file=sys.stderr)
    png = None
    if args.png or args.printable:
        png = bureau.ranking_png(snap)
    if args.png:
        data = bureau.trend_png(unit.id, period.year, today, snap) if unit else png
        args.png.write_bytes(data)
        print(f"wrote {args.png}", file=sys.stderr)
    if args.printable:
        _write_printable(args.printable, bureau, snap, period, today, unit, png)


def _write_printable(path: Path, bureau, snap, period, today: dt.date, unit, png) -> None:
    """--print: a PDF for a .pdf path, else an HTML page."""
    from promo.bureau.bulletin import bulletin_html, bulletin_pdf

    registry = bureau.registry
    if path.suffix.lower() == ".pdf":
        path.write_bytes(bulletin_pdf(snap, registry, png))
    else:
        trends = {unit.id: bureau.trend_png(unit.id, period.year, today, snap)} if unit else {}
        path.write_text(bulletin_html(snap, registry, png, trends), encoding="utf-8")
    print(f"wrote {path}", file=sys.stderr)


def _print_unit_report(args, snap, period, unit, labels: dict) -> None:
    """One unit's figures and the records behind them, as JSON or text."""
    from promo.render import render

    from promo.bureau.present import FORMATS

    row = snap.board.row(unit.id)
    records = {k: snap.ledger.records(unit.id, k, period.first, period.last)
               for k in ("signed", "registered", "domestic", "foreign", "contacts")}
    if args.json:
        d = snap.board.to_dict()
        units = [u for s in d["sections"] for u in s["units"] if u["id"] == unit.id]
        out = {"period": d["period"], "unit": units[0] if units else None,
               "overdue": [o.__dict__ | {"due": o.due.isoformat()} for o in snap.overdue.get(unit.id, [])],
               "records": {k: {"projects": v["projects"], "meetings": [m.__dict__ for m in v["meetings"]]}
                           for k, v in records.items()}}
        print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    else:
        print(render("board_unit.txt.j2", board=snap.board, row=row, overdue=snap.overdue.get(unit.id, []),
                     records=records, labels=labels, **FORMATS))


def _print_board_report(args, snap, labels: dict) -> None:
    """The whole scoreboard, as JSON or text."""
    from promo.render import render

    from promo.bureau.present import FORMATS

    if args.json:
        print(json.dumps(snap.board.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        print(render("cli_report.txt.j2", board=snap.board, labels=labels, **FORMATS))


def cmd_report(args, root: Path) -> int:
    from promo.bureau.scoreboard import INDICATORS
    from promo.bureau.service import BureauService

    opened = _open(args, root)
    if opened is None:
        return 1
    settings, library, db = opened
    try:
        today = args.today or dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
        try:
            period = _report_period(args, today)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        bureau = BureauService(db, library, settings)
        snap = bureau.snapshot(period, today)
        unit, ok = _report_unit(args, bureau.registry)
        if not ok:
            return 2
        _write_report_files(args, bureau, snap, period, today, unit)
        labels = {k: i.label for k, i in INDICATORS.items()}
        if unit:
            _print_unit_report(args, snap, period, unit, labels)
        else:
            _print_board_report(args, snap, labels)
        return 0
    finally:
        db.dispose()


def cmd_milestone(args, root: Path) -> int:
    from promo.store.db import NotFound

    from promo.bureau.milestones import MilestoneStore, parse_yuan
    from promo.bureau.service import BureauService

    opened = _open(args, root)
    if opened is None:
        return 1
    settings, library, db = opened
    today = args.today or dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
    try:
        store = MilestoneStore(db)
        if args.action == "add":
            if not (args.project and args.kind and args.due):
                print("add 需要 --project、--kind 和 --due · add needs --project, --kind and --due", file=sys.stderr)
                return 2
            try:
                row = store.add(args.project, args.kind, args.due, amount_yuan=parse_yuan(args.amount), note=args.note)
            except (ValueError, NotFound) as exc:
                print(f"无法添加节点：{exc}", file=sys.stderr)
                return 2
            print(f"已添加节点 {row.id}：项目#{args.project} {args.kind} {args.due}")
            return 0
        if args.action == "done":
            if not args.id:
                print("done 需要 --id · done needs --id", file=sys.stderr)
                return 2
            try:
                store.done(args.id, today)
            except NotFound:
                print(f"没有编号为 {args.id} 的节点", file=sys.stderr)
                return 2
            print(f"节点 {args.id} 已办结（{today}）")
            return 0
        bureau = BureauService(db, library, settings)
        snap = bureau.snapshot(bureau.period("month", today), today)
        unit = bureau.registry.resolve(args.unit) if args.unit else None
        if args.unit and unit is None:
            print(f"单位“{args.unit}”不在 lists/units.yaml 中", file=sys.stderr)
            return 2
        for unit_id, items in sorted(snap.overdue.items()):
            if unit and unit_id != unit.id:
                continue
            u = bureau.registry.get(unit_id)
            print(f"== {u.name if u else unit_id}：逾期节点 {len(items)} 个")
            for o in items:
                print(f"  #{o.project_id} {o.project}: {o.label}, 应于 {o.due} 前, 逾期 {o.days_over} 天 {o.detail}")
        return 0
    finally:
        db.dispose()
