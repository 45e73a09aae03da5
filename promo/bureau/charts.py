"""Charts as PNG bytes: the monthly ranking (擂台赛) and one unit's trend over the year.

Chinese labels are drawn with Noto Sans SC from the pinned PyPI package (`promo.fonts`), never
the system's fonts: matplotlib is told to use that one file, so a chart looks the same on every
machine and never shows tofu. No pyplot (its global state is not thread-safe): a `Figure`
with the Agg canvas.
"""

from __future__ import annotations

import io
from functools import lru_cache

from promo.fonts import cjk_font_path

from promo.bureau.periods import Period
from promo.bureau.scoreboard import INDICATORS, Board

__all__ = ["ranking_png", "trend_png", "font_family", "money_label"]

# The indicator each section's chart ranks on (the first of the ranking order).
CHART_KEY = {"territorial": "domestic", "task_force": "signed", "department": "signed", "unlisted": "signed"}
COLOURS = {"territorial": "#c0392b", "task_force": "#2e86c1", "department": "#27ae60", "unlisted": "#7f8c8d"}


@lru_cache(maxsize=1)
def font_family() -> str:
    """Register the bundled CJK font with matplotlib; its family name."""
    from matplotlib import font_manager

    path = str(cjk_font_path())
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    import matplotlib

    family = font_family()
    matplotlib.rcParams["font.family"] = [family]
    matplotlib.rcParams["font.sans-serif"] = [family]
    matplotlib.rcParams["axes.unicode_minus"] = False
    fig = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(fig)
    return fig


def _png(fig) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def money_label(yuan: float | int | None) -> str:
    if yuan is None:
        return "—"
    if abs(yuan) >= 100_000_000:
        return f"{yuan / 100_000_000:.2f}亿元"
    return f"{yuan / 10_000:.0f}万元"


def _value_label(key: str, value) -> str:
    kind = INDICATORS[key].kind
    if value is None:
        return "—"
    if kind == "yuan":
        return money_label(value)
    if kind == "rate":
        return f"{value:.0%}"
    return f"{value}个"


def ranking_png(board: Board, *, top: int = 15) -> bytes:
    """One horizontal bar chart per kind of unit, ranked as the scoreboard ranks them."""
    sections = [s for s in board.sections if s.rows]
    heights = [max(2.0, 0.34 * min(len(s.rows), top) + 1.1) for s in sections] or [2.0]
    fig = _figure(9.5, sum(heights) + 0.9)
    title = f"{board.period.label} 招商引资擂台赛排名"
    if board.demo:
        title += "（演示数据）"
    fig.suptitle(title, fontsize=15)
    grid = fig.add_gridspec(len(sections) or 1, 1, height_ratios=heights, hspace=0.55,
                            left=0.25, right=0.88, top=1 - 1.0 / (sum(heights) + 0.9), bottom=0.04)
    for i, section in enumerate(sections):
        ax = fig.add_subplot(grid[i])
        key = CHART_KEY.get(section.kind, "signed")
        rows = section.rows[:top]
        names = [f"{r.position}. {r.name}" for r in rows][::-1]
        values = [(r.figures[key].value or 0) for r in rows][::-1]
        shown = [v / 100_000_000 for v in values] if INDICATORS[key].kind == "yuan" else values
        bars = ax.barh(names, shown, color=COLOURS.get(section.kind, "#555555"))
        unit = "亿元" if INDICATORS[key].kind == "yuan" else "个"
        ax.set_title(f"{section.label} · {INDICATORS[key].label}（{unit}）", fontsize=11, loc="left")
        for bar, r in zip(bars, rows[::-1]):
            f = r.figures[key]
            extra = f" 完成{f.completion:.0%}" if f.completion is not None else ""
            ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2,
                    f" {_value_label(key, f.value)}{extra}", va="center", fontsize=8)
        ax.tick_params(axis="y", labelsize=9)
        ax.tick_params(axis="x", labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
        ax.margins(x=0.25)
    fig.text(0.01, 0.005, f"时间进度 {board.time_progress:.0%} · 数据截至 {board.today.isoformat()} · 统计口径见 /board 说明",
             fontsize=8, color="#555555")
    return _png(fig)


def trend_png(unit_name: str, year: int, monthly: list[dict], target: dict | None = None,
              *, demo: bool = False) -> bytes:
    """A unit's year month by month: capital in place (bars, 亿元), cumulative capital against
    the annual target (line), signed and registered projects (markers)."""
    fig = _figure(9.5, 5.2)
    title = f"{unit_name} {year}年招商引资走势" + ("（演示数据）" if demo else "")
    fig.suptitle(title, fontsize=14)
    ax = fig.add_subplot(1, 1, 1)
    months = [f"{m['month']}月" for m in monthly]
    capital = [m["capital"] / 100_000_000 for m in monthly]
    cumulative, total = [], 0.0
    for c in capital:
        total += c
        cumulative.append(total)
    ax.bar(months, capital, color="#f5b041", label="当月到位资金（亿元）")
    ax.plot(months, cumulative, color="#c0392b", marker="o", label="累计到位资金（亿元）")
    if target and target.get("capital"):
        ax.axhline(target["capital"] / 100_000_000, color="#7f8c8d", linestyle="--",
                   label=f"全年目标 {money_label(target['capital'])}")
    ax.set_ylabel("亿元")
    ax2 = ax.twinx()
    ax2.plot(months, [m["signed"] for m in monthly], color="#2e86c1", marker="s", linestyle=":", label="签约项目（个）")
    ax2.plot(months, [m["registered"] for m in monthly], color="#27ae60", marker="^", linestyle=":", label="入统项目（个）")
    ax2.set_ylabel("个")
    ax2.set_ylim(bottom=0)
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="upper left", fontsize=8)
    ax.spines[["top"]].set_visible(False)
    return _png(fig)


def trend_data(ledger, unit_id: str, year: int, upto_month: int = 12) -> list[dict]:
    out = []
    for m in range(1, upto_month + 1):
        p = Period("month", year, m)
        f = ledger.figures(unit_id, p.first, p.last)
        out.append({"month": m, "capital": f["capital"], "signed": f["signed"], "registered": f["registered"],
                    "contacts": f["contacts"]})
    return out
