"""Build the China Digital Economy Knowledge Graph.

Reads ontology/cdkg.ttl, ontology/shapes.ttl, ontology/data/*.ttl and the
queries in queries/checks; writes graph.ttl, graph-inferred.nt, graph.jsonld,
entities.csv, relations.csv, observations.csv, sources.csv, corrected-claims.csv,
report.md and graph.html into dist/ (or --out DIR). Exits 1, leaving the
output folder untouched, if any file fails to parse or any check fails.

Example:
    python build.py --out dist
"""

import os
import sys

from graph.cli import main

if __name__ == "__main__":
    code = main(["build", *sys.argv[1:]])
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:  # every output file is closed by now: skip the interpreter's teardown of its modules (0.05-0.1 s)
        os._exit(code)
