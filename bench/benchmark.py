"""Benchmark the build, the query library and the naive baseline at 10k, 100k and 1M triples.

For the curated data and for synthetic data of each size (bench/generate.py,
written in the authored format so the real pipeline runs on it) this times, in
a fresh process per part so that peak memory (``ru_maxrss``) is per part:

* raw Oxigraph bulk-load of the authored Turtle files (the yardstick);
* the pipeline: ``build.py --no-html`` run as its own process, its wall time
  and peak memory measured from outside and each step's time read from its log
  (load, normalise, validate, tabulate, infer, export);
* the views: networkx conversion and HTML rendering of the built graph;
* the query library on pyoxigraph and on an rdflib in-memory Graph;
* the naive baseline: rdflib parse + owlrl OWL-RL closure + pyshacl with
  RDFS inference.

Slow steps run in a forked process under a time limit and are reported as
``>T s`` when they pass it. Results go to bench/results/ (git-ignored) as
Markdown and JSON.

Example:
    .venv/bin/python bench/benchmark.py --sizes 10k,100k,1m
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
#: Synthetic values for each library parameter, by name (entity IRIs exist in every generated size).
PARAMS = {"platform": "id:platform-0", "company": "id:company-0", "authority": "id:reg-0",
          "law": "id:instrument-0", "entity": "id:company-1", "agreement": "id:agreement-0",
          "campaign": "id:fine-0", "indicator": "id:ind-0", "subject": "id:company-0", "object": "id:platform-0",
          "name": "Digital", "date": "2015-06-01", "year": "2015", "from": "2015-01-01", "to": "2015-12-31"}


# -- measuring inside a child process ------------------------------------------------------------

def emit(**record) -> None:
    """Report one measurement to the parent (a JSON line on stdout)."""
    print(json.dumps(record), flush=True)


def peak_mb() -> float:
    """This process's peak resident memory, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(step: str, fn, *args, **kwargs):
    """Run ``fn``, report its seconds under ``step``, return its result."""
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    emit(step=step, seconds=time.perf_counter() - start, peak_mb=peak_mb())
    return result


_PROGRESS = None  # the pipe a forked step writes its progress to


def progress(**fields) -> None:
    """From inside a forked step: report partial results (kept if the step then runs over its limit)."""
    if _PROGRESS is not None:
        os.write(_PROGRESS, (json.dumps(fields) + "\n").encode())


def forked(step: str, timeout: float, fn, *args) -> None:
    """Run ``fn(*args)`` in a forked process, report its seconds or ``timeout`` when it runs over.

    ``fn`` may return a dict of extra fields to report, and call :func:`progress`
    on the way; what it reported before the limit is kept.
    """
    global _PROGRESS
    read, write = os.pipe()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        _PROGRESS = write
        try:
            extra = fn(*args) or {}
            message = {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(), **extra}
        except BaseException as err:  # report, never raise out of the fork
            message = {"error": f"{type(err).__name__}: {str(err)[:300]}"}
        progress(**message)
        os._exit(0)
    os.close(write)
    fields, buffer, deadline, finished = {}, b"", start + timeout, False
    while not finished:
        ready, _, _ = select.select([read], [], [], max(0.0, deadline - time.perf_counter()))
        if not ready:
            break
        chunk = os.read(read, 65536)
        finished = not chunk
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            fields.update(json.loads(line))
    if finished:
        os.waitpid(pid, 0)
        emit(step=step, **(fields or {"error": "no answer"}))
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        fields.pop("seconds", None)
        emit(step=step, timeout=timeout, **fields)
    os.close(read)


# -- the parts (each runs in its own child process) ----------------------------------------------

def part_raw(data: Path, work: Path, size: str, opts) -> None:
    """Oxigraph bulk-load of the authored files: the yardstick for the whole pipeline."""
    import pyoxigraph as ox
    from graph.paths import ONTOLOGY, data_files
    store = ox.Store()
    start = time.perf_counter()
    for path in [ONTOLOGY, *data_files(data)]:
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())
    emit(step="raw bulk-load (authored Turtle)", seconds=time.perf_counter() - start, triples=len(store),
         peak_mb=peak_mb())


_STEP = re.compile(r"^\[(\w+)\s*\] (.*) \((\d+) ms\)$")


def run_build(data: Path, out: Path, html: bool, timeout: float) -> dict:
    """Run ``build.py`` in its own process: wall seconds, peak MB (from wait4), and its log's steps."""
    command = [sys.executable, str(ROOT / "build.py"), "--data", str(data), "--out", str(out)]
    command += [] if html else ["--no-html"]
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        _, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return {"timeout": timeout}
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # max over the children so far: run builds in order
    if child.returncode != 0:
        return {"error": err.strip().splitlines()[-1] if err.strip() else f"exit {child.returncode}"}
    steps = {}
    for line in err.splitlines():
        match = _STEP.match(line)
        if match:
            steps[match.group(1)] = {"seconds": int(match.group(3)) / 1000, "detail": match.group(2)}
    return {"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024, "steps": steps,
            "log": [line for line in err.splitlines() if line.strip()][:8]}


