"""``cdkg push``: load the built graph into any SPARQL 1.1 store, over the Graph Store Protocol.

The graph (``dist/graph-inferred.nt``: asserted plus inferred) is sent as
N-Triples, which every Turtle parser reads, with HTTP ``PUT`` (replace the
graph) and then ``POST`` (add to it) in chunks, to the store's Graph Store
Protocol URL with ``?graph=IRI`` (a named graph) or ``?default``:

============  ==============================================================
store         URL
============  ==============================================================
Oxigraph      ``http://HOST:7878/store``
Virtuoso      ``http://HOST:8890/sparql-graph-crud-auth`` (digest auth; name a graph)
Fuseki        ``http://HOST:3030/DATASET/data``
GraphDB       ``http://HOST:7200/repositories/REPO/rdf-graphs/service``
============  ==============================================================

Triples that mention a blank node all go in one request, so a blank node
never splits in two across chunks.

>>> target_url("http://h/store", None)
'http://h/store?default'
>>> target_url("http://h/store", "https://w3id.org/cdkg/graph")
'http://h/store?graph=https%3A%2F%2Fw3id.org%2Fcdkg%2Fgraph'
"""

from __future__ import annotations

import base64
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .paths import DIST

__all__ = ["push", "target_url", "ntriples_chunks", "Pushed", "PushError", "CONTENT_TYPE"]

CONTENT_TYPE = "text/turtle; charset=utf-8"  # N-Triples is Turtle; every GSP store takes Turtle
DEFAULT_CHUNK = 100_000  # triples per request


class PushError(RuntimeError):
    """The store refused or could not be reached; the message says why."""


@dataclass
class Pushed:
    """What a push sent: triples, HTTP requests (the first, empty, settles authentication), seconds, URL."""

    triples: int
    requests: int
    seconds: float
    url: str


def target_url(url: str, graph_iri: str | None) -> str:
    """The Graph Store Protocol URL for a graph: ``URL?graph=IRI``, or ``URL?default``.

    A URL that already names its graph (``graph=``, ``graph-uri=`` or ``default``)
    is kept as it is.

    Examples
    --------
    >>> target_url("http://h/sparql-graph-crud-auth?graph-uri=urn:g", "urn:other")
    'http://h/sparql-graph-crud-auth?graph-uri=urn:g'
    """
    query = urllib.parse.urlsplit(url).query
    names = {part.split("=", 1)[0] for part in query.split("&") if part}
    if names & {"graph", "graph-uri", "default"}:
        return url
    tail = "default" if graph_iri is None else "graph=" + urllib.parse.quote(graph_iri, safe="")
    return url + ("&" if query else "?") + tail


def _lines(graph: Path) -> list[bytes]:
    """The graph file's triples as N-Triples lines (a .nt file is read as it is)."""
    if graph.suffix == ".nt":
        data = graph.read_bytes()
    else:
        from .stores import FORMATS
        if graph.suffix not in FORMATS:
            raise PushError(f"{graph}: unknown RDF format; use one of {', '.join(FORMATS)}")
        try:
            quads = ox.parse(path=str(graph), format=FORMATS[graph.suffix])
            data = ox.serialize((quad.triple for quad in quads), format=ox.RdfFormat.N_TRIPLES)
        except SyntaxError as err:
            raise PushError(f"{graph}: {err}") from None
    return [line for line in data.splitlines() if line.strip() and not line.startswith(b"#")]


def ntriples_chunks(lines: list[bytes], size: int = DEFAULT_CHUNK) -> list[bytes]:
    """Split N-Triples lines into request bodies of at most ``size`` triples.

    Lines with a blank node all go into the first body (whatever its size),
    so that each blank node is one node in the store.

    Examples
    --------
    >>> [len(c.splitlines()) for c in ntriples_chunks([b"<a:x> <a:p> _:b .", b"<a:x> <a:p> <a:y> ."] * 3, 2)]
    [3, 2, 1]
    """
    blank = [line for line in lines if b"_:" in line]
    named = [line for line in lines if b"_:" not in line]
    chunks = [blank] if blank else []
    chunks += [named[i:i + size] for i in range(0, len(named), size)]
    return [b"\n".join(chunk) + b"\n" for chunk in chunks] or [b""]


class _Credentials:
    """Answers a store's basic or digest challenge up front, so each large body is sent once.

    urllib's own handlers send a request unauthenticated, wait for the 401 and
    send it again; a store may close the connection on the 401 before a large
    body has been read (Virtuoso does), which breaks the upload.
    """

    def __init__(self, url: str, user: str | None, password: str | None):
        self.user, self.password = user, password or ""
        manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        parts = urllib.parse.urlsplit(url)
        manager.add_password(None, f"{parts.scheme}://{parts.netloc}/", user, self.password)
        self._digest = urllib.request.HTTPDigestAuthHandler(manager)
        self.challenge: tuple[str, dict] | None = None

    def learn(self, error: urllib.error.HTTPError) -> None:
        """Remember the challenge of a 401 (digest preferred)."""
        offered = {}
        for value in error.headers.get_all("WWW-Authenticate") or []:
            scheme, _, rest = value.strip().partition(" ")
            offered[scheme.lower()] = urllib.request.parse_keqv_list(urllib.request.parse_http_list(rest))
        scheme = "digest" if "digest" in offered else "basic" if "basic" in offered else None
        self.challenge = (scheme, offered[scheme]) if scheme else None

    def authorize(self, request: urllib.request.Request) -> None:
        """Add the Authorization header that answers the known challenge."""
        if self.challenge is None or self.user is None:
            return
        scheme, params = self.challenge
        if scheme == "digest":
            value = self._digest.get_authorization(request, params)
            if value:
                request.add_unredirected_header("Authorization", "Digest " + value)
        else:
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")
            request.add_unredirected_header("Authorization", "Basic " + token)


