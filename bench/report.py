"""Turn the JSON of bench/benchmark.py into the Markdown report (tables and targets).

Example:
    .venv/bin/python bench/report.py bench/results/benchmark-20261124-2300.json
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

#: The steps build.py logs, in order.
STEPS = ["load", "normalise", "validate", "tabulate", "infer", "export"]
WALL = "build.py --no-html (wall)"
RAW = "raw bulk-load (authored Turtle)"
VIEWS = "views (graph.ttl -> networkx -> HTML)"


def find(records: list[dict], step: str) -> dict | None:
    return next((r for r in records if r.get("step") == step), None)


def cell(record: dict | None) -> str:
    """A measurement as text: seconds, ``>T s`` past a limit, or the error."""
    if record is None:
        return "not reached"
    if "timeout" in record:
        return f">{record['timeout']:.0f} s"
    if "error" in record:
        return "error: " + record["error"][:60]
    seconds = record["seconds"]
    if seconds < 0.01:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.0f} s"






def peak(records: list[dict]) -> float:
    return max((r.get("peak_mb", 0) for r in records), default=0)




def query_times(records: list[dict]) -> dict[str, float | None]:
    """Seconds per library query (None past the time limit)."""
    return {r["step"][6:]: (None if "timeout" in r or "error" in r else r["seconds"])
            for r in records if r.get("step", "").startswith("query ")}




def _gb(mb: float) -> str:
    return f"{mb / 1024:.2f} GB" if mb else "– (stopped)"


def _detail(records: list[dict], step: str, pattern: str) -> str:
    """A number from a step's log detail, e.g. the triple count of 'normalise'."""
    import re
    record = find(records, step)
    match = re.search(pattern, record.get("detail", "")) if record else None
    return f"{int(match.group(1)):,}" if match else "?"


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s" if value < 10 else f"{value:.0f} s"


