"""Where the CJK font is: one place for every renderer that draws Chinese text (the tour's PDF,
later matplotlib charts).

The font comes with requirements.txt — the PyPI package `pylopdf-fonts-zh-cn` ships Noto Sans SC
(SIL Open Font License 1.1) — never from the system's fonts, so a PDF looks the same on every
machine. `cjk_font_path()` returns the file; `FontMissing` (a RuntimeError) says how to install it.

    from promo.fonts import cjk_font_path
    pdf.add_font("NotoSansSC", "", str(cjk_font_path()))
    # matplotlib: matplotlib.font_manager.fontManager.addfont(str(cjk_font_path()))
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

CJK_FONT_FAMILY = "Noto Sans SC"
_PACKAGE = "pylopdf-fonts-zh-cn"


class FontMissing(RuntimeError):
    """The CJK font package is not installed."""


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """The Noto Sans SC (Simplified Chinese) font file, an OpenType file."""
    if importlib.util.find_spec("pylopdf_fonts_zh_cn") is None:
        raise FontMissing(f"the CJK font is missing: pip install -r requirements.txt ({_PACKAGE})")
    import pylopdf_fonts_zh_cn
    path = Path(pylopdf_fonts_zh_cn.sans_path())
    if not path.is_file():
        raise FontMissing(f"the CJK font file {path.name} is missing: reinstall {_PACKAGE}")
    return path