def _request(method: str, url: str, body: bytes, credentials: _Credentials, timeout: float) -> None:
    """Send one request; on a 401 learn the challenge and send it once more, authorised."""
    for attempt in (1, 2):
        request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": CONTENT_TYPE})
        credentials.authorize(request)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
            return
        except urllib.error.HTTPError as err:
            if err.code == 401 and attempt == 1 and credentials.user is not None:
                credentials.learn(err)
                continue
            detail = err.read().decode("utf-8", "replace").strip()[:1000]
            hint = {401: " (the store wants --user and --password)" if credentials.user is None
                    else " (wrong --user or --password?)", 403: " (this user may not write here)"}.get(err.code, "")
            raise PushError(f"{method} {url} answered {err.code} {err.reason}{hint}: {detail}") from None
        except (urllib.error.URLError, OSError) as err:
            raise PushError(f"cannot reach {url}: {getattr(err, 'reason', err)}") from None


def push(url: str, graph=None, graph_iri: str | None = None, user: str | None = None,
         password: str | None = None, append: bool = False, chunk: int = DEFAULT_CHUNK,
         timeout: float = 600.0) -> Pushed:
    """Send a graph file to a store's Graph Store Protocol URL.

    Parameters
    ----------
    url : str
        The store's Graph Store Protocol URL (see the table above).
    graph : str or Path, optional
        The file to send (default ``dist/graph-inferred.nt``); other formats
        are converted to N-Triples first.
    graph_iri : str, optional
        The named graph to fill; the store's default graph if None.
    user, password : str, optional
        Credentials for basic or digest authentication (Virtuoso uses digest).
    append : bool
        Add to the graph instead of replacing it (the first request is then a
        POST instead of a PUT).
    chunk : int
        Triples per request.
    timeout : float
        Seconds to wait for each request.

    Returns
    -------
    Pushed

    Raises
    ------
    PushError
        When the file cannot be read or the store refuses a request.
    """
    graph = Path(graph) if graph else DIST / "graph-inferred.nt"
    if not graph.exists():
        raise PushError(f"{graph} does not exist; run `cdkg build` first")
    start = time.perf_counter()
    lines = _lines(graph)
    target = target_url(url, graph_iri)
    credentials = _Credentials(url, user, password)
    _request("POST", target, b"", credentials, timeout)  # adds nothing; settles authentication first
    bodies = ntriples_chunks(lines, chunk)
    for number, body in enumerate(bodies):
        _request("PUT" if number == 0 and not append else "POST", target, body, credentials, timeout)
    return Pushed(len(lines), len(bodies) + 1, time.perf_counter() - start, target)


def _push(args) -> int:
    password = args.password if args.password is not None else os.environ.get("CDKG_PUSH_PASSWORD")
    if args.graph and not Path(args.graph).is_file():
        print(f"cdkg push: {args.graph} does not exist; run `cdkg build` first", file=sys.stderr)
        return 2
    try:
        done = push(args.url, args.graph, args.graph_iri, args.user, password, args.append, args.chunk)
    except PushError as err:
        print(f"cdkg push: {err}", file=sys.stderr)
        return 1
    print(f"pushed {done.triples} triples to {done.url} in {done.requests} request(s), "
          f"{done.seconds:.1f} s", file=sys.stderr)
    return 0


def add_parser(sub) -> None:
    """Add ``cdkg push`` to the command line's sub-parsers."""
    help_text = "load the built graph into a SPARQL 1.1 store through the Graph Store Protocol"
    from .cli import add_command
    p = add_command(sub, "push", help_text, "cdkg push http://127.0.0.1:8890/sparql-graph-crud-auth "
                                            "--graph-iri https://w3id.org/cdkg/graph --user dba --password dba")
    p.add_argument("url", help="the store's Graph Store Protocol URL (Oxigraph: http://HOST:7878/store)")
    p.add_argument("--graph", help="graph file to send (default: dist/graph-inferred.nt)")
    p.add_argument("--graph-iri", metavar="IRI", help="named graph to replace (default: the default graph)")
    p.add_argument("--user", help="user for basic or digest authentication")
    p.add_argument("--password", help="password (default: $CDKG_PUSH_PASSWORD)")
    p.add_argument("--append", action="store_true", help="add to the graph instead of replacing it")
    p.add_argument("--chunk", type=int, default=DEFAULT_CHUNK, metavar="N",
                   help=f"triples per request (default: {DEFAULT_CHUNK})")
    p.set_defaults(func=_push)
