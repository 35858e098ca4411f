"""The bridge between rdflib graphs and an Oxigraph store, where SPARQL runs fast.

rdflib is the interface the package hands out; queries, checks and inference
rules run on pyoxigraph, which answers the same SPARQL 10-100x faster.

>>> from rdflib import Graph, Literal
>>> g = Graph(); _ = g.add((ID["x"], RDFS.label, Literal("X", lang="en")))
>>> store = to_store(g)
>>> select(store, "SELECT ?l WHERE { ?s ?p ?l }")
[{'l': rdflib.term.Literal('X', lang='en')}]
>>> select(store, "SELECT ?s WHERE { ?s ?p ?l }", {"l": Literal("X", lang="en")})
[{'s': rdflib.term.URIRef('https://w3id.org/cdkg/id/x')}]
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from .parse import to_rdflib
from .namespaces import ID, RDFS, XSD  # noqa: F401  (ID, RDFS used in doctests)

__all__ = ["to_store", "to_oxigraph", "select", "solution_dicts", "store_triples", "with_values"]


def to_oxigraph(term):
    """Convert an rdflib term to the equal pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and term.datatype != XSD.string:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def to_store(*graphs: Graph) -> ox.Store:
    """A new in-memory Oxigraph store holding the triples of every graph, in its default graph."""
    store = ox.Store()
    store.bulk_extend(
        ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), ox.DefaultGraph())
        for graph in graphs for s, p, o in graph
    )
    return store


def with_values(query: str, bindings: dict | None) -> str:
    """Bind variables with a SPARQL ``VALUES`` block opening the query's WHERE group.

    Each value is an RDF term serialised by the engine (IRIs checked, literals
    escaped), so a value can never change the query's structure; it binds the
    variable for the whole WHERE group, FILTERs and BINDs included.

    >>> print(with_values("SELECT ?s WHERE { ?s ?p ?_o }", {"_o": Literal('a" } DROP ALL #')}))
    SELECT ?s WHERE { VALUES (?_o) { ("a\\" } DROP ALL #") }
     ?s ?p ?_o }
    """
    if not bindings:
        return query
    match = re.search(r"\bWHERE\s*\{", query, re.IGNORECASE)
    if not match:
        raise ValueError("a parameterised query needs an explicit WHERE { ... }")
    names = " ".join(f"?{k}" for k in bindings)
    values = " ".join(str(to_oxigraph(v)) for v in bindings.values())
    block = f" VALUES ({names}) {{ ({values}) }}\n"
    return query[:match.end()] + block + query[match.end():]


def select(store: ox.Store, query: str, bindings: dict | None = None) -> list[dict]:
    """Run a SELECT query; return rows as dicts of rdflib terms (unbound variables left out).

    ``bindings`` maps variable names (without ``?``) to rdflib terms, bound with
    :func:`with_values`.
    """
    result = store.query(with_values(query, bindings))
    names = [v.value for v in result.variables]
    return [{k: to_rdflib(v) for k, v in row.items()} for row in solution_dicts(names, result)]


def solution_dicts(names: list[str], solutions):
    """Yield each SELECT solution as a dict of its bound variables (pyoxigraph terms)."""
    for solution in solutions:
        yield {name: solution[name] for name in names if solution[name] is not None}


def store_triples(store: ox.Store) -> set[tuple]:
    """Every triple of the store's default graph, as rdflib terms."""
    return {(to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object))
            for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