def pipeline_table(sizes: dict) -> list[str]:
    names = [s for s in sizes if "pipeline" in sizes[s]]
    if not names:
        return []
    lines = ["### The pipeline (`build.py --no-html`, its own process)", "",
             "| step | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for step in STEPS:
        lines.append(f"| {step} | " + " | ".join(cell(find(sizes[s]["pipeline"], step)) for s in names) + " |")
    walls = [find(sizes[s]["pipeline"], WALL) for s in names]
    raws = [find(sizes[s].get("raw", []), RAW) for s in names]
    ratio = [f"{w['seconds'] / r['seconds']:.0f}×" if w and r and "seconds" in w and "seconds" in r else "?"
             for w, r in zip(walls, raws)]
    lines += ["| **whole process, wall** (start-up and summary included) | " + " | ".join(
                  f"**{cell(w)}**" for w in walls) + " |",
              "| raw Oxigraph bulk-load of the same files | " + " | ".join(cell(r) for r in raws) + " |",
              "| pipeline ÷ raw bulk-load | " + " | ".join(ratio) + " |",
              "| asserted / inferred triples | " + " | ".join(
                  f"{_detail(sizes[s]['pipeline'], 'normalise', r'([0-9]+) triples')} / "
                  f"{_detail(sizes[s]['pipeline'], 'infer', r'([0-9]+) triples')}" for s in names) + " |",
              "| peak memory of the build process | " + " | ".join(
                  _gb(w.get("peak_mb", 0)) if w else "?" for w in walls) + " |", ""]
    views = [s for s in names if sizes[s].get("views")]
    if views:
        lines += ["### The views (read graph.ttl, networkx conversion, HTML rendering)", "",
                  "| | " + " | ".join(views) + " |", "|---" * (len(views) + 1) + "|"]
        for key, label in (("read_seconds", "read graph.ttl into a TermGraph"),
                           ("networkx_seconds", "networkx conversion"), ("render_seconds", "HTML rendering")):
            row = []
            for s in views:
                rec = find(sizes[s]["views"], VIEWS)
                row.append(_seconds(rec[key]) if rec and key in rec else
                           (f">{rec['timeout']:.0f} s" if rec and "timeout" in rec else "–"))
            lines.append(f"| {label} | " + " | ".join(row) + " |")
        lines.append("| entities (nodes) / page size | " + " | ".join(
            f"{(find(sizes[s]['views'], VIEWS) or {}).get('nodes', '?'):,} / "
            f"{(find(sizes[s]['views'], VIEWS) or {}).get('mb', '?')} MB" for s in views) + " |")
        lines.append("")
    return lines


def _spread(records: list[dict]) -> tuple[list[float], int, float]:
    """Query seconds (a timed-out query counts as its limit), how many timed out, and the limit."""
    times = query_times(records)
    limit = next((r["timeout"] for r in records if "timeout" in r and r.get("step", "").startswith("query ")), 0)
    return sorted(v if v is not None else limit for v in times.values()), sum(v is None for v in times.values()), limit


def _summary(values: list[float], over: int, limit: float) -> str:
    med, p90 = statistics.median(values), values[int(0.9 * (len(values) - 1))]
    mark = lambda v: ">" if over and v >= limit else ""  # noqa: E731
    return (f"{mark(med)}{med * 1000:.1f} / {mark(p90)}{p90 * 1000:.0f} / "
            f"{mark(values[-1])}{values[-1] * 1000:.0f} ms")


def query_table(sizes: dict) -> list[str]:
    names = list(sizes)
    lines = ["### Query library (every query of queries/*.rq, parameters bound)", "",
             "| | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    rows = {"Oxigraph p50 / p90 / max": [], "rdflib Graph p50 / p90 / max": [], "rdflib ÷ Oxigraph at p50": [],
            "queries past the limit (Oxigraph, rdflib)": []}
    for s in names:
        ox, ox_over, ox_limit = _spread(sizes[s].get("queries-ox", []))
        rd, rd_over, rd_limit = _spread(sizes[s].get("queries-rdflib", []))
        rows["Oxigraph p50 / p90 / max"].append(_summary(ox, ox_over, ox_limit) if ox else "not run")
        rows["rdflib Graph p50 / p90 / max"].append(_summary(rd, rd_over, rd_limit) if rd else "not run")
        if ox and rd:
            ratio = statistics.median(rd) / statistics.median(ox)
            rows["rdflib ÷ Oxigraph at p50"].append(f"{'≥' if rd_over else ''}{ratio:.0f}×")
        else:
            rows["rdflib ÷ Oxigraph at p50"].append("–")
        rows["queries past the limit (Oxigraph, rdflib)"].append(
            f"{ox_over}{f' (>{ox_limit:.0f} s)' if ox_over else ''}, {rd_over}{f' (>{rd_limit:.0f} s)' if rd_over else ''}")
    for key, values in rows.items():
        lines.append(f"| {key} | " + " | ".join(values) + " |")
    return lines + [""]


def per_query_table(sizes: dict, size: str) -> list[str]:
    ox = sizes[size].get("queries-ox", [])
    rd = sizes[size].get("queries-rdflib", [])
    lines = [f"### Each query at {size}", "", "| query | rows | Oxigraph | rdflib Graph |", "|---|---|---|---|"]
    for record in ox:
        if record.get("step", "").startswith("query "):
            lines.append(f"| {record['step'][6:]} | {record.get('rows', '')} | {cell(record)} | "
                         f"{cell(find(rd, record['step']))} |")
    return lines + [""]


def naive_table(results: dict) -> list[str]:
    names = (["curated"] if "curated" in results else []) + list(results["sizes"])
    parts = {**({"curated": results["curated"]} if "curated" in results else {}), **results["sizes"]}
    lines = ["### Naive baseline: rdflib parse + owlrl OWL-RL closure + pyshacl (RDFS inference)", "",
             "| | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for key, label in (("parse_seconds", "rdflib parse"), ("closure_seconds", "owlrl OWL-RL closure"),
                       ("shacl_seconds", "pyshacl (inference rdfs)")):
        row = []
        for n in names:
            rec = find(parts[n].get("naive", []), "naive (parse + OWL-RL + pyshacl)")
            row.append(f"{rec[key]:.1f} s" if rec and key in rec else "–")
        lines.append(f"| {label} | " + " | ".join(row) + " |")
    lines.append("| **total** | " + " | ".join(
        f"**{cell(find(parts[n].get('naive', []), 'naive (parse + OWL-RL + pyshacl)'))}**" for n in names) + " |")
    lines.append("| peak memory | " + " | ".join(_gb(peak(parts[n].get("naive", []))) for n in names) + " |")
    return lines + [""]


def curated_lines(curated: dict) -> list[str]:
    records = curated.get("curated", [])
    lines = ["### Curated data (ontology/data)", ""]
    for label in ("curated build.py (with HTML)", "curated build.py --no-html"):
        rec = find(records, label)
        runs = ", ".join(f"{x:.2f}" for x in rec.get("runs", [])) if rec else ""
        lines.append(f"- `{label.split(' ', 1)[1]}`: **{cell(rec)}** wall, Python start-up included "
                     f"(best of three: {runs} s; peak {_gb(rec.get('peak_mb', 0)) if rec else '?'})")
    raw = find(curated.get("raw", []), RAW)
    if raw:
        lines.append(f"- raw Oxigraph bulk-load of the same files: {cell(raw)} ({raw.get('triples', 0):,} triples)")
    rec = find(records, "curated build.py (with HTML)")
    if rec and rec.get("log"):
        lines += ["", "The build's own log (best run, with HTML):", "", "```", *rec["log"], "```"]
    return lines + [""]


def targets(results: dict) -> list[str]:
    """The targets of issue 8, each with the measured number and met or missed."""
    lines = ["## Targets", "", "| target | measured | |", "|---|---|---|"]
    curated = results.get("curated", {})
    build = find(curated.get("curated", []), "curated build.py (with HTML)")
    naive = find(curated.get("naive", []), "naive (parse + OWL-RL + pyshacl)")
    if build and "seconds" in build:
        lines.append(f"| curated full build ≤ 2 s wall (`build.py`, HTML included) | {build['seconds']:.2f} s | "
                     f"{'met' if build['seconds'] <= 2 else 'missed'} |")
        if naive and ("seconds" in naive or "timeout" in naive):
            naive_s = naive.get("seconds", naive.get("timeout"))
            ratio = naive_s / build["seconds"]
            status = "met" if ratio >= 10 else "missed" if "seconds" in naive else "not shown (naive stopped)"
            lines.append(f"| curated build ≥ 10× faster than naive | {cell(naive)} vs {build['seconds']:.2f} s "
                         f"= {'≥' if 'timeout' in naive else ''}{ratio:.0f}× | {status} |")
    big = results["sizes"].get("1m")
    if big:
        raw, wall = find(big.get("raw", []), RAW), find(big.get("pipeline", []), WALL)
        if raw and wall and "seconds" in raw and "seconds" in wall:
            ratio = wall["seconds"] / raw["seconds"]
            lines.append(f"| 1M: full pipeline ≤ 4× raw bulk-load | {cell(wall)} vs {raw['seconds']:.2f} s = "
                         f"{ratio:.0f}× | {'met' if ratio <= 4 else 'missed'} |")
            gb = wall.get("peak_mb", 0) / 1024
            lines.append(f"| 1M: peak memory ≤ 2 GB | {gb:.2f} GB | {'met' if gb <= 2 else 'missed'} |")
        small = results["sizes"].get("100k")
        small_wall = find(small.get("pipeline", []), WALL) if small else None
        if small_wall and wall and "seconds" in small_wall and "seconds" in wall:
            factor = wall["seconds"] / small_wall["seconds"]
            lines.append(f"| cost linear in size (100k → 1M, 10× the triples) | {cell(small_wall)} → {cell(wall)} "
                         f"= {factor:.1f}× | {'met' if factor <= 12 else 'missed'} |")
        ox, ox_over, _ = _spread(big.get("queries-ox", []))
        rd, rd_over, _ = _spread(big.get("queries-rdflib", []))
        if ox:
            med = statistics.median(ox)
            lines.append(f"| 1M: query library p50 ≤ 50 ms on Oxigraph | {med * 1000:.1f} ms | "
                         f"{'met' if med <= 0.05 else 'missed'} |")
            if rd:
                rmed = statistics.median(rd)
                ratio = rmed / med
                lines.append(f"| 1M: ≥ 50× faster than rdflib at p50 | {'>' if rd_over else ''}{rmed * 1000:.0f} ms "
                             f"vs {med * 1000:.1f} ms = {'≥' if rd_over else ''}{ratio:.0f}× | "
                             f"{'met' if ratio >= 50 else 'missed'} |")
    return lines + [""]


def markdown(results: dict) -> str:
    """The whole report."""
    sizes = results["sizes"]
    lines = ["# Benchmark", "", f"Run {results['date']} on {results['machine']}; "
             f"the whole run took {results.get('seconds', 0) / 60:.0f} min.", ""]
    lines += targets(results)
    lines += ["## Tables", ""]
    if "curated" in results:
        lines += curated_lines(results["curated"])
    lines += pipeline_table(sizes)
    lines += query_table(sizes)
    if sizes:
        lines += per_query_table(sizes, list(sizes)[-1])
    lines += naive_table(results)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    data = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print(markdown(data))
