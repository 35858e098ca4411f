"""``cdkg serve``: a read-only SPARQL 1.1 Protocol endpoint over the built graph.

The endpoint serves ``dist/graph-inferred.nt`` (asserted plus inferred triples)
on the standard library's ``ThreadingHTTPServer``:

``GET|POST /query``
    the SPARQL 1.1 Protocol (``query=`` in the URL or a form, or an
    ``application/sparql-query`` body). SELECT and ASK answer SPARQL JSON, XML,
    CSV or TSV; CONSTRUCT and DESCRIBE answer Turtle, N-Triples, JSON-LD or
    RDF/XML; chosen by the ``Accept`` header or a ``format=`` parameter.
``GET /``
    an HTML page listing the query library, with a form for each query.
``GET /library/NAME?PARAM=VALUE``
    one library query with its parameters bound (entity parameters take an
    IRI, a CURIE such as ``id:cac`` or an exact label or alias).

SPARQL Update is refused (403) and there is no ``/update`` route.

**How the time limit is enforced.** pyoxigraph cannot interrupt a running
query, so queries run in a pool of worker *processes* (``--workers``), each
with its own handle on the graph. The HTTP thread waits at most ``--timeout``
seconds for the answer; past that it kills the worker process (which stops the
query and frees its CPU and memory), answers 503, and starts a replacement
worker in the background. The wait for a free worker is bounded by the same
limit (503 when every worker stays busy). Each worker loads the graph file into
memory (``--store memory``) or opens one shared on-disk store read-only
(``--store oxigraph:PATH``, better for large graphs: no per-worker copy, and a
replacement worker is ready at once).

**The row cap.** At most ``--max-rows`` solutions (or triples) are returned;
a longer result is cut there and the response says so in the headers
``X-Truncated: true`` and ``X-Max-Rows: N``.

>>> negotiate("text/csv;q=0.5, application/sparql-results+xml", SELECT_FORMATS)
'xml'
"""

from __future__ import annotations

import html
import itertools
import json
import multiprocessing
import os
import queue
import re
import signal
import sys
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pyoxigraph as ox

from .paths import DIST, QUERIES
from .store import solution_dicts

__all__ = ["Endpoint", "QueryPool", "Reply", "execute", "negotiate", "add_parser",
           "SELECT_FORMATS", "GRAPH_FORMATS", "DEFAULT_PORT", "DEFAULT_TIMEOUT", "DEFAULT_MAX_ROWS"]

