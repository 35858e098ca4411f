"""The release files: a versioned ontology, its reference page, the JSON-LD context, the data dictionary
and ``dataset.ttl``, the DCAT and VoID description of everything the build wrote.

``ontology.ttl``       the ontology alone, stamped with the version of :mod:`graph.release`
``ontology.html``      its reference pages, made by pyLODE, with no remote requests
``context.jsonld``     the JSON-LD context (the prefixes) that ``graph.jsonld`` is compacted with
``csv-metadata.json``  the data dictionary of every CSV column, as CSV on the Web metadata
``data-dictionary.md`` the same, to read
``dataset.ttl``        the release: titles, dates, licence, publisher, counts, one distribution per file

Every file depends only on the input and :mod:`graph.release` (never on the clock),
so a rebuild gives the same bytes.

>>> compact_iri("https://w3id.org/cdkg/id/taobao")
'id:taobao'
>>> compact_iri("http://example.org/x")
'http://example.org/x'
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import pyoxigraph as ox

from . import release
from .errors import BuildError
from .namespaces import KG, PREFIXES
from .publish import write_over

__all__ = ["stamp", "ontology_turtle", "context", "compact_jsonld", "jsonld_from_triples", "compact_iri", "ontology_html",
           "data_dictionary", "csv_metadata", "dataset_ttl", "check_dataset", "write_release_files", "COLUMNS", "MEDIA_TYPES"]

_OWL = "http://www.w3.org/2002/07/owl#"
_DCT = "http://purl.org/dc/terms/"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_ONT = str(KG._NS)  # the ontology's own IRI is its namespace, kg:

#: The ontology header properties the build sets from graph/release.py, replacing what the file says.
_STAMP = {
    f"{_OWL}versionInfo": ox.Literal(release.__version__),
    f"{_OWL}versionIRI": ox.NamedNode(release.VERSION_IRI),
    f"{_DCT}modified": ox.Literal(release.RELEASE_DATE, datatype=ox.NamedNode(f"{_XSD}date")),
}


def stamp(store: ox.Store) -> None:
    """Set the ontology's version, version IRI and modified date from :mod:`graph.release`.

    >>> s = ox.Store()
    >>> s.update('INSERT DATA { <https://w3id.org/cdkg/ontology#> a <http://www.w3.org/2002/07/owl#Ontology> ; '
    ...          '<http://www.w3.org/2002/07/owl#versionInfo> "0.1.0" }')
    >>> stamp(s)
    >>> sorted(q.object.value for q in s.quads_for_pattern(None, ox.NamedNode(_OWL + "versionInfo"), None))
    ['0.2.0']
    """
    ont = ox.NamedNode(_ONT)
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    if not list(store.quads_for_pattern(ont, rdf_type, ox.NamedNode(f"{_OWL}Ontology"))):
        return
    for p, value in _STAMP.items():
        p = ox.NamedNode(p)
        for quad in list(store.quads_for_pattern(ont, p, None)):
            store.remove(quad)
        store.add(ox.Quad(ont, p, value))


def ontology_turtle(path: Path) -> str:
    """The ontology file alone, stamped, as sorted Turtle."""
    from .export import _turtle
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    stamp(store)
    return _turtle(sorted(store.quads_for_pattern(None, None, None, ox.DefaultGraph()), key=str))


# -- JSON-LD -----------------------------------------------------------------------------

def context() -> dict:
    """The JSON-LD context: the project's prefixes (``kg:``, ``id:``, ``src:``, ``claim:`` ...)."""
    return {"@context": dict(sorted(PREFIXES.items()))}


_BY_LENGTH = sorted(((ns, p) for p, ns in PREFIXES.items()), key=lambda x: -len(x[0]))


@functools.lru_cache(maxsize=1 << 16)  # the same IRIs (predicates, classes, entities) recur thousands of times
def compact_iri(iri: str) -> str:
    """``prefix:local`` for an IRI under one of the prefixes (the longest that fits), else the IRI."""
    for ns, prefix in _BY_LENGTH:
        if iri.startswith(ns) and len(iri) > len(ns) and not iri[len(ns):].startswith("//"):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def _value(v: dict) -> dict:
    if "@id" in v:
        return {"@id": compact_iri(v["@id"])}
    if "@type" in v:
        return {**v, "@type": compact_iri(v["@type"])}
    return v


def _term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"@id": compact_iri(term.value)}
    if isinstance(term, ox.BlankNode):
        return {"@id": f"_:{term.value}"}
    if term.language:
        return {"@language": term.language, "@value": term.value}
    if term.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
        return {"@value": term.value}
    return {"@type": compact_iri(term.datatype.value), "@value": term.value}


