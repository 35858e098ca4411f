"""Step 5, export: write the graph and its tables, byte-for-byte the same on every build.

``graph.ttl``            the asserted graph (ontology + curated data + claim records)
``graph-inferred.nt``    asserted plus inferred triples, sorted N-Triples
``graph.jsonld``         the asserted graph as expanded JSON-LD
``entities.csv``         id,type,label_en,label_zh,aliases
``relations.csv``        subject,subject_label,predicate,object,object_label,start,end,source,locator
``observations.csv``     the statistics, one row per observation and source
``corrected-claims.csv`` seed claims a primary source contradicts, with the reason
``report.md``            counts by class and predicate, checks run, corrected claims
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from .namespaces import DCTERMS, ID, KG, PREFIXES, RDF, RDFS, SKOS, curie, slug

__all__ = ["write_outputs", "entity_rows", "relation_rows", "observation_rows",
           "corrected_rows", "label", "ENTITY_COLUMNS", "RELATION_COLUMNS"]

ENTITY_COLUMNS = ["id", "type", "label_en", "label_zh", "aliases"]
RELATION_COLUMNS = ["subject", "subject_label", "predicate", "object", "object_label",
                    "start", "end", "source", "locator"]
OBSERVATION_COLUMNS = ["id", "label_en", "indicator", "value", "unit", "qualifier", "period",
                       "area", "about", "publisher", "source", "locator"]
CORRECTED_COLUMNS = ["claim", "subject", "predicate", "object", "correction", "corrected_by",
                     "source", "locator"]


def label(graph: Graph, term, lang: str = "en") -> str:
    """The label of ``term`` in ``lang`` ('' if none).

    >>> from rdflib import Graph, Literal
    >>> g = Graph(); _ = g.add((ID["x"], RDFS.label, Literal("淘宝", lang="zh")))
    >>> label(g, ID["x"], "zh")
    '淘宝'
    """
    if hasattr(graph, "label"):  # a TermGraph remembers its labels
        return graph.label(term, lang)
    for value in sorted(graph.objects(term, RDFS.label)):
        if isinstance(value, Literal) and (value.language or "").lower() == lang:
            return str(value)
    return ""


def _entities(graph: Graph, inferred: Graph) -> list[URIRef]:
    return sorted({s for s in inferred.subjects(RDF.type, KG.Entity)}
                  | {s for s in graph.subjects(RDF.type, KG.Entity)})


def entity_rows(graph: Graph, inferred: Graph) -> list[dict]:
    """One row per entity; ``type`` is its asserted class(es), ``aliases`` joined with ``|``."""
    rows = []
    for entity in _entities(graph, inferred):
        types = sorted(slug(t) for t in graph.objects(entity, RDF.type))
        aliases = sorted({str(a) for a in graph.objects(entity, SKOS.altLabel)})
        rows.append({"id": curie(entity), "type": "|".join(types), "label_en": label(graph, entity),
                     "label_zh": label(graph, entity, "zh"), "aliases": "|".join(aliases)})
    return rows


def _citations(graph: Graph, node) -> list[tuple[str, str]]:
    return sorted((curie(graph.value(c, DCTERMS.source)), str(graph.value(c, KG.locator) or ""))
                  for c in graph.objects(node, KG.citation))


def relation_rows(graph: Graph) -> list[dict]:
    """One row per asserted (not corrected) claim and citation."""
    rows = []
    for claim in graph.subjects(RDF.type, KG.Claim):
        s, p, o = (graph.value(claim, x) for x in (RDF.subject, RDF.predicate, RDF.object))
        start, end = graph.value(claim, KG.startDate), graph.value(claim, KG.endDate)
        for source, locator in _citations(graph, claim):
            rows.append({"subject": curie(s), "subject_label": label(graph, s), "predicate": slug(p),
                         "object": curie(o), "object_label": label(graph, o),
                         "start": str(start or ""), "end": str(end or ""),
                         "source": source, "locator": locator})
    return sorted(rows, key=lambda r: [r[c] for c in RELATION_COLUMNS])


def observation_rows(graph: Graph) -> list[dict]:
    """One row per statistical observation and citation."""
    rows = []
    for obs in graph.subjects(RDF.type, KG.Observation):
        def v(p):
            value = graph.value(obs, p)
            return "" if value is None else (curie(value) if isinstance(value, URIRef) else str(value))
        base = {"id": curie(obs), "label_en": label(graph, obs), "indicator": v(KG.indicator),
                "value": v(KG.value), "unit": v(KG.unit), "qualifier": v(KG.qualifier),
                "period": v(KG.period), "area": v(KG.refArea), "about": v(KG.subject),
                "publisher": v(DCTERMS.publisher)}
        for source, locator in _citations(graph, obs):
            rows.append({**base, "source": source, "locator": locator})
    return sorted(rows, key=lambda r: [r[c] for c in OBSERVATION_COLUMNS])


def corrected_rows(graph: Graph) -> list[dict]:
    """One row per corrected seed claim and citation."""
    rows = []
    for claim in graph.subjects(RDF.type, KG.CorrectedClaim):
        s, p, o = (graph.value(claim, x) for x in (RDF.subject, RDF.predicate, RDF.object))
        fixed = "|".join(sorted(curie(x) for x in graph.objects(claim, KG.correctedBy)))
        for source, locator in _citations(graph, claim):
            rows.append({"claim": curie(claim), "subject": curie(s), "predicate": slug(p),
                         "object": curie(o), "correction": str(graph.value(claim, KG.correction) or ""),
                         "corrected_by": fixed, "source": source, "locator": locator})
    return sorted(rows, key=lambda r: [r[c] for c in CORRECTED_COLUMNS])


def _csv(rows: list[dict], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _ox_triples(graph: Graph) -> list:
    """The graph as pyoxigraph triples, sorted by their N-Triples form (fast and stable)."""
    import pyoxigraph as ox

    from .store import to_oxigraph
    triples = [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in graph]
    return sorted(triples, key=str)


def _turtle(triples: list) -> str:
    """Turtle by pyoxigraph (50x faster than rdflib's), triples in sorted order, prefixes sorted."""
    import pyoxigraph as ox
    text = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES)).decode("utf-8")
    lines = text.splitlines()
    head = sorted(line for line in lines if line.startswith("@prefix"))
    body = [line for line in lines if not line.startswith("@prefix")]
    return "\n".join(head + [""] + body) + "\n"


