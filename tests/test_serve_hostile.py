"""`cdkg serve` tried as an attacker would, on loopback: outbound calls, memory, bytes, starvation,
parser bombs, HTTP framing, Host and CORS, flags.

Each endpoint runs in this process on a free loopback port; every loop here
is bounded in count and time.
"""

import http.client
import json
import socket
import threading
import time
import urllib.parse

import pytest

from graph.cli import main
from graph.guards import is_update
from graph.serve import Endpoint

#: ~2,000 labels cubed: about 10^10 rows, minutes of streaming in a few MiB (a join over all
#: triples holds one side in memory: over 64 MiB once the curated graph passed 50,000 triples).
HEAVY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a <http://www.w3.org/2000/01/rdf-schema#label> ?c . "
         "?d <http://www.w3.org/2000/01/rdf-schema#label> ?f . ?g <http://www.w3.org/2000/01/rdf-schema#label> ?i }")
ASK = "ASK { ?s ?p ?o }"


def request(url, method="GET", path="/query", params=None, body=None, headers=None, source=None, timeout=60):
    """(status, headers, body) of one request over a fresh connection, from ``source`` (a loopback address)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    try:
        target = path + ("?" + urllib.parse.urlencode(params) if params else "")
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def raw(url, data: bytes, wait=3.0) -> bytes:
    """Send raw bytes; return everything the server sends until it closes (or ``wait`` seconds pass)."""
    parts = urllib.parse.urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=wait) as sock:
        sock.sendall(data)
        received = b""
        deadline = time.monotonic() + wait
        try:
            while time.monotonic() < deadline:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        except socket.timeout:
            pass
    return received


@pytest.fixture(scope="module")
def limited(curated):
    out, _ = curated
    with Endpoint(out / "graph-inferred.nt", port=0, workers=2, timeout=5, memory_mb=64, max_bytes=4096,
                  idle_timeout=1, pool_options={"long_after": 0.5}) as running:
        yield running


def _listener():
    """A loopback listener that records every connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    seen = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                seen.append(conn.recv(1000))
                conn.close()
            except OSError:
                pass
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    return server, seen, stop, thread


# -- no outbound connection ------------------------------------------------------------------

@pytest.mark.parametrize("form", [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?x ?y ?z . {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
], ids=["plain", "lower-silent", "code-point-escape", "nested"])
def test_service_is_refused_and_the_listener_receives_nothing(limited, form):
    server, seen, stop, thread = _listener()
    try:
        url = f"http://127.0.0.1:{server.getsockname()[1]}/x"
        status, headers, body = request(limited.url, params={"query": form.format(url=url)})
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join()
        server.close()
    assert status == 400
    assert body == b"query refused: SERVICE (federated query) is refused: this endpoint makes no outbound connections\n"
    assert seen == []


def test_the_word_service_in_a_string_or_a_name_is_not_refused(limited):
    query = 'PREFIX ex: <urn:> SELECT ?service WHERE { ?service ex:SERVICE "SERVICE" }'
    assert request(limited.url, params={"query": query})[0] == 200


# -- memory and bytes --------------------------------------------------------------------------

def test_a_query_past_the_memory_limit_is_stopped_with_503(limited):
    before = limited.pool.stopped["memory"]
    status, headers, body = request(limited.url, params={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } "
                                                                  "ORDER BY ?c ?f"})
    assert status == 503 and headers["retry-after"] == "5"
    assert body == b"query stopped: it needed more than 64 MiB of memory (the limit per query)\n"
    assert limited.pool.stopped["memory"] == before + 1
    assert request(limited.url, params={"query": ASK})[0] == 200


def test_one_row_over_the_byte_cap_is_503(limited):
    query = "SELECT (GROUP_CONCAT(STR(?s)) AS ?all) WHERE { ?s ?p ?o }"
    status, _, body = request(limited.url, params={"query": query})
    assert (status, body) == (503, b"answer refused: the answer's first row alone is over the byte cap of 4096 bytes\n")


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"])
def test_many_rows_are_cut_at_the_byte_cap_and_the_headers_say_so(limited, accept):
    status, headers, body = request(limited.url, params={"query": "SELECT * WHERE { ?s ?p ?o }"},
                                    headers={"Accept": accept})
    assert status == 200 and 2000 < len(body) <= 4096
    assert (headers["x-truncated"], headers["x-truncated-by"], headers["x-max-bytes"]) == ("true", "bytes", "4096")