def jsonld_from_triples(triples) -> str:
    """Triples as JSON-LD compacted with :func:`context`, written directly (no expanded pass).

    One node object per subject, in the order the subjects first appear, each
    on its own line; the same shape :func:`compact_jsonld` gives from
    pyoxigraph's expanded JSON-LD, in a third of the time.

    >>> a, p = ox.NamedNode("https://w3id.org/cdkg/id/taobao"), ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    >>> print(jsonld_from_triples([ox.Triple(a, p, ox.Literal("淘宝", language="zh"))]).split(chr(10), 1)[1], end="")
    "@graph":[
    {"@id":"id:taobao","rdfs:label":[{"@language":"zh","@value":"淘宝"}]}
    ]}
    """
    nodes: dict = {}
    for t in triples:
        subject = t.subject
        key = (type(subject).__name__, subject.value)
        node = nodes.get(key)
        if node is None:
            node = nodes[key] = {"@id": compact_iri(subject.value) if isinstance(subject, ox.NamedNode)
                                 else f"_:{subject.value}"}
        node.setdefault(compact_iri(t.predicate.value), []).append(_term(t.object))
    lines = [json.dumps(node, ensure_ascii=False, separators=(",", ":")) for node in nodes.values()]
    head = json.dumps(context()["@context"], ensure_ascii=False, separators=(",", ":"))
    return '{"@context":' + head + ',\n"@graph":[\n' + ",\n".join(lines) + "\n]}\n"


def compact_jsonld(expanded: str) -> str:
    """Expanded JSON-LD (a list of node objects, as pyoxigraph writes it) compacted with :func:`context`.

    Property names, ``@id``s and datatypes become ``prefix:local`` names; the
    node order and the values stay as they are, one node object per line, so the
    result reads back as exactly the same triples.

    >>> text = compact_jsonld('[{"@id":"https://w3id.org/cdkg/id/taobao",'
    ...       '"http://www.w3.org/2000/01/rdf-schema#label":[{"@language":"zh","@value":"淘宝"}]}]')
    >>> print(text.split(chr(10), 1)[1], end="")
    "@graph":[
    {"@id":"id:taobao","rdfs:label":[{"@language":"zh","@value":"淘宝"}]}
    ]}
    """
    nodes = json.loads(expanded)
    lines = []
    for node in nodes:
        out = {}
        for key, values in node.items():
            if key == "@id":
                out[key] = compact_iri(values)
            elif key == "@type":
                out[key] = [compact_iri(t) for t in values]
            elif key.startswith("@"):
                out[key] = values
            else:
                out[compact_iri(key)] = [_value(v) for v in values]
        lines.append(json.dumps(out, ensure_ascii=False, separators=(",", ":")))
    head = json.dumps(context()["@context"], ensure_ascii=False, separators=(",", ":"))
    return '{"@context":' + head + ',\n"@graph":[\n' + ",\n".join(lines) + "\n]}\n"


# -- the ontology page ---------------------------------------------------------------------

#: Nothing on the page may load from elsewhere: pyLODE inlines its CSS and icons, and this says so to the browser.
_POLICY = ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
           'style-src \'unsafe-inline\'; img-src data:">')


def _pylode_version() -> str:
    from importlib.metadata import version
    return version("pylode")


@functools.lru_cache(maxsize=4)
def _pylode(turtle: str) -> str:
    import logging

    import rdflib
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:  # pyLODE's loader calls logging.basicConfig(level=DEBUG) on import
        from pylode import OntPub
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers
    return OntPub(ontology=rdflib.Graph().parse(data=turtle, format="turtle")).make_html()


def ontology_html(turtle: str, previous: Path | None = None) -> str:
    """The ontology's reference page (pyLODE's OntPub profile), with a content security policy.

    pyLODE takes about 1.5 s, so the page carries the hash of its input and the
    pyLODE version: a build whose previous output has the same key copies it.
    """
    key = hashlib.sha256(f"pylode {_pylode_version()}\n{turtle}".encode("utf-8")).hexdigest()
    marker = f'<meta name="cdkg-source" content="sha256:{key}">'
    if previous is not None and previous.is_file():
        text = previous.read_text(encoding="utf-8")
        if marker in text:
            return text
    page = _pylode(turtle)
    head = page.index("<head>") + len("<head>")
    return f"{page[:head]}\n    {_POLICY}\n    {marker}{page[head:]}"


# -- the data dictionary -------------------------------------------------------------------

