# Symmetric relations hold both ways.
PREFIX owl: <http://www.w3.org/2002/07/owl#>
INSERT { ?o ?p ?s }
WHERE {
  ?p a owl:SymmetricProperty .
  ?s ?p ?o .
}
