"""The checks on names and classes that SPARQL cannot make: Unicode form, shared names, classes per file.

Three rules, each a ``(term, message, path)`` row like the violation queries':

* a label, alias or name holds an invisible or bidirectional control character,
  or is not in Unicode NFC (two spellings of one name would then look equal
  and compare unequal);
* two entities share a label or alias, compared as lookups compare names
  (:func:`graph.api.normalize_name`), unless both declare it with ``kg:sharedName``;
* one entity is given two unrelated classes (neither a subclass of the other)
  in two different files: usually one slug reused for two things.

>>> bad_characters("Ali\\u200bpay"), bad_characters("Cafe\\u0301"), bad_characters("淘宝")
('U+200B', 'not in Unicode NFC', '')
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pyoxigraph as ox

from .namespaces import KG, RDF, RDFS, SKOS, curie
from .parse import to_rdflib

__all__ = ["bad_characters", "name_problems"]

_NAME_PROPERTIES = (RDFS.label, SKOS.altLabel, KG.sharedName, KG.formerName, KG.newName)
#: Zero-width, joiner, directional and other format characters a reader cannot see.
_INVISIBLE = {0x00AD, 0x061C, 0x180E, 0xFEFF, *range(0x200B, 0x2010), *range(0x202A, 0x202F),
              *range(0x2060, 0x2070)}


def bad_characters(name: str) -> str:
    """What is wrong with the characters of a name ("" when nothing is)."""
    for ch in name:
        if ord(ch) in _INVISIBLE or unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs"):
            return f"U+{ord(ch):04X}"
    if unicodedata.normalize("NFC", name) != name:
        return "not in Unicode NFC"
    return ""


def _names(store: ox.Store):
    values = " ".join(f"<{p}>" for p in _NAME_PROPERTIES)
    # two flat queries: an EXISTS with a property path per name row costs ten times as much
    entities = {row["s"] for row in store.query(
        f"SELECT DISTINCT ?s WHERE {{ ?c <{RDFS.subClassOf}>* <{KG.Entity}> . ?s a ?c }}")}
    for row in store.query(f"SELECT ?s ?p ?name WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?name }}"):
        yield row["s"], row["p"].value, row["name"].value, row["s"] in entities


def _character_rows(names) -> list[tuple]:
    rows = []
    for s, p, name, _ in names:
        problem = bad_characters(name)
        if problem:
            prop = p.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            rows.append((to_rdflib(s), f"{prop} {name.encode('unicode_escape').decode('ascii')!r} has an invisible "
                         f"or control character ({problem})" if problem.startswith("U+") else
                         f"{prop} {name!r} is not in Unicode NFC: write it composed", ""))
    return rows


def _shared_name_rows(names) -> list[tuple]:
    from .lookup import normalize_name
    holders: dict[str, set] = {}
    declared: dict[str, set] = {}
    for s, p, name, entity in names:
        if not entity:
            continue
        key = normalize_name(name)
        if not key:
            continue
        if p == str(KG.sharedName):
            declared.setdefault(key, set()).add(s.value)
        elif p in (str(RDFS.label), str(SKOS.altLabel)):
            holders.setdefault(key, set()).add(s.value)
    rows = []
    for key, who in sorted(holders.items()):
        undeclared = sorted(w for w in who if w not in declared.get(key, set()))
        if len(who) > 1 and undeclared:
            others = ", ".join(sorted(curie(w) for w in who))
            for w in undeclared:
                rows.append((to_rdflib(ox.NamedNode(w)), f"shares the name {key!r} with another entity ({others}): "
                             "rename or drop the alias, or declare kg:sharedName on both", ""))
    return rows


def _class_rows(store: ox.Store, origins) -> list[tuple]:
    query = f"""SELECT ?s ?a ?b WHERE {{
      ?s a ?a , ?b . FILTER (STR(?a) < STR(?b))
      ?a <{RDFS.subClassOf}>* <{KG.Entity}> . ?b <{RDFS.subClassOf}>* <{KG.Entity}> .
      FILTER NOT EXISTS {{ ?a <{RDFS.subClassOf}>* ?b }} FILTER NOT EXISTS {{ ?b <{RDFS.subClassOf}>* ?a }}
    }}"""
    candidates = [(r["s"].value, r["a"].value, r["b"].value) for r in store.query(query)]
    if not candidates:
        return []
    origins.where("")  # scan the files once
    rows = []
    for s, a, b in candidates:
        files = sorted(f for f, iris in origins.files.items() if s in iris)
        if len(files) < 2:
            continue  # one record typed twice on purpose (a platform that is also a payment system)
        typed = {}
        for f in files:
            for q in ox.parse(path=str(_path_of(f)), format=ox.RdfFormat.TURTLE):
                if q.subject.value == s and q.predicate.value == str(RDF.type) and q.object.value in (a, b):
                    typed.setdefault(q.object.value, f)
        if len(set(typed.values())) > 1:
            where = "; ".join(f"{c.rsplit('#', 1)[-1]} in {f}" for c, f in sorted(typed.items()))
            rows.append((to_rdflib(ox.NamedNode(s)), f"is given two unrelated classes in two files ({where}): "
                         "one slug for two things?", ""))
    return rows


def _path_of(shown: str) -> Path:
    from .paths import ROOT
    path = Path(shown)
    return path if path.is_absolute() else ROOT / path


def name_problems(store: ox.Store, origins) -> list[tuple]:
    """Every ``(term, message, path)`` row of the three rules, for the store's default graph."""
    names = list(_names(store))
    return _character_rows(names) + _shared_name_rows(names) + _class_rows(store, origins)