# -- parser bombs and the update check ---------------------------------------------------------

def test_deep_nesting_is_refused_before_the_engine(limited):
    killed = limited.pool.killed
    status, _, body = request(limited.url, params={"query": "SELECT * WHERE " + "{" * 3000 + "}" * 3000})
    assert (status, body) == (400, b"query refused: the query nests 3000 levels of brackets; the limit is 64\n")
    assert limited.pool.killed == killed
    assert request(limited.url, params={"query": ASK})[0] == 200


def test_a_900_kb_body_of_comments_is_refused_for_its_size(limited):
    body = ("# a comment\n" * 75_000).encode()
    status, _, answer = request(limited.url, "POST", body=body,
                                headers={"Content-Type": "application/sparql-query"})
    assert (status, answer) == (400, b"query refused: the query is 900000 bytes; the limit is 65536\n")


def test_update_check_reads_a_long_prologue_of_comments():
    assert is_update("# c\n" * 50_000 + "PREFIX x: <urn:x> INSERT DATA { <urn:a> <urn:b> <urn:c> }") is True
    assert is_update("# c\n" * 50_000 + "SELECT * WHERE { ?s ?p ?o }") is False


# -- HTTP framing and connections ---------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    b"Content-Length: abc\r\n",
    b"Content-Length: -1\r\n",
    b"Content-Length: 5\r\nContent-Length: 7\r\n",
    b"Transfer-Encoding: gzip\r\n",
], ids=["not-a-number", "negative", "two-lengths", "unknown-encoding"])
def test_malformed_framing_is_400_and_the_connection_closed(limited, headers):
    answer = raw(limited.url, b"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                              + headers + b"\r\nASK {}")
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert answer.count(b"HTTP/1.1") == 1


def test_length_and_chunked_together_smuggle_nothing(limited):
    smuggled = b"GET /query?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    answer = raw(limited.url, b"POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
                              b"Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n"
                              + f"{len(smuggled):x}\r\n".encode() + smuggled + b"\r\n0\r\n\r\n" + smuggled)
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert answer.count(b"HTTP/1.1 ") == 1 and b"both Content-Length and Transfer-Encoding" in answer