DEFAULT_PORT = 7878
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_ROWS = 10_000
MAX_BODY = 1_000_000  # bytes of a POSTed query

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
_UPDATE = re.compile(r"^\s*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE)
_PROLOGUE = re.compile(r"^(\s+|#[^\n]*\n?|(?i:PREFIX)\s+[\w.-]*:\s*<[^>]*>|(?i:BASE)\s*<[^>]*>)")


# -- answering one query (runs inside a worker process) ------------------------------------

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


def solutions_json(variables: list[str], solutions) -> bytes:
    """SPARQL 1.1 JSON results for these solutions (unbound variables left out)."""
    bindings = [{name: _term_json(value) for name, value in row.items()}
                for row in solution_dicts(variables, solutions)]
    document = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _select_reply(result, fmt: str, max_rows: int) -> Reply:
    variables = [v.value for v in result.variables]
    kept = list(itertools.islice(result, max_rows + 1))
    truncated = len(kept) > max_rows
    body = solutions_json(variables, kept[:max_rows])
    if fmt != "json":
        parsed = ox.parse_query_results(body, format=_QRF.JSON)
        body = parsed.serialize(format=SELECT_FORMATS[fmt][0])
    return Reply(200, _media(SELECT_FORMATS, fmt), body, _cap_headers(max_rows, truncated))


def _graph_reply(result, fmt: str, max_rows: int) -> Reply:
    from .namespaces import PREFIXES
    kept = list(itertools.islice(result, max_rows + 1))
    truncated = len(kept) > max_rows
    prefixes = PREFIXES if fmt == "ttl" else None
    body = ox.serialize(kept[:max_rows], format=GRAPH_FORMATS[fmt][0], prefixes=prefixes)
    return Reply(200, _media(GRAPH_FORMATS, fmt), body, _cap_headers(max_rows, truncated))


def _media(formats: dict, fmt: str) -> str:
    media = formats[fmt][1]
    return media + "; charset=utf-8" if media.startswith("text/") or media.endswith("json") else media


def _cap_headers(max_rows: int, truncated: bool) -> dict:
    headers = {"X-Max-Rows": str(max_rows)}
    if truncated:
        headers["X-Truncated"] = "true"
    return headers


def execute(store: ox.Store, query: str, accept: str | None = None, fmt: str | None = None,
            max_rows: int = DEFAULT_MAX_ROWS, default_graphs=(), named_graphs=()) -> Reply:
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
    formats = GRAPH_FORMATS if isinstance(result, ox.QueryTriples) else SELECT_FORMATS
    key = fmt if fmt in formats else negotiate(accept, formats)
    if key is None or (fmt and fmt not in formats):
        offered = ", ".join(media for _, media, _ in formats.values())
        return Reply.text(406, f"cannot answer this query as {fmt or accept!r}; offered: {offered}")
    try:
        if isinstance(result, ox.QueryBoolean):
            return Reply(200, _media(SELECT_FORMATS, key), result.serialize(format=SELECT_FORMATS[key][0]))
        if isinstance(result, ox.QuerySolutions):
            return _select_reply(result, key, max_rows)
        return _graph_reply(result, key, max_rows)
    except (OSError, RuntimeError, ValueError) as err:
        return Reply.text(500, f"query failed while running: {err}")


# -- the worker processes --------------------------------------------------------------------

def _open_worker_store(spec: str, graph: str | None) -> ox.Store:
    from .stores import load_graph_into, open_store, parse_spec
    kind, _ = parse_spec(spec)
    if kind == "memory":
        store = open_store("memory")
        load_graph_into(store, graph)
        return store
    return open_store(spec, read_only=True)


def _worker_main(conn, spec: str, graph: str | None) -> None:
    """A worker process: open the graph, say ready, then answer jobs until the pipe closes."""
    try:
        store = _open_worker_store(spec, graph)
        conn.send(("ready", len(store)))
    except Exception as err:  # reported to the parent, which refuses to start
        conn.send(("error", f"{type(err).__name__}: {err}"))
        return
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = execute(store, **job)
        except Exception as err:  # never let one query end the worker
            reply = Reply.text(500, f"query failed: {type(err).__name__}: {err}")
        conn.send(reply)


class QueryTimeout(Exception):
    """A query ran past the time limit; its worker was killed."""


class PoolBusy(Exception):
    """No worker became free within the time limit."""


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.Process
    conn: object
    triples: int = 0


class QueryPool:
    """Worker processes that run queries and can be killed when one runs too long.

    Parameters
    ----------
    spec : str
        ``"memory"`` (each worker loads ``graph``) or ``"oxigraph:PATH"``
        (each worker opens the store at PATH read-only; load it first).
    graph : str or Path, optional
        The graph file workers load with the ``memory`` spec.
    size : int
        How many queries may run at once.
    timeout : float
        Seconds a query may run, and a request may wait for a free worker.
    """

    def __init__(self, spec: str, graph=None, size: int = 2, timeout: float = DEFAULT_TIMEOUT,
                 ready_timeout: float = 600.0):
        self.spec, self.graph = spec, str(graph) if graph else None
        self.size, self.timeout, self.ready_timeout = size, timeout, ready_timeout
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue = queue.Queue()
        self._all: set = set()
        self._lock = threading.Lock()
        self._closed = False
        self.triples = 0
        self.killed = 0
        starting = [self._start() for _ in range(size)]  # in parallel: each may load the graph
        for process, conn in starting:
            self._idle.put(self._await(process, conn))

    def _start(self):
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_worker_main, args=(child, self.spec, self.graph),
                                        daemon=True, name="cdkg-query-worker")
        process.start()
        child.close()
        return process, parent

    def _await(self, process, parent) -> _Worker:
        """Wait for a started worker to open the graph; raise RuntimeError if it cannot."""
        if not parent.poll(self.ready_timeout):
            process.kill()
            raise RuntimeError(f"query worker not ready after {self.ready_timeout:.0f} s")
        try:
            status, detail = parent.recv()
        except EOFError:
            status, detail = "error", f"it exited with code {process.join() or process.exitcode}"
        if status != "ready":
            process.join()
            raise RuntimeError(f"query worker could not open the graph: {detail}")
        worker = _Worker(process, parent, detail)
        self.triples = detail
        with self._lock:
            self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker and start its replacement in the background."""
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        with self._lock:
            self._all.discard(worker)
        if not self._closed:
            threading.Thread(target=self._replace, daemon=True).start()

    def _replace(self) -> None:
        try:
            worker = self._await(*self._start())
        except RuntimeError as err:
            print(f"cdkg serve: {err}", file=sys.stderr)
            return
        if self._closed:
            worker.process.kill()
        else:
            self._idle.put(worker)

    def run(self, **job) -> Reply:
        """Run ``execute(store, **job)`` in a free worker, within the time limit.

        Raises
        ------
        PoolBusy
            No worker became free within the time limit.
        QueryTimeout
            The query did not finish within the time limit (its worker was killed).
        """
        try:
            worker = self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise PoolBusy(f"all {self.size} query workers stayed busy for {self.timeout:g} s") from None
        try:
            worker.conn.send(job)
            if not worker.conn.poll(self.timeout):
                self.killed += 1
                self._retire(worker)
                raise QueryTimeout(f"query stopped after the time limit of {self.timeout:g} s")
            reply = worker.conn.recv()
        except (EOFError, OSError) as err:
            self._retire(worker)
            return Reply.text(500, f"query worker died ({err or type(err).__name__}); it is being replaced")
        self._idle.put(worker)
        return reply

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.conn.close()
            worker.process.kill()
            worker.process.join()


# -- the HTML page -----------------------------------------------------------------------------

_STYLE = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.4}"
          "section{border-top:1px solid #ccc;padding:.5em 0}code,textarea{font-family:monospace}"
          "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .4em;text-align:left}"
          "label{margin-right:1em}")
_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'"


def _page(title: str, body: str) -> bytes:
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n"
            f"<body>\n{body}\n</body></html>\n").encode("utf-8")


def _format_select(keys) -> str:
    options = "".join(f'<option value="{k}">{k}</option>' for k in keys)
    return f'<label>format <select name="format">{options}</select></label>'


def _query_section(query) -> str:
    e = html.escape
    inputs = "".join(
        f'<label>{e(var[1:])} <input name="{e(var[1:])}" required placeholder="{e(kind)}"></label>'
        for var, kind in query.params.items())
    params = ", ".join(f"{var[1:]} ({kind})" for var, kind in query.params.items()) or "none"
    returns = " ".join(query.returns)
    return (f'<section id="{e(query.name)}"><h3>{e(query.name)}</h3>\n<p>{e(query.summary)}</p>\n'
            f"<p>parameters: {e(params)}; returns: <code>{e(returns)}</code></p>\n"
            f'<form method="get" action="/library/{urllib.parse.quote(query.name)}">{inputs}'
            f'{_format_select(["html", *SELECT_FORMATS])} <button>run</button></form></section>')


def home_page(queries: dict, triples: int, timeout: float, max_rows: int) -> bytes:
    """The page at ``/``: how to query, a free query form, and a form for each library query."""
    sections = "\n".join(_query_section(q) for q in queries.values())
    return _page("China Digital Economy Knowledge Graph: SPARQL endpoint", f"""
