"""The release: version, dates and the names the published files carry, kept in this one place.

The build stamps these into its outputs (the ontology's ``owl:versionInfo`` and
``owl:versionIRI``, ``dataset.ttl``, ``ontology.html``); the packaging reads
``__version__`` (``[tool.hatch.version]`` in pyproject.toml); the tests check
that CITATION.cff, CHANGELOG.md and the header of ontology/cdkg.ttl agree with
it. To release: change ``__version__`` and ``RELEASE_DATE`` here, run the
tests, and mend the files they name.

>>> __version__, RELEASE_DATE
('0.2.0', '2026-12-03')
>>> VERSION_IRI
'https://w3id.org/cdkg/ontology/0.2.0'
"""

__all__ = ["__version__", "RELEASE_DATE", "FIRST_RELEASE_DATE", "ONTOLOGY_IRI", "VERSION_IRI", "DATASET_IRI",
           "RELEASE_IRI", "TITLE", "DESCRIPTION", "PUBLISHER", "CODE_LICENCE", "DATA_LICENCE", "SPARQL_ENDPOINT",
           "REPOSITORY"]

__version__ = "0.2.0"
#: The day this version was released (not the day it was built: outputs stay byte-identical).
RELEASE_DATE = "2026-12-03"
#: The day the first release (0.1.0) was published: the dataset's ``dcterms:issued``.
FIRST_RELEASE_DATE = "2026-11-24"

ONTOLOGY_IRI = "https://w3id.org/cdkg/ontology#"
VERSION_IRI = f"https://w3id.org/cdkg/ontology/{__version__}"
#: The dataset across releases, and this release of it (whose files are ``RELEASE_IRI + name``).
DATASET_IRI = "https://w3id.org/cdkg/dataset"
RELEASE_IRI = f"https://w3id.org/cdkg/dataset/{__version__}/"
TITLE = {"en": "China Digital Economy Knowledge Graph",
         "zh": "中国数字经济知识图谱"}
DESCRIPTION = {
    "en": "An open, sourced, bilingual knowledge graph of China's digital economy: platforms, the companies that "
          "own them, the state bodies that regulate them, the laws and rules those bodies issue, trade agreements, "
          "payment systems, events and statistics, with a source and a locator for every relation and number.",
    "zh": "开放、有出处、中英双语的中国数字经济知识图谱：平台、拥有平台的公司、监管平台的国家机关、这些机关发布的法律法规、"
          "贸易协定、支付系统、事件和统计数据；每条关系和每个数字都注明来源和出处位置。",
}
PUBLISHER = "China Digital Economy Knowledge Graph contributors"
CODE_LICENCE = "https://opensource.org/license/mit"
DATA_LICENCE = "https://creativecommons.org/licenses/by/4.0/"
#: Where ``cdkg serve`` answers SPARQL by default.
SPARQL_ENDPOINT = "http://127.0.0.1:7878/query"
REPOSITORY = "https://w3id.org/cdkg"
