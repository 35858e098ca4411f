"""Run library queries on a remote SPARQL 1.1 endpoint (the SPARQL Protocol, results as JSON).

Parameters are bound exactly as for the embedded store, with a ``VALUES`` block
(:func:`graph.store.with_values`), so the same query text and bindings give the
same rows on ``cdkg serve``, an Oxigraph server or Virtuoso as on the local graph.

Any query parameters already in the endpoint URL are sent with every request;
that is how a store holding other graphs is restricted to ours, with the
Protocol's ``default-graph-uri``::

    http://127.0.0.1:8890/sparql?default-graph-uri=https://w3id.org/cdkg/graph

>>> term_from_json({"type": "literal", "value": "淘宝", "xml:lang": "zh"})
rdflib.term.Literal('淘宝', lang='zh')
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from rdflib import BNode, Literal, URIRef

from .query import QueryError
from .store import with_values

__all__ = ["remote_select", "remote_ask", "term_from_json", "rows_from_json", "split_endpoint",
           "EndpointNames", "RemoteError", "JSON_RESULTS", "LOOKUP"]

JSON_RESULTS = "application/sparql-results+json"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class RemoteError(QueryError):
    """The endpoint could not be reached or refused the query; the message says why."""


def term_from_json(value: dict):
    """Turn one binding of a SPARQL JSON result into an rdflib term.

    Parameters
    ----------
    value : dict
        ``{"type": "uri"|"bnode"|"literal"|"typed-literal", "value": ...}`` with
        an optional ``xml:lang`` or ``datatype``.

    Returns
    -------
    rdflib.term.Identifier

    Examples
    --------
    >>> term_from_json({"type": "uri", "value": "https://w3id.org/cdkg/id/cac"})
    rdflib.term.URIRef('https://w3id.org/cdkg/id/cac')
    >>> term_from_json({"type": "typed-literal", "value": "3",
    ...                 "datatype": "http://www.w3.org/2001/XMLSchema#integer"})
    rdflib.term.Literal('3', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer'))
    """
    kind, text = value["type"], value["value"]
    if kind == "uri":
        return URIRef(text)
    if kind == "bnode":
        return BNode(text)
    if kind not in ("literal", "typed-literal"):
        raise RemoteError(f"unsupported term type in results: {kind!r}")
    if value.get("xml:lang"):
        return Literal(text, lang=value["xml:lang"])
    datatype = value.get("datatype")
    if datatype and datatype != _XSD_STRING:
        return Literal(text, datatype=URIRef(datatype))
    return Literal(text)


def rows_from_json(document: dict) -> list[dict]:
    """The rows of a SPARQL JSON SELECT result, as dicts of rdflib terms (unbound left out).

    Examples
    --------
    >>> rows_from_json({"head": {"vars": ["a", "b"]}, "results": {"bindings": [
    ...     {"a": {"type": "literal", "value": "x"}}]}})
    [{'a': rdflib.term.Literal('x')}]
    """
    names = document["head"]["vars"]
    return [{name: term_from_json(binding[name]) for name in names if name in binding}
            for binding in document["results"]["bindings"]]


def split_endpoint(endpoint: str) -> tuple[str, list[tuple[str, str]]]:
    """Separate an endpoint URL from the Protocol parameters in its query string.

    Examples
    --------
    >>> split_endpoint("http://h/sparql?default-graph-uri=urn:g")
    ('http://h/sparql', [('default-graph-uri', 'urn:g')])
    """
    parts = urllib.parse.urlsplit(endpoint)
    base = urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return base, urllib.parse.parse_qsl(parts.query, keep_blank_values=True)


def _post(endpoint: str, query: str, timeout: float) -> dict:
    """POST ``query`` (URL-encoded, with the endpoint's own parameters) and decode the JSON answer."""
    base, extra = split_endpoint(endpoint)
    if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
        raise RemoteError(f"endpoint must be an http(s) URL, not {endpoint!r}")
    body = urllib.parse.urlencode([("query", query), *extra]).encode("utf-8")
    request = urllib.request.Request(base, data=body, method="POST", headers={
        "Accept": JSON_RESULTS, "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as err:
        detail = err.read().decode("utf-8", "replace").strip()[:2000]
        raise RemoteError(f"{base} answered {err.code} {err.reason}: {detail}") from None
    except urllib.error.URLError as err:
        raise RemoteError(f"cannot reach {base}: {err.reason}") from None
    except (TimeoutError, OSError) as err:
        raise RemoteError(f"cannot reach {base}: {err}") from None
    except ValueError as err:
        raise RemoteError(f"{base} did not answer with SPARQL JSON results: {err}") from None


def remote_select(endpoint: str, query_text: str, bindings: dict | None = None,
                  timeout: float = 60.0) -> list[dict]:
    """Run a SELECT on a SPARQL endpoint; return rows as dicts of rdflib terms.

    Parameters
    ----------
    endpoint : str
        The query URL of a SPARQL 1.1 endpoint, e.g. ``http://127.0.0.1:7878/query``;
        parameters in its query string (``default-graph-uri``, ``named-graph-uri``)
        are sent with the query.
    query_text : str
        A SELECT query.
    bindings : dict, optional
        Variable name (without ``?``) to rdflib term, bound with a VALUES block.
    timeout : float
        Seconds to wait for the answer.

    Returns
    -------
    list of dict
        One dict per solution, variable name to term; unbound variables are left out.

    Raises
    ------
    RemoteError
        When the endpoint cannot be reached, answers with an error, or does not
        answer with SPARQL JSON.
    """
    document = _post(endpoint, with_values(query_text, bindings), timeout)
    if "results" not in document:
        raise RemoteError(f"{endpoint} answered a boolean, not rows: is this an ASK query?")
    return rows_from_json(document)


def remote_ask(endpoint: str, query_text: str, bindings: dict | None = None, timeout: float = 60.0) -> bool:
    """Run an ASK query on a SPARQL endpoint and return its answer (see :func:`remote_select`)."""
    document = _post(endpoint, with_values(query_text, bindings), timeout)
    if "boolean" not in document:
        raise RemoteError(f"{endpoint} answered rows, not a boolean: is this a SELECT query?")
    return bool(document["boolean"])


#: Entities with this label or alias, compared case-insensitively (bound: ?_name).
LOOKUP = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?entity ?label WHERE {
  ?entity rdfs:label|skos:altLabel ?name . FILTER (LCASE(STR(?name)) = LCASE(STR(?_name)))
  OPTIONAL { ?entity rdfs:label ?label . FILTER (LANG(?label) = "en") }
}
ORDER BY ?entity LIMIT 20"""


class EndpointNames:
    """Resolve entity parameters through SPARQL, for a graph that is not loaded locally.

    An IRI or a CURIE of the project prefixes (``id:cac``) is taken as is;
    any other text must equal one entity's label or alias, ignoring case (the
    local :meth:`graph.api.KnowledgeGraph.find` also folds widths and punctuation
    and suggests near names; this does not). It has the two attributes
    :func:`graph.query.bind` uses of a KnowledgeGraph: ``find`` and ``nx``.

    Parameters
    ----------
    select : callable
        ``select(query_text, bindings) -> rows``, e.g. bound to an endpoint by
        :meth:`at`, or to a local store with :func:`graph.store.select`.

    Examples
    --------
    >>> from graph.store import select, to_store
    >>> store = to_store(tiny_graph())
    >>> names = EndpointNames(lambda q, b: select(store, q, b))
    >>> names.find("ALIPAY"), names.find("id:cac")
    ('https://w3id.org/cdkg/id/alipay', 'https://w3id.org/cdkg/id/cac')
    """

    nx: dict = {}

    def __init__(self, select):
        self._select = select

    @classmethod
    def at(cls, endpoint: str, timeout: float = 60.0) -> "EndpointNames":
        """Names resolved on a SPARQL endpoint (its URL as for :func:`remote_select`)."""
        return cls(lambda query, bindings: remote_select(endpoint, query, bindings, timeout))

    def find(self, text: str, within=None) -> str:
        """The IRI of the one entity ``text`` names; raise EntityNotFound or AmbiguousName.

        ``within`` (classes to keep) is accepted for the signature of the local
        lookup and not applied: the endpoint lookup matches names exactly.
        """
        from .api import AmbiguousName, EntityNotFound
        from .namespaces import PREFIXES, curie
        if text.startswith(("http://", "https://")):
            return text
        prefix, sep, local = text.partition(":")
        if sep and prefix in PREFIXES:
            return PREFIXES[prefix] + local
        rows = self._select(LOOKUP, {"_name": Literal(text)})
        found = sorted({str(row["entity"]) for row in rows})
        if not found:
            raise EntityNotFound(text, [])
        if len(found) > 1:
            labels = {str(r["entity"]): str(r.get("label", "")) for r in rows}
            raise AmbiguousName(text, [(curie(iri), labels[iri]) for iri in found])
        return found[0]
