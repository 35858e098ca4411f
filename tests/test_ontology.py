"""The ontology file: every term labelled in both languages, defined, declared once, in sync with KG."""

import re

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from graph.namespaces import KG
from graph.paths import ONTOLOGY, SHAPES

ONT = rdflib.Graph().parse(ONTOLOGY)
NS = str(KG._NS)
TERMS = sorted({s for s in ONT.subjects(RDF.type, None)
                if isinstance(s, rdflib.URIRef) and str(s).startswith(NS) and str(s) != NS})
KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)
DECLARED = sorted({s for k in KINDS for s in ONT.subjects(RDF.type, k)})


def _id(term):
    return str(term).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


@pytest.mark.parametrize("term", DECLARED, ids=_id)
def test_term_has_english_and_chinese_label(term):
    langs = sorted(l.language for l in ONT.objects(term, RDFS.label))
    assert langs == ["en", "zh"], f"{term}: labels {langs}"


@pytest.mark.parametrize("term", DECLARED, ids=_id)
def test_term_has_one_definition(term):
    definitions = list(ONT.objects(term, SKOS.definition))
    assert len(definitions) == 1, f"{term} has {len(definitions)} skos:definition"
    assert list(ONT.objects(term, RDFS.comment)) == [], f"{term}: use skos:scopeNote, not rdfs:comment"


@pytest.mark.parametrize("term", DECLARED, ids=_id)
def test_term_is_defined_by_its_vocabulary(term):
    assert ONT.value(term, RDFS.isDefinedBy) is not None, term


@pytest.mark.parametrize("prop", sorted(ONT.subjects(RDF.type, OWL.ObjectProperty)), ids=_id)
def test_object_property_has_domain_and_range(prop):
    if prop in (SKOS.exactMatch, rdflib.URIRef("http://purl.org/dc/terms/publisher")):
        pytest.skip("reused term whose domain is left open on purpose")
    assert ONT.value(prop, RDFS.range) is not None, f"{prop} has no rdfs:range"
    if prop != KG.citation:
        assert ONT.value(prop, RDFS.domain) is not None, f"{prop} has no rdfs:domain"


@pytest.mark.parametrize("prop", sorted(p for p in ONT.subjects(RDF.type, OWL.ObjectProperty)
                                        if str(p).startswith(NS)), ids=_id)
def test_property_definition_is_ro_style(prop):
    assert " if and only if " in str(ONT.value(prop, SKOS.definition)), prop


def test_inverses_are_declared_once():
    pairs = list(ONT.subject_objects(OWL.inverseOf))
    assert not [(a, b) for a, b in pairs if (b, a) in pairs]
    inverted = [b for _, b in pairs] + [a for a, _ in pairs]
    assert len(inverted) == len(set(inverted)), "a property is the inverse of two properties"


def test_every_relation_has_an_inverse():
    relations = set(ONT.transitive_subjects(RDFS.subPropertyOf, KG.relatedTo)) - {KG.relatedTo}
    with_inverse = {x for pair in ONT.subject_objects(OWL.inverseOf) for x in pair}
    symmetric = set(ONT.subjects(RDF.type, OWL.SymmetricProperty))
    assert sorted(_id(r) for r in relations - with_inverse - symmetric) == []


def test_defined_namespace_matches_ontology():
    in_python = {name for name in KG.__annotations__}
    in_ontology = {_id(t) for t in TERMS}
    assert in_python == in_ontology


def test_defined_namespace_rejects_typos():
    with pytest.raises(AttributeError):
        KG.regulatez  # noqa: B018


def test_ontology_header_for_pylode():
    ont = rdflib.URIRef(NS)
    for p in ("http://purl.org/dc/terms/title", "http://purl.org/dc/terms/description",
              "http://purl.org/dc/terms/created", "http://purl.org/dc/terms/license",
              "http://www.w3.org/2002/07/owl#versionInfo", "http://purl.org/vocab/vann/preferredNamespacePrefix"):
        assert ONT.value(ont, rdflib.URIRef(p)) is not None, p


def test_ontology_has_no_blank_nodes():
    assert not [t for t in ONT if any(isinstance(x, rdflib.BNode) for x in t)]


def test_every_term_block_closes_with_a_lone_dot():
    text = ONTOLOGY.read_text(encoding="utf-8")
    blocks = re.findall(r"^(?:kg|org|rdfs|skos|dcterms|schema|rdf):\w+ a .*?(?=^\S|\Z)", text, re.M | re.S)
    assert blocks and all(b.rstrip().endswith("\n    .") for b in blocks)


def test_shapes_parse_and_target_project_classes():
    shapes = rdflib.Graph().parse(SHAPES)
    targets = set(shapes.objects(None, rdflib.URIRef("http://www.w3.org/ns/shacl#targetClass")))
    assert {KG.Entity, KG.Claim, KG.Citation, KG.Source, KG.Observation, KG.Fine} <= targets
