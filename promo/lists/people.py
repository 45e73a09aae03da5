"""The people lists held as columns, with a `Person` built only for the records looked at.

100,000 validated pydantic `Person` models take ≈ 280 MB (≈ 2.5 KB each: the instance dict, the
fields-set, one object per value). `PeopleStore` keeps the same records as one column per field:

- text fields with few distinct values (city, title, liaison, company, …) as a table of the
  distinct values and an array of small codes; text fields with many (id, name, phone, notes, …)
  as one string of all values and an array of offsets (`None` marked in a byte array);
- list fields (chains, industries, regions, sectors) as one such text column of all their items
  and an array of where each person's items start;
- the list (hometown / alumni / ministry / agent) and strength as bytes, the last contact as a
  day ordinal, `sensitive` as a byte, and which fields the file set (pydantic's `model_fields_set`,
  which the sheets export reads) as a bit mask;
- the file and line each record came from (what `Library.where` answers for people).

It is a read-only sequence of `Person`: `store[i]`, `iter(store)` and `store.get(id)` build the
model (with `Person.model_construct`: the values were validated when the lists were loaded), equal
to the one validated from the file, fields-set included. Code that walks everyone for one or two
fields reads them as columns (`values`) instead of building 100,000 models. A built `Person` is a
copy: changing it does not change the store.
"""

from __future__ import annotations

import datetime as dt
import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, overload

import numpy as np

from promo.lists.models import Person, PersonList

_LISTS = list(PersonList)
_CODE_OF_LIST = {v: i for i, v in enumerate(_LISTS)}

# How each field of Person is held. A field added to Person must be given a kind here: the
# import fails otherwise, so that no field is silently dropped from the people.
_TEXT = ("id", "name", "name_en", "company", "company_id", "title", "city", "phone", "wechat", "email",
         "liaison", "notes", "hometown", "school", "years", "ministry", "department", "organisation",
         "fee_terms")
_TEXT_LISTS = ("chains", "industries", "regions", "sectors")
_OTHER = ("list", "strength", "last_contact", "sensitive")
FIELDS: tuple[str, ...] = tuple(Person.model_fields)
if set(FIELDS) != {*_TEXT, *_TEXT_LISTS, *_OTHER} or len(FIELDS) != len(_TEXT) + len(_TEXT_LISTS) + len(_OTHER):
    raise RuntimeError("promo/lists/people.py does not know how to hold every field of Person: "
                       f"{sorted(set(FIELDS) ^ {*_TEXT, *_TEXT_LISTS, *_OTHER})}")
_BIT = {name: 1 << i for i, name in enumerate(FIELDS)}


def _intern(v: str | None) -> str | None:
    return sys.intern(v) if isinstance(v, str) else v


def _index_array(n: int) -> array:
    return array("H" if n < 1 << 16 else "I")


