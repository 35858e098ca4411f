# Every instance of a class is an instance of its super-classes (rdfs9).
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT { ?x a ?super }
WHERE {
  ?class rdfs:subClassOf+ ?super .
  ?x a ?class .
}
