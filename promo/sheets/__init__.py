"""Lists kept in spreadsheets: every list out as one workbook, workbooks and CSV files in.

- `export.export_workbook(root, out)`: the template and example of every list;
- `plan.plan_import(root, data, filename)`: what an import would add, change and remove, with
  every problem as `FILE:SHEET!ROW:COLUMN: what is wrong — how to fix` (writes nothing);
- `plan.apply_plan(root, plan)`: writes the YAML lists (comments and unchanged records kept),
  the previous version kept in `<data>/.imports/` for `yamlio.undo_last(root)`.

The domain only: the CLI (`promo/cli.py`) and the chat (`handlers/imports.py`) call these.
The names below are imported when first used: openpyxl and ruamel.yaml cost ~0.15 s to import,
which a one-shot `bot.py say` (its parser knows the sheets commands) should not pay.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from promo.sheets.export import export_workbook
    from promo.sheets.plan import ImportPlan, ImportRefused, SheetProblem, apply_plan, plan_import
    from promo.sheets.yamlio import backups, undo_last

_HOME = {"export_workbook": "export", "plan_import": "plan", "apply_plan": "plan", "ImportPlan": "plan",
         "ImportRefused": "plan", "SheetProblem": "plan", "undo_last": "yamlio", "backups": "yamlio"}
__all__ = ["export_workbook", "plan_import", "apply_plan", "undo_last", "backups", "ImportPlan",
           "ImportRefused", "SheetProblem"]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"promo.sheets.{_HOME[name]}"), name)