class TextColumn:
    """A column of `str | None`: distinct values + codes when they repeat, else one string +
    offsets. `col[i]` is the value of row i."""

    __slots__ = ("values", "codes", "text", "offsets", "nulls")

    def __init__(self, items: Sequence[str | None]):
        distinct: dict[str | None, int] = {}
        for v in items:
            if v not in distinct:
                distinct[v] = len(distinct)
        self.values: list[str | None] | None = None
        self.codes: array | None = None
        self.text = ""
        self.offsets: array | None = None
        self.nulls: bytes | None = None
        if len(distinct) <= max(64, len(items) // 4):
            self.values = [_intern(v) for v in distinct]
            self.codes = _index_array(len(distinct))
            self.codes.extend(distinct[v] for v in items)
            return
        self.text = "".join(v or "" for v in items)
        self.offsets = array("I" if len(self.text) < 1 << 32 else "Q", [0])
        end = 0
        for v in items:
            end += len(v or "")
            self.offsets.append(end)
        if None in distinct:
            self.nulls = bytes(v is None for v in items)

    def __len__(self) -> int:
        return len(self.codes) if self.codes is not None else len(self.offsets or [0]) - 1

    def __getitem__(self, i: int) -> str | None:
        if self.codes is not None:
            return self.values[self.codes[i]]    # type: ignore[index]
        if self.nulls is not None and self.nulls[i]:
            return None
        offsets = self.offsets
        return self.text[offsets[i]:offsets[i + 1]]     # type: ignore[index]

    def all(self) -> list[str | None]:
        if self.codes is not None:
            values = self.values
            return [values[c] for c in self.codes]      # type: ignore[index]
        text, o, nulls = self.text, self.offsets, self.nulls
        out: list[str | None] = [text[o[i]:o[i + 1]] for i in range(len(o) - 1)]  # type: ignore[index,arg-type]
        if nulls is not None:
            for i, null in enumerate(nulls):
                if null:
                    out[i] = None
        return out


class TextListColumn:
    """A column of `list[str]`: all items in one TextColumn, and where each row's items start."""

    __slots__ = ("items", "starts")

    def __init__(self, rows: Iterable[Sequence[str]]):
        flat: list[str] = []
        self.starts = array("I", [0])
        for row in rows:
            flat.extend(row)
            self.starts.append(len(flat))
        self.items = TextColumn(flat)

    def __getitem__(self, i: int) -> list[str]:
        items = self.items
        return [items[j] for j in range(self.starts[i], self.starts[i + 1])]  # type: ignore[misc]

    def all(self) -> list[list[str]]:
        flat, s = self.items.all(), self.starts
        return [flat[s[i]:s[i + 1]] for i in range(len(s) - 1)]   # type: ignore[misc]


class PeopleStore(Sequence[Person]):
    """The people of a library as columns; a read-only sequence of `Person` (see the module)."""

    def __init__(self, people: Iterable[Person], where: Mapping[str, tuple[str, int]] | None = None):
        people = list(people)
        self._n = len(people)
        self._text = {name: TextColumn([getattr(p, name) for p in people]) for name in _TEXT}
        self._lists = {name: TextListColumn(getattr(p, name) for p in people) for name in _TEXT_LISTS}
        self._list = bytes(_CODE_OF_LIST[p.list] for p in people)
        self._strength = bytes(p.strength for p in people)
        self._sensitive = bytes(p.sensitive for p in people)
        self._contact = array("I", (p.last_contact.toordinal() if p.last_contact else 0 for p in people))
        self._set = array("I", (sum(_BIT[f] for f in p.model_fields_set) for p in people))
        ids = self._text["id"]
        self._by_id = array("I", sorted(range(self._n), key=lambda i: ids[i] or ""))
        # where each record was read: file (an index into _files) and line; 0xFFFF: not known
        self._files: list[str] = []
        self._file = array("H", [0xFFFF] * self._n)
        self._line = array("I", [0] * self._n)
        if where:
            file_index: dict[str, int] = {}
            for i, p in enumerate(people):
                at = where.get(p.id)
                if at is not None:
                    self._file[i] = file_index.setdefault(at[0], len(file_index))
                    self._line[i] = at[1]
            self._files = list(file_index)

    # ------------------------------------------------------------------ the sequence
    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> Person: ...

    @overload
    def __getitem__(self, i: slice) -> list[Person]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._person(j) for j in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError("person index out of range")
        return self._person(i)

    def __iter__(self) -> Iterator[Person]:
        for i in range(self._n):
            yield self._person(i)

    def __repr__(self) -> str:     # never the records: people lists must not reach logs
        return f"PeopleStore({self._n} people)"

    def _person(self, i: int) -> Person:
        values: dict[str, Any] = {name: col[i] for name, col in self._text.items()}
        for name, lcol in self._lists.items():
            values[name] = lcol[i]
        values["list"] = _LISTS[self._list[i]]
        values["strength"] = self._strength[i]
        values["sensitive"] = bool(self._sensitive[i])
        contact = self._contact[i]
        values["last_contact"] = dt.date.fromordinal(contact) if contact else None
        mask = self._set[i]
        return Person.model_construct({f for f in FIELDS if mask & _BIT[f]}, **values)

    # ------------------------------------------------------------------ lookups and columns
    def row_of(self, person_id: str) -> int | None:
        """The row of the person with this id, or None (a binary search over the ids)."""
        ids = self._text["id"]
        by_id = self._by_id
        k = bisect_left(by_id, person_id, key=lambda i: ids[i] or "")
        if k < len(by_id) and ids[by_id[k]] == person_id:
            return by_id[k]
        return None

    def get(self, person_id: str | None) -> Person | None:
        row = self.row_of(person_id) if isinstance(person_id, str) else None
        return None if row is None else self._person(row)

    def values(self, name: str) -> list:
        """Field `name` of everyone, in order, without building the models."""
        if name in self._text:
            return self._text[name].all()
        if name in self._lists:
            return self._lists[name].all()
        if name == "list":
            return [_LISTS[c] for c in self._list]
        if name == "strength":
            return list(self._strength)
        if name == "sensitive":
            return [bool(s) for s in self._sensitive]
        if name == "last_contact":
            return [dt.date.fromordinal(c) if c else None for c in self._contact]
        raise KeyError(name)

    def list_codes(self) -> np.ndarray:
        """Each person's list as its position in `PersonList` (hometown 0 … agent 3), int8."""
        return np.frombuffer(self._list, dtype=np.uint8).astype(np.int8)

    def strengths(self) -> np.ndarray:
        return np.frombuffer(self._strength, dtype=np.uint8).astype(np.float64)

    def id_order(self) -> np.ndarray:
        """Rows sorted by id (what `sorted(range(n), key=lambda i: people[i].id)` gives)."""
        return np.frombuffer(self._by_id, dtype=np.uint32).astype(np.int64)

    def where(self, person_id: str) -> tuple[str, int] | None:
        """(file, line) the person was read from, if known."""
        i = self.row_of(person_id)
        if i is None:
            return None
        f = self._file[i]
        return None if f == 0xFFFF else (self._files[f], self._line[i])

    def where_items(self) -> Iterator[tuple[str, tuple[str, int]]]:
        ids = self._text["id"]
        for i in range(self._n):
            f = self._file[i]
            if f != 0xFFFF:
                yield ids[i], (self._files[f], self._line[i])   # type: ignore[misc]


class Where(Mapping[tuple[str, str], tuple[str, int]]):
    """`Library.where`: (list, id) → (file, line). People's entries live in their store once the
    people are compacted (two small ints a person instead of a dict entry of tuples)."""

    def __init__(self, entries: dict[tuple[str, str], tuple[str, int]] | None = None):
        self._entries: dict[tuple[str, str], tuple[str, int]] = dict(entries or {})
        self._people: PeopleStore | None = None

    def __setitem__(self, key: tuple[str, str], value: tuple[str, int]) -> None:
        if key[0] == "people" and self._people is not None:
            raise TypeError("the people are compacted: their places are read-only")
        self._entries[key] = value

    def __getitem__(self, key: tuple[str, str]) -> tuple[str, int]:
        if self._people is not None and key[0] == "people":
            at = self._people.where(key[1])
            if at is None:
                raise KeyError(key)
            return at
        return self._entries[key]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        yield from self._entries
        if self._people is not None:
            for pid, _ in self._people.where_items():
                yield ("people", pid)

    def __len__(self) -> int:
        return len(self._entries) + (sum(1 for _ in self._people.where_items()) if self._people else 0)

    def people_entries(self) -> dict[str, tuple[str, int]]:
        """Take the people's entries out (to move them into their store)."""
        taken = {k[1]: v for k, v in self._entries.items() if k[0] == "people"}
        for pid in taken:
            del self._entries[("people", pid)]
        return taken

    def attach(self, people: PeopleStore) -> None:
        if self._people is not None and self._people is not people:
            raise ValueError("this Where belongs to another library's people")
        self._people = people
