"""Records as plain dictionaries for JSON output and templates, with chain names resolved and
sensitive contacts masked."""

from __future__ import annotations

from promo.lists.loader import Library
from promo.lists.models import Material, Person

CONTACT_FIELDS = ("phone", "wechat", "email")


def _chains(ids: list[str], lib: Library) -> list[dict]:
    return [{"id": c, "name": lib.chain_name(c)} for c in ids]


def material_record(m: Material, lib: Library) -> dict:
    d = m.model_dump(mode="json")
    d["chains"] = _chains(m.chains, lib)
    project = lib.get("projects", m.project)
    if project:
        d["project"] = {"id": project.id, "name": project.name}
    return d


def person_record(p: Person, lib: Library, mask: str | None) -> dict:
    """The whole record; a sensitive person's contacts are replaced by `mask` unless mask is None."""
    d = p.model_dump(mode="json")
    d["chains"] = _chains(p.chains, lib)
    if p.sensitive and mask is not None:
        for f in CONTACT_FIELDS:
            if d.get(f):
                d[f] = mask
    return d


def contact_line(p: Person) -> str | None:
    """How to reach the person, or None when only the liaison may (sensitive records)."""
    if p.sensitive:
        return None
    parts = [x for x in (p.phone, f"微信 {p.wechat}" if p.wechat else None, p.email) if x]
    return " · ".join(parts) or None