def _ntriples(*triple_lists: list) -> str:
    """Canonical N-Triples by pyoxigraph, one line per triple, lines sorted and unique."""
    import pyoxigraph as ox
    lines = set()
    for triples in triple_lists:
        lines.update(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode("utf-8").splitlines())
    return "\n".join(sorted(line for line in lines if line.strip())) + "\n"


def _jsonld(triples: list) -> str:
    """Expanded JSON-LD by pyoxigraph (full IRIs, one node object per subject, in sorted order).

    rdflib's compacting serialiser took over a second on the curated graph; the
    expanded form carries the same triples and any JSON-LD processor can compact it.
    """
    import pyoxigraph as ox
    return ox.serialize(triples, format=ox.RdfFormat.JSON_LD).decode("utf-8") + "\n"


def report(graph: Graph, inferred: Graph, summary: dict, relations: list[dict] | None = None) -> str:
    """The short Markdown report: what the build holds and what it checked."""
    classes = Counter(slug(t) for e in _entities(graph, inferred) for t in graph.objects(e, RDF.type))
    preds = Counter(row["predicate"] for row in (relations if relations is not None else relation_rows(graph)))
    claims = sum(1 for _ in graph.subjects(RDF.type, KG.Claim))
    corrected = corrected_rows(graph)
    lines = ["# Build report", "",
             f"- triples asserted: {len(graph)}",
             f"- triples inferred: {len(inferred)}",
             f"- entities: {summary['entities']}",
             f"- claims (asserted relations): {claims}",
             f"- relation rows (claim x citation): {summary['relations']}",
             f"- observations: {summary['observations']}",
             f"- corrected seed claims: {len({r['claim'] for r in corrected})}",
             f"- sources: {sum(1 for _ in graph.subjects(RDF.type, KG.Source)) + sum(1 for _ in graph.subjects(RDF.type, KG.SeedDocument))}",
             f"- SHACL shapes: {summary.get('shapes', 'conform')}; violation checks passed: {summary.get('checks', 0)}",
             "", "## Entities by class", "", "| class | entities |", "|---|---|"]
    lines += [f"| {c} | {n} |" for c, n in sorted(classes.items())]
    lines += ["", "## Relations by predicate", "", "| predicate | rows |", "|---|---|"]
    lines += [f"| {p} | {n} |" for p, n in sorted(preds.items())]
    lines += ["", *coverage_section(graph), "", *wikidata_section(graph, inferred)]
    for extra in summary.get("sections", []):
        lines += ["", *extra]
    return "\n".join(lines) + "\n"


