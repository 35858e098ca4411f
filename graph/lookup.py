"""Finding things by name: entities, indicators, observations and sources, in English or Chinese.

Every label, alias, shared name, former name (of a renaming), source title and id
is one :class:`Name` of a :class:`NameIndex`. A lookup first compares names
loosely (:func:`normalize_name` folds case, full-width forms and punctuation);
when nothing matches it ranks names with rapidfuzz, so its cost is bounded by the
number of names, and a text longer than :data:`MAX_NAME` characters is refused
before any comparison.

A name that several things share resolves only when one of them holds it in the
strongest way (its id, then its label, then an alias or title, then a former
name); the others are reported in :attr:`Match.also`. Otherwise the lookup raises
:class:`AmbiguousName` with every candidate.

>>> index = NameIndex([Name("Kuaishou", "id:kuaishou", "label", ("Platform",)),
...                    Name("Kuaishou", "id:kuaishou-technology", "alias", ("Company",)),
...                    Name("Kuaishou Technology", "id:kuaishou-technology", "label", ("Company",))])
>>> m = index.resolve("KUAISHOU")
>>> m.target, [(n.target, n.how) for n in m.also]
('id:kuaishou', [('id:kuaishou-technology', 'alias')])
>>> index.resolve("Kuaishou", within={"Company"}).target
'id:kuaishou-technology'
>>> [r["id"] for r in index.search("kuaishou tech")]
['id:kuaishou-technology', 'id:kuaishou']
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

__all__ = ["Name", "Match", "NameIndex", "EntityNotFound", "AmbiguousName", "NameTooLong", "normalize_name",
           "MAX_NAME"]

#: The longest text looked up; longer ones are refused (no name in the graph is near this long).
MAX_NAME = 200

#: How a name is held, strongest first: ties between things are broken by it.
STRENGTH = {"id": 0, "label": 1, "alias": 2, "shared name": 2, "title": 2, "former name": 3}


class EntityNotFound(LookupError):
    """No entity has this name; ``suggestions`` holds the closest names."""

    def __init__(self, text: str, suggestions: list[str]):
        self.text, self.suggestions = text, suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"no entity named {text!r}{hint}")


class AmbiguousName(LookupError):
    """Several entities share this name; ``candidates`` lists them."""

    def __init__(self, text: str, candidates: list[tuple[str, str]]):
        self.text, self.candidates = text, candidates
        names = "; ".join(f"{c} ({label})" for c, label in candidates)
        super().__init__(f"{text!r} names several entities: {names}")


class NameTooLong(LookupError):
    """A text too long to be a name; refused before any comparison."""

    def __init__(self, text: str):
        super().__init__(f"a name of {len(text)} characters is too long to look up (at most {MAX_NAME})")


def normalize_name(text: str) -> str:
    """Fold case, full-width forms and punctuation, so names compare loosely.

    >>> normalize_name("Ｃｙｂｅｒｓｐａｃｅ Administration of China!")
    'cyberspaceadministrationofchina'
    >>> normalize_name("J.D. com") == normalize_name("jd.com")
    True
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def _fold(text: str) -> str:
    """Case and width folded, words kept apart: what the fuzzy scorer compares."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join("".join(ch if unicodedata.category(ch)[0] in "LN" else " " for ch in text).split())


@dataclass(frozen=True, order=True)
class Name:
    """One name of one thing: the text, the thing's id, how it holds the name, the thing's classes."""

    text: str
    target: str
    how: str = "label"
    classes: tuple = ()


@dataclass(frozen=True)
class Match:
    """The thing a name resolved to, how it holds the name, and the others that share it."""

    target: str
    how: str
    also: tuple = field(default=())


class NameIndex:
    """Every name of the graph, for exact and ranked lookups.

    Parameters
    ----------
    names : iterable of Name
        The names; each thing should have one ``"label"`` (or ``"title"``) name,
        shown beside it in results.
    """

    def __init__(self, names):
        self.names = sorted(set(names))
        self._by_key: dict[str, list[Name]] = defaultdict(list)
        self._label: dict[str, str] = {}
        self.classes: dict[str, tuple] = {}
        for n in self.names:
            key = normalize_name(n.text)
            if key:
                self._by_key[key].append(n)
            if n.how in ("label", "title") and n.target not in self._label:
                self._label[n.target] = n.text
            self.classes.setdefault(n.target, n.classes)
        self._folded = [_fold(n.text) if n.how != "id" else "" for n in self.names]
        self._keys = [normalize_name(n.text) for n in self.names]

    def __contains__(self, target: str) -> bool:
        return target in self.classes

    def label(self, target: str) -> str:
        """The label (or title) of a thing, or its id when it has none."""
        return self._label.get(target, target)

    @staticmethod
    def _within(n: Name, within) -> bool:
        return not within or bool(set(n.classes) & set(within))

    def resolve(self, text: str, within=None) -> Match:
        """The one thing ``text`` names (restricted to things of the classes ``within``, if given).

        Raises NameTooLong, EntityNotFound (with the closest names) or AmbiguousName.
        """
        if len(text) > MAX_NAME:
            raise NameTooLong(text)
        hits = [n for n in self._by_key.get(normalize_name(text), ()) if self._within(n, within)]
        if not hits:
            raise EntityNotFound(text, [r["name"] for r in self.search(text, limit=3, within=within)])
        best: dict[str, Name] = {}
        for n in hits:
            if n.target not in best or STRENGTH[n.how] < STRENGTH[best[n.target].how]:
                best[n.target] = n
        strongest = min(STRENGTH[n.how] for n in best.values())
        top = sorted(t for t, n in best.items() if STRENGTH[n.how] == strongest)
        if len(top) > 1:
            raise AmbiguousName(text, [(t, self.label(t)) for t in sorted(best)])
        others = tuple(n for t, n in sorted(best.items()) if t != top[0])
        return Match(top[0], best[top[0]].how, others)

    def search(self, text: str, limit: int = 10, within=None) -> list[dict]:
        """Things ranked by how well one of their names matches ``text``, best first.

        Scores: 1.0 the same name, 0.9 a name that starts with the text, 0.8 one
        that contains it, else 0.75 times rapidfuzz's weighted ratio (kept from
        0.45 up). Ties go to the stronger name (label before alias), then the id.
        Ids are not searched (:meth:`resolve` takes them as they are).
        """
        if len(text) > MAX_NAME:
            raise NameTooLong(text)
        key, folded = normalize_name(text), _fold(text)
        if not key:
            return []
        scores: dict[int, float] = {}
        for i, k in enumerate(self._keys):
            if k == key:
                scores[i] = 1.0
            elif k.startswith(key):
                scores[i] = 0.9
            elif key in k:
                scores[i] = 0.8
        for _, ratio, i in process.extract(folded, self._folded, scorer=fuzz.WRatio, limit=None,
                                           score_cutoff=60):
            scores.setdefault(i, round(ratio / 100 * 0.75, 3))
        best: dict[str, tuple] = {}
        for i, score in scores.items():
            n = self.names[i]
            if score < 0.45 or n.how == "id" or not self._within(n, within):
                continue
            rank = (-score, STRENGTH[n.how], len(n.text), n.text)
            if n.target not in best or rank < best[n.target][0]:
                best[n.target] = (rank, n, score)
        ranked = sorted(best.values(), key=lambda x: (x[0][:2], x[1].target))[:limit]
        return [{"id": n.target, "name": n.text, "label": self.label(n.target),
                 "type": (n.classes or ("",))[0], "matched_as": n.how, "score": score}
                for _, n, score in ranked]
