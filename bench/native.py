"""Prototype: the whole build inside Oxigraph, never building the graph in rdflib.

What would meet "full pipeline ≤ 4× raw bulk-load" at 1M triples: the authored
files are bulk-loaded into one Oxigraph store, and every step is SPARQL on it:

1. ``normalise``: the rewriting of graph/normalize.py as SPARQL Update (claim
   and citation IRIs computed the same way, citation hashes with ``SHA1``);
   ``verify_normalise()`` shows it gives exactly the triples of ``normalize()``;
2. ``validate``: the SHACL shapes as SPARQL (bench/fixes.py) and the checks;
3. ``infer``: the rules of graph/rules, unchanged;
4. ``export``: graph-inferred.nt and graph.ttl written by Oxigraph, relations
   and entities tables by SPARQL SELECT.

It is a measurement, not a drop-in: problems are counted, not located (the
file:line scan of parse.Origins would run only when there are problems), the
structural errors normalize() reports (a claim with two relations, stray blank
nodes) are not detected, and the CSV files are not byte-identical to
export.py's.

Example:
    .venv/bin/python bench/native.py      # checks normalise() against graph.normalize on the curated data
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from graph.infer import _transitive_rules, rule_files
from graph.namespaces import PREFIXES

__all__ = ["load", "normalise", "validate", "infer", "export", "build", "verify_normalise"]

OUT = "<urn:cdkg:out>"
MAP = "<urn:cdkg:map>"
ASSERTED = "<urn:cdkg:asserted>"
PROLOGUE = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def _slug(var: str) -> str:
    """SPARQL for graph.namespaces.slug: the text after the last '#', else the last path segment."""
    return (f'IF(CONTAINS(STR({var}), "#"), REPLACE(STR({var}), "^.*#", ""), '
            f'REPLACE(REPLACE(STR({var}), "/+$", ""), "^.*/", ""))')


def _cite(owner: str) -> str:
    """SPARQL for the citation IRI of normalize._name_citation: cite: + 12 hex of SHA1(owner|source|locator)."""
    return (f'IRI(CONCAT(STR(cite:), SUBSTR(SHA1(CONCAT(STR({owner}), "|", COALESCE(STR(?source), "None"), "|", '
            f'COALESCE(STR(?locator), "None"))), 1, 12)))')


RELATION = "?p rdfs:subPropertyOf+ kg:relatedTo . FILTER (?p != kg:relatedTo)"

NORMALISE = [
    # the name of every claim blank node (and its owner), kept in a scratch graph
    f"""INSERT {{ GRAPH {MAP} {{ ?node <urn:name> ?claim ; <urn:owner> ?s ; <urn:corrected> ?corrected }} }} WHERE {{
      ?s kg:claim ?node . FILTER (isBlank(?node))
      ?node ?p ?o . {RELATION}
      OPTIONAL {{ ?node kg:startDate ?start }}
      BIND (EXISTS {{ ?node a kg:CorrectedClaim }} AS ?corrected)
      BIND (IRI(CONCAT(STR(claim:), {_slug("?s")}, ".", {_slug("?p")}, ".", {_slug("?o")},
                       COALESCE(CONCAT(".", STR(?start)), ""), IF(?corrected, ".corrected", ""))) AS ?claim)
    }}""",
    # the claim record and, unless corrected, the plain triple
    f"""INSERT {{ GRAPH {OUT} {{ ?claim a ?class ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o . }} }} WHERE {{
      GRAPH {MAP} {{ ?node <urn:name> ?claim ; <urn:owner> ?s ; <urn:corrected> ?corrected }}
      ?node ?p ?o . {RELATION}
      BIND (IF(?corrected, kg:CorrectedClaim, kg:Claim) AS ?class)
    }}""",
    f"""INSERT {{ GRAPH {OUT} {{ ?s ?p ?o }} }} WHERE {{
      GRAPH {MAP} {{ ?node <urn:name> ?claim ; <urn:owner> ?s ; <urn:corrected> false }}
      ?node ?p ?o . {RELATION}
    }}""",
    # the claim's qualifiers (dates, stake, note, correction), not its relation, type or citations
    f"""INSERT {{ GRAPH {OUT} {{ ?claim ?q ?v }} }} WHERE {{
      GRAPH {MAP} {{ ?node <urn:name> ?claim }}
      ?node ?q ?v . FILTER (?q != rdf:type && !(?q = kg:citation && isBlank(?v)))
      FILTER NOT EXISTS {{ ?q rdfs:subPropertyOf+ kg:relatedTo }}
    }}""",
    # citation names: of a claim (owner = the claim IRI) and of anything else (owner = its subject)
    f"""INSERT {{ GRAPH {MAP} {{ ?c <urn:name> ?cite ; <urn:holder> ?claim }} }} WHERE {{
      GRAPH {MAP} {{ ?node <urn:name> ?claim }}
      ?node kg:citation ?c . FILTER (isBlank(?c))
      OPTIONAL {{ ?c dcterms:source ?source }} OPTIONAL {{ ?c kg:locator ?locator }}
      BIND ({_cite("?claim")} AS ?cite)
    }}""",
    f"""INSERT {{ GRAPH {MAP} {{ ?c <urn:name> ?cite ; <urn:holder> ?s }} }} WHERE {{
      ?s kg:citation ?c . FILTER (!isBlank(?s) && isBlank(?c))
      OPTIONAL {{ ?c dcterms:source ?source }} OPTIONAL {{ ?c kg:locator ?locator }}
      BIND ({_cite("?s")} AS ?cite)
    }}""",
    f"""INSERT {{ GRAPH {OUT} {{ ?holder kg:citation ?cite . ?cite a kg:Citation . ?cite ?k ?v }} }} WHERE {{
      GRAPH {MAP} {{ ?c <urn:name> ?cite ; <urn:holder> ?holder }}
      OPTIONAL {{ ?c ?k ?v . FILTER (?k != rdf:type) }}
    }}""",
    # every other triple, as written
    f"""INSERT {{ GRAPH {OUT} {{ ?s ?p ?o }} }} WHERE {{
      ?s ?p ?o . FILTER (!isBlank(?s) && !isBlank(?o) && ?p != kg:claim)
    }}""",
]


def load(store: ox.Store, files) -> None:
    """Bulk-load the authored Turtle files into the store's default graph."""
    for path in files:
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.DefaultGraph())