def part_pipeline(data: Path, work: Path, size: str, opts) -> None:
    """``build.py --no-html`` on the data, in its own process (wall time, peak memory, each step)."""
    result = run_build(data, work / f"out-{size}", html=False, timeout=opts.step_timeout)
    for step, record in result.pop("steps", {}).items():
        emit(step=step, **record)
    emit(step="build.py --no-html (wall)", **result)


def _views(out: Path) -> dict:
    import pyoxigraph as ox
    from graph.network import to_networkx
    from graph.render import render_html
    from graph.termgraph import from_quads
    start = time.perf_counter()
    graph = from_quads(ox.parse(path=str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE))
    read = time.perf_counter() - start
    nxgraph = to_networkx(graph)
    converted = time.perf_counter() - start - read
    progress(read_seconds=read, networkx_seconds=converted, nodes=nxgraph.number_of_nodes())
    render_html(nxgraph, out / "view.html")
    return {"read_seconds": read, "networkx_seconds": converted,
            "render_seconds": time.perf_counter() - start - read - converted,
            "nodes": nxgraph.number_of_nodes(), "mb": round((out / "view.html").stat().st_size / 1e6, 1)}


def part_views(data: Path, work: Path, size: str, opts) -> None:
    """The built graph read back, turned into networkx and rendered as the HTML explorer."""
    forked("views (graph.ttl -> networkx -> HTML)", opts.step_timeout, _views, work / f"out-{size}")
    emit(step="peak", peak_mb=peak_mb())


def _library():
    from rdflib import Literal, URIRef
    from rdflib.namespace import XSD
    from graph.namespaces import ID
    from graph.query import library
    cases = []
    for name, query in library().items():
        bindings = {}
        for var, kind in query.params.items():
            value = PARAMS.get(var[1:], "id:company-0")
            if kind == "entity":
                bindings[var] = URIRef(ID[value[3:]]) if value.startswith("id:") else URIRef(value)
            elif kind in ("date", "year"):
                bindings[var] = Literal(value, datatype=XSD.date if kind == "date" else XSD.integer)
            else:
                bindings[var] = Literal(value)
        cases.append((name, query.text, bindings))
    return cases


def part_queries_ox(data: Path, work: Path, size: str, opts) -> None:
    """The query library on pyoxigraph (each query in a fork under ``--ox-timeout``)."""
    import pyoxigraph as ox
    store = ox.Store()
    start = time.perf_counter()
    store.bulk_load(path=str(work / f"out-{size}" / "graph-inferred.nt"), format=ox.RdfFormat.N_TRIPLES)
    emit(step="raw bulk-load (built N-Triples)", seconds=time.perf_counter() - start, triples=len(store))
    for name, text, bindings in _library():
        forked(f"query {name}", opts.ox_timeout, _time_query, store, text, bindings)
    emit(step="peak", peak_mb=peak_mb())


def _time_query(store, text: str, bindings: dict) -> dict:
    """Seconds of one library query on Oxigraph: the median of three runs after a first, if that took < 1 s."""
    from graph.store import select
    start = time.perf_counter()
    rows = select(store, text, bindings)
    runs = [time.perf_counter() - start]
    if runs[0] < 1:
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            rows = select(store, text, bindings)
            runs.append(time.perf_counter() - start)
    return {"seconds": statistics.median(runs), "rows": len(rows), "runs": len(runs)}


def part_queries_rdflib(data: Path, work: Path, size: str, opts) -> None:
    """The query library on an rdflib in-memory Graph, each query under a time limit."""
    from rdflib import Graph
    from graph.store import with_values
    graph = Graph()
    start = time.perf_counter()
    graph.parse(work / f"out-{size}" / "graph-inferred.nt", format="nt")
    emit(step="rdflib parse (built N-Triples)", seconds=time.perf_counter() - start, triples=len(graph))
    for name, text, bindings in _library():
        forked(f"query {name}", opts.rdflib_timeout,
               lambda t=text, b=bindings: {"rows": len(list(graph.query(with_values(t, b))))})
    emit(step="peak", peak_mb=peak_mb())


def part_naive(data: Path, work: Path, size: str, opts) -> None:
    """rdflib parse + owlrl OWL-RL closure + pyshacl with RDFS inference, under one time limit."""
    forked("naive (parse + OWL-RL + pyshacl)", opts.naive_timeout, _naive, data)


def _naive(data: Path) -> dict:
    import owlrl
    import pyshacl
    from rdflib import Graph
    from graph.paths import ONTOLOGY, SHAPES, data_files
    times = {}
    start = time.perf_counter()
    graph = Graph()
    for path in [ONTOLOGY, *data_files(data)]:
        graph.parse(path, format="turtle")
    times["parse_seconds"] = time.perf_counter() - start
    progress(**times, triples=len(graph))
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    times["closure_seconds"] = time.perf_counter() - start - times["parse_seconds"]
    progress(**times, closed_triples=len(graph))
    shapes = Graph().parse(SHAPES, format="turtle")
    pyshacl.validate(graph, shacl_graph=shapes, inference="rdfs", advanced=False)
    times["shacl_seconds"] = time.perf_counter() - start - times["parse_seconds"] - times["closure_seconds"]
    return times


