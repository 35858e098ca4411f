"""China Digital Economy Knowledge Graph: build, validate, query and traverse.

>>> from graph.namespaces import KG
>>> str(KG.regulates)
'https://w3id.org/cdkg/ontology#regulates'
"""

__version__ = "0.1.0"