def normalise(store: ox.Store) -> None:
    """Rewrite the default graph as graph/normalize.py would (for valid data)."""
    for update in NORMALISE:
        store.update(PROLOGUE + update)
    store.update(f"DROP SILENT GRAPH {MAP} ; DROP DEFAULT ; MOVE {OUT} TO DEFAULT")


def validate(store: ox.Store) -> int:
    """How many problems the SHACL shapes (as SPARQL) and the checks find."""
    from fixes import compile_shapes, fixed_checks_folder
    from rdflib import Graph
    from graph.paths import SHAPES
    problems = sum(len(list(store.query(q))) for _, _, q in compile_shapes(Graph().parse(SHAPES)))
    for path in sorted(fixed_checks_folder().glob("*.rq")):
        problems += len(list(store.query(path.read_text(encoding="utf-8"))))
    return problems


def infer(store: ox.Store) -> int:
    """Run the inference rules, keeping a copy of the asserted triples; return how many were inferred."""
    store.update(f"INSERT {{ GRAPH {ASSERTED} {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}")
    before = len(list(store.quads_for_pattern(None, None, None, ox.DefaultGraph())))
    rules = [path.read_text(encoding="utf-8") for path in rule_files()]
    for rule in rules + _transitive_rules(store) + rules[:2]:
        store.update(rule)
    return len(list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))) - before


RELATIONS = PROLOGUE + """SELECT ?subject ?subjectLabel ?predicate ?object ?objectLabel ?start ?end ?source ?locator WHERE {
  ?claim a kg:Claim ; rdf:subject ?subject ; rdf:predicate ?predicate ; rdf:object ?object ; kg:citation ?cite .
  ?cite dcterms:source ?source . OPTIONAL { ?cite kg:locator ?locator }
  OPTIONAL { ?claim kg:startDate ?start } OPTIONAL { ?claim kg:endDate ?end }
  OPTIONAL { ?subject rdfs:label ?subjectLabel FILTER (LANG(?subjectLabel) = "en") }
  OPTIONAL { ?object rdfs:label ?objectLabel FILTER (LANG(?objectLabel) = "en") }
} ORDER BY ?subject ?predicate ?object ?source ?locator"""
ENTITIES = PROLOGUE + """SELECT ?id ?label ?labelZh WHERE {
  ?id a kg:Entity . OPTIONAL { ?id rdfs:label ?label FILTER (LANG(?label) = "en") }
  OPTIONAL { ?id rdfs:label ?labelZh FILTER (LANG(?labelZh) = "zh") }
} ORDER BY ?id"""


def export(store: ox.Store, out: Path) -> None:
    """Write graph-inferred.nt (sorted), graph.ttl (the asserted graph) and two tables."""
    out.mkdir(parents=True, exist_ok=True)
    lines = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).splitlines()
    lines.sort()
    (out / "graph-inferred.nt").write_bytes(b"\n".join(lines) + b"\n")
    store.dump(str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE, from_graph=ox.NamedNode(ASSERTED[1:-1]),
               prefixes=PREFIXES)
    for name, query in (("relations.csv", RELATIONS), ("entities.csv", ENTITIES)):
        result = store.query(query)
        names = [v.value for v in result.variables]
        with open(out / name, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(names)
            for row in result:
                writer.writerow(["" if row[n] is None else row[n].value for n in names])


def build(files, out: Path, timer=None) -> dict:
    """The whole native build; ``timer(step, fn, *args)`` times each step (default: just call)."""
    timer = timer or (lambda step, fn, *args: fn(*args))
    store = ox.Store()
    timer("load (Oxigraph bulk-load)", load, store, files)
    timer("normalise (SPARQL Update)", normalise, store)
    asserted = len(store)
    problems = timer("validate (SHACL as SPARQL + checks)", validate, store)
    inferred = timer("infer (rules)", infer, store)
    timer("export (Oxigraph + SPARQL tables)", export, store, out)
    return {"asserted": asserted, "problems": problems, "inferred": inferred}


def verify_normalise(files) -> bool:
    """Does :func:`normalise` give exactly the triples of graph.normalize.normalize?"""
    from graph.normalize import normalize
    from graph.parse import load_files, to_rdflib
    store = ox.Store()
    load(store, files)
    normalise(store)
    native = {tuple(to_rdflib(t) for t in (q.subject, q.predicate, q.object))
              for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    authored, origins = load_files(files)
    expected = set(normalize(authored, origins))
    for triple in sorted(native ^ expected)[:10]:
        print(("native only: " if triple in native else "python only: ") + " ".join(t.n3() for t in triple))
    return native == expected


if __name__ == "__main__":
    from graph.paths import DATA, ONTOLOGY, data_files
    folders = [Path(a) for a in sys.argv[1:]] or [DATA]
    ok = True
    for folder in folders:
        start = time.perf_counter()
        same = verify_normalise([ONTOLOGY, *data_files(folder)])
        ok &= same
        print(f"{folder}: {'same triples' if same else 'DIFFERENT'} ({time.perf_counter() - start:.1f} s)")
    sys.exit(0 if ok else 1)
