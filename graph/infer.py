"""Step 4, infer: a few SPARQL UPDATE rules instead of a full OWL-RL closure.

The rules in ``graph/rules`` run in name order on an Oxigraph store:
sub-properties, inverses, symmetric relations, sub-class typing; then the
closure of every ``owl:TransitiveProperty`` (ownership, sub-organisation), and
inverses once more so the closures have their inverses too. A full OWL-RL
closure of the same graph takes minutes; these rules take milliseconds.

>>> from rdflib import Graph
>>> g = Graph()
>>> for t in [(ID.a, KG.owns, ID.b), (ID.b, KG.owns, ID.c), (KG.owns, RDFS.subPropertyOf, KG.transitivelyOwns),
...           (KG.transitivelyOwns, RDF.type, OWL.TransitiveProperty)]:
...     _ = g.add(t)
>>> inferred = infer(g)
>>> (ID.a, KG.transitivelyOwns, ID.c) in inferred
True
>>> (ID.a, KG.owns, ID.c) in inferred
False
"""

from __future__ import annotations

from pathlib import Path

from .namespaces import ID, KG, OWL, RDF, RDFS  # noqa: F401  (used in doctests)
from .store import select, to_store

__all__ = ["infer", "infer_in_store", "rule_files", "RULES"]

RULES = Path(__file__).parent / "rules"


def rule_files() -> list[Path]:
    """The update rules, in the order they run."""
    return sorted(RULES.glob("*.ru"))


def _transitive_rules(store) -> list[str]:
    template = (RULES / "transitive.ru.template").read_text(encoding="utf-8")
    rows = select(store, "PREFIX owl: <http://www.w3.org/2002/07/owl#> "
                         "SELECT ?p WHERE { ?p a owl:TransitiveProperty } ORDER BY ?p")
    return [template.replace("$PROPERTY", str(row["p"])) for row in rows]


def infer_in_store(store) -> int:
    """Run the rules on the store's default graph, in place; return how many triples they added."""
    before = len(store)
    rules = [path.read_text(encoding="utf-8") for path in rule_files()]
    for rule in rules + _transitive_rules(store) + rules[:2]:
        store.update(rule)
    return len(store) - before


def infer(graph, store=None):
    """Return only the triples the rules add to ``graph`` (the asserted graph is not changed).

    ``graph`` is any iterable of rdflib triples; the result is a
    :class:`graph.termgraph.TermGraph`. When ``store`` is given it must hold
    ``graph`` in its default graph, and it holds the closure afterwards.
    """
    import pyoxigraph as ox

    from .termgraph import TermGraph, from_quads
    store = store if store is not None else to_store(graph)
    asserted = graph if isinstance(graph, TermGraph) else TermGraph(graph)
    infer_in_store(store)
    return TermGraph(t for t in from_quads(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
                     if t not in asserted)