<h1>China Digital Economy Knowledge Graph</h1>
<p>A read-only SPARQL 1.1 endpoint over {triples} triples (asserted and inferred).
Send queries to <code>/query</code> (GET or POST); each may run {timeout:g} s and return {max_rows} rows.</p>
<pre>curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE {{ ?s ?p ?o }} LIMIT 5' http://HOST/query</pre>
<form method="get" action="/query"><textarea name="query" rows="6" cols="80" required>
SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT 10</textarea><br>
{_format_select(["html", *SELECT_FORMATS, *GRAPH_FORMATS])} <button>run</button></form>
<h2>The query library ({len(queries)} queries)</h2>
<p>Entity parameters take an IRI, a CURIE such as <code>id:cac</code>, or an exact label or alias.</p>
{sections}""")


def results_page(title: str, document: dict, truncated: bool) -> bytes:
    """SPARQL JSON results as an HTML table, every value escaped."""
    e = html.escape
    if "boolean" in document:
        return _page(title, f"<h1>{e(title)}</h1><p>{e(str(document['boolean']).lower())}</p>")
    names = document["head"]["vars"]
    head = "".join(f"<th>{e(n)}</th>" for n in names)
    rows = "\n".join("<tr>" + "".join(f"<td>{e(b[n]['value']) if n in b else ''}</td>" for n in names) + "</tr>"
                     for b in document["results"]["bindings"])
    count = len(document["results"]["bindings"])
    note = " (cut at the row cap)" if truncated else ""
    return _page(title, f'<h1>{e(title)}</h1><p>{count} rows{note}. <a href="/">back</a></p>'
                        f"<table><tr>{head}</tr>\n{rows}</table>")


# -- the HTTP server ---------------------------------------------------------------------------

def _is_update(text: str) -> bool:
    """Does the text (after its prologue and comments) start like a SPARQL Update?

    >>> _is_update("PREFIX x: <urn:x>  # c\\nINSERT DATA { <urn:a> <urn:b> <urn:c> }")
    True
    >>> _is_update("SELECT * WHERE { ?s ?p ?o }")
    False
    """
    while True:
        match = _PROLOGUE.match(text)
        if not match or not match.group(0):
            break
        text = text[match.end():]
    return bool(_UPDATE.match(text))


class _Handler(BaseHTTPRequestHandler):
    server_version = "cdkg-serve/1.0"
    protocol_version = "HTTP/1.1"
    timeout = 120  # seconds an idle keep-alive connection may hold a thread

    @property
    def endpoint(self) -> "Endpoint":
        return self.server.endpoint

    def log_message(self, format, *args):  # noqa: A002  (BaseHTTPRequestHandler's name)
        if self.endpoint.log:
            super().log_message(format, *args)

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        if reply.content_type.startswith("text/html"):
            self.send_header("Content-Security-Policy", _CSP)
        if reply.status == 503:
            self.send_header("Retry-After", "5")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def _route(self) -> tuple[str, dict]:
        url = urllib.parse.urlsplit(self.path)
        return url.path, urllib.parse.parse_qs(url.query, keep_blank_values=True)

    def do_HEAD(self):  # noqa: N802
        self.do_GET()

    def do_GET(self):  # noqa: N802
        path, params = self._route()
        if path == "/":
            self._send(Reply(200, "text/html; charset=utf-8", self.endpoint.home))
        elif path in ("/query", "/sparql"):
            self._send(self.endpoint.answer(params, self.headers.get("Accept")))
        elif path.startswith("/library/"):
            name = urllib.parse.unquote(path[len("/library/"):])
            self._send(self.endpoint.answer_library(name, params, self.headers.get("Accept")))
        else:
            self._send(Reply.text(404, f"no such page: {path}; the endpoint is /query, the library is at /"))

    def do_POST(self):  # noqa: N802
        path, params = self._route()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            return self._send(Reply.text(413, f"request body over {MAX_BODY} bytes"))
        body = self.rfile.read(length).decode("utf-8", "replace")
        if path not in ("/query", "/sparql"):
            note = "; this endpoint is read-only: SPARQL Update is refused" if path == "/update" else ""
            return self._send(Reply.text(404, f"no such endpoint: {path}{note}"))
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media == "application/x-www-form-urlencoded":
            for key, values in urllib.parse.parse_qs(body, keep_blank_values=True).items():
                params.setdefault(key, []).extend(values)
        elif media == "application/sparql-query":
            params["query"] = [body]
        elif media == "application/sparql-update":
            return self._send(Reply.text(403, "this endpoint is read-only: SPARQL Update is refused"))
        else:
            return self._send(Reply.text(415, "POST a query as application/x-www-form-urlencoded "
                                              "(query=...) or as application/sparql-query"))
        self._send(self.endpoint.answer(params, self.headers.get("Accept")))

    def do_PUT(self):  # noqa: N802
        self._send(Reply.text(405, "this endpoint is read-only"))

    do_DELETE = do_PATCH = do_PUT


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


class Endpoint:
    """A running SPARQL endpoint over one graph file.

    Parameters
    ----------
    graph : str or Path
        The graph to serve (normally ``dist/graph-inferred.nt``).
    store : str
        ``"memory"`` or ``"oxigraph:PATH"`` (see :mod:`graph.stores`). An
        on-disk store is loaded from ``graph`` when it is empty or ``reload``.
    host, port : str, int
        Where to listen; port 0 picks a free port (see :attr:`url`).
    timeout : float
        Seconds a query may run (and wait for a worker) before a 503.
    max_rows : int
        The row cap.
    workers : int
        Worker processes, i.e. queries that can run at once.
    queries : Path
        The query library folder.
    log : bool
        Log each request on stderr.
    """

    def __init__(self, graph, store: str = "memory", host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                 timeout: float = DEFAULT_TIMEOUT, max_rows: int = DEFAULT_MAX_ROWS, workers: int = 2,
                 queries: Path = QUERIES, reload: bool = False, log: bool = False):
        from .query import library
        from .stores import parse_spec
        self.timeout, self.max_rows, self.log = timeout, max_rows, log
        self.library = library(queries)
        if parse_spec(store)[0] == "oxigraph":
            _prepare_disk_store(store, graph, reload)
        self.pool = QueryPool(store, graph, size=workers, timeout=timeout)
        try:
            self.home = home_page(self.library, self.pool.triples, timeout, max_rows)
            self.server = _Server((host, port), _Handler)
        except BaseException:
            self.pool.close()
            raise
        self.server.endpoint = self
        self._thread = None

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:7878``."""
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def query_url(self) -> str:
        """The SPARQL Protocol URL, ``{url}/query``."""
        return self.url + "/query"

    def serve_forever(self) -> None:
        """Answer requests until :meth:`close` (or Ctrl-C)."""
        self.server.serve_forever(poll_interval=0.2)

    def start(self) -> "Endpoint":
        """Serve from a background thread (for tests and benchmarks); return self."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True, name="cdkg-serve")
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and stop the workers."""
        if self._thread is not None:
            self.server.shutdown()
            self._thread.join()
        self.server.server_close()
        self.pool.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def run(self, **job) -> Reply:
        """Run a job in the pool, turning the time limit and a busy pool into 503s."""
        job.setdefault("max_rows", self.max_rows)
        try:
            return self.pool.run(**job)
        except (QueryTimeout, PoolBusy) as err:
            return Reply.text(503, str(err))

    def answer(self, params: dict, accept: str | None) -> Reply:
        """Answer a SPARQL Protocol request (``params`` as from ``parse_qs``)."""
        if "update" in params:
            return Reply.text(403, "this endpoint is read-only: SPARQL Update is refused")
        texts = params.get("query", [])
        if len(texts) != 1 or not texts[0].strip():
            return Reply.text(400, "give exactly one query: /query?query=SELECT...")
        if _is_update(texts[0]):
            return Reply.text(403, "this endpoint is read-only: SPARQL Update is refused")
        fmt = (params.get("format") or [None])[0]
        job = dict(query=texts[0], accept=accept, fmt=None if fmt == "html" else fmt,
                   default_graphs=tuple(params.get("default-graph-uri", ())),
                   named_graphs=tuple(params.get("named-graph-uri", ())))
        return self._maybe_html(job, fmt, "query results")

    def _maybe_html(self, job: dict, fmt: str | None, title: str) -> Reply:
        if fmt != "html":
            return self.run(**job)
        job.update(fmt=None, accept="application/sparql-results+json, text/turtle;q=0.9")
        reply = self.run(**job)
        if reply.status != 200:
            return reply
        truncated = "X-Truncated" in reply.headers
        if reply.content_type.startswith("text/turtle"):
            page = _page(title, f"<h1>{html.escape(title)}</h1><p><a href=\"/\">back</a></p>"
                                f"<pre>{html.escape(reply.body.decode('utf-8'))}</pre>")
        else:
            page = results_page(title, json.loads(reply.body), truncated)
        return Reply(200, "text/html; charset=utf-8", page, reply.headers)

    def select(self, query: str, bindings: dict | None = None) -> list[dict]:
        """Rows of a SELECT run in the pool, as rdflib terms (for name lookups)."""
        from .remote import rows_from_json
        from .store import with_values
        reply = self.run(query=with_values(query, bindings), fmt="json")
        if reply.status != 200:
            raise LookupError(reply.body.decode("utf-8").strip())
        return rows_from_json(json.loads(reply.body))

    def answer_library(self, name: str, params: dict, accept: str | None) -> Reply:
        """Run a library query with the request's parameters bound (as ``graph.query.run`` binds them)."""
        from .query import QueryError, bind
        from .remote import EndpointNames
        from .store import with_values
        query = self.library.get(name)
        if query is None:
            return Reply.text(404, f"no query named {name!r} in the library")
        fmt = (params.get("format") or [None])[0]
        values = {k: v[0] for k, v in params.items() if k != "format"}
        try:
            bindings = bind(EndpointNames(self.select), query, values)
        except (QueryError, LookupError) as err:
            return Reply.text(400, str(err.args[0] if err.args else err))
        job = dict(query=with_values(query.text, bindings), accept=accept, fmt=fmt)
        return self._maybe_html(job, fmt, f"{name}: {query.summary}")