#: Every column of every CSV the build writes: (name, CSVW datatype, description). Order as in the files.
COLUMNS = {
    "entities.csv": ("One row per entity of the graph.", [
        ("id", "string", "The entity's CURIE (id:...); the full IRI is https://w3id.org/cdkg/id/ + the part after id:."),
        ("type", "string", "Its asserted class(es) in the ontology (local names, kg:), joined with |."),
        ("label_en", "string", "Its English name (rdfs:label @en)."),
        ("label_zh", "string", "Its Chinese name (rdfs:label @zh); empty for entities without one."),
        ("aliases", "string", "Other names, abbreviations and former names (skos:altLabel), sorted, joined with |."),
    ]),
    "relations.csv": ("One row per asserted relation (claim) and source; inferred relations are not included.", [
        ("subject", "string", "The CURIE of the entity the relation starts from."),
        ("subject_label", "string", "Its English name."),
        ("predicate", "string", "The relation, a property of the ontology (local name, kg:)."),
        ("object", "string", "The CURIE of the entity the relation points to."),
        ("object_label", "string", "Its English name."),
        ("start", "string", "When the relation began (kg:startDate: YYYY, YYYY-MM or YYYY-MM-DD); empty if unknown."),
        ("end", "string", "When it ended (kg:endDate); empty while it holds or if unknown."),
        ("stake", "decimal", "For an ownership claim, the share of equity in percent (kg:stake); empty otherwise."),
        ("as_of", "string", "The date the stake figure was true (kg:asOf): one claim of a dated history."),
        ("source", "string", "The CURIE (src:...) of the source that states the relation."),
        ("source_url", "anyURI", "The web address of that source (schema:url); empty for the seed documents."),
        ("locator", "string", "Where in that source: a page, article, section or seed-file line."),
    ]),
    "observations.csv": ("One row per statistical observation and source.", [
        ("id", "string", "The observation's CURIE."),
        ("label_en", "string", "Its English name."),
        ("indicator", "string", "The CURIE of the indicator measured (kg:indicator)."),
        ("value", "string", "The number, in Oxigraph's canonical form of its XSD type."),
        ("unit", "string", "The unit of the value (kg:unit), e.g. persons, CNY, percent."),
        ("qualifier", "string", "What the value counts more exactly, or how it was estimated (kg:qualifier)."),
        ("period", "string", "The period the value refers to (kg:period: a year, month or date), or 'undated in the source'."),
        ("as_of", "string", "The date the value was true, or the end of its period (kg:asOf), typed as a date."),
        ("area", "string", "The CURIE of the area the value covers (kg:refArea)."),
        ("about", "string", "The CURIE of the entity the value is about, if not an area (kg:subject)."),
        ("publisher", "string", "The CURIE of the body that published the figure (dcterms:publisher)."),
        ("source", "string", "The CURIE of the source that states it."),
        ("source_url", "anyURI", "The web address of that source (schema:url); empty for the seed documents."),
        ("locator", "string", "Where in that source."),
    ]),
    "sources.csv": ("One row per source that a citation points into: the seed documents first, then the others.", [
        ("id", "string", "The source's CURIE (src:...); the full IRI is https://w3id.org/cdkg/source/ + the part after src:."),
        ("title", "string", "Its title as published (dcterms:title)."),
        ("publisher", "string", "Who published it (dcterms:publisher), as the source names itself."),
        ("date", "string", "Its publication date (dcterms:date: YYYY, YYYY-MM or YYYY-MM-DD); empty if unknown."),
        ("url", "anyURI", "Where to open it (schema:url); empty for the seed documents, which ship in shared/seeds."),
        ("kind", "string", "seed (one of the five seed documents) or source."),
        ("quality", "string", "How far it can carry a fact (kg:sourceQuality): primary, secondary or weak; empty for the seeds and sources not yet classified."),
        ("language", "string", "Its language (dcterms:language) where recorded; empty otherwise."),
    ]),
    "corrected-claims.csv": ("Claims of the seed documents that a primary source contradicts; not asserted.", [
        ("claim", "string", "The corrected claim's CURIE (claim:subject.predicate.object)."),
        ("subject", "string", "The CURIE of the claimed relation's subject."),
        ("predicate", "string", "The claimed relation (local name, kg:)."),
        ("object", "string", "The CURIE of its object."),
        ("correction", "string", "Why it is wrong, and what the primary source says instead."),
        ("corrected_by", "string", "The CURIE(s) of the primary source(s) that contradict it, joined with |."),
        ("source", "string", "The CURIE of the source that made the claim (a seed document)."),
        ("locator", "string", "Where in that source."),
    ]),
}

