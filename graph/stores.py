"""Open an Oxigraph store by a short spec, and bulk-load a built graph into it.

A store spec names where the triples live:

``memory``
    a new in-memory store (gone when the process ends);
``oxigraph:PATH``
    a persistent on-disk store in the folder PATH (created if missing), which
    other processes may then open read-only.

>>> store = open_store("memory")
>>> load_graph_into(store, tiny_graph()) > 0
True
>>> parse_spec("oxigraph:/tmp/kg")
('oxigraph', '/tmp/kg')
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from .store import to_oxigraph

__all__ = ["open_store", "parse_spec", "load_graph_into", "StoreSpecError", "FORMATS"]

#: RDF formats by file suffix, for :func:`load_graph_into`.
FORMATS = {".nt": ox.RdfFormat.N_TRIPLES, ".ttl": ox.RdfFormat.TURTLE, ".nq": ox.RdfFormat.N_QUADS,
           ".trig": ox.RdfFormat.TRIG, ".jsonld": ox.RdfFormat.JSON_LD, ".rdf": ox.RdfFormat.RDF_XML}


class StoreSpecError(ValueError):
    """A store spec is not ``memory`` or ``oxigraph:PATH``."""


def parse_spec(spec: str) -> tuple[str, str | None]:
    """Split a store spec into its kind and path.

    Parameters
    ----------
    spec : str
        ``"memory"`` or ``"oxigraph:PATH"``.

    Returns
    -------
    tuple
        ``("memory", None)`` or ``("oxigraph", PATH)``.

    Raises
    ------
    StoreSpecError
        For any other spec.

    Examples
    --------
    >>> parse_spec("memory")
    ('memory', None)
    >>> parse_spec("sqlite:x.db")
    Traceback (most recent call last):
    ...
    graph.stores.StoreSpecError: store spec must be 'memory' or 'oxigraph:PATH', not 'sqlite:x.db'
    """
    if spec == "memory":
        return "memory", None
    kind, sep, path = spec.partition(":")
    if kind == "oxigraph" and sep and path:
        return "oxigraph", path
    raise StoreSpecError(f"store spec must be 'memory' or 'oxigraph:PATH', not {spec!r}")


def open_store(spec: str = "memory", read_only: bool = False) -> ox.Store:
    """Open the store a spec names.

    Parameters
    ----------
    spec : str
        ``"memory"`` for a new in-memory store, ``"oxigraph:PATH"`` for the
        persistent store in folder PATH (created if missing).
    read_only : bool
        Open an on-disk store read-only, so several processes can share it
        (only while no process writes to it).

    Returns
    -------
    pyoxigraph.Store

    Examples
    --------
    >>> len(open_store("memory"))
    0
    """
    kind, path = parse_spec(spec)
    if kind == "memory":
        return ox.Store()
    if read_only:
        return ox.Store.read_only(path)
    Path(path).mkdir(parents=True, exist_ok=True)
    return ox.Store(path)


def load_graph_into(store: ox.Store, source) -> int:
    """Bulk-load a graph file or an rdflib graph into the store's default graph.

    Parameters
    ----------
    store : pyoxigraph.Store
        The store to add to (what it holds already is kept).
    source : str, Path or rdflib.Graph
        A file (``.nt``, ``.ttl``, ``.nq``, ``.trig``, ``.jsonld``, ``.rdf``;
        typically ``dist/graph-inferred.nt``), parsed by Oxigraph's bulk
        loader without building the graph in Python; or an rdflib graph.

    Returns
    -------
    int
        The number of triples in the store afterwards.

    Raises
    ------
    ValueError
        For a file suffix with no known RDF format.
    SyntaxError
        For a file that does not parse.

    Examples
    --------
    >>> store = open_store("memory")
    >>> load_graph_into(store, tiny_graph()) == len(tiny_graph())
    True
    """
    if isinstance(source, Graph):
        store.bulk_extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), ox.DefaultGraph())
                          for s, p, o in source)
    else:
        path = Path(source)
        if path.suffix not in FORMATS:
            raise ValueError(f"{path}: unknown RDF format; use one of {', '.join(FORMATS)}")
        store.bulk_load(path=str(path), format=FORMATS[path.suffix], to_graph=ox.DefaultGraph())
    store.flush()
    return len(store)
