"""The build: load -> normalise -> validate -> infer -> export, into dist/ atomically.

Each step prints its name, a count and its time on stderr. Outputs are first
written to a temporary folder beside ``dist/`` and swapped in only when every
step has passed, so a failed build leaves the previous ``dist/`` as it was.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .errors import BuildError, DataError
from .export import write_outputs
from .infer import asserted_quads, infer_in_store, inferred_quads
from .parse import Origins, load_files, load_into_store
from .normalize import normalize, normalize_store
from .namespaces import KG, RDF, slug
from .paths import DATA, DIST, ONTOLOGY, data_files
from .termgraph import TermGraph, from_quads
from .validate import validate

__all__ = ["Build", "assemble", "build", "swap_in"]


@dataclass
class Build:
    """What a build produced: the asserted graph, the inferred triples, the store, and counts.

    ``graph`` and ``inferred`` are read-only :class:`~graph.termgraph.TermGraph`
    views (rdflib terms); ``store`` is the Oxigraph store the build ran in, with
    the asserted and inferred triples in its default graph.
    """

    graph: TermGraph
    inferred: TermGraph
    origins: Origins
    summary: dict = field(default_factory=dict)
    store: ox.Store | None = None


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


def assemble(data_dir: Path = DATA, ontology: Path = ONTOLOGY, log=None) -> Build:
    """Load, normalise, validate and infer inside one Oxigraph store; raise BuildError on any problem."""
    t = time.perf_counter()
    files = [ontology, *data_files(data_dir)]
    store = ox.Store()
    origins = load_into_store(files, store)
    t = _step(log, "load", t, f"{len(files)} files, {len(store)} triples")
    claims = normalize_store(store, explain=_explain_structure(files))
    t = _step(log, "normalise", t, f"{claims} claims named, {len(store)} triples")
    checks = validate(store, origins)
    t = _step(log, "validate", t, f"SHACL {checks['shapes']}, {checks['checks']} checks passed")
    count = infer_in_store(store)
    t = _step(log, "infer", t, f"{count} triples inferred")
    graph, inferred = from_quads(asserted_quads(store)), from_quads(inferred_quads(store))
    return Build(graph, inferred, origins, dict(checks), store)


def swap_in(staging: Path, out: Path) -> None:
    """Replace ``out`` with ``staging`` (same parent folder) with two renames."""
    old = out.with_name(out.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if out.exists():
        out.rename(old)
    staging.rename(out)
    if old.exists():
        shutil.rmtree(old)


def build(out: Path = DIST, data_dir: Path = DATA, log=sys.stderr, extra_steps=()) -> Build:
    """Run the whole pipeline and write every output into ``out``.

    ``extra_steps`` are callables ``step(build, staging_dir)`` run after the
    core outputs are written (the HTML view, for instance); they write into the
    staging folder, so their failure also leaves ``out`` untouched.
    """
    start = time.perf_counter()
    result = assemble(data_dir, log=log)
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    staging.chmod(0o755)
    try:
        t = time.perf_counter()
        result.summary = write_outputs(result.graph, result.inferred, staging, result.summary, result.store)
        t = _step(log, "export", t, f"{len(result.summary['files'])} files")
        for step in extra_steps:
            detail = step(result, staging)
            t = _step(log, getattr(step, "step_name", step.__name__), t, detail or "done")
        swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if log:
        _summary(result, log, out, time.perf_counter() - start)
    return result


def _summary(result: Build, log, out: Path, seconds: float) -> None:
    graph, s = result.graph, result.summary
    entities = set(result.inferred.subjects(RDF.type, KG.Entity)) | set(graph.subjects(RDF.type, KG.Entity))
    classes = Counter(slug(t) for e in entities for t in graph.objects(e, RDF.type))
    print(f"\nbuilt {out} in {seconds:.2f} s: {s['entities']} entities, {s['relations']} relation rows, "
          f"{s['observations']} observations", file=log)
    print("entities by class: " + ", ".join(f"{c} {n}" for c, n in sorted(classes.items())), file=log)
    preds = Counter(slug(p) for c in graph.subjects(RDF.type, KG.Claim) for p in graph.objects(c, RDF.predicate))
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