MEDIA_TYPES = {".ttl": "text/turtle", ".nt": "application/n-triples", ".jsonld": "application/ld+json",
               ".csv": "text/csv", ".md": "text/markdown", ".html": "text/html", ".json": "application/csvm+json"}

#: What each file is, for dataset.ttl (English).
FILES = {
    "graph.ttl": "The asserted graph: ontology, curated entities, claim records with citations, plain relation triples.",
    "graph-inferred.nt": "The asserted and inferred triples, sorted N-Triples.",
    "graph.jsonld": "The asserted graph as JSON-LD, compacted with context.jsonld.",
    "context.jsonld": "The JSON-LD context (the prefixes) used by graph.jsonld.",
    "ontology.ttl": "The ontology alone, with its version.",
    "ontology.html": "The ontology's reference pages (classes and properties, English and Chinese).",
    "entities.csv": COLUMNS["entities.csv"][0],
    "relations.csv": COLUMNS["relations.csv"][0],
    "observations.csv": COLUMNS["observations.csv"][0],
    "corrected-claims.csv": COLUMNS["corrected-claims.csv"][0],
    "sources.csv": COLUMNS["sources.csv"][0],
    "csv-metadata.json": "The data dictionary of every CSV column, as CSV on the Web (CSVW) metadata.",
    "data-dictionary.md": "The data dictionary of every CSV column, to read.",
    "report.md": "Counts by class and predicate, checks passed, seed coverage, corrected claims.",
    "graph.html": "The interactive explorer: one self-contained HTML file that works offline.",
}


def csv_metadata() -> str:
    """CSV on the Web metadata for the four tables (W3C CSVW), deterministic JSON."""
    tables = [{"url": name, "dc:description": text, "tableSchema": {
        "columns": [{"name": col, "titles": col, "datatype": dt, "dc:description": desc} for col, dt, desc in cols]}}
        for name, (text, cols) in COLUMNS.items()]
    doc = {"@context": "http://www.w3.org/ns/csvw", "dc:title": f"{release.TITLE['en']} {release.__version__}: tables",
           "dc:license": {"@id": release.DATA_LICENCE}, "tables": tables}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def data_dictionary() -> str:
    """The data dictionary as Markdown: one table per CSV file."""
    lines = [f"# Data dictionary — {release.TITLE['en']} {release.__version__} ({release.RELEASE_DATE})", "",
             "Every file is UTF-8 CSV with a header row, `\\n` line ends and RFC 4180 quoting; an empty "
             "field means no value. CURIEs use the prefixes of `context.jsonld`. The same, machine-readable: "
             "`csv-metadata.json` (CSV on the Web).", ""]
    for name, (text, cols) in COLUMNS.items():
        lines += [f"## `{name}`", "", text, "", "| column | type | meaning |", "|---|---|---|"]
        lines += [f"| `{col}` | {dt} | {desc} |" for col, dt, desc in cols]
        lines.append("")
    return "\n".join(lines)


# -- dataset.ttl ---------------------------------------------------------------------------

