"""A bounded load test of ``cdkg serve``: concurrent clients on loopback, latency percentiles, errors.

Starts ``cdkg serve`` on a free loopback port (or uses ``--url``), then runs
``--clients`` threads for ``--duration`` seconds (at most ``--max-requests``
requests in all), each sending the query library's parameterless queries and an
entity lookup in turn over a keep-alive connection. Every answer must be a 200
with a SPARQL JSON body; anything else counts as an error. Writes the summary
to bench/results/load-*.md and .json.

Example:
    .venv/bin/python bench/load_test.py --clients 20 --duration 30
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


def client(base: str, paths: list[str], stop_at: float, budget: threading.Semaphore, out: list) -> None:
    """Send requests until the deadline or the shared budget runs out; record (seconds, status or error)."""
    parts = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
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
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    conn.close()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank method."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def run(base: str, clients: int, duration: float, max_requests: int) -> dict:
    """Run the clients; return the summary."""
    paths = requests_to_send()
    results: list = []
    budget = threading.Semaphore(max_requests)
    stop_at = time.monotonic() + duration
    threads = [threading.Thread(target=client, args=(base, paths, stop_at, budget, results)) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    latencies = [s for s, status in results if status == 200]
    errors = [status for _, status in results if status != 200]
    return {"clients": clients, "duration_s": round(elapsed, 1), "requests": len(results),
            "throughput_per_s": round(len(results) / elapsed, 1), "errors": len(errors),
            "error_kinds": sorted(set(map(str, errors))),
            "p50_ms": round(percentile(latencies, 50) * 1000, 1) if latencies else None,
            "p90_ms": round(percentile(latencies, 90) * 1000, 1) if latencies else None,
            "p99_ms": round(percentile(latencies, 99) * 1000, 1) if latencies else None,
            "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
            "mean_ms": round(statistics.mean(latencies) * 1000, 1) if latencies else None,
            "distinct_requests": len(paths)}


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
    parser.add_argument("--clients", type=int, default=20)
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
        summary = run(base, args.clients, args.duration, args.max_requests)
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
    summary["date"] = dt.datetime.now().isoformat(timespec="minutes")
    summary["workers"] = None if args.url else args.workers
    print(json.dumps(summary, indent=1))
    args.out.mkdir(parents=True, exist_ok=True)
    name = args.out / f"load-{dt.datetime.now():%Y%m%d-%H%M}"
    name.with_suffix(".json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    rows = "\n".join(f"| {k} | {v} |" for k, v in summary.items())
    name.with_suffix(".md").write_text(f"# Load test of cdkg serve\n\n| | |\n|---|---|\n{rows}\n", encoding="utf-8")
    return 0 if summary["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
