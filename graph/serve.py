"""``cdkg serve``: a read-only SPARQL 1.1 Protocol endpoint over the built graph.

The endpoint serves ``dist/graph-inferred.nt`` (asserted plus inferred triples):

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

It is built from small parts:

- :mod:`graph.asgi` — HTTP by uvicorn with h11: framing, idle connections,
  the Host allow-list, CORS on request;
- :mod:`graph.guards` — what is refused before the engine sees it (400): SPARQL
  Update (403), SERVICE, over-long or over-deep queries;
- :mod:`graph.workers` — the query worker processes: the time limit, the
  memory limit, the long-query lane and fair shares between clients (503
  with ``Retry-After`` when busy or stopped);
- :mod:`graph.answer` — formats, the row cap and the byte cap;
- :mod:`graph.pages` — the HTML.

>>> negotiate("text/csv;q=0.5, application/sparql-results+xml", SELECT_FORMATS)
'xml'
"""

from __future__ import annotations

import argparse
import html
import ipaddress
import json
import math
import os
import signal
import sys
import urllib.parse
from pathlib import Path

import pyoxigraph as ox

from .answer import (DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, GRAPH_FORMATS, SELECT_FORMATS, Reply, execute,
                     negotiate)
from .guards import check_query, is_update
from .pages import home_page, page, results_page
from .paths import DIST, QUERIES
from .workers import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, PoolBusy, QueryPool, QueryStopped, QueryTimeout

__all__ = ["Endpoint", "QueryPool", "Reply", "execute", "negotiate", "add_parser",
           "SELECT_FORMATS", "GRAPH_FORMATS", "DEFAULT_PORT", "DEFAULT_TIMEOUT", "DEFAULT_MAX_ROWS",
           "DEFAULT_MAX_BYTES", "DEFAULT_MEMORY_MB"]

DEFAULT_PORT = 7878
_READ_ONLY = "this endpoint is read-only: SPARQL Update is refused"


