"""Step 3, validate: the SHACL shapes and the violation queries of queries/checks, on Oxigraph.

The shapes of ``ontology/shapes.ttl`` run as SPARQL (:mod:`graph.shacl`),
every ``queries/checks/*-violation.rq`` returns one row per problem, and
:mod:`graph.names` checks what SPARQL cannot (Unicode form, shared names,
classes given in two files). Each
problem is reported with the file and line that define its focus node (or the
entity a claim or citation belongs to), the node, the property and the message.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from .errors import Problem, ValidationError
from .namespaces import KG, RDF, curie
from .parse import to_rdflib
from .paths import CHECKS
from .shacl import violations

_IRI = re.compile(r"https?://[^\s,()]+[^\s,().]")

__all__ = ["Validation", "check_files", "check_rows", "locate", "validate"]


def check_files(folder: Path = CHECKS) -> list[Path]:
    """The violation queries, sorted by name."""
    return sorted(Path(folder).glob("*-violation.rq"))


def check_rows(store: ox.Store, folder: Path = CHECKS) -> list[tuple]:
    """Run every ``*-violation.rq``; each row (?term ?problem) is a ``(term, message, "")`` problem."""
    rows = []
    for path in check_files(folder):
        for solution in store.query(path.read_text(encoding="utf-8")):
            term = solution["term"]
            text = _IRI.sub(lambda m: curie(m.group(0)), solution["problem"].value if solution["problem"] else "violation")
            rows.append((to_rdflib(term) if term is not None else None, f"{text} ({path.stem})", ""))
    return rows


def _where(origins, graph, term) -> str:
    """The file:line of a term, or of the entity a claim or citation belongs to."""
    where = origins.where(term)
    if where or term is None:
        return where
    for owner in (graph.value(term, RDF.subject), graph.value(predicate=KG.citation, object=term)):
        if owner is not None:
            found = _where(origins, graph, owner)
            if found:
                return found
    return ""


def locate(rows, origins, graph) -> list[Problem]:
    """Turn ``(term, message, path)`` rows into sorted, unique Problems naming file and line."""
    return sorted({Problem(_where(origins, graph, term), curie(term), message, path) for term, message, path in rows})


def validate(store: ox.Store, origins, graph=None) -> dict:
    """Raise ValidationError listing every problem; return counts when the graph is clean.

    ``graph`` (the asserted triples, for locating claims and citations) is
    only read when there is a problem; by default it is taken from the store.
    """
    return Validation(store, origins).result(graph)


class Validation:
    """A validation under way: the shapes and the violation queries run in two threads from here.

    Oxigraph releases the GIL while it evaluates a query, so on two cores the
    threads overlap with each other and with Python work in the caller's thread
    (the build makes its tables meanwhile). :meth:`result` runs the name checks,
    waits for the threads and raises on any problem. The store must not change
    until it has returned.
    """

    def __init__(self, store: ox.Store, origins, folder: Path = CHECKS):
        from concurrent.futures import ThreadPoolExecutor
        self.store, self.origins = store, origins
        self._pool = ThreadPoolExecutor(max_workers=2)
        self._shapes = self._pool.submit(violations, store)
        self._checks = self._pool.submit(check_rows, store, folder)

    def rows(self) -> list[tuple]:
        """Every ``(focus, message, path)`` the shapes, the checks and the name checks find."""
        from .names import name_problems
        try:
            names = name_problems(self.store, self.origins)
            shapes, checks = self._shapes.result(), self._checks.result()
        finally:
            self._pool.shutdown(wait=True)
        return [(focus, message, curie(path) if path else "") for focus, message, path in shapes] + checks + names

    def result(self, graph=None) -> dict:
        """Raise ValidationError listing every problem; return counts when the graph is clean."""
        rows = self.rows()
        if rows:
            if graph is None:
                from .termgraph import from_quads
                graph = from_quads(self.store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
            raise ValidationError(locate(rows, self.origins, graph))
        return {"shapes": "conform", "checks": len(check_files()) + 3}  # + the three checks of graph/names.py
