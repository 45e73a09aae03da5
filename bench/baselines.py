"""The baselines the matcher is measured against, on the same data and queries.

- naive: what one writes first — one string per record with every searchable field joined,
  `rapidfuzz.process.extract(query, records, scorer=WRatio, limit=10)`. Given the benefit of the
  doubt: the records are pre-processed once (lower case, punctuation out: `utils.default_process`)
  instead of on every query, and materials that are withdrawn, drafts, not yet released or
  expired are left out, as our ranking leaves them out.
- floor: the raw `process.extract` kernel with `fuzz.ratio` over one short field (a person's
  company, a material's title): the cheapest possible full scan, a floor for any scan-based
  approach. It answers a different, easier question, so only its speed is compared.
"""

from __future__ import annotations

import datetime as dt

from rapidfuzz import fuzz, process, utils

from promo.matching.say import KIND_LABELS, SCOPE_LABELS


def _join(parts) -> str:
    return " ".join(str(p) for p in parts if p)


def person_text(p, library) -> str:
    chains = [library.chain_name(c) for c in p.chains]
    return _join([p.name, p.name_en, p.company, p.title, *chains, *p.industries, p.city, p.hometown, p.school,
                  p.ministry, p.department, p.organisation, *p.regions, *p.sectors, p.notes])


def material_text(m, library) -> str:
    chains = [library.chain_name(c) for c in m.chains]
    project = library.get("projects", m.project)
    return _join([m.title, m.title_en, m.title_ru, *m.tags, *chains, project.name if project else None,
                  KIND_LABELS[m.kind.value], SCOPE_LABELS[m.scope.value], *(lang.value for lang in m.languages)])


class Baselines:
    """Pre-joined record strings of one library, and the two baseline searches over them."""

    def __init__(self, library, today: dt.date):
        self.people = list(library.people)
        self.materials = [m for m in library.materials if m.available(today)]
        self.people_joined = [utils.default_process(person_text(p, library)) for p in self.people]
        self.materials_joined = [utils.default_process(material_text(m, library)) for m in self.materials]
        self.people_field = [utils.default_process(p.company or p.organisation or p.ministry or "") for p in self.people]
        self.materials_field = [utils.default_process(m.title) for m in self.materials]

    def naive(self, task: str, query: str, limit: int = 10) -> list[str]:
        records, choices = self._pick(task, joined=True)
        hits = process.extract(utils.default_process(query), choices, scorer=fuzz.WRatio, processor=None,
                               limit=limit)
        return [records[i].id for _, _, i in hits]

    def floor(self, task: str, query: str, limit: int = 10) -> list[str]:
        records, choices = self._pick(task, joined=False)
        hits = process.extract(utils.default_process(query), choices, scorer=fuzz.ratio, processor=None,
                               limit=limit)
        return [records[i].id for _, _, i in hits]

    def _pick(self, task: str, joined: bool):
        if task == "whom":
            return self.people, (self.people_joined if joined else self.people_field)
        return self.materials, (self.materials_joined if joined else self.materials_field)