class _Busy(LookupError):
    """A name lookup of the library route got a 503: the request is answered 503, not 400."""

    def __init__(self, reply: Reply):
        super().__init__(reply.body.decode("utf-8").strip())
        self.reply = reply


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
        Where to listen (IPv4 or IPv6); port 0 picks a free port (see :attr:`url`).
    timeout : float
        Seconds a query may run (and wait for a worker) before a 503.
    max_rows, max_bytes : int
        The row cap and the byte cap of an answer.
    workers : int
        Worker processes, i.e. queries that can run at once.
    memory_mb : int
        MiB a worker may grow while answering one query.
    allowed_hosts : sequence of str
        Names the ``Host`` header may give (loopback names and the listening
        address by default; ``*`` for any).
    cors : str, optional
        ``Access-Control-Allow-Origin`` value; no CORS headers without it.
    idle_timeout : float
        Seconds an idle connection stays open.
    queries : Path
        The query library folder.
    log : bool
        Log each request on stderr.
    pool_options : dict
        More :class:`~graph.workers.QueryPool` options (``long_after``, ``per_client``, ...).
    """

    def __init__(self, graph, store: str = "memory", host: str = "127.0.0.1", port: int = DEFAULT_PORT,
                 timeout: float = DEFAULT_TIMEOUT, max_rows: int = DEFAULT_MAX_ROWS, workers: int = 2,
                 queries: Path = QUERIES, reload: bool = False, log: bool = False,
                 max_bytes: int = DEFAULT_MAX_BYTES, memory_mb: int = DEFAULT_MEMORY_MB, allowed_hosts=(),
                 cors: str | None = None, idle_timeout: float = 5.0, pool_options: dict | None = None):
        from .asgi import LOOPBACK_NAMES, App, HttpServer, listen  # uvicorn: only when serving, not for `cdkg build`
        from .query import library
        from .stores import parse_spec
        self.timeout, self.max_rows, self.max_bytes, self.log = timeout, max_rows, max_bytes, log
        self.library = library(queries)
        if parse_spec(store)[0] == "oxigraph":
            _prepare_disk_store(store, graph, reload)
        self.host = host
        sock = listen(host, port)
        try:
            self.pool = QueryPool(store, graph, size=workers, timeout=timeout, memory_limit=memory_mb * 1024 * 1024,
                                  **(pool_options or {}))
        except BaseException:
            sock.close()
            raise
        try:
            self.home = home_page(self.library, self.pool.triples, timeout, max_rows)
            hosts = {*LOOPBACK_NAMES, *allowed_hosts}
            if not _wildcard(host):
                hosts.add(host)
            self.app = App(self.respond, sorted(hosts), cors, threads=self.pool.max_waiting + workers + 8)
            self.http = HttpServer(self.app, sock, idle_timeout=idle_timeout, log=log)
        except BaseException:
            sock.close()
            self.pool.close()
            raise

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:7878`` or ``http://[::1]:7878``."""
        host, port = self.http.socket.getsockname()[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    @property
    def query_url(self) -> str:
        """The SPARQL Protocol URL, ``{url}/query``."""
        return self.url + "/query"

    def serve_forever(self) -> None:
        """Answer requests until :meth:`close`, Ctrl-C or SIGTERM."""
        self.http.serve_forever()

    def start(self) -> "Endpoint":
        """Serve from a background thread (for tests and benchmarks); return self."""
        self.http.start()
        return self

    def close(self) -> None:
        """Stop serving and stop the workers."""
        self.http.stop()
        self.pool.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # -- one request (runs in a thread of the HTTP side)

    def respond(self, method: str, path: str, query_string: str, headers: dict, body: bytes,
                client: str = "local") -> Reply:
        """Answer one HTTP request (``headers`` with lower-case names)."""
        params = urllib.parse.parse_qs(query_string, keep_blank_values=True, max_num_fields=200)
        accept = headers.get("accept")
        if method == "POST":
            if path not in ("/query", "/sparql"):
                note = f"; {_READ_ONLY}" if path == "/update" else ""
                return Reply.text(404, f"no such endpoint: {path}{note}")
            text = body.decode("utf-8", "replace")
            media = (headers.get("content-type") or "").split(";")[0].strip().lower()
            if media == "application/x-www-form-urlencoded":
                for key, values in urllib.parse.parse_qs(text, keep_blank_values=True, max_num_fields=200).items():
                    params.setdefault(key, []).extend(values)
            elif media == "application/sparql-query":
                params["query"] = [text]
            elif media == "application/sparql-update":
                return Reply.text(403, _READ_ONLY)
            else:
                return Reply.text(415, "POST a query as application/x-www-form-urlencoded "
                                       "(query=...) or as application/sparql-query")
            return self.answer(params, accept, client)
        if path == "/":
            return Reply(200, "text/html; charset=utf-8", self.home)
        if path in ("/query", "/sparql"):
            return self.answer(params, accept, client)
        if path.startswith("/library/"):
            return self.answer_library(path[len("/library/"):], params, accept, client)
        return Reply.text(404, f"no such page: {path}; the endpoint is /query, the library is at /")

    def run(self, client: str = "local", **job) -> Reply:
        """Run a job in the pool, turning the time and memory limits and a busy pool into 503s."""
        job.setdefault("max_rows", self.max_rows)
        job.setdefault("max_bytes", self.max_bytes)
        try:
            return self.pool.run(client, **job)
        except (QueryTimeout, QueryStopped, PoolBusy) as err:
            return Reply.text(503, str(err))

    def answer(self, params: dict, accept: str | None, client: str = "local") -> Reply:
        """Answer a SPARQL Protocol request (``params`` as from ``parse_qs``)."""
        if "update" in params:
            return Reply.text(403, _READ_ONLY)
        texts = params.get("query", [])
        if len(texts) != 1 or not texts[0].strip():
            return Reply.text(400, "give exactly one query: /query?query=SELECT...")
        refused = check_query(texts[0])
        if refused:
            return Reply.text(400, f"query refused: {refused}")
        if is_update(texts[0]):
            return Reply.text(403, _READ_ONLY)
        graphs = {key: tuple(params.get(key, ())) for key in ("default-graph-uri", "named-graph-uri")}
        for key, iris in graphs.items():
            for iri in iris:
                try:
                    ox.NamedNode(iri)
                except ValueError as err:
                    return Reply.text(400, f"bad {key} {iri!r}: {err}")
        fmt = (params.get("format") or [None])[0]
        job = dict(query=texts[0], accept=accept, fmt=None if fmt == "html" else fmt,
                   default_graphs=graphs["default-graph-uri"], named_graphs=graphs["named-graph-uri"])
        return self._maybe_html(job, fmt, "query results", client)

    def _maybe_html(self, job: dict, fmt: str | None, title: str, client: str) -> Reply:
        if fmt != "html":
            return self.run(client, **job)
        job.update(fmt=None, accept="application/sparql-results+json, text/turtle;q=0.9")
        reply = self.run(client, **job)
        if reply.status != 200:
            return reply
        truncated = "X-Truncated" in reply.headers
        if reply.content_type.startswith("text/turtle"):
            body = page(title, f"<h1>{html.escape(title)}</h1><p><a href=\"/\">back</a></p>"
                               f"<pre>{html.escape(reply.body.decode('utf-8'))}</pre>")
        else:
            body = results_page(title, json.loads(reply.body), truncated)
        return Reply(200, "text/html; charset=utf-8", body, reply.headers)

    def select(self, query: str, bindings: dict | None = None, client: str = "local") -> list[dict]:
        """Rows of a SELECT run in the pool, as rdflib terms (for name lookups)."""
        from .remote import rows_from_json
        from .store import with_values
        reply = self.run(client, query=with_values(query, bindings), fmt="json")
        if reply.status == 503:
            raise _Busy(reply)
        if reply.status != 200:
            raise LookupError(reply.body.decode("utf-8").strip())
        return rows_from_json(json.loads(reply.body))

    def answer_library(self, name: str, params: dict, accept: str | None, client: str = "local") -> Reply:
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
            bindings = bind(EndpointNames(lambda q, b=None: self.select(q, b, client)), query, values)
            text = with_values(query.text, bindings)  # raises ValueError on an IRI that is not one
        except _Busy as busy:
            return busy.reply
        except (QueryError, LookupError, ValueError) as err:
            return Reply.text(400, f"bad parameter: {err.args[0] if err.args else err}")
        job = dict(query=text, accept=accept, fmt=fmt)
        return self._maybe_html(job, fmt, f"{name}: {query.summary}", client)


def _wildcard(host: str) -> bool:
    return host in ("0.0.0.0", "::")


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
        if not path.is_file():
            print(f"cdkg serve: {path} does not exist or is not a file", file=sys.stderr)
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
    from .stores import StoreSpecError, parse_spec
    try:
        parse_spec(args.store)
    except StoreSpecError as err:
        print(f"cdkg serve: {err}", file=sys.stderr)
        return 2
    graph = _graph_file(args)
    if graph is None:
        return 2 if args.graph else 1  # a missing file named by the user is bad input; a failed build is not
    if _wildcard(args.host) or not (args.host == "localhost" or ipaddress.ip_address(args.host).is_loopback):
        print(f"cdkg serve: warning: listening on {args.host}: anyone who can reach it can query "
              "(there is no authentication)", file=sys.stderr)
    try:
        endpoint = Endpoint(graph, args.store, args.host, args.port, args.timeout, args.max_rows, args.workers,
                            reload=args.reload, log=not args.quiet, max_bytes=args.max_bytes,
                            memory_mb=args.memory_limit, allowed_hosts=args.allow_host, cors=args.cors)
    except (StoreSpecError, RuntimeError, OSError) as err:
        print(f"cdkg serve: {err}", file=sys.stderr)
        return 1
    print(f"serving {endpoint.pool.triples} triples from {graph} at {endpoint.url}/ "
          f"(SPARQL: {endpoint.query_url}; time limit {args.timeout:g} s, row cap {args.max_rows}, "
          f"byte cap {args.max_bytes}, memory limit {args.memory_limit} MiB, {args.workers} workers); "
          "Ctrl-C stops", file=sys.stderr, flush=True)
    signal.signal(signal.SIGTERM, _stop)
    try:
        endpoint.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        endpoint.close()
    return 0


def _number(kind, low, high, what):
    """An argparse type: a ``kind`` number within [low, high], or a one-line error naming the range."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or (kind is float and not math.isfinite(value)) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {what}, not {text!r}")
        return value
    return parse


def _host(text: str) -> str:
    """An argparse type: an IP address (brackets allowed around IPv6) or localhost."""
    if text == "localhost":
        return text
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an IP address (127.0.0.1, ::1, 0.0.0.0, ...) or localhost, "
                                         f"not {text!r}") from None


def _one_line_error(parser):
    """Make argparse's errors one line (``cdkg serve: argument --port: ...``), exit code 2."""
    def error(message):
        print(f"cdkg serve: {message}", file=sys.stderr)
        raise SystemExit(2)
    parser.error = error


def add_parser(sub) -> None:
    """Add ``cdkg serve`` to the command line's sub-parsers; every flag is checked before anything starts."""
    help_text = "serve the built graph as a read-only SPARQL 1.1 endpoint, with the query library at /"
    from .cli import add_command
    p = add_command(sub, "serve", help_text, "cdkg serve --port 7878 --timeout 10  "
                                             "(then: curl 'http://127.0.0.1:7878/query?query=ASK%7B%7D')")
    _one_line_error(p)
    p.add_argument("--graph", help="graph file to serve (default: dist/graph-inferred.nt, built if missing)")
    p.add_argument("--store", default="memory", metavar="SPEC",
                   help="'memory' (default) or 'oxigraph:PATH', an on-disk store loaded if empty")
    p.add_argument("--reload", action="store_true", help="reload an on-disk store from --graph")
    p.add_argument("--host", default="127.0.0.1", type=_host,
                   help="address to listen on, IPv4 or IPv6 (default: 127.0.0.1; ::1 for IPv6 loopback)")
    p.add_argument("--port", type=_number(int, 0, 65535, "a port number from 0 to 65535"), default=DEFAULT_PORT,
                   help=f"port (default: {DEFAULT_PORT}; 0 picks a free one)")
    p.add_argument("--timeout", type=_number(float, 0.001, 86_400, "a number of seconds above 0"),
                   default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"time limit per query; its worker is killed after it (default: {DEFAULT_TIMEOUT:g})")
    p.add_argument("--max-rows", type=_number(int, 1, 10**9, "a row count of at least 1"), default=DEFAULT_MAX_ROWS,
                   metavar="N", help=f"row cap per answer (default: {DEFAULT_MAX_ROWS})")
    p.add_argument("--max-bytes", type=_number(int, 1024, 2**40, "a byte count of at least 1024"),
                   default=DEFAULT_MAX_BYTES, metavar="N", help=f"byte cap per answer (default: {DEFAULT_MAX_BYTES})")
    p.add_argument("--memory-limit", type=_number(int, 16, 2**20, "a number of MiB of at least 16"),
                   default=DEFAULT_MEMORY_MB, metavar="MIB",
                   help=f"memory a worker may grow by for one query; past it the query is stopped "
                        f"(default: {DEFAULT_MEMORY_MB})")
    p.add_argument("--workers", type=_number(int, 1, 64, "a worker count from 1 to 64"),
                   default=min(4, os.cpu_count() or 2),
                   help="queries that can run at once, one process each (default: CPUs, at most 4)")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="also accept requests whose Host header names NAME (repeatable; '*' for any); "
                        "loopback names and the --host address are always accepted")
    p.add_argument("--cors", nargs="?", const="*", default=None, metavar="ORIGIN",
                   help="send CORS headers allowing ORIGIN (default when given: *); none without this flag")
    p.add_argument("--quiet", action="store_true", help="do not log each request")
    p.set_defaults(func=_serve)
