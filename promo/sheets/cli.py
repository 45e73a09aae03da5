"""`python bot.py lists-export --xlsx F`, `lists-import FILE [--list NAME] [--dry-run]`, `lists-undo`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from promo.lists.loader import DataError
from promo.render import render


def add_sheets_parsers(sub, add_data_option) -> None:
    export = sub.add_parser("lists-export", help="write every list as one workbook (template and example)")
    export.add_argument("--xlsx", type=Path, required=True, metavar="F", help="the workbook to write, e.g. lists.xlsx")
    add_data_option(export)
    export.set_defaults(handler=cmd_export)
    imp = sub.add_parser("lists-import", help="import a workbook or CSV into the lists (shows the changes first)")
    imp.add_argument("file", type=Path, help="FILE.xlsx or FILE.csv")
    imp.add_argument("--list", dest="list_name", metavar="NAME",
                     help="the list every sheet is (乡贤企业家, hometown, projects …); default: from sheet names and headers")
    imp.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    add_data_option(imp)
    imp.set_defaults(handler=cmd_import)
    undo = sub.add_parser("lists-undo", help="restore the lists as they were before the last import")
    add_data_option(undo)
    undo.set_defaults(handler=cmd_undo)


def cmd_export(args: argparse.Namespace, root: Path) -> int:
    from promo.sheets.export import export_workbook

    try:
        counts = export_workbook(root, args.xlsx)
    except DataError as exc:
        print(*exc.problems, sep="\n", file=sys.stderr)
        return 1
    print(f"{args.xlsx}: " + ", ".join(f"{title} {n}" for title, n in counts.items()))
    return 0


def cmd_import(args: argparse.Namespace, root: Path) -> int:
    from promo.sheets.plan import ImportRefused, apply_plan, plan_import

    if not args.file.is_file():
        print(f"{args.file}: 文件不存在 — 检查路径", file=sys.stderr)
        return 2
    plan = plan_import(root, args.file.read_bytes(), args.file.name, list_hint=args.list_name)
    written = None
    refused = None
    if not args.dry_run and plan.ok and plan.texts:
        try:
            written = apply_plan(root, plan)
        except ImportRefused as exc:
            refused = exc
    print(render("cli_import.txt.j2", plan=plan, dry_run=args.dry_run, written=written, refused=refused))
    return 1 if plan.errors or refused else 0


def cmd_undo(args: argparse.Namespace, root: Path) -> int:
    from promo.sheets.yamlio import undo_last

    manifest = undo_last(root)
    if manifest is None:
        print("没有可以撤销的导入 · nothing to undo")
        return 1
    print(f"已撤销导入 {manifest['source']}（{manifest['created']}）：" + "、".join(manifest["files"]))
    return 0