def _prepare_disk_store(spec: str, graph, reload: bool) -> None:
    """Load ``graph`` into the on-disk store if it is empty (or ``reload``), then close it."""
    from .stores import load_graph_into, open_store
    store = open_store(spec)
    if reload or len(store) == 0:
        store.clear()
        load_graph_into(store, graph)
        store.optimize()
    del store  # close it: the workers open it read-only


# -- the command line --------------------------------------------------------------------------

def _graph_file(args) -> Path | None:
    """The graph to serve; build dist/ first when the default file is missing."""
    if args.graph:
        path = Path(args.graph)
        if not path.exists():
            print(f"cdkg serve: {path} does not exist", file=sys.stderr)
            return None
        return path
    path = DIST / "graph-inferred.nt"
    if not path.exists():
        from .errors import BuildError
        from .pipeline import build, report_failure
        print(f"cdkg serve: {path} is missing; building it first", file=sys.stderr)
        try:
            build(DIST)
        except BuildError as err:
            report_failure(err)
            return None
    return path


def _stop(signum, frame):
    """SIGTERM: stop like Ctrl-C, so the workers are stopped too."""
    raise KeyboardInterrupt


def _serve(args) -> int:
    from .stores import StoreSpecError
    graph = _graph_file(args)
    if graph is None:
        return 1
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"cdkg serve: warning: listening on {args.host}: anyone who can reach it can query "
              "(there is no authentication)", file=sys.stderr)
    try:
        endpoint = Endpoint(graph, args.store, args.host, args.port, args.timeout, args.max_rows,
                            args.workers, reload=args.reload, log=not args.quiet)
    except (StoreSpecError, RuntimeError, OSError) as err:
        print(f"cdkg serve: {err}", file=sys.stderr)
        return 1
    print(f"serving {endpoint.pool.triples} triples from {graph} at {endpoint.url}/ "
          f"(SPARQL: {endpoint.query_url}; time limit {args.timeout:g} s, row cap {args.max_rows}, "
          f"{args.workers} workers); Ctrl-C stops", file=sys.stderr)
    signal.signal(signal.SIGTERM, _stop)
    try:
        endpoint.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        endpoint.close()
    return 0


def add_parser(sub) -> None:
    """Add ``cdkg serve`` to the command line's sub-parsers."""
    help_text = "serve the built graph as a read-only SPARQL 1.1 endpoint, with the query library at /"
    from .cli import add_command
    p = add_command(sub, "serve", help_text, "cdkg serve --port 7878 --timeout 10  "
                                             "(then: curl 'http://127.0.0.1:7878/query?query=ASK%7B%7D')")
    p.add_argument("--graph", help="graph file to serve (default: dist/graph-inferred.nt, built if missing)")
    p.add_argument("--store", default="memory", metavar="SPEC",
                   help="'memory' (default) or 'oxigraph:PATH', an on-disk store loaded if empty")
    p.add_argument("--reload", action="store_true", help="reload an on-disk store from --graph")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"time limit per query; its worker is killed after it (default: {DEFAULT_TIMEOUT:g})")
    p.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS, metavar="N",
                   help=f"row cap per answer (default: {DEFAULT_MAX_ROWS})")
    p.add_argument("--workers", type=int, default=min(4, os.cpu_count() or 2),
                   help="queries that can run at once, one process each (default: CPUs, at most 4)")
    p.add_argument("--quiet", action="store_true", help="do not log each request")
    p.set_defaults(func=_serve)
