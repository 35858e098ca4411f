"""Turn the JSON of bench/benchmark.py into the Markdown report (tables and targets).

Example:
    .venv/bin/python bench/report.py bench/results/benchmark-20261124-2300.json
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

AS_IS = ["load", "normalise", "validate: SHACL (pyshacl)", "validate: check queries", "to Oxigraph store",
         "infer", "export (write_outputs)"]
FIXED = ["load", "normalise", "to Oxigraph store", "validate: SHACL as SPARQL", "validate: check queries (fixed)",
         "infer (diff in Oxigraph)", "export (graph files by Oxigraph, CSV rows)"]
NATIVE = ["load (Oxigraph bulk-load)", "normalise (SPARQL Update)", "validate (SHACL as SPARQL + checks)",
          "infer (rules)", "export (Oxigraph + SPARQL tables)"]
EXTRA = ["networkx conversion", "HTML rendering"]


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


def total(records: list[dict], steps: list[str]) -> tuple[float, bool]:
    """The sum of the steps' seconds, and whether it is only a lower bound (a step timed out or is missing)."""
    seconds, lower = 0.0, False
    for step in steps:
        record = find(records, step)
        if record is None or "error" in record:
            lower = True
        elif "timeout" in record:
            seconds, lower = seconds + record["timeout"], True
        else:
            seconds += record["seconds"]
    return seconds, lower


def fmt_total(seconds: float, lower: bool) -> str:
    return (">" if lower else "") + (f"{seconds:.2f} s" if seconds < 10 else f"{seconds:.0f} s")


def peak(records: list[dict]) -> float:
    return max((r.get("peak_mb", 0) for r in records), default=0)


def count(records: list[dict], step: str) -> str:
    record = find(records, step)
    return f"{record['count']:,}" if record else "?"


def query_times(records: list[dict]) -> dict[str, float | None]:
    """Seconds per library query (None past the time limit)."""
    return {r["step"][6:]: (None if "timeout" in r or "error" in r else r["seconds"])
            for r in records if r.get("step", "").startswith("query ")}


def p50(values) -> tuple[float, bool]:
    """Median, counting a timed-out query as its limit (then the median may be a lower bound)."""
    return statistics.median(values), False


def _asserted(parts: dict, part: str) -> str:
    """The asserted count of a part, or of another part on the same data (native normalisation is verified equal)."""
    for name in (part, "pipeline", "fixed"):
        if find(parts.get(name, []), "asserted triples"):
            return count(parts[name], "asserted triples")
    return "?"


def _gb(mb: float) -> str:
    return f"{mb / 1024:.2f} GB" if mb else "– (stopped)"


def pipeline_table(sizes: dict, part: str, steps: list[str], title: str) -> list[str]:
    names = [s for s in sizes if part in sizes[s]]
    if not names:
        return []
    lines = [f"### {title}", "", "| step | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for step in steps + (EXTRA if part == "pipeline" else []):
        lines.append(f"| {step} | " + " | ".join(cell(find(sizes[s].get(part, []), step)) for s in names) + " |")
    totals = [fmt_total(*total(sizes[s].get(part, []), steps)) for s in names]
    raw = [cell(find(sizes[s].get("raw", []), "raw bulk-load (authored Turtle)")) for s in names]
    ratio = []
    for s in names:
        secs, lower = total(sizes[s].get(part, []), steps)
        raw_rec = find(sizes[s].get("raw", []), "raw bulk-load (authored Turtle)")
        ratio.append(f"{'>' if lower else ''}{secs / raw_rec['seconds']:.0f}×" if raw_rec and "seconds" in raw_rec
                     else "?")
    lines += [f"| **full pipeline (no HTML)** | " + " | ".join(f"**{t}**" for t in totals) + " |",
              "| raw Oxigraph bulk-load of the same files | " + " | ".join(raw) + " |",
              "| pipeline ÷ raw bulk-load | " + " | ".join(ratio) + " |",
              "| asserted / inferred triples | " + " | ".join(
                  f"{_asserted(sizes[s], part)} / {count(sizes[s].get(part, []), 'inferred triples')}"
                  for s in names) + " |",
              "| peak memory (max over the step processes) | " + " | ".join(
                  _gb(peak(sizes[s].get(part, []))) for s in names) + " |", ""]
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
            f"{ox_over} (>{ox_limit:.0f} s), {rd_over} (>{rd_limit:.0f} s)" if ox_over or rd_over else "0, 0")
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
    for label in ("curated build (no HTML)", "curated build (with HTML)"):
        rec = find(records, label)
        runs = ", ".join(f"{x:.2f}" for x in rec.get("runs", [])) if rec else ""
        lines.append(f"- {label}: **{cell(rec)}** (best of three: {runs} s)")
    for part, steps, label in (("fixed", FIXED, "with the prototype fixes (bench/fixes.py)"),
                               ("native", NATIVE, "prototype build inside Oxigraph (bench/native.py)")):
        if curated.get(part):
            detail = "; ".join(f"{s.split(' (')[0]} {cell(find(curated[part], s))}" for s in steps)
            lines.append(f"- {label}: **{fmt_total(*total(curated[part], steps))}** ({detail})")
    raw = find(curated.get("raw", []), "raw bulk-load (authored Turtle)")
    if raw:
        lines.append(f"- raw Oxigraph bulk-load of the same files: {cell(raw)} ({raw.get('triples', 0):,} triples)")
    rec = find(records, "curated build (no HTML)")
    if rec and rec.get("log"):
        lines += ["", "The build's own log (no HTML, last of the three runs):", "", "```", *rec["log"][:5], "```"]
    return lines + [""]


