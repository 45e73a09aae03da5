"""Templates escape user text, and long answers split at item boundaries below the limit."""

from __future__ import annotations

from promo.render import CUT, LIMIT, render, split_message, visible_len


def test_split_keeps_items_whole_and_below_limit():
    items = [f"<b>{i}</b> " + "材料" * 300 for i in range(20)]
    parts = split_message(CUT.join(items))
    assert len(parts) > 1
    assert all(visible_len(p) <= LIMIT for p in parts)
    assert all(p.count("<b>") == p.count("</b>") for p in parts)          # no tag cut in two
    assert "".join(parts).count("<b>") == 20                              # nothing lost
    assert CUT not in "".join(parts)


def test_one_giant_item_is_cut_as_plain_text():
    parts = split_message("<i>" + "长" * 9000 + "</i>")
    assert len(parts) == 3 and all(visible_len(p) <= LIMIT for p in parts)
    assert "<i>" not in "".join(parts) and sum(p.count("长") for p in parts) == 9000


def test_visible_length_counts_utf16_units_after_entities():
    assert visible_len("<b>&lt;a&gt;</b>") == 3
    assert visible_len("👨‍👩‍👧") == 8


def test_user_text_is_escaped_in_replies():
    out = render("revoke.html.j2", usage=False, user=None, error="<b>x</b> & </i>")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; &lt;/i&gt;" in out
