"""The build: load -> normalise -> validate -> infer -> export -> release files, into dist/ atomically.

Each step prints its name, a count and its time on stderr. Outputs are first
written to a staging folder beside ``dist/`` and published only when every
step has passed, so a failed build leaves the previous ``dist/`` as it was.
Publishing (:mod:`graph.publish`) takes a lock, so one build publishes at a
time, and swaps a link atomically, so a reader never finds ``dist/`` missing.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import forked
from .errors import BuildError, DataError
from .export import Tables, asserted_outputs, write_outputs
from .infer import infer_in_store
from .parse import Origins, load_files, load_into_store
from .release_files import stamp, write_release_files
from .normalize import normalize, normalize_store
from .namespaces import KG, slug
from .paths import DATA, DIST, ONTOLOGY, data_files
from .publish import build_lock, clean_stale, discard, new_staging, prune, publish
from .termgraph import TermGraph, from_quads
from .validate import Validation

__all__ = ["Asserted", "Build", "assemble", "build", "infer", "prepare", "swap_in"]


@dataclass
class Build:
    """What a build produced: the store, the tables made from the asserted graph, and counts.

    ``store`` holds the asserted and inferred triples in its default graph.
    ``graph`` (the asserted triples) and ``inferred`` (only the inferred ones)
    are read-only :class:`~graph.termgraph.TermGraph` views of rdflib terms,
    made on first use: a big build that does not ask for them never holds its
    triples as Python objects.
    """

    store: ox.Store
    tables: Tables
    origins: Origins
    summary: dict = field(default_factory=dict)
    _graph: TermGraph | None = field(default=None, repr=False)
    _inferred: TermGraph | None = field(default=None, repr=False)

    @property
    def graph(self) -> TermGraph:
        if self._graph is None:
            self._graph = from_quads(ox.parse(self.tables.files["graph.ttl"], format=ox.RdfFormat.TURTLE))
        return self._graph

    @property
    def inferred(self) -> TermGraph:
        if self._inferred is None:
            asserted = self.graph
            self._inferred = TermGraph(t for t in from_quads(self.store.quads_for_pattern(
                None, None, None, ox.DefaultGraph())) if t not in asserted)
        return self._inferred


def _step(log, name: str, start: float, detail: str) -> float:
    now = time.perf_counter()
    if log:
        print(f"[{name:<9}] {detail} ({(now - start) * 1000:.0f} ms)", file=log)
    return now


def _explain_structure(files):
    """Re-read ``files`` with rdflib and run the reference normaliser, which names each problem."""
    def explain():
        authored, origins = load_files(files)
        normalize(authored, origins)
    return explain


def prepare(data_dir: Path = DATA, ontology: Path = ONTOLOGY, log=None, normalised=None) -> Build:
    """Load, normalise, validate and tabulate inside one Oxigraph store; raise BuildError on any problem.

    The SPARQL checks run in two threads while this thread makes the tables
    (:class:`graph.validate.Validation`); a problem the checks find is raised before
    any error the tables met on the same data. The graph is not inferred yet,
    and its JSON-LD waits in ``tables`` (:meth:`~graph.export.Tables.complete`).
    ``normalised(store)``, if given, is called once the asserted graph is
    complete, before the checks start (the build forks its early steps there).
    """
    t = time.perf_counter()
    files = [ontology, *data_files(data_dir)]
    store = ox.Store()
    origins = load_into_store(files, store)
    t = _step(log, "load", t, f"{len(files)} files, {len(store)} triples")
    claims = normalize_store(store, explain=_explain_structure(files))
    t = _step(log, "normalise", t, f"{claims} claims named, {len(store)} triples")
    stamp(store)  # the ontology's version, from graph/release.py
    if normalised is not None:
        normalised(store)
    validation = Validation(store, origins)  # its checks run in two threads from here
    try:
        tables = asserted_outputs(store, defer_jsonld=True)
    except Exception:
        validation.result()  # the data's problem, named, rather than what it broke in the tables
        raise
    tabulated = _step(log, "tabulate", t, f"{tables.summary['entities']} entities, "
                      f"{tables.summary['relations']} relation rows")
    checks = validation.result()
    tables.summary.update(checks)
    _step(log, "validate", t, f"SHACL {checks['shapes']}, {checks['checks']} checks passed, "
          f"{(tabulated - t) * 1000:.0f} ms of it beside the tables")
    return Build(store, tables, origins, dict(tables.summary))


def infer(result: Build, log=None) -> Build:
    """Add the closure to ``result.store`` (after :func:`prepare`)."""
    t = time.perf_counter()
    count = infer_in_store(result.store)
    result.summary["inferred"] = count
    _step(log, "infer", t, f"{count} triples inferred")
    return result


def assemble(data_dir: Path = DATA, ontology: Path = ONTOLOGY, log=None) -> Build:
    """Load, normalise, validate, tabulate and infer inside one Oxigraph store; raise BuildError on any problem.

    The tables and the asserted graph files are made after validation and
    before inference, from the same store, so the asserted triples never need
    a second copy.
    """
    result = infer(prepare(data_dir, ontology, log), log)
    result.tables.complete()
    return result


def swap_in(staging: Path, out: Path) -> None:
    """Publish ``staging`` (a folder beside ``out``) as ``out``: one atomic rename of a link."""
    publish(staging, out)


class Asserted:
    """What a step that reads only the asserted graph gets when it starts before validation.

    ``store`` is the store after normalisation (the child's copy, made by the
    fork); ``graph`` its default graph as a TermGraph: the triples of ``graph.ttl``.
    """

    def __init__(self, store: ox.Store):
        self.store = store

    @property
    def graph(self) -> TermGraph:
        return from_quads(self.store.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def _warm_up(steps) -> threading.Thread:
    """Start a thread running each step's ``warm_up()`` (imports, compiled templates), errors ignored.

    Oxigraph lets go of the GIL while it loads and normalises, so this runs on
    the other core at no cost to the main line, and the forked children inherit
    what it prepared. A warm-up that fails changes nothing: the step itself
    meets the same problem and reports it. Join the thread before forking.
    """
    def run():
        for step in steps:
            try:
                getattr(step, "warm_up", lambda: None)()
            except Exception:  # noqa: BLE001 - the step reports it when it runs
                pass
    thread = threading.Thread(target=run, name="warm-up", daemon=True)
    thread.start()
    return thread


def build(out: Path = DIST, data_dir: Path = DATA, log=sys.stderr, extra_steps=()) -> Build:
    """Run the whole pipeline and write every output into ``out``.

    ``extra_steps`` are callables ``step(build, staging_dir)`` (the HTML view,
    the site) run in forked children (:mod:`graph.forked`); they write into the
    staging folder, so their failure also leaves ``out`` untouched. A step
    marked ``asserted_only`` (it reads only ``build.graph``) starts as soon as
    the graph is normalised, beside validation, with an :class:`Asserted`; the
    others start after inference, beside the export. A build that fails stops
    them all. A step's ``warm_up()``, if it has one, runs in a thread from the
    start (see :func:`_warm_up`).
    """
    start = time.perf_counter()
    out = Path(out).absolute()
    early = [s for s in extra_steps if getattr(s, "asserted_only", False)] if forked.can_fork() else []
    late = [s for s in extra_steps if s not in early]
    with build_lock(out, log):
        warming = _warm_up(extra_steps)
        clean_stale(out)
        staging = new_staging(out)
        running = []
        try:
            def begin(store):
                warming.join()  # no thread may run across a fork
                if early:
                    running.append(forked.start(early, Asserted(store), staging))
            result = infer(prepare(data_dir, log=log, normalised=begin), log)
            t = time.perf_counter()
            warming.join()
            if late:  # each reads what it needs in its own process
                running.append(forked.start(late, result, staging))
            result.tables.complete()  # the JSON-LD, beside the forked steps
            result.summary = write_outputs(result.tables, staging, result.summary, result.store)
            t = _step(log, "export", t, f"{len(result.summary['files'])} files")
            for steps in running:
                for name, detail, seconds in steps.wait():
                    if log:
                        print(f"[{name:<9}] {detail} ({seconds * 1000:.0f} ms, in its own process)", file=log)
            t = time.perf_counter()
            prune(staging)  # what the version written over held and this build did not write
            # last: the dataset description lists every file in the staging folder
            t = _step(log, "release", t, write_release_files(result, staging, previous=out if out.is_dir() else None))
            publish(staging, out)
        except BaseException:
            for steps in running:
                steps.stop()
            discard(staging, out)
            raise
    if log:
        _summary(result, log, out, time.perf_counter() - start)
    return result


def _summary(result: Build, log, out: Path, seconds: float) -> None:
    facts, s = result.tables.facts, result.summary
    classes = facts.class_counts()
    print(f"\nbuilt {out} in {seconds:.2f} s: {s['entities']} entities, {s['relations']} relation rows, "
          f"{s['observations']} observations", file=log)
    print("entities by class: " + ", ".join(f"{c} {n}" for c, n in sorted(classes.items())), file=log)
    preds = Counter(slug(v["p"]) for v in facts.claims.values() if v["class"] == str(KG.Claim))
    print("claims by predicate: " + ", ".join(f"{p} {n}" for p, n in sorted(preds.items())), file=log)


def report_failure(err: BuildError, log=sys.stderr) -> None:
    """Print a build error the way the command line shows it."""
    if isinstance(err, DataError):
        print(f"build failed: {len(err.problems)} problem(s)", file=log)
        for problem in err.problems:
            print(f"  {problem}", file=log)
    else:
        print(f"build failed: {err}", file=log)
    print("dist/ was left unchanged.", file=log)
