"""The tour's code stays in its shape: small functions, the bot and the CLI over one planning
service and view, the independent checker with the tests."""

from __future__ import annotations

import ast
from pathlib import Path

from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parents[1]
TOUR_CODE = [*sorted((ROOT / "promo" / "tour").glob("*.py")), ROOT / "handlers" / "tour.py",
             *sorted((ROOT / "tests" / "tourcheck").glob("*.py"))]
MAX_COMPLEXITY = 25


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, relative imports made absolute."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            out.add(module)
            out.update(f"{module}.{a.name}" for a in node.names)
    return out


def test_no_tour_function_above_complexity_25():
    too_complex = [f"{path.relative_to(ROOT)}:{block.lineno} {block.fullname} ({block.complexity})"
                   for path in TOUR_CODE for block in cc_visit(path.read_text("utf-8"))
                   if block.complexity > MAX_COMPLEXITY]
    assert len(TOUR_CODE) > 15 and not too_complex, too_complex


def test_only_the_command_line_imports_the_cli_module():
    importers = [p.relative_to(ROOT).as_posix() for p in [*ROOT.glob("promo/**/*.py"), *ROOT.glob("handlers/*.py")]
                 if "promo.tour.cli" in _imports(p)]
    assert importers == ["promo/cli.py"]
    assert {"promo.tour.service", "promo.tour.view"} <= _imports(ROOT / "handlers" / "tour.py")


def test_the_checker_is_the_tests_own():
    assert not (ROOT / "promo" / "tour" / "check.py").exists()
    code = [*ROOT.glob("promo/**/*.py"), *ROOT.glob("handlers/*.py"), ROOT / "bot.py"]
    assert not [p for p in code if any(m == "tests" or m.startswith("tests.") for m in _imports(p))]
    checker = set().union(*(_imports(p) for p in (ROOT / "tests" / "tourcheck").glob("*.py")))
    # independent: it shares no code with the planner, its travel model or the reception rules
    assert not {m for m in checker if m.split(".")[:3] in (["promo", "tour", "planner"], ["promo", "tour", "travel"],
                                                           ["promo", "tour", "reception"])}
