"""Every citation of a seed document points at lines that exist and name what they support.

Reads ../shared/seeds (beside the repository); skips with a reason where that folder is absent.
"""

import re

import pytest
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from graph.api import normalize_name
from graph.namespaces import KG, curie
from graph.paths import SEEDS

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed folder {SEEDS} is absent")

LOCATOR = re.compile(r"^lines? (\d+)(?:-(\d+))?$")


def _seed_citations(graph):
    """(owner, citation, seed file, locator) for every citation into a seed document."""
    files = {s: str(f) for s, f in graph.subject_objects(KG.seedFile)}
    for owner, cite in graph.subject_objects(KG.citation):
        source = graph.value(cite, DCTERMS.source)
        if source in files:
            yield owner, cite, files[source], str(graph.value(cite, KG.locator))


def _names(graph, term):
    return {normalize_name(str(n)) for p in (RDFS.label, SKOS.altLabel) for n in graph.objects(term, p)} - {""}


def test_seed_locators_name_lines_that_exist_and_mention_the_fact(curated):
    _, result = curated
    graph = result.graph
    problems, checked = [], 0
    lines_of = {p.name: p.read_text(encoding="utf-8").splitlines() for p in SEEDS.glob("*.txt")}
    for owner, cite, seed, locator in sorted(_seed_citations(graph)):
        m = LOCATOR.match(locator)
        if not m:
            problems.append(f"{curie(owner)}: locator {locator!r} into {seed} is not 'line N' or 'lines N-M'")
            continue
        first, last = int(m.group(1)), int(m.group(2) or m.group(1))
        lines = lines_of[seed]
        if not 1 <= first <= last <= len(lines):
            problems.append(f"{curie(owner)}: {seed} has no {locator} (it has {len(lines)} lines)")
            continue
        text = normalize_name(" ".join(lines[first - 1:last]))
        if (owner, RDF.type, KG.Observation) in graph:
            checked += 1
            continue
        if graph.value(owner, RDF.subject) is not None:
            about = [graph.value(owner, RDF.subject), graph.value(owner, RDF.object)]
        else:
            about = [owner]
        names = set().union(*(_names(graph, t) for t in about))
        if not any(n in text for n in names):
            problems.append(f"{curie(owner)}: {seed} {locator} names none of {sorted(names)}")
        checked += 1
    assert problems == []
    assert checked > 20


def test_every_seed_is_a_source_with_its_file(curated):
    _, result = curated
    files = sorted(str(f) for f in result.graph.objects(None, KG.seedFile))
    assert files == sorted(p.name for p in SEEDS.glob("*.txt"))


#: What the seeds name, in their own words, and the entity each finds.
SEED_NAMES = {
    "record fine of $2.8 billion": "id:alibaba-antitrust-fine-2021",
    "Sesame Credit": "id:sesame-credit",
    "DEPA accession": "id:china-depa-accession-application-2021",
    "RMB": "id:renminbi",
    "Europe": "id:europe",
    "Southeast Asia": "id:southeast-asia",
    "Asia Pacific": "id:asia-pacific",
    "strategic nonregulation": "id:strategic-nonregulation",
    "collaborative governance": "id:collaborative-governance",
    "Center for East Asian and Advanced Economy Studies": "id:kiep-center-for-east-asian-and-advanced-economy-studies",
    "James del Carmen": "id:james-del-carmen",
    "TROIB News": "id:troib-news",
    "Medium": "id:medium",
    "Let's Talk Development": "id:lets-talk-development",
    "antitrust case against Microsoft": "id:us-v-microsoft",
    "crises of 2007–2008": "id:global-financial-crisis-2007-2008",
    "Jack Ma disappeared from public view": "id:jack-ma-absence-from-public-view-2020-2021",
    "relaxed several regulatory measures on major Internet companies": "id:platform-support-turn-2023",
    "abolishing duty-free thresholds for small parcels": "id:small-parcel-duty-exemption-debate",
    "antitrust investigation against Alibaba": "id:samr-alibaba-antitrust-investigation-2020",
    "fully connected to the global internet": "id:china-full-internet-connection-1994",
    "experiment randomly granted e-commerce access to 100 villages in three provinces": "id:rural-e-commerce-access-experiment",
    "Data Three Laws": "id:data-three-laws",
    "national digital economy development plan": "id:national-digital-economy-development-plan-2019",
    "5-year plan in 2011": "id:twelfth-five-year-plan",
    "economic rebalancing": "id:economic-rebalancing",
    "local governments": "id:chinese-local-governments",
    "Bureau of National Statistics": "id:nbs",
    "Ministry of Civil Administration": "id:ministry-of-civil-affairs",
}


@pytest.mark.parametrize("name", sorted(SEED_NAMES))
def test_what_the_seeds_name_is_found_by_their_own_words(curated_kg, name):
    assert curated_kg.find(name) == SEED_NAMES[name]


def test_events_the_seeds_tie_together_are_tied(curated_kg):
    kg = curated_kg
    assert "id:ant-group-ipo-suspension" in kg.neighbours("Bund Summit speech", "triggered")
    assert "id:samr-alibaba-antitrust-investigation-2020" in kg.neighbours("id:ant-group-ipo-suspension", "followedBy")
    assert "id:alibaba-antitrust-fine-2021" in kg.neighbours("antitrust investigation against Alibaba", "endedWith")
    assert "id:regulatory-storm-2020-2023" in kg.neighbours("antitrust investigation against Alibaba", "partOf")