def _lit(text: str, lang: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def _counts(facts) -> dict[str, int]:
    kinds = [v["class"] for v in facts.claims.values()]
    return {"triples": facts.triples, "entities": len(facts.entities), "claims": kinds.count(str(KG.Claim)),
            "corrected": kinds.count(str(KG.CorrectedClaim)), "observations": len(facts.observations),
            "sources": facts.sources}


def dataset_ttl(folder: Path, facts) -> str:
    """DCAT 3 and VoID description of the release in ``folder``: one distribution per file but this one."""
    base, c = release.RELEASE_IRI, _counts(facts)
    files = sorted(p for p in Path(folder).iterdir() if p.is_file() and not p.name.startswith(".")
                   and p.name != "dataset.ttl")
    lines = ["@prefix dcat: <http://www.w3.org/ns/dcat#> .", "@prefix dcterms: <http://purl.org/dc/terms/> .",
             "@prefix foaf: <http://xmlns.com/foaf/0.1/> .", "@prefix kg: <https://w3id.org/cdkg/ontology#> .",
             "@prefix owl: <http://www.w3.org/2002/07/owl#> .", "@prefix spdx: <http://spdx.org/rdf/terms#> .",
             "@prefix void: <http://rdfs.org/ns/void#> .", "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .", "",
             f"<{base[:-1]}> a dcat:Dataset , void:Dataset ;",
             f"    dcterms:title {_lit(release.TITLE['en'], 'en')} , {_lit(release.TITLE['zh'], 'zh')} ;",
             f"    dcterms:description {_lit(release.DESCRIPTION['en'], 'en')} ,",
             f"        {_lit(release.DESCRIPTION['zh'], 'zh')} ;",
             f"    dcat:version {_lit(release.__version__)} ;",
             f"    owl:versionInfo {_lit(release.__version__)} ;",
             f"    dcterms:isVersionOf <{release.DATASET_IRI}> ;",
             f'    dcterms:issued "{release.FIRST_RELEASE_DATE}"^^xsd:date ;',
             f'    dcterms:modified "{release.RELEASE_DATE}"^^xsd:date ;',
             f"    dcterms:license <{release.DATA_LICENCE}> ;",
             f"    dcterms:publisher [ a foaf:Agent ; foaf:name {_lit(release.PUBLISHER)} ] ;",
             f"    dcterms:conformsTo <{release.VERSION_IRI}> ;",
             "    dcterms:language <http://id.loc.gov/vocabulary/iso639-1/en> , <http://id.loc.gov/vocabulary/iso639-1/zh> ;",
             "    dcat:keyword \"digital economy\"@en , \"platform regulation\"@en , \"数字经济\"@zh , \"平台监管\"@zh ;",
             f"    void:vocabulary <{_ONT}> ;",
             '    void:uriSpace "https://w3id.org/cdkg/id/" ;',
             f"    void:sparqlEndpoint <{release.SPARQL_ENDPOINT}> ;",
             f'    void:triples {c["triples"]} ;',
             f'    void:entities {c["entities"]} ;']
    for cls, key in (("Claim", "claims"), ("CorrectedClaim", "corrected"), ("Observation", "observations"),
                     ("Source", "sources")):
        lines.append(f"    void:classPartition [ void:class kg:{cls} ; void:entities {c[key]} ] ;")
    dumps = [f"<{base}{p.name}>" for p in files if p.suffix in (".ttl", ".nt", ".jsonld") and p.name.startswith("graph")]
    lines.append(f"    void:dataDump {' , '.join(dumps)} ;")
    lines.append(f"    dcat:distribution {' ,'.join(chr(10) + '        ' + f'<{base}{p.name}>' for p in files)} .")
    for p in files:
        data = p.read_bytes()
        lines += ["", f"<{base}{p.name}> a dcat:Distribution ;",
                  f"    dcterms:title {_lit(p.name)} ;",
                  f"    dcterms:description {_lit(FILES.get(p.name, p.name), 'en')} ;",
                  f"    dcat:downloadURL <{base}{p.name}> ;",
                  f"    dcat:mediaType <https://www.iana.org/assignments/media-types/{MEDIA_TYPES[p.suffix]}> ;",
                  f'    dcat:byteSize "{len(data)}"^^xsd:nonNegativeInteger ;',
                  f"    dcterms:license <{release.DATA_LICENCE}> ;",
                  "    spdx:checksum [ a spdx:Checksum ; spdx:algorithm spdx:checksumAlgorithm_sha256 ;",
                  f'        spdx:checksumValue "{hashlib.sha256(data).hexdigest()}"^^xsd:hexBinary ] .']
    return "\n".join(lines) + "\n"


def check_dataset(turtle: str) -> list[str]:
    """The violations of ontology/dataset-shapes.ttl in a dataset description, as ``focus: message`` lines."""
    from .paths import DATASET_SHAPES
    from .shacl import load_shapes, violations
    store = ox.Store()
    store.load(turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE)
    return [f"{focus}: {message}" for focus, message, path in violations(store, load_shapes(DATASET_SHAPES))]


def write_release_files(result, staging: Path, previous: Path | None = None) -> str:
    """Write the release files into ``staging`` (dataset.ttl last, describing all the others); return a summary."""
    from .paths import ONTOLOGY
    turtle = ontology_turtle(ONTOLOGY)
    texts = {"ontology.ttl": turtle, "context.jsonld": json.dumps(context(), indent=2) + "\n",
             "csv-metadata.json": csv_metadata(), "data-dictionary.md": data_dictionary(),
             "ontology.html": ontology_html(turtle, previous / "ontology.html" if previous else None)}
    for name, text in texts.items():
        write_over(staging / name, text)
    description = dataset_ttl(staging, result.tables.facts)
    problems = check_dataset(description)
    if problems:  # a bug of this module, not of the data
        raise BuildError("dataset.ttl breaks ontology/dataset-shapes.ttl: " + "; ".join(problems))
    write_over(staging / "dataset.ttl", description)
    return f"{len(texts) + 1} files, version {release.__version__} of {release.RELEASE_DATE}"
