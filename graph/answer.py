"""Answering one query on a store, as the SPARQL 1.1 Protocol asks: formats, the row cap and the byte cap.

This runs inside a query worker process (:mod:`graph.workers`).

>>> negotiate("text/csv;q=0.5, application/sparql-results+xml", SELECT_FORMATS)
'xml'
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field

import pyoxigraph as ox

from .store import solution_dicts

__all__ = ["Reply", "execute", "negotiate", "solutions_json", "SELECT_FORMATS", "GRAPH_FORMATS",
           "DEFAULT_MAX_ROWS", "DEFAULT_MAX_BYTES"]

DEFAULT_MAX_ROWS = 10_000
DEFAULT_MAX_BYTES = 16 * 1024 * 1024

_QRF, _RDF = ox.QueryResultsFormat, ox.RdfFormat
#: SELECT/ASK result formats: key -> (pyoxigraph format, media type, other media types accepted)
SELECT_FORMATS = {
    "json": (_QRF.JSON, "application/sparql-results+json", ("application/json",)),
    "xml": (_QRF.XML, "application/sparql-results+xml", ("application/xml", "text/xml")),
    "csv": (_QRF.CSV, "text/csv", ()),
    "tsv": (_QRF.TSV, "text/tab-separated-values", ()),
}
#: CONSTRUCT/DESCRIBE formats, the same way.
GRAPH_FORMATS = {
    "ttl": (_RDF.TURTLE, "text/turtle", ("application/x-turtle",)),
    "nt": (_RDF.N_TRIPLES, "application/n-triples", ("text/plain",)),
    "jsonld": (_RDF.JSON_LD, "application/ld+json", ("application/json",)),
    "rdf": (_RDF.RDF_XML, "application/rdf+xml", ("application/xml", "text/xml")),
}


@dataclass
class Reply:
    """An HTTP answer: status, content type, body and extra headers."""

    status: int
    content_type: str
    body: bytes
    headers: dict = field(default_factory=dict)

    @classmethod
    def text(cls, status: int, message: str) -> "Reply":
        """A plain-text answer (errors)."""
        return cls(status, "text/plain; charset=utf-8", (message.rstrip() + "\n").encode("utf-8"))


def negotiate(accept: str | None, formats: dict, default: str | None = None) -> str | None:
    """Pick a format key for an ``Accept`` header (q-values honoured, ``*/*`` -> default).

    Parameters
    ----------
    accept : str or None
        The header; empty or None means anything.
    formats : dict
        :data:`SELECT_FORMATS` or :data:`GRAPH_FORMATS`.
    default : str, optional
        The key for ``*/*`` (the first key if not given).

    Returns
    -------
    str or None
        A key of ``formats``, or None when nothing acceptable is on offer (406).

    Examples
    --------
    >>> negotiate("application/n-triples", GRAPH_FORMATS)
    'nt'
    >>> negotiate("text/*", GRAPH_FORMATS)
    'ttl'
    >>> negotiate("image/png", SELECT_FORMATS) is None
    True
    """
    default = default or next(iter(formats))
    if not accept or not accept.strip():
        return default
    ranges = []
    for position, item in enumerate(accept.split(",")):
        media, *options = [part.strip() for part in item.split(";")]
        q = 1.0
        for option in options:
            name, _, value = option.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0 and media:
            ranges.append((-q, position, media.lower()))
    for _, _, media in sorted(ranges):
        if media == "*/*":
            return default
        for key, (_, main, others) in formats.items():
            if media in (main, *others) or (media.endswith("/*") and main.startswith(media[:-1])):
                return key
    return None


def _term_json(term) -> dict:
    """One RDF term as a SPARQL JSON results binding."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        value = {"type": "literal", "value": term.value}
        if term.language:
            value["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            value["datatype"] = term.datatype.value
        return value
    return {"type": "triple", "value": {"subject": _term_json(term.subject),
                                        "predicate": _term_json(term.predicate),
                                        "object": _term_json(term.object)}}


def _binding(row: dict) -> bytes:
    return json.dumps({name: _term_json(value) for name, value in row.items()},
                      ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _results_document(variables: list[str], encoded: list[bytes]) -> bytes:
    head = json.dumps({"vars": variables}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return b'{"head":' + head + b',"results":{"bindings":[' + b",".join(encoded) + b"]}}"


def solutions_json(variables: list[str], solutions) -> bytes:
    """SPARQL 1.1 JSON results for these solutions (unbound variables left out)."""
    return _results_document(variables, [_binding(row) for row in solution_dicts(variables, solutions)])


class OverByteCap(Exception):
    """Not even one row or triple of the answer fits under the byte cap."""


def _fit(sizes: list[int], serialize, max_bytes: int) -> tuple[int, bytes]:
    """The most leading items (by estimated ``sizes``) whose serialisation stays under ``max_bytes``."""
    total, count = 0, 0
    for size in sizes:
        if total + size > max_bytes:
            break
        total, count = total + size, count + 1
    body = serialize(count)
    while len(body) > max_bytes and count > 0:  # the estimate was low (XML is longer than JSON)
        count = min(count - 1, int(count * max_bytes / len(body) * 0.95))
        body = serialize(count)
    if count == 0 and sizes:
        raise OverByteCap(f"the answer's first row alone is over the byte cap of {max_bytes} bytes")
    return count, body


def _select_reply(result, fmt: str, max_rows: int, max_bytes: int) -> Reply:
    variables = [v.value for v in result.variables]
    kept = list(itertools.islice(result, max_rows + 1))
    cut = "rows" if len(kept) > max_rows else None
    encoded = [_binding(row) for row in solution_dicts(variables, kept[:max_rows])]
    del kept

    def serialize(count: int) -> bytes:
        body = _results_document(variables, encoded[:count])
        if fmt != "json":
            body = ox.parse_query_results(body, format=_QRF.JSON).serialize(format=SELECT_FORMATS[fmt][0])
        return body
    count, body = _fit([len(e) + 1 for e in encoded], serialize, max_bytes)
    if count < len(encoded):
        cut = "bytes"
    return Reply(200, _media(SELECT_FORMATS, fmt), body, _cap_headers(max_rows, max_bytes, cut))


def _graph_reply(result, fmt: str, max_rows: int, max_bytes: int) -> Reply:
    from .namespaces import PREFIXES
    kept = list(itertools.islice(result, max_rows + 1))
    cut = "rows" if len(kept) > max_rows else None
    kept = kept[:max_rows]
    prefixes = PREFIXES if fmt == "ttl" else None
    count, body = _fit([len(str(t)) + 3 for t in kept],
                       lambda n: ox.serialize(kept[:n], format=GRAPH_FORMATS[fmt][0], prefixes=prefixes), max_bytes)
    if count < len(kept):
        cut = "bytes"
    return Reply(200, _media(GRAPH_FORMATS, fmt), body, _cap_headers(max_rows, max_bytes, cut))


def _media(formats: dict, fmt: str) -> str:
    media = formats[fmt][1]
    return media + "; charset=utf-8" if media.startswith("text/") or media.endswith("json") else media


def _cap_headers(max_rows: int, max_bytes: int, cut: str | None) -> dict:
    headers = {"X-Max-Rows": str(max_rows), "X-Max-Bytes": str(max_bytes)}
    if cut:
        headers.update({"X-Truncated": "true", "X-Truncated-By": cut})
    return headers


def execute(store: ox.Store, query: str, accept: str | None = None, fmt: str | None = None,
            max_rows: int = DEFAULT_MAX_ROWS, default_graphs=(), named_graphs=(),
            max_bytes: int = DEFAULT_MAX_BYTES) -> Reply:
    """Run one query on a store and serialise the answer as the client asked.

    Parameters
    ----------
    store : pyoxigraph.Store
    query : str
        SPARQL query text (updates fail to parse as queries: 400).
    accept : str, optional
        The request's ``Accept`` header.
    fmt : str, optional
        A format key (``json``, ``xml``, ``csv``, ``tsv``; ``ttl``, ``nt``,
        ``jsonld``, ``rdf``) that overrides ``accept``.
    max_rows : int
        Cut the answer after this many solutions or triples.
    max_bytes : int
        Cut it (at a row) before its body passes this many bytes; 503 when
        not even the first row fits.
    default_graphs, named_graphs : sequence of str
        The Protocol's ``default-graph-uri`` and ``named-graph-uri``.

    Returns
    -------
    Reply
        200 with the results; 400 (with the parser's message) for a malformed
        query; 406 when no acceptable format fits the query form.

    Examples
    --------
    >>> from graph.store import to_store
    >>> reply = execute(to_store(tiny_graph()), "ASK { ?s ?p ?o }")
    >>> reply.status, reply.body
    (200, b'{"head":{},"boolean":true}')
    """
    options = {}
    try:
        graphs = [ox.NamedNode(iri) for iri in (*default_graphs, *named_graphs)]
    except ValueError as err:
        return Reply.text(400, f"bad graph IRI (default-graph-uri or named-graph-uri): {err}")
    del graphs
    if default_graphs:
        options["default_graph"] = [ox.NamedNode(iri) for iri in default_graphs]
    if named_graphs:
        options["named_graphs"] = [ox.NamedNode(iri) for iri in named_graphs]
    try:
        result = store.query(query, **options)
    except SyntaxError as err:
        return Reply.text(400, f"malformed query: {err}")
    except ValueError as err:
        return Reply.text(400, f"bad request: {err}")
    except (OSError, RuntimeError) as err:
        return Reply.text(500, f"query failed: {err}")
    formats = GRAPH_FORMATS if isinstance(result, ox.QueryTriples) else SELECT_FORMATS
    key = fmt if fmt in formats else negotiate(accept, formats)
    if key is None or (fmt and fmt not in formats):
        offered = ", ".join(media for _, media, _ in formats.values())
        return Reply.text(406, f"cannot answer this query as {fmt or accept!r}; offered: {offered}")
    try:
        if isinstance(result, ox.QueryBoolean):
            return Reply(200, _media(SELECT_FORMATS, key), result.serialize(format=SELECT_FORMATS[key][0]))
        if isinstance(result, ox.QuerySolutions):
            return _select_reply(result, key, max_rows, max_bytes)
        return _graph_reply(result, key, max_rows, max_bytes)
    except OverByteCap as err:
        return Reply.text(503, f"answer refused: {err}")
    except (OSError, RuntimeError, ValueError) as err:
        return Reply.text(500, f"query failed while running: {err}")