def part_curated(data: Path, work: Path, size: str, opts) -> None:
    """``build.py`` on the curated data (best of three wall times), with and without the HTML view."""
    for label, html in (("curated build.py (with HTML)", True), ("curated build.py --no-html", False)):
        runs = [run_build(data, work / "curated-dist", html=html, timeout=opts.step_timeout) for _ in range(3)]
        failed = [r for r in runs if "seconds" not in r]
        if failed:
            emit(step=label, **failed[0])
            continue
        best = min(runs, key=lambda r: r["seconds"])
        emit(step=label, seconds=best["seconds"], runs=[r["seconds"] for r in runs], peak_mb=best["peak_mb"],
             log=best["log"])


PARTS = {"raw": part_raw, "pipeline": part_pipeline, "views": part_views, "queries-ox": part_queries_ox,
         "queries-rdflib": part_queries_rdflib, "naive": part_naive, "curated": part_curated}


# -- the parent: run every part, then write the tables ----------------------------------------------

def run_part(part: str, data: Path, work: Path, size: str, opts) -> list[dict]:
    """Run one part in a child process; collect its records (whatever it reported before a limit)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", part, "--data", str(data),
               "--work", str(work), "--size", size, "--step-timeout", str(opts.step_timeout),
               "--naive-timeout", str(opts.naive_timeout), "--rdflib-timeout", str(opts.rdflib_timeout),
               "--ox-timeout", str(opts.ox_timeout)]
    print(f"[{size}] {part} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    records = []
    deadline = start + opts.part_timeout
    while True:
        ready, _, _ = select.select([child.stdout], [], [], max(0.0, deadline - time.perf_counter()))
        if not ready:
            child.kill()
            records.append({"step": "(part stopped)", "timeout": opts.part_timeout})
            break
        line = child.stdout.readline()
        if not line:
            break
        records.append(json.loads(line))
        print(f"    {line.strip()[:160]}", file=sys.stderr, flush=True)
    child.wait()
    if child.returncode not in (0, None) and not any("timeout" in r for r in records):
        records.append({"step": "(part failed)", "error": f"exit code {child.returncode}"})
    print(f"[{size}] {part} done in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    return records


def machine() -> str:
    """One line about the machine and the library versions."""
    from importlib.metadata import version
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))) / 1024 / 1024
    libs = ", ".join(f"{p} {version(p)}" for p in ("pyoxigraph", "rdflib", "pyshacl", "owlrl", "networkx"))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; {libs}; load average at start {load}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog="Example: .venv/bin/python bench/benchmark.py --sizes 10k,100k")
    parser.add_argument("--sizes", default="10k,100k,1m", help="comma-separated: 10k, 100k, 1m")
    parser.add_argument("--parts", default=",".join(p for p in PARTS if p != "curated"),
                        help="which parts to run for each size")
    parser.add_argument("--no-curated", action="store_true", help="skip the curated build and its baseline")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "cdkg-bench")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--step-timeout", type=float, default=300, help="seconds per slow step (default 300)")
    parser.add_argument("--naive-timeout", type=float, default=300, help="seconds for the naive run (default 300)")
    parser.add_argument("--rdflib-timeout", type=float, default=20, help="seconds per rdflib query (default 20)")
    parser.add_argument("--ox-timeout", type=float, default=60, help="seconds per Oxigraph query (default 60)")
    parser.add_argument("--part-timeout", type=float, default=2400, help="seconds per part (default 2400)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--size", help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    if opts.child:
        sys.setrecursionlimit(10_000)  # pyshacl/owlrl recurse deeply on big graphs
        PARTS[opts.child](opts.data, opts.work, opts.size, opts)
        return 0
    return run_all(opts)


def run_all(opts) -> int:
    import generate
    from graph.paths import DATA
    opts.work.mkdir(parents=True, exist_ok=True)
    opts.out.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now()
    results = {"date": started.isoformat(timespec="minutes"), "machine": machine(), "sizes": {}}
    if not opts.no_curated:
        results["curated"] = {p: run_part(p, DATA, opts.work, "curated", opts)
                              for p in ("curated", "raw", "naive")}
    for size in opts.sizes.split(","):
        data = opts.work / f"data-{size}"
        units = generate.units_for(SIZES[size])
        stamp = data / ".units"
        if not stamp.exists() or stamp.read_text() != str(units):
            generate.generate(data, units)
            stamp.write_text(str(units))
        results["sizes"][size] = {p: run_part(p, data, opts.work, size, opts) for p in opts.parts.split(",")}
    results["seconds"] = (dt.datetime.now() - started).total_seconds()
    name = f"benchmark-{started:%Y%m%d-%H%M}"
    (opts.out / f"{name}.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    from report import markdown
    (opts.out / f"{name}.md").write_text(markdown(results), encoding="utf-8")
    print(f"wrote {opts.out / name}.md and .json ({results['seconds']:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
