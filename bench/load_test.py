"""A bounded load test of ``cdkg serve``: concurrent clients on loopback, latency percentiles, errors.

Starts ``cdkg serve`` on a free loopback port (or uses ``--url``), then runs
``--clients`` threads for ``--duration`` seconds (at most ``--max-requests``
requests in all), each sending the query library's parameterless queries and an
entity lookup in turn over a keep-alive connection. Every answer must be a 200
with a SPARQL JSON body; anything else counts as an error. Writes the summary
to bench/results/load-*.md and .json.

``--attack`` adds ``--attackers`` clients (default 2) looping heavy queries (a
three-way cross join, a sorted two-way one that needs gigabytes, a huge
GROUP_CONCAT) beside the library clients (default 10 in this mode). Each client
sends from its own loopback address (127.0.0.2, 127.0.0.3, ... for attackers,
127.0.1.x for library clients), as distinct users would. The run passes when
the library clients get at least 99% success and a p99 of at most 2 s.

Example:
    .venv/bin/python bench/load_test.py --clients 20 --duration 30
    .venv/bin/python bench/load_test.py --attack --duration 30
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent


def requests_to_send() -> list[str]:
    """Request paths: every parameterless library query, and a name lookup through the library route."""
    from graph.query import library
    paths = [("/query?" + urllib.parse.urlencode({"query": q.text})) for q in library().values() if not q.params]
    paths.append("/library/entity_by_name?" + urllib.parse.urlencode({"name": "data", "format": "json"}))
    return paths


HEAVY = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f",
    "SELECT (GROUP_CONCAT(STR(?c)) AS ?all) WHERE { ?a ?b ?c . ?d ?e ?f }",
]


def heavy_paths() -> list[str]:
    return ["/query?" + urllib.parse.urlencode({"query": q}) for q in HEAVY]


def client(base: str, paths: list[str], stop_at: float, budget: threading.Semaphore, out: list,
           source: str | None = None) -> None:
    """Send requests until the deadline or the shared budget runs out; record (seconds, status or error)."""
    parts = urllib.parse.urlsplit(base)
    address = (source, 0) if source else None
    connect = lambda: http.client.HTTPConnection(parts.hostname, parts.port, timeout=120,  # noqa: E731
                                                 source_address=address)
    conn = connect()
    i = 0
    while time.monotonic() < stop_at and budget.acquire(blocking=False):
        path = paths[i % len(paths)]
        i += 1
        start = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Accept": "application/sparql-results+json"})
            response = conn.getresponse()
            body = response.read()
            ok = response.status == 200 and ("results" in json.loads(body) or "boolean" in json.loads(body))
            out.append((time.perf_counter() - start, response.status if ok else f"bad {response.status}"))
        except Exception as err:  # counted as an error, then a fresh connection
            out.append((time.perf_counter() - start, f"{type(err).__name__}"))
            conn.close()
            conn = connect()
    conn.close()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank method."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def summarise(results: list, elapsed: float) -> dict:
    """Counts, errors and latency percentiles of the 200 answers."""
    latencies = [s for s, status in results if status == 200]
    errors = [status for _, status in results if status != 200]
    ms = lambda q: round(percentile(latencies, q) * 1000, 1) if latencies else None  # noqa: E731
    return {"requests": len(results), "throughput_per_s": round(len(results) / elapsed, 1),
            "errors": len(errors), "error_kinds": sorted(set(map(str, errors))),
            "success_pct": round(100 * len(latencies) / len(results), 2) if results else None,
            "p50_ms": ms(50), "p90_ms": ms(90), "p99_ms": ms(99),
            "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
            "mean_ms": round(statistics.mean(latencies) * 1000, 1) if latencies else None}


def run(base: str, clients: int, duration: float, max_requests: int, attackers: int = 0,
        one_address: bool = False) -> dict:
    """Run the clients (and the attackers, each from its own loopback address unless ``one_address``)."""
    paths = requests_to_send()
    results: list = []
    attacks: list = []
    budget = threading.Semaphore(max_requests)
    stop_at = time.monotonic() + duration
    source = (lambda i: f"127.0.1.{i + 1}") if attackers and not one_address else (lambda i: None)
    attacker = (lambda i: None) if one_address else (lambda i: f"127.0.0.{i + 2}")
    threads = [threading.Thread(target=client, args=(base, paths, stop_at, budget, results, source(i)))
               for i in range(clients)]
    attack = [threading.Thread(target=client, args=(base, heavy_paths()[i % len(HEAVY):] + heavy_paths(), stop_at,
                                                    budget, attacks, attacker(i)))
              for i in range(attackers)]
    start = time.perf_counter()
    for t in attack + threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start  # of the library clients; an attacker's last request may wait on
    for t in attack:
        t.join()
    summary = {"clients": clients, "duration_s": round(elapsed, 1), **summarise(results, elapsed),
               "distinct_requests": len(paths)}
    if attackers:
        kinds: dict = {}
        for _, status in attacks:
            kinds[str(status)] = kinds.get(str(status), 0) + 1
        summary.update(attackers=attackers, attack_requests=len(attacks), attack_answers=kinds,
                       one_address=one_address)
    return summary


def start_server(graph: str | None, workers: int) -> tuple[subprocess.Popen, str]:
    """Start ``cdkg serve`` on a free loopback port; return the process and its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "graph.cli", "serve", "--port", str(port), "--quiet", "--workers", str(workers)]
    if graph:
        command += ["--graph", graph]
    server = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    line = server.stderr.readline()
    while line and not line.startswith("serving"):  # a build of dist/ first, when it is missing
        line = server.stderr.readline()
    if "serving" not in line:
        server.kill()
        raise SystemExit(f"cdkg serve did not start: {line}{server.stderr.read()}")
    print(line.strip(), file=sys.stderr)
    return server, f"http://127.0.0.1:{port}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog="Example: .venv/bin/python bench/load_test.py --clients 20 --duration 30")
    parser.add_argument("--url", help="an endpoint already running (base URL); default: start cdkg serve")
    parser.add_argument("--graph", help="graph file for the server it starts (default: dist/graph-inferred.nt)")
    parser.add_argument("--workers", type=int, default=2, help="query workers of the server it starts (default 2)")
    parser.add_argument("--clients", type=int, help="library clients (default 20; 10 with --attack)")
    parser.add_argument("--attack", action="store_true", help="add clients looping heavy queries")
    parser.add_argument("--attackers", type=int, default=2, help="heavy-query clients with --attack (default 2)")
    parser.add_argument("--one-address", action="store_true",
                        help="with --attack, send every client from 127.0.0.1 (users behind one proxy)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds (default 30)")
    parser.add_argument("--max-requests", type=int, default=50_000, help="stop after this many requests in all")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    server = None
    if args.url:
        base = args.url.rstrip("/")
    else:
        server, base = start_server(args.graph, args.workers)
    try:
        clients = args.clients or (10 if args.attack else 20)
        summary = run(base, clients, args.duration, args.max_requests, args.attackers if args.attack else 0,
                      args.one_address)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
    summary["date"] = dt.datetime.now().isoformat(timespec="minutes")
    summary["workers"] = None if args.url else args.workers
    print(json.dumps(summary, indent=1))
    args.out.mkdir(parents=True, exist_ok=True)
    name = args.out / f"load-{'attack-' if args.attack else ''}{dt.datetime.now():%Y%m%d-%H%M}"
    name.with_suffix(".json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    rows = "\n".join(f"| {k} | {v} |" for k, v in summary.items())
    name.with_suffix(".md").write_text(f"# Load test of cdkg serve\n\n| | |\n|---|---|\n{rows}\n", encoding="utf-8")
    if args.attack:
        return 0 if summary["success_pct"] >= 99 and summary["p99_ms"] <= 2000 else 1
    return 0 if summary["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
