"""A tiny hand-written graph for doctests and unit tests (``graph/fixtures/tiny.ttl``).

>>> g = tiny_graph()
>>> len(list(g.subjects(RDF.type, KG.Claim)))
12
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rdflib import Graph

from .parse import load_files
from .namespaces import KG, RDF  # noqa: F401  (used in doctests)
from .normalize import normalize
from .paths import ONTOLOGY

__all__ = ["tiny_graph", "TINY"]

TINY = Path(__file__).parent / "fixtures" / "tiny.ttl"


@lru_cache(maxsize=1)
def _tiny() -> Graph:
    authored, origins = load_files([ONTOLOGY, TINY])
    return normalize(authored, origins)


def tiny_graph() -> Graph:
    """The ontology plus the tiny fixture, normalised (a fresh copy each call)."""
    copy = Graph()
    for prefix, ns in _tiny().namespaces():
        copy.bind(prefix, ns)
    for triple in _tiny():
        copy.add(triple)
    return copy
