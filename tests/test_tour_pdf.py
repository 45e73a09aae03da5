"""The printable plan as PDF: the CJK font embedded (from promo.fonts, never the system's), the
Chinese text really in it (decoded through the font's ToUnicode map), material links printed."""

from __future__ import annotations

import datetime as dt
import re
import zlib

from promo.fonts import cjk_font_path
from promo.tour.pdf import render_pdf
from promo.tour.planner import plan_tour
from promo.tour.text import short_url
from tests.test_tour_support import profile, request, tour_lists

LISTS = tour_lists()


def _objects(pdf: bytes):
    for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", pdf, re.S):
        body = m.group(2)
        if b"stream" not in body:
            yield body, None
            continue
        head, _, rest = body.partition(b"stream")
        raw = rest.lstrip(b"\r\n")
        raw = raw[:raw.rindex(b"endstream")].rstrip(b"\r\n")
        data = zlib.decompress(raw) if b"/FlateDecode" in head else raw
        yield head, data


def _literal_strings(content: bytes):
    """The (…) strings of a content stream, PDF escapes undone."""
    i, n = 0, len(content)
    while i < n:
        if content[i:i + 1] != b"(":
            i += 1
            continue
        i += 1
        out, depth = bytearray(), 1
        while i < n:
            ch = content[i:i + 1]
            if ch == b"\\":
                nxt = content[i + 1:i + 2]
                if nxt in b"01234567" and nxt:
                    j = i + 1
                    while j < i + 4 and content[j:j + 1] in b"01234567" and content[j:j + 1]:
                        j += 1
                    out.append(int(content[i + 1:j], 8) & 0xFF)
                    i = j
                    continue
                out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(nxt, nxt)
                i += 2
                continue
            if ch == b"(":
                depth += 1
            elif ch == b")":
                depth -= 1
                if depth == 0:
                    i += 1
                    break
            out += ch
            i += 1
        yield bytes(out)


def pdf_text(pdf: bytes) -> str:
    """All text shown with the embedded CID font, decoded through its ToUnicode CMap."""
    objects = list(_objects(pdf))
    cmap: dict[int, str] = {}
    for _, data in objects:
        if data and b"beginbfchar" in data:
            for gid, uni in re.findall(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4,8})>", data):
                cmap[int(gid, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
    assert cmap, "no ToUnicode map"
    text = []
    for _, data in objects:
        if data and b" Tj" in data or data and b"TJ" in data:
            for s in _literal_strings(data):
                text.append("".join(cmap.get(int.from_bytes(s[k:k + 2], "big"), "") for k in range(0, len(s) - 1, 2)))
    return "".join(text)


def test_font_lookup_returns_the_packaged_noto_sans_sc():
    path = cjk_font_path()
    assert path.is_file() and path.suffix == ".otf" and "NotoSansSC" in path.name
    assert "site-packages" in str(path) or "dist-packages" in str(path)      # installed, not the system's
    assert path.read_bytes()[:4] == b"OTTO"


def test_pdf_embeds_the_cjk_font_and_holds_the_chinese_text():
    visitor = profile(["dairy"], 4, "private", raw="飞鹤乳业 副总", company="中国飞鹤有限公司", title="副总裁")
    rq = request(["dairy"], 4, "private", days=2, arrival=dt.datetime(2026, 6, 9, 9, 0))
    rq.profile = visitor
    plan = plan_tour(rq, LISTS)
    pdf = render_pdf(plan, generated=dt.datetime(2026, 6, 1, 8, 0))
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NotoSansSC", pdf)            # a subset of the font …
    assert b"/FontFile3" in pdf and b"/CIDFontType0C" in pdf               # … embedded in the file
    text = pdf_text(pdf)
    for words in ("考察接待行程单", "中国飞鹤有限公司", "副总裁", "第1天", "第2天", "接待 / 陪同", "午餐"):
        assert words in text, words
    for stop in plan.stops:
        assert stop.name.replace(" ", "") in text.replace(" ", ""), stop.name
    links = {m.link for s in plan.stops for m in s.materials if m.link}
    assert links
    flat = text.replace(" ", "")
    for link in links:                                # the address on paper, not only behind a link
        assert short_url(link) in flat, link
    assert b"/Subtype /Image" in pdf                  # QR codes of the links
