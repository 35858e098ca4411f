# A triple with a sub-property also holds for its super-properties (rdfs7),
# except the abstract kg:relatedTo, which would only double the graph.
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX kg:   <https://w3id.org/cdkg/ontology#>
INSERT { ?s ?super ?o }
WHERE {
  ?p rdfs:subPropertyOf+ ?super .
  FILTER (?super != kg:relatedTo)
  ?s ?p ?o .
}
