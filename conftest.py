"""Names every doctest in graph/ can use without importing them: the tiny fixture graph and the namespaces."""

import pytest


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace):
    from graph.api import KnowledgeGraph
    from graph.namespaces import ID, KG, OWL, RDF, RDFS
    from graph.testing import tiny_graph

    doctest_namespace.update(tiny_graph=tiny_graph, KnowledgeGraph=KnowledgeGraph,
                             KG=KG, ID=ID, RDF=RDF, RDFS=RDFS, OWL=OWL)
