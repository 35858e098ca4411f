"""The project's namespaces.

``KG`` is a :class:`rdflib.namespace.DefinedNamespace` with ``_fail = True``:
a typo in a term (``KG.regulatez``) raises ``AttributeError`` instead of
silently minting a new IRI. ``tests/test_ontology.py`` checks that the list
below and ``ontology/cdkg.ttl`` declare the same terms.

>>> KG.regulates
rdflib.term.URIRef('https://w3id.org/cdkg/ontology#regulates')
>>> ID["alibaba-group"]
rdflib.term.URIRef('https://w3id.org/cdkg/id/alibaba-group')
"""

from rdflib.namespace import DCTERMS, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace, Namespace
from rdflib.term import URIRef

__all__ = ["KG", "ID", "SRC", "CLAIM", "CITE", "SCHEMA", "PREFIXES", "DATE_PROPERTIES", "curie", "slug",
           "DCTERMS", "ORG", "OWL", "PROV", "RDF", "RDFS", "SKOS", "XSD"]

ID = Namespace("https://w3id.org/cdkg/id/")
SRC = Namespace("https://w3id.org/cdkg/source/")
CLAIM = Namespace("https://w3id.org/cdkg/claim/")
CITE = Namespace("https://w3id.org/cdkg/citation/")
SCHEMA = Namespace("https://schema.org/")


class KG(DefinedNamespace):
    """China Digital Economy Knowledge Graph ontology (``ontology/cdkg.ttl``)."""

    _fail = True
    _NS = Namespace("https://w3id.org/cdkg/ontology#")

    # classes
    AdministrativeRegulation: URIRef
    Agreement: URIRef
    Association: URIRef
    Campaign: URIRef
    CapitalMarketEvent: URIRef
    Citation: URIRef
    Claim: URIRef
    Company: URIRef
    CorrectedClaim: URIRef
    asOf: URIRef
    UnverifiedClaim: URIRef
    Concept: URIRef
    changedBy: URIRef
    resultedFrom: URIRef
    sharedName: URIRef
    documentNumber: URIRef
    draftDate: URIRef
    ActorCategory: URIRef
    includesClass: URIRef
    sourceQuality: URIRef
    OrganizationalChange: URIRef
    Renaming: URIRef
    formerName: URIRef
    newName: URIRef
    renamed: URIRef
    renamedBy: URIRef
    originalOrganization: URIRef
    resultingOrganization: URIRef
    succeeds: URIRef
    succeededBy: URIRef
    triggered: URIRef
    triggeredBy: URIRef
    followedBy: URIRef
    precededBy: URIRef
    endedWith: URIRef
    ended: URIRef
    Court: URIRef
    DepartmentalRule: URIRef
    EnforcementAction: URIRef
    Entity: URIRef
    Event: URIRef
    Fine: URIRef
    GovernmentBody: URIRef
    Guideline: URIRef
    Indicator: URIRef
    Instrument: URIRef
    InternationalOrganization: URIRef
    Jurisdiction: URIRef
    Law: URIRef
    LegalInstrument: URIRef
    Legislature: URIRef
    Notice: URIRef
    Observation: URIRef
    Organization: URIRef
    PaymentSystem: URIRef
    Person: URIRef
    Place: URIRef
    Plan: URIRef
    Platform: URIRef
    PolicyDocument: URIRef
    Product: URIRef
    Programme: URIRef
    Publication: URIRef
    Regulator: URIRef
    ResearchOrganization: URIRef
    Sector: URIRef
    SeedDocument: URIRef
    Source: URIRef
    StockExchange: URIRef
    Zone: URIRef
    # properties
    accessed: URIRef
    adoptedDate: URIRef
    amendedBy: URIRef
    amendedDate: URIRef
    amends: URIRef
    amount: URIRef
    applicableDate: URIRef
    applicant: URIRef
    appliedToJoin: URIRef
    appliesTo: URIRef
    authorOf: URIRef
    authoredBy: URIRef
    awardReceived: URIRef
    awarded: URIRef
    awardedBy: URIRef
    awardedTo: URIRef
    basisFor: URIRef
    citation: URIRef
    claim: URIRef
    controlledBy: URIRef
    controls: URIRef
    cooperatesWith: URIRef
    correctedBy: URIRef
    correction: URIRef
    currency: URIRef
    dissolvedDate: URIRef
    effectiveDate: URIRef
    enabledBy: URIRef
    enables: URIRef
    endDate: URIRef
    enforcedBy: URIRef
    enforces: URIRef
    foundedBy: URIRef
    foundedDate: URIRef
    founderOf: URIRef
    hasPart: URIRef
    hasParty: URIRef
    hasSignatory: URIRef
    implementedBy: URIRef
    implements: URIRef
    imposed: URIRef
    imposedBy: URIRef
    imposedOn: URIRef
    inSector: URIRef
    indicator: URIRef
    issued: URIRef
    issuedBy: URIRef
    jurisdiction: URIRef
    legalBasis: URIRef
    listedOn: URIRef
    listing: URIRef
    locatedIn: URIRef
    locationOf: URIRef
    locator: URIRef
    operatedBy: URIRef
    operates: URIRef
    ownedBy: URIRef
    owns: URIRef
    partOf: URIRef
    partyTo: URIRef
    period: URIRef
    promulgatedDate: URIRef
    qualifier: URIRef
    refArea: URIRef
    regulatedBy: URIRef
    regulates: URIRef
    relatedTo: URIRef
    repealedDate: URIRef
    sectorMember: URIRef
    seedFile: URIRef
    signatoryTo: URIRef
    stake: URIRef
    startDate: URIRef
    subject: URIRef
    subjectTo: URIRef
    supersededBy: URIRef
    supersedes: URIRef
    targetOf: URIRef
    transitiveHasSubOrganization: URIRef
    transitivelyOwnedBy: URIRef
    transitivelyOwns: URIRef
    unit: URIRef
    value: URIRef


#: Prefixes used in every output, in the order they are written.
PREFIXES = {
    "kg": str(KG._NS),
    "id": str(ID),
    "src": str(SRC),
    "claim": str(CLAIM),
    "cite": str(CITE),
    "dcterms": str(DCTERMS),
    "org": str(ORG),
    "owl": str(OWL),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "schema": str(SCHEMA),
    "skos": str(SKOS),
    "xsd": str(XSD),
}


_PREFIX_OF = {base: prefix for prefix, base in reversed(list(PREFIXES.items()))}


#: The date attributes of an entity record (lifecycle dates, founding, spans), in display order.
DATE_PROPERTIES = [KG.foundedDate, KG.adoptedDate, KG.promulgatedDate, KG.effectiveDate,
                   KG.amendedDate, KG.repealedDate, KG.dissolvedDate, KG.draftDate, KG.startDate, KG.endDate,
                   DCTERMS.date]


def curie(iri) -> str:
    """Shorten an IRI with the project prefixes; return it unchanged if none fits.

    >>> curie(ID["taobao"])
    'id:taobao'
    >>> curie("http://example.org/x")
    'http://example.org/x'
    """
    text = str(iri)
    cut = max(text.rfind("#"), text.rfind("/")) + 1  # every project namespace ends with '/' or '#'
    prefix = _PREFIX_OF.get(text[:cut])
    return f"{prefix}:{text[cut:]}" if prefix else text


def slug(iri) -> str:
    """The last path segment (or fragment) of an IRI.

    >>> slug(ID["taobao"])
    'taobao'
    >>> slug(KG.operates)
    'operates'
    """
    text = str(iri)
    return text.rsplit("#", 1)[-1] if "#" in text else text.rstrip("/").rsplit("/", 1)[-1]
