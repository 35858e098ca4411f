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

__all__ = ["infer", "infer_in_store", "inferred_quads", "asserted_quads", "rule_files", "RULES", "ASSERTED"]

RULES = Path(__file__).parent / "rules"


def rule_files() -> list[Path]:
    """The update rules, in the order they run."""
    return sorted(RULES.glob("*.ru"))


def _transitive_rules(store) -> list[str]:
    template = (RULES / "transitive.ru.template").read_text(encoding="utf-8")
    rows = select(store, "PREFIX owl: <http://www.w3.org/2002/07/owl#> "
                         "SELECT ?p WHERE { ?p a owl:TransitiveProperty } ORDER BY ?p")
    return [template.replace("$PROPERTY", str(row["p"])) for row in rows]


#: Named graph holding a copy of the asserted triples while the rules run on the default graph.
ASSERTED = "urn:cdkg:asserted"


def infer_in_store(store) -> int:
    """Run the rules on the store's default graph; return how many triples they added.

    A copy of the asserted triples is kept in the named graph :data:`ASSERTED`,
    so :func:`inferred_quads` can tell the new triples from the old.
    """
    import pyoxigraph as ox
    asserted = ox.NamedNode(ASSERTED)
    store.clear_graph(asserted)
    store.update(f"ADD DEFAULT TO <{ASSERTED}>")
    rules = [path.read_text(encoding="utf-8") for path in rule_files()]
    for rule in rules + _transitive_rules(store) + rules[:2]:
        store.update(rule)
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s ?p ?o MINUS {{ GRAPH <{ASSERTED}> {{ ?s ?p ?o }} }} }}"
    return int(next(iter(store.query(count)))["n"].value)


def inferred_quads(store):
    """The triples of the default graph that are not in the asserted copy (run :func:`infer_in_store` first)."""
    import pyoxigraph as ox
    for row in store.query(f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o MINUS {{ GRAPH <{ASSERTED}> {{ ?s ?p ?o }} }} }}"):
        yield ox.Quad(row["s"], row["p"], row["o"], ox.DefaultGraph())


def asserted_quads(store):
    """The asserted triples (the copy :func:`infer_in_store` keeps)."""
    import pyoxigraph as ox
    return store.quads_for_pattern(None, None, None, ox.NamedNode(ASSERTED))


def infer(graph, store=None):
    """Return only the triples the rules add to ``graph`` (the asserted graph is not changed).

    ``graph`` is any iterable of rdflib triples; the result is a
    :class:`graph.termgraph.TermGraph`. When ``store`` is given it must hold
    ``graph`` in its default graph, and it holds the closure afterwards.
    """
    from .termgraph import from_quads
    store = store if store is not None else to_store(graph)
    infer_in_store(store)
    inferred = from_quads(inferred_quads(store))
    store.update(f"DROP SILENT GRAPH <{ASSERTED}>")
    return inferred
