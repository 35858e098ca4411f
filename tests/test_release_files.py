"""The release files: versions agree, dataset.ttl is complete and true, every dump parses, the ontology page is local."""

import csv
import hashlib
import json
import re
import shutil
import subprocess

import pyoxigraph as ox
import pytest
import rdflib

from graph import release
from graph.paths import DATASET_SHAPES, ONTOLOGY, ROOT
from graph.release_files import COLUMNS, check_dataset, context

from test_browser import LOCAL_SCHEMES, LOOPBACK, browser, unavailable  # noqa: F401  (the Chromium fixture)

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
DCT = rdflib.DCTERMS


@pytest.fixture(scope="module")
def dataset(curated):
    out, _ = curated
    return out, rdflib.Graph().parse(out / "dataset.ttl", format="turtle")


def test_version_is_the_same_everywhere():
    assert (release.__version__, release.RELEASE_DATE) == ("0.2.0", "2026-12-03")
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert f'version: "{release.__version__}"' in cff and f'date-released: "{release.RELEASE_DATE}"' in cff
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {release.__version__} — {release.RELEASE_DATE}" in changelog
    header = ONTOLOGY.read_text(encoding="utf-8")
    assert f'owl:versionInfo "{release.__version__}"' in header, "mend the header of ontology/cdkg.ttl"
    assert f"owl:versionIRI <{release.VERSION_IRI}>" in header


def test_graph_carries_the_stamped_version(curated):
    out, _ = curated
    g = rdflib.Graph().parse(out / "ontology.ttl", format="turtle")
    ont = rdflib.URIRef(release.ONTOLOGY_IRI)
    assert str(g.value(ont, rdflib.OWL.versionInfo)) == "0.2.0"
    assert str(g.value(ont, rdflib.OWL.versionIRI)) == "https://w3id.org/cdkg/ontology/0.2.0"


def test_dataset_conforms_to_its_shapes_with_pyshacl(dataset):
    import pyshacl
    _, g = dataset
    conforms, _, text = pyshacl.validate(g, shacl_graph=rdflib.Graph().parse(DATASET_SHAPES, format="turtle"))
    assert conforms, text


def test_shapes_reject_a_dataset_without_version_and_checksum(curated):
    out, _ = curated
    text = (out / "dataset.ttl").read_text(encoding="utf-8")
    broken = text.replace('    dcat:version "0.2.0" ;\n', "")
    broken = re.sub(r"    spdx:checksum \[.*?\] \.", "    .", broken, count=1, flags=re.S).replace(" ;\n    .", " .")
    problems = check_dataset(broken)
    assert "https://w3id.org/cdkg/dataset/0.2.0: one version, MAJOR.MINOR.PATCH" in problems
    assert "https://w3id.org/cdkg/dataset/0.2.0/context.jsonld: one checksum" in problems


def test_dataset_fields(dataset):
    _, g = dataset
    ds = rdflib.URIRef("https://w3id.org/cdkg/dataset/0.2.0")
    assert {(str(t), t.language) for t in g.objects(ds, DCT.title)} == {
        ("China Digital Economy Knowledge Graph", "en"), ("中国数字经济知识图谱", "zh")}
    assert str(g.value(ds, DCAT.version)) == "0.2.0"
    assert str(g.value(ds, DCT.issued)) == "2026-11-24" and str(g.value(ds, DCT.modified)) == "2026-12-03"
    assert str(g.value(ds, DCT.license)) == "https://creativecommons.org/licenses/by/4.0/"
    assert str(g.value(ds, VOID.sparqlEndpoint)) == "http://127.0.0.1:7878/query"


def test_dataset_counts_match_the_build(dataset, curated):
    _, g = dataset
    _, result = curated
    ds = rdflib.URIRef("https://w3id.org/cdkg/dataset/0.2.0")
    assert int(g.value(ds, VOID.triples)) == len(result.graph)
    with open(curated[0] / "entities.csv", encoding="utf-8") as f:
        assert int(g.value(ds, VOID.entities)) == len(list(csv.DictReader(f)))
    parts = {str(g.value(p, VOID["class"])).rsplit("#", 1)[1]: int(g.value(p, VOID.entities))
             for p in g.objects(ds, VOID.classPartition)}
    claims = len(set(rdflib.Graph().parse(curated[0] / "graph.ttl").subjects(
        rdflib.RDF.type, rdflib.URIRef("https://w3id.org/cdkg/ontology#Claim"))))
    assert parts["Claim"] == claims and set(parts) == {"Claim", "CorrectedClaim", "Observation", "Source"}