def coverage_section(graph: Graph) -> list[str]:
    """Markdown: entities, claims and observations citing each seed, and the corrected seed claims."""
    lines = ["## Seed coverage", "",
             "| seed file | entities | claims | observations | corrected claims |", "|---|---|---|---|---|"]
    for seed, file in sorted(graph.subject_objects(KG.seedFile), key=lambda x: str(x[1])):
        cites = set(graph.subjects(DCTERMS.source, seed))
        owners = {o for c in cites for o in graph.subjects(KG.citation, c)}
        counts = [sum(1 for o in owners if (o, RDF.type, cls) in graph)
                  for cls in (None, KG.Claim, KG.Observation, KG.CorrectedClaim)]
        counts[0] = sum(1 for o in owners if isinstance(o, URIRef) and str(o).startswith(str(ID))
                        and (o, RDF.type, KG.Observation) not in graph)
        lines.append(f"| {file} | " + " | ".join(str(n) for n in counts) + " |")
    lines += ["", "## Corrected seed claims", ""]
    rows = corrected_rows(graph)
    if not rows:
        lines.append("None.")
    for row in rows:
        lines.append(f"- `{row['subject']}` {row['predicate']} `{row['object']}` "
                     f"({row['source']} {row['locator']}): {row['correction']}")
    return lines


def wikidata_section(graph: Graph, inferred: Graph) -> list[str]:
    """Markdown: how many entities link to Wikidata, and which do not yet."""
    entities = _entities(graph, inferred)
    linked = [e for e in entities if any("wikidata.org/entity/" in str(m) for m in graph.objects(e, SKOS.exactMatch))]
    missing = [e for e in entities if e not in set(linked)]
    lines = ["## Wikidata links", "",
             f"{len(linked)} of {len(entities)} entities link to Wikidata (skos:exactMatch, verified on Wikidata itself).",
             "", f"Without a link ({len(missing)}): " + ", ".join(f"`{curie(e)}`" for e in missing)]
    return lines


def write_outputs(graph: Graph, inferred: Graph, out: Path, summary: dict | None = None, store=None) -> dict:
    """Write every output file into ``out`` (which must exist); return counts.

    ``graph`` and ``inferred`` are read for the tables and the report. When
    ``store`` (the build's Oxigraph store, after :func:`graph.infer.infer_in_store`)
    is given, the graph files are written from its triples directly.
    """
    out = Path(out)
    summary = dict(summary or {})
    if store is not None:
        import pyoxigraph as ox

        from .infer import asserted_quads
        asserted = sorted((ox.Triple(q.subject, q.predicate, q.object) for q in asserted_quads(store)), key=str)
        closure = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).decode("utf-8")
        nt = "\n".join(sorted(line for line in set(closure.splitlines()) if line.strip())) + "\n"
    else:
        asserted = _ox_triples(graph)
        nt = _ntriples(asserted, _ox_triples(inferred))
    entities, relations = entity_rows(graph, inferred), relation_rows(graph)
    observations, corrected = observation_rows(graph), corrected_rows(graph)
    summary.update(entities=len(entities), relations=len(relations),
                   observations=len({r["id"] for r in observations}))
    files = {
        "graph.ttl": _turtle(asserted),
        "graph-inferred.nt": nt,
        "graph.jsonld": _jsonld(asserted),
        "entities.csv": _csv(entities, ENTITY_COLUMNS),
        "relations.csv": _csv(relations, RELATION_COLUMNS),
        "observations.csv": _csv(observations, OBSERVATION_COLUMNS),
        "corrected-claims.csv": _csv(corrected, CORRECTED_COLUMNS),
        "report.md": report(graph, inferred, summary, relations),
    }
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    summary["files"] = sorted(files)
    return summary
