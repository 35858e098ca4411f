"""The endpoint's HTTP side: an ASGI app served by uvicorn with h11, hardened at the edges.

- **Framing** is h11's: a malformed, negative or doubled-and-conflicting
  ``Content-Length`` or an unknown ``Transfer-Encoding`` is a 400 and the
  connection is closed; a request carrying both ``Content-Length`` and
  ``Transfer-Encoding`` is refused (400, connection closed), so nothing can
  be smuggled behind it. Bodies over :data:`MAX_BODY` are 413; a body that
  does not arrive within :data:`BODY_TIMEOUT` seconds is 408; a request line
  and headers over :data:`MAX_HEAD` bytes are 400.
- **Connections**: one event loop, no thread per connection; a connection
  idle for ``idle_timeout`` seconds is closed, counted from when it opens
  (uvicorn counts only between requests); past ``max_connections`` a request
  is answered 503.
- **Host**: only the names in ``allowed_hosts`` (loopback names by default),
  so a web page's DNS rebinding cannot reach the endpoint (403).
- **CORS** headers only with ``cors`` (``cdkg serve --cors``).
- Queries run in a thread pool that waits on the query workers
  (:mod:`graph.workers`), never on the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .answer import Reply
from .pages import CSP

__all__ = ["App", "HttpServer", "listen", "host_allowed", "LOOPBACK_NAMES", "MAX_BODY", "BODY_TIMEOUT"]

MAX_BODY = 1_000_000  # bytes of a POSTed query
BODY_TIMEOUT = 10.0  # seconds for a request body to arrive
MAX_HEAD = 128 * 1024  # bytes of a request line and headers: a GET of a query near the 64 KiB limit fits
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


class _Protocol(H11Protocol):
    """h11 as uvicorn runs it, with the idle timer started when a connection opens."""

    def connection_made(self, transport):
        super().connection_made(transport)
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)


def host_allowed(host: str | None, allowed) -> bool:
    """Is the ``Host`` header's name (port stripped) in ``allowed`` (``*`` allows any)?

    >>> host_allowed("127.0.0.1:7878", LOOPBACK_NAMES), host_allowed("[::1]:80", LOOPBACK_NAMES)
    (True, True)
    >>> host_allowed("evil.example:7878", LOOPBACK_NAMES), host_allowed(None, LOOPBACK_NAMES)
    (False, False)
    """
    if "*" in allowed:
        return True
    if not host:
        return False
    host = host.strip().lower()
    if host.startswith("["):
        name = host[1:host.find("]")] if "]" in host else host
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return name.rstrip(".") in allowed


class App:
    """The ASGI application: checks a request, reads its body, and hands it to ``respond`` in a thread.

    ``respond(method, path, query_string, headers, body, client) -> Reply``
    is :meth:`graph.serve.Endpoint.respond`.
    """

    def __init__(self, respond, allowed_hosts=LOOPBACK_NAMES, cors: str | None = None, threads: int = 64):
        self.respond = respond
        self.allowed_hosts = {h.lower() for h in allowed_hosts}
        self.cors = cors
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="cdkg-request")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        headers: dict[str, list[str]] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name.decode("latin-1"), []).append(value.decode("latin-1"))
        reply, close = await self._answer(scope, headers, receive)
        await self._send(send, scope["method"], reply, close)

    async def _answer(self, scope, headers, receive) -> tuple[Reply, bool]:
        method = scope["method"]
        host = headers.get("host", [None])[0]
        if not host_allowed(host, self.allowed_hosts):
            return Reply.text(403, f"Host {host!r} is not allowed here; start the endpoint with "
                                   "--allow-host NAME to serve that name"), True
        if "content-length" in headers and "transfer-encoding" in headers:
            return Reply.text(400, "a request may not carry both Content-Length and Transfer-Encoding"), True
        if method == "OPTIONS":
            return (Reply(204, "text/plain", b"") if self.cors else Reply.text(405, "OPTIONS is answered only "
                                                                                "with --cors")), False
        if method not in ("GET", "HEAD", "POST"):
            return Reply.text(405, "this endpoint is read-only: use GET or POST"), False
        body = b""
        if method == "POST":
            length = headers.get("content-length", ["0"])[0]
            if int(length) > MAX_BODY:  # h11 has checked it is digits
                return Reply.text(413, f"request body over {MAX_BODY} bytes"), True
            try:
                body = await asyncio.wait_for(_read_body(receive), BODY_TIMEOUT)
            except asyncio.TimeoutError:
                return Reply.text(408, f"the request body did not arrive within {BODY_TIMEOUT:g} s"), True
            if body is None:
                return Reply.text(413, f"request body over {MAX_BODY} bytes"), True
        client = (scope.get("client") or ("local", 0))[0]
        flat = {name: values[0] for name, values in headers.items()}
        call = functools.partial(self.respond, method, scope["path"], scope["query_string"].decode("latin-1"),
                                 flat, body, client)
        try:
            return await asyncio.get_running_loop().run_in_executor(self.executor, call), False
        except Exception as err:  # a bug must still get an answer, never an empty reply
            return Reply.text(500, f"internal error: {type(err).__name__}: {err}"), False

    async def _send(self, send, method: str, reply: Reply, close: bool) -> None:
        headers = [(b"content-type", reply.content_type.encode()),
                   (b"content-length", str(len(reply.body)).encode()),
                   (b"x-content-type-options", b"nosniff")]
        if reply.content_type.startswith("text/html"):
            headers.append((b"content-security-policy", CSP.encode()))
        if reply.status == 503:
            headers.append((b"retry-after", b"5"))
        if self.cors:
            headers += [(b"access-control-allow-origin", self.cors.encode()),
                        (b"access-control-expose-headers", b"X-Truncated, X-Truncated-By, X-Max-Rows, X-Max-Bytes")]
            if method == "OPTIONS":
                headers += [(b"access-control-allow-methods", b"GET, POST"),
                            (b"access-control-allow-headers", b"Accept, Content-Type"),
                            (b"access-control-max-age", b"600")]
        if close:
            headers.append((b"connection", b"close"))
        headers += [(name.lower().encode(), str(value).encode()) for name, value in reply.headers.items()]
        await send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else reply.body})


async def _read_body(receive) -> bytes | None:
    """The request body, or None past MAX_BODY."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host`` (an IPv4 or IPv6 address, or localhost) and ``port``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(("127.0.0.1" if host == "localhost" else host, port))
        sock.listen(512)
    except BaseException:
        sock.close()
        raise
    return sock


class HttpServer:
    """uvicorn (h11) serving an :class:`App` on a socket, in this thread or a background one."""

    def __init__(self, app: App, sock: socket.socket, idle_timeout: float = 5.0, max_connections: int = 256,
                 log: bool = False):
        self.app, self.socket = app, sock
        config = uvicorn.Config(app, http=_Protocol, ws="none", lifespan="off", proxy_headers=False,
                                server_header=False, access_log=log, log_level="info" if log else "warning",
                                log_config=uvicorn.config.LOGGING_CONFIG if log else None,
                                timeout_keep_alive=idle_timeout, limit_concurrency=max_connections,
                                h11_max_incomplete_event_size=MAX_HEAD, timeout_graceful_shutdown=2)
        self.server = uvicorn.Server(config)
        self._thread = None

    def serve_forever(self) -> None:
        """Serve until :meth:`stop`, SIGINT or SIGTERM."""
        self.server.run(sockets=[self.socket])

    def start(self) -> None:
        """Serve from a background thread; return once it listens."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True, name="cdkg-serve")
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.socket.close()
        self.app.executor.shutdown(wait=False, cancel_futures=True)
