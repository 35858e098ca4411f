# Each inverse pair is declared once (owl:inverseOf); add the triple in the other direction.
PREFIX owl: <http://www.w3.org/2002/07/owl#>
INSERT { ?o ?q ?s }
WHERE {
  { ?p owl:inverseOf ?q } UNION { ?q owl:inverseOf ?p }
  ?s ?p ?o .
  FILTER (isIRI(?o) || isBlank(?o))
}