def targets(results: dict) -> list[str]:
    """The targets of issue 8, each with the measured number and met or missed."""
    lines = ["## Targets", "", "| target | measured | |", "|---|---|---|"]
    curated = results.get("curated", {})
    build = find(curated.get("curated", []), "curated build (no HTML)")
    naive = find(curated.get("naive", []), "naive (parse + OWL-RL + pyshacl)")
    if build and "seconds" in build:
        lines.append(f"| curated full build ≤ 2 s | {build['seconds']:.2f} s | "
                     f"{'met' if build['seconds'] <= 2 else 'missed'} |")
        for part, steps, label in (("fixed", FIXED, "with bench/fixes.py"), ("native", NATIVE, "bench/native.py")):
            if curated.get(part):
                secs, lower = total(curated[part], steps)
                lines.append(f"| curated full build ≤ 2 s ({label}) | {fmt_total(secs, lower)} | "
                             f"{'met' if secs <= 2 and not lower else 'missed'} |")
        if naive and ("seconds" in naive or "timeout" in naive):
            naive_s = naive.get("seconds", naive.get("timeout"))
            ratio = naive_s / build["seconds"]
            status = "met" if ratio >= 10 else "missed" if "seconds" in naive else "not shown (naive stopped)"
            lines.append(f"| curated build ≥ 10× faster than naive | {cell(naive)} vs {build['seconds']:.2f} s "
                         f"= {'≥' if 'timeout' in naive else ''}{ratio:.1f}× | {status} |")
    big = results["sizes"].get("1m")
    if big:
        raw = find(big.get("raw", []), "raw bulk-load (authored Turtle)")
        for part, steps, label in (("pipeline", AS_IS, "as is"), ("fixed", FIXED, "with bench/fixes.py"),
                                   ("native", NATIVE, "prototype bench/native.py")):
            if part not in big or not raw or "seconds" not in raw:
                continue
            secs, lower = total(big[part], steps)
            ratio = secs / raw["seconds"]
            lines.append(f"| 1M: full pipeline ≤ 4× raw bulk-load ({label}) | {fmt_total(secs, lower)} vs "
                         f"{raw['seconds']:.1f} s = {'>' if lower else ''}{ratio:.0f}× | "
                         f"{'met' if ratio <= 4 and not lower else 'missed'} |")
            gb = peak(big[part]) / 1024
            lines.append(f"| 1M: peak memory ≤ 2 GB ({label}) | {gb:.2f} GB | {'met' if gb <= 2 else 'missed'} |")
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
    lines += pipeline_table(sizes, "pipeline", AS_IS, "The pipeline as it is")
    lines += pipeline_table(sizes, "fixed", FIXED, "The pipeline with the prototype fixes (bench/fixes.py)")
    lines += pipeline_table(sizes, "native", NATIVE, "Prototype: the build inside Oxigraph (bench/native.py)")
    lines += query_table(sizes)
    if sizes:
        lines += per_query_table(sizes, list(sizes)[-1])
    lines += naive_table(results)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    data = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print(markdown(data))