def test_an_idle_connection_is_closed(limited):
    parts = urllib.parse.urlsplit(limited.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        start = time.monotonic()
        assert sock.recv(100) == b""  # closed by the server, after its 1 s idle timeout
        assert time.monotonic() - start < 8


# -- Host, CORS, IPv6 -------------------------------------------------------------------------

def test_an_unknown_host_name_is_refused(limited):
    port = urllib.parse.urlsplit(limited.url).port
    status, _, body = request(limited.url, params={"query": ASK}, headers={"Host": f"rebind.example:{port}"})
    assert status == 403 and body.startswith(b"Host 'rebind.example:")
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
        assert request(limited.url, params={"query": ASK}, headers={"Host": host})[0] == 200, host


def test_no_cors_headers_unless_asked(limited):
    _, headers, _ = request(limited.url, params={"query": ASK}, headers={"Origin": "http://example.org"})
    assert not any(name.lower().startswith("access-control") for name in headers)
    assert request(limited.url, "OPTIONS")[0] == 405


def test_cors_and_an_extra_host_when_asked_on_ipv6_loopback(curated):
    out, _ = curated
    with Endpoint(out / "graph-inferred.nt", host="::1", port=0, workers=1, cors="*",
                  allowed_hosts=["kg.example"], pool_options={"spare": False}) as ep:
        assert ep.url.startswith("http://[::1]:")
        status, headers, body = request(ep.url, params={"query": ASK}, headers={"Host": "kg.example"})
        assert status == 200 and json.loads(body)["boolean"] is True
        assert headers["access-control-allow-origin"] == "*"
        status, headers, _ = request(ep.url, "OPTIONS", headers={"Origin": "http://example.org",
                                                                 "Access-Control-Request-Method": "POST"})
        assert status == 204 and headers["access-control-allow-methods"] == "GET, POST"


# -- fairness and busy --------------------------------------------------------------------------

def test_heavy_clients_do_not_starve_a_light_one(limited):
    first = {}
    worker = threading.Thread(target=lambda: first.update(reply=request(limited.url, params={"query": HEAVY},
                                                                        source="127.0.0.2")))
    worker.start()
    deadline = time.monotonic() + 10
    while limited.pool._long == 0 and time.monotonic() < deadline:  # the first heavy query takes the long lane
        time.sleep(0.05)
    status, headers, body = request(limited.url, params={"query": HEAVY}, source="127.0.0.3")
    assert status == 503 and headers["retry-after"] == "5"
    assert body == b"query stopped after 0.5 s: the 1 slot(s) for long queries are taken; retry later\n"
    again = HEAVY.replace(" ", "  ") + "  # the same query, spaced out"
    second = threading.Thread(target=request, args=(limited.url,), kwargs={"params": {"query": again},
                                                                           "source": "127.0.0.3"})
    second.start()  # a stopped query text: waits for the long lane, which the first heavy query holds
    for source in ("127.0.0.4", "127.0.0.3"):  # a quick query of the stopped client still runs
        status, _, body = request(limited.url, params={"query": ASK}, source=source)
        assert (status, json.loads(body)) == (200, {"head": {}, "boolean": True}), source
    time.sleep(0.3)
    assert second.is_alive() and worker.is_alive()
    worker.join(timeout=30)
    second.join(timeout=30)
    assert first["reply"][0] == 503 and first["reply"][2] == b"query stopped after the time limit of 5 s\n"


def test_a_busy_pool_is_503_with_retry_after_never_400(curated):
    out, _ = curated
    with Endpoint(out / "graph-inferred.nt", port=0, workers=1, timeout=3,
                  pool_options={"spare": False, "wait_timeout": 1}) as ep:
        heavy = threading.Thread(target=request, args=(ep.url,), kwargs={"params": {"query": HEAVY}})
        heavy.start()
        time.sleep(0.3)
        status, headers, body = request(ep.url, path="/library/regulators_of_platform",
                                        params={"platform": "Alipay"})
        heavy.join(timeout=30)
    assert status == 503 and headers["retry-after"] == "5", body
    assert body.startswith(b"all 1 query workers stayed busy for 1 s")


def test_a_bad_iri_parameter_or_graph_is_400(limited):
    status, _, body = request(limited.url, path="/library/regulators_of_platform", params={"platform": "http://a b"})
    assert (status, body) == (400, b"bad parameter: parameter platform is not a valid IRI: 'http://a b'\n")
    status, _, body = request(limited.url, params={"query": ASK, "default-graph-uri": "not an iri"})
    assert (status, body) == (400, b"bad default-graph-uri 'not an iri': Invalid IRI code point ' '\n")


# -- flags ------------------------------------------------------------------------------------

@pytest.mark.parametrize("flag,value,message", [
    ("--timeout", "-1", "argument --timeout: must be a number of seconds above 0, not '-1'"),
    ("--timeout", "nan", "argument --timeout: must be a number of seconds above 0, not 'nan'"),
    ("--workers", "0", "argument --workers: must be a worker count from 1 to 64, not '0'"),
    ("--max-rows", "0", "argument --max-rows: must be a row count of at least 1, not '0'"),
    ("--max-bytes", "10", "argument --max-bytes: must be a byte count of at least 1024, not '10'"),
    ("--memory-limit", "1", "argument --memory-limit: must be a number of MiB of at least 16, not '1'"),
    ("--port", "70000", "argument --port: must be a port number from 0 to 65535, not '70000'"),
    ("--host", "example.org", "argument --host: must be an IP address (127.0.0.1, ::1, 0.0.0.0, ...) "
                              "or localhost, not 'example.org'"),
])
def test_every_flag_is_checked_with_a_one_line_error(capsys, monkeypatch, flag, value, message):
    def never(*args, **kwargs):
        raise AssertionError("the endpoint was started despite the bad flag")
    monkeypatch.setattr("graph.serve.Endpoint", never)
    with pytest.raises(SystemExit) as done:
        main(["serve", flag, value])
    assert done.value.code == 2
    assert capsys.readouterr().err == f"cdkg serve: {message}\n"


def test_a_bad_store_spec_is_a_one_line_error(capsys):
    assert main(["serve", "--store", "nosuch:x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cdkg serve: ") and err.count("\n") == 1


def test_a_long_query_under_the_size_limit_is_answered_by_get(limited):
    query = "ASK { ?s ?p ?o } # " + "x" * 40_000 + "\n"
    status, _, body = request(limited.url, params={"query": query})
    assert (status, json.loads(body)) == (200, {"head": {}, "boolean": True})