def test_one_distribution_per_file_with_true_size_and_checksum(dataset):
    out, g = dataset
    files = sorted(p.name for p in out.iterdir() if p.is_file() and p.name != "dataset.ttl")
    dists = {str(g.value(d, DCT.title)): d for d in g.subjects(rdflib.RDF.type, DCAT.Distribution)}
    assert sorted(dists) == files and "dataset.ttl" not in dists and len(files) == 14  # no graph.html: the fixture builds without the HTML step
    for name, d in dists.items():
        data = (out / name).read_bytes()
        assert int(g.value(d, DCAT.byteSize)) == len(data), name
        assert str(g.value(g.value(d, SPDX.checksum), SPDX.checksumValue)) == hashlib.sha256(data).hexdigest(), name
    assert str(g.value(dists["graph.ttl"], DCAT.mediaType)) == "https://www.iana.org/assignments/media-types/text/turtle"


@pytest.mark.parametrize("name, fmt", [("dataset.ttl", ox.RdfFormat.TURTLE), ("ontology.ttl", ox.RdfFormat.TURTLE),
                                       ("graph.ttl", ox.RdfFormat.TURTLE), ("graph.jsonld", ox.RdfFormat.JSON_LD),
                                       ("graph-inferred.nt", ox.RdfFormat.N_TRIPLES)])
def test_every_dump_parses_with_oxigraph_and_rapper(curated, name, fmt):
    out, _ = curated
    count = len(list(ox.parse(path=str(out / name), format=fmt)))
    assert count > 50
    rapper = shutil.which("rapper")
    if rapper and fmt != ox.RdfFormat.JSON_LD:  # Debian's raptor2-utils, when installed (it reads no JSON-LD)
        run = subprocess.run([rapper, "-i", "turtle" if name.endswith(".ttl") else "ntriples", "-c",
                              str(out / name)], capture_output=True, text=True)
        assert run.returncode == 0 and f"returned {count} triples" in run.stderr, run.stderr


def test_compacted_jsonld_uses_the_context_and_holds_the_same_triples(curated):
    out, _ = curated
    doc = json.loads((out / "graph.jsonld").read_text(encoding="utf-8"))
    assert doc["@context"] == json.loads((out / "context.jsonld").read_text(encoding="utf-8"))["@context"]
    assert doc["@context"] == context()["@context"] and doc["@context"]["id"] == "https://w3id.org/cdkg/id/"
    assert {"@id": "id:taobao"} in [{"@id": n["@id"]} for n in doc["@graph"]]
    turtle = set(ox.parse(path=str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE))
    assert set(ox.parse(path=str(out / "graph.jsonld"), format=ox.RdfFormat.JSON_LD)) == turtle


def test_data_dictionary_describes_every_csv_column(curated):
    out, _ = curated
    meta = json.loads((out / "csv-metadata.json").read_text(encoding="utf-8"))
    for table in meta["tables"]:
        header = (out / table["url"]).read_text(encoding="utf-8").splitlines()[0].split(",")
        assert [c["name"] for c in table["tableSchema"]["columns"]] == header, table["url"]
        assert all(c["dc:description"] for c in table["tableSchema"]["columns"])
    assert sorted(t["url"] for t in meta["tables"]) == sorted(p.name for p in out.glob("*.csv")) == sorted(COLUMNS)
    assert "| `label_zh` | string | Its Chinese name (rdfs:label @zh); empty for entities without one. |" in \
        (out / "data-dictionary.md").read_text(encoding="utf-8")


def test_ontology_page_renders_in_chromium_without_remote_requests(browser, curated):  # noqa: F811
    out, _ = curated
    page = browser.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto((out / "ontology.html").as_uri())
    page.wait_for_load_state("load")
    assert page.title() == "CDKG ontology"
    assert "Data Security Law" not in page.inner_text("body")  # classes and properties only
    assert page.locator("#digitalplatform").count() == 1
    assert "digital platform" in page.inner_text("#digitalplatform").lower()
    assert page.locator("h2").all_inner_texts()[:3] == ["Metadata", "Classes", "Properties"]
    assert "https://w3id.org/cdkg/ontology/0.2.0" in page.inner_text("body")
    remote = [u for u in requests if u.split(":", 1)[0] not in LOCAL_SCHEMES]
    assert remote == [] and errors == []
    page.close()


def test_ontology_page_is_reused_only_when_its_input_is_unchanged(tmp_path):
    from graph.release_files import ontology_html
    turtle = ("@prefix dcterms: <http://purl.org/dc/terms/> . <http://x.org/o> a "
              "<http://www.w3.org/2002/07/owl#Ontology> ; dcterms:title \"T\" .")
    first = ontology_html(turtle)
    assert '<meta name="cdkg-source" content="sha256:' in first and "default-src 'none'" in first
    previous = tmp_path / "ontology.html"
    previous.write_text("stale page", encoding="utf-8")
    assert ontology_html(turtle, previous) == first  # no marker: regenerated
    marker = re.search(r'<meta name="cdkg-source" content="[^"]+">', first).group(0)
    previous.write_text(f"kept page {marker}", encoding="utf-8")
    assert ontology_html(turtle, previous) == f"kept page {marker}"  # same input: the previous page is kept
