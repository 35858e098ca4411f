"""Step 5, export: write the graph and its tables, byte-for-byte the same on every build.

``graph.ttl``            the asserted graph (ontology + curated data + claim records)
``graph-inferred.nt``    asserted plus inferred triples, sorted N-Triples
``graph.jsonld``         the asserted graph as JSON-LD, compacted with the prefixes of ``context.jsonld``
``entities.csv``         id,type,label_en,label_zh,aliases
``relations.csv``        subject,...,start,end,stake,as_of,source,source_url,locator
``observations.csv``     the statistics, one row per observation and source
``corrected-claims.csv`` seed claims a primary source contradicts, with the reason
``sources.csv``          id,title,publisher,date,url,kind,quality,language: every source a citation points into
``report.md``            counts by class and predicate, checks run, corrected claims

Everything is read from the build's Oxigraph store with a few SPARQL SELECTs
and pyoxigraph's serialisers, so the cost stays linear and no rdflib graph of
the whole data is built. The asserted files and the tables are made before
inference (:func:`asserted_outputs`), the closure after (:func:`write_closure`).

>>> from graph.store import to_store
>>> from graph.testing import tiny_graph
>>> facts = Facts(to_store(tiny_graph()))
>>> [row["id"] for row in entity_rows(facts)][:2]
['id:alibaba-group', 'id:alipay']
>>> facts.label("https://w3id.org/cdkg/id/taobao", "zh")
'淘宝'
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .namespaces import DATE_PROPERTIES, DCTERMS, ID, KG, PREFIXES, RDF, RDFS, SCHEMA, SKOS, curie, slug
from .publish import open_over, write_over

__all__ = ["Facts", "Tables", "asserted_outputs", "write_closure", "write_outputs", "entity_rows", "relation_rows",
           "observation_rows", "corrected_rows", "source_rows", "ENTITY_COLUMNS", "RELATION_COLUMNS",
           "SOURCE_COLUMNS"]

ENTITY_COLUMNS = ["id", "type", "label_en", "label_zh", "aliases"]
RELATION_COLUMNS = ["subject", "subject_label", "predicate", "object", "object_label",
                    "start", "end", "stake", "as_of", "source", "source_url", "locator"]
OBSERVATION_COLUMNS = ["id", "label_en", "indicator", "value", "unit", "qualifier", "period", "as_of",
                       "area", "about", "publisher", "source", "source_url", "locator"]
SOURCE_COLUMNS = ["id", "title", "publisher", "date", "url", "kind", "quality", "language"]
CORRECTED_COLUMNS = ["claim", "subject", "predicate", "object", "correction", "corrected_by",
                     "source", "locator"]
#: The observation attributes of observations.csv, by column.
_OBSERVATION_KEYS = {"indicator": KG.indicator, "value": KG.value, "unit": KG.unit, "qualifier": KG.qualifier,
                     "period": KG.period, "as_of": KG.asOf, "area": KG.refArea, "about": KG.subject, "publisher": DCTERMS.publisher}


def _table(store: ox.Store, query: str) -> list[list[str]]:
    """A SELECT's rows as lists of strings (IRIs in full, literals' lexical forms, '' when unbound).

    The results go through Oxigraph's SPARQL CSV writer and Python's csv
    reader, which is ten times faster than reading the solutions term by term.
    """
    data = store.query(query).serialize(format=ox.QueryResultsFormat.CSV).decode("utf-8")
    return list(csv.reader(io.StringIO(data)))[1:]


class Facts:
    """What the tables and the report need from the asserted graph, read with one SELECT each.

    Keys are IRI strings; values are the strings the tables print.
    """

    def __init__(self, store: ox.Store):
        q = lambda text: _table(store, text)  # noqa: E731
        # the default graph only: validation may hold a scratch named graph meanwhile
        self.triples = int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value)
        self.entities = sorted({e for e, in q(
            f"SELECT DISTINCT ?e WHERE {{ ?c <{RDFS.subClassOf}>* <{KG.Entity}> . ?e a ?c }}")})
        self.types: dict[str, list[str]] = defaultdict(list)
        for e, t in q(f"SELECT DISTINCT ?e ?t WHERE {{ ?c <{RDFS.subClassOf}>* <{KG.Entity}> . ?e a ?c . ?e a ?t }}"):
            self.types[e].append(slug(t))
        self.observations = {x for x, in q(f"SELECT ?x WHERE {{ ?x a <{KG.Observation}> }}")}
        self.sources = int(q(f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?t {{ <{KG.Source}> <{KG.SeedDocument}> }} "
                             f"?x a ?t }}")[0][0])
        self._labels: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        for x, value, lang in q(f"SELECT ?x ?l (LANG(?l) AS ?lang) WHERE {{ ?x <{RDFS.label}> ?l }}"):
            self._labels[x][lang.lower()].append(value)
        self.aliases: dict[str, set[str]] = defaultdict(set)
        for x, alias in q(f"SELECT ?x ?a WHERE {{ ?x <{SKOS.altLabel}> ?a }}"):
            self.aliases[x].add(alias)
        self.claims: dict[str, dict] = {}
        for c, cls, s, p, o, start, end, stake, as_of, correction, note in q(f"""SELECT ?c ?class ?s ?p ?o ?start ?end
                ?stake ?asOf ?correction ?note WHERE {{
                VALUES ?class {{ <{KG.Claim}> <{KG.CorrectedClaim}> <{KG.UnverifiedClaim}> }}
                ?c a ?class ; <{RDF.subject}> ?s ; <{RDF.predicate}> ?p ; <{RDF.object}> ?o .
                OPTIONAL {{ ?c <{KG.startDate}> ?start }} OPTIONAL {{ ?c <{KG.endDate}> ?end }}
                OPTIONAL {{ ?c <{KG.stake}> ?stake }} OPTIONAL {{ ?c <{KG.asOf}> ?asOf }}
                OPTIONAL {{ ?c <{KG.correction}> ?correction }} OPTIONAL {{ ?c <{SKOS.note}> ?note }} }}"""):
            self.claims.setdefault(c, {"class": cls, "s": s, "p": p, "o": o, "start": start, "end": end,
                                       "stake": stake, "as_of": as_of, "correction": correction, "note": note})
        self.entity_dates: dict[str, list[str]] = defaultdict(list)  # entity -> its lifecycle dates
        for e, d in q(f"""SELECT ?e ?d WHERE {{ VALUES ?p {{ {" ".join(f"<{p}>" for p in DATE_PROPERTIES)} }}
                ?e ?p ?d . FILTER NOT EXISTS {{ ?e a <{KG.Source}> }} }}"""):
            self.entity_dates[e].append(d)
        self.corrected_by: dict[str, list[str]] = defaultdict(list)
        for c, x in q(f"SELECT ?c ?x WHERE {{ ?c <{KG.correctedBy}> ?x }}"):
            self.corrected_by[c].append(curie(x))
        self.citations: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.cited: dict[str, set[str]] = defaultdict(set)  # source IRI -> holders citing it
        for holder, source, locator in q(f"""SELECT ?h ?src ?loc WHERE {{ ?h <{KG.citation}> ?cite .
                OPTIONAL {{ ?cite <{DCTERMS.source}> ?src }} OPTIONAL {{ ?cite <{KG.locator}> ?loc }} }}"""):
            self.citations[holder].append((curie(source) if source else "None", locator))
            if source:
                self.cited[source].add(holder)
        self.observation_values: dict[str, dict[str, str]] = defaultdict(dict)
        by_key = {str(v): k for k, v in _OBSERVATION_KEYS.items()}
        values = " ".join(f"<{k}>" for k in by_key)
        for x, k, v, iri in q(f"SELECT ?x ?k ?v (isIRI(?v) AS ?iri) WHERE {{ ?x a <{KG.Observation}> . "
                              f"VALUES ?k {{ {values} }} ?x ?k ?v }}"):
            self.observation_values[x].setdefault(by_key[k], curie(v) if iri == "true" else v)
        self.source_records: dict[str, dict] = {}
        for s, kind, title, publisher, date, url, lang, quality in q(f"""SELECT ?s ?kind (MIN(STR(?t)) AS ?title)
                (MIN(STR(?p)) AS ?publisher) (MIN(STR(?d)) AS ?date) (MIN(STR(?u)) AS ?url) (MIN(STR(?l)) AS ?lang) (MIN(STR(?qu)) AS ?quality)
                WHERE {{ VALUES ?type {{ <{KG.Source}> <{KG.SeedDocument}> }} ?s a ?type .
                BIND (IF(?type = <{KG.SeedDocument}>, "seed", "source") AS ?kind)
                OPTIONAL {{ ?s <{DCTERMS.title}> ?t }} OPTIONAL {{ ?s <{DCTERMS.publisher}> ?p }}
                OPTIONAL {{ ?s <{DCTERMS.date}> ?d }} OPTIONAL {{ ?s <{SCHEMA.url}> ?u }}
                OPTIONAL {{ ?s <{DCTERMS.language}> ?l }} OPTIONAL {{ ?s <{KG.sourceQuality}> ?qu }} }}
                GROUP BY ?s ?kind"""):
            self.source_records[curie(s)] = {"title": title, "publisher": publisher, "date": date, "url": url,
                                             "kind": kind, "quality": quality, "language": lang}
        self.instruments: dict[str, dict[str, str]] = {}  # instrument -> its class, jurisdiction, in-force year
        for e, cls, where, effective, adopted, published in q(f"""SELECT ?e (MIN(STR(?c)) AS ?cls)
                (MIN(STR(?j)) AS ?where) (MIN(STR(?eff)) AS ?effective) (MIN(STR(?ad)) AS ?adopted)
                (MIN(STR(?pub)) AS ?published) WHERE {{
                ?c <{RDFS.subClassOf}>* <{KG.Instrument}> . ?e a ?c . FILTER (?c != <{KG.Agreement}>)
                FILTER NOT EXISTS {{ ?e a <{KG.Agreement}> }}
                OPTIONAL {{ ?e <{KG.jurisdiction}> ?j }} OPTIONAL {{ ?e <{KG.effectiveDate}> ?eff }}
                OPTIONAL {{ ?e <{KG.adoptedDate}> ?ad }} OPTIONAL {{ ?e <{KG.promulgatedDate}> ?pub }} }}
                GROUP BY ?e"""):
            self.instruments[e] = {"class": slug(cls), "jurisdiction": curie(where) if where else "",
                                   "year": (effective or adopted or published or "")[:4]}
        self.seed_files = sorted((f, s) for s, f in q(f"SELECT ?s ?f WHERE {{ ?s <{KG.seedFile}> ?f }}"))
        self.indicators = {x for x, in q(f"SELECT ?x WHERE {{ ?x a <{KG.Indicator}> }}")}
        self.china = {e for e, in q(f"SELECT ?e WHERE {{ ?e <{KG.jurisdiction}> <{ID.china}> }}")}
        self.wikidata = {e for e, in q(f"SELECT DISTINCT ?e WHERE {{ ?e <{SKOS.exactMatch}> ?m "
                                      f"FILTER (CONTAINS(STR(?m), \"wikidata.org/entity/\")) }}")}

    def label(self, term, lang: str = "en") -> str:
        """The (first, in sorted order) label of ``term`` in ``lang``, or ''."""
        found = self._labels.get(str(term), {}).get(lang)
        return min(found) if found else ""

    def class_counts(self) -> Counter:
        """Entities by asserted class (local name)."""
        return Counter(t for e in self.entities for t in self.types.get(e, ()))

    def sorted_citations(self, holder: str) -> list[tuple[str, str]]:
        return sorted(self.citations.get(holder, ()))

    def source_url(self, source: str) -> str:
        """The URL of a source (by CURIE), or '' where it has none (the seed documents)."""
        return self.source_records.get(source, {}).get("url", "")


def entity_rows(facts: Facts) -> list[dict]:
    """One row per entity; ``type`` is its asserted class(es), ``aliases`` joined with ``|``."""
    return [{"id": curie(e), "type": "|".join(sorted(facts.types.get(e, ()))), "label_en": facts.label(e),
             "label_zh": facts.label(e, "zh"), "aliases": "|".join(sorted(facts.aliases.get(e, ())))}
            for e in facts.entities]


def _claims(facts: Facts, cls) -> list[tuple[str, dict]]:
    return [(c, v) for c, v in facts.claims.items() if v["class"] == str(cls)]


def relation_rows(facts: Facts) -> list[dict]:
    """One row per asserted (not corrected) claim and citation."""
    rows = []
    for claim, v in _claims(facts, KG.Claim):
        s, o = v["s"], v["o"]
        base = {"subject": curie(s), "subject_label": facts.label(s), "predicate": slug(v["p"]),
                "object": curie(o), "object_label": facts.label(o), "start": v["start"], "end": v["end"],
                "stake": v["stake"], "as_of": v["as_of"]}
        rows += [{**base, "source": source, "source_url": facts.source_url(source), "locator": locator}
                 for source, locator in facts.sorted_citations(claim)]
    return sorted(rows, key=lambda r: [r[c] for c in RELATION_COLUMNS])


def observation_rows(facts: Facts) -> list[dict]:
    """One row per statistical observation and citation."""
    rows = []
    for obs in facts.observations:
        values = facts.observation_values.get(obs, {})
        base = {"id": curie(obs), "label_en": facts.label(obs), **{k: values.get(k, "") for k in _OBSERVATION_KEYS}}
        rows += [{**base, "source": source, "source_url": facts.source_url(source), "locator": locator}
                 for source, locator in facts.sorted_citations(obs)]
    return sorted(rows, key=lambda r: [r[c] for c in OBSERVATION_COLUMNS])


def source_rows(facts: Facts) -> list[dict]:
    """One row per source, seeds first (their kind is "seed"), then by id."""
    return sorted(({"id": s, **v} for s, v in facts.source_records.items()),
                  key=lambda r: (r["kind"] != "seed", r["id"]))


def corrected_rows(facts: Facts) -> list[dict]:
    """One row per corrected seed claim and citation."""
    rows = []
    for claim, v in _claims(facts, KG.CorrectedClaim):
        base = {"claim": curie(claim), "subject": curie(v["s"]), "predicate": slug(v["p"]),
                "object": curie(v["o"]), "correction": v["correction"],
                "corrected_by": "|".join(sorted(facts.corrected_by.get(claim, ())))}
        rows += [{**base, "source": source, "locator": locator} for source, locator in facts.sorted_citations(claim)]
    return sorted(rows, key=lambda r: [r[c] for c in CORRECTED_COLUMNS])


def _csv(rows: list[dict], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _turtle(triples: list) -> str:
    r"""Turtle by pyoxigraph, triples in sorted order, prefixes sorted.

    Lines are split at ``\n`` only: pyoxigraph escapes line feeds inside
    literals but writes U+2028, U+2029 and U+0085 as they are, and
    ``str.splitlines()`` would cut a literal there.

    >>> triple = ox.Triple(ox.NamedNode("urn:a"), ox.NamedNode("urn:b"), ox.Literal("x\u2028y\x85z"))
    >>> [q.object.value for q in ox.parse(_turtle([triple]), format=ox.RdfFormat.TURTLE)]
    ['x\u2028y\x85z']
    """
    text = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=dict(PREFIXES)).decode("utf-8")
    lines = text.rstrip("\n").split("\n")
    head = sorted(line for line in lines if line.startswith("@prefix"))
    body = [line for line in lines if not line.startswith("@prefix")]
    return "\n".join(head + [""] + body) + "\n"


def _jsonld(triples: list) -> str:
    """JSON-LD compacted with ``context.jsonld`` (one node object per subject, in sorted order).

    rdflib's compacting serialiser took over a second on the curated graph;
    :func:`graph.release_files.jsonld_from_triples` writes the compacted form directly.
    """
    from .release_files import jsonld_from_triples
    return jsonld_from_triples(triples)


def write_closure(store: ox.Store, path: Path) -> int:
    """Write every triple of the store's default graph to ``path`` as sorted N-Triples; return the count.

    A store holds each triple once, so its dump has no duplicate lines; the
    lines are sorted as bytes (the same order as text, UTF-8 keeps code point
    order) and written without joining them into one more copy.
    """
    lines = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).split(b"\n")
    lines.sort()
    count = 0
    with open_over(path) as f:  # over the reused folder's file (see graph.publish)
        for line in lines:
            if line:
                f.write(line)
                f.write(b"\n")
                count += 1
    return count


@dataclass
class Tables:
    """The outputs made from the asserted graph: file texts, the facts behind them and the counts."""

    files: dict[str, str]
    facts: Facts
    relations: list[dict]
    corrected: list[dict]
    summary: dict
    _pending: list | None = field(default=None, repr=False)  # sorted asserted triples awaiting JSON-LD

    def complete(self) -> None:
        """Make ``graph.jsonld`` when :func:`asserted_outputs` deferred it (the build runs it beside its forked steps)."""
        if self._pending is not None:
            self.files["graph.jsonld"] = _jsonld(self._pending)
            self._pending = None

    def report(self, summary: dict) -> str:
        from .report import report
        return report(self.facts, summary, self.relations, self.corrected)


def asserted_outputs(store: ox.Store, summary: dict | None = None, defer_jsonld: bool = False) -> Tables:
    """Every output but the closure and the report, from the store's default graph before inference.

    With ``defer_jsonld``, ``graph.jsonld`` is made later by :meth:`Tables.complete`,
    which must run before the store changes.
    """
    summary = dict(summary or {})
    # default-graph quads print and serialise as their triples: no Triple copies needed
    triples = sorted(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), key=str)
    files = {"graph.ttl": _turtle(triples)}
    if not defer_jsonld:
        files["graph.jsonld"] = _jsonld(triples)
    pending = triples if defer_jsonld else None
    del triples
    facts = Facts(store)
    entities, relations = entity_rows(facts), relation_rows(facts)
    observations, corrected = observation_rows(facts), corrected_rows(facts)
    summary.update(entities=len(entities), relations=len(relations),
                   observations=len({r["id"] for r in observations}))
    files.update({
        "entities.csv": _csv(entities, ENTITY_COLUMNS),
        "relations.csv": _csv(relations, RELATION_COLUMNS),
        "observations.csv": _csv(observations, OBSERVATION_COLUMNS),
        "corrected-claims.csv": _csv(corrected, CORRECTED_COLUMNS),
        "sources.csv": _csv(source_rows(facts), SOURCE_COLUMNS),
    })
    return Tables(files, facts, relations, corrected, summary, pending)


def write_outputs(tables: Tables, out: Path, summary: dict, store: ox.Store) -> dict:
    """Write the tables, ``report.md`` and ``graph-inferred.nt`` (the store's closure) into ``out``; return the summary."""
    texts = {**tables.files, "report.md": tables.report(summary)}
    for name, text in sorted(texts.items()):
        write_over(Path(out) / name, text)
    write_closure(store, Path(out) / "graph-inferred.nt")
    return {**summary, "files": sorted([*texts, "graph-inferred.nt"])}
