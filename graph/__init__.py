"""China Digital Economy Knowledge Graph: build, validate, query and traverse.

>>> from graph.namespaces import KG
>>> str(KG.regulates)
'https://w3id.org/cdkg/ontology#regulates'
"""

__version__ = "0.1.0"


def load(path=None):
    """Load the built graph (``dist/graph.ttl``, built first if missing) as a KnowledgeGraph.

    See :class:`graph.api.KnowledgeGraph`.
    """
    from .api import load as _load
    return _load(path)
