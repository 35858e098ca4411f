"""graph.stores: store specs, bulk loading, persistence."""

import pytest

from graph.stores import StoreSpecError, load_graph_into, open_store, parse_spec
from graph.testing import tiny_graph


def test_memory_store_loads_an_rdflib_graph():
    store = open_store("memory")
    assert load_graph_into(store, tiny_graph()) == len(tiny_graph())


def test_bulk_load_of_the_built_file_matches_its_lines(curated):
    out, _ = curated
    lines = [line for line in (out / "graph-inferred.nt").read_text(encoding="utf-8").splitlines() if line]
    assert load_graph_into(open_store("memory"), out / "graph-inferred.nt") == len(lines)


def test_turtle_file_loads_the_asserted_graph(curated):
    out, result = curated
    assert load_graph_into(open_store("memory"), out / "graph.ttl") == len(result.graph)


def test_on_disk_store_persists_across_close_and_reopen(curated, tmp_path):
    out, _ = curated
    spec = f"oxigraph:{tmp_path / 'kg'}"
    store = open_store(spec)
    count = load_graph_into(store, out / "graph-inferred.nt")
    del store  # closes the database
    assert len(open_store(spec)) == count > 1000


def test_on_disk_store_opens_read_only_twice(curated, tmp_path):
    out, _ = curated
    spec = f"oxigraph:{tmp_path / 'kg'}"
    store = open_store(spec)
    count = load_graph_into(store, out / "graph-inferred.nt")
    del store
    first, second = open_store(spec, read_only=True), open_store(spec, read_only=True)
    assert len(first) == len(second) == count
    ask = "ASK { ?s a <https://w3id.org/cdkg/ontology#Platform> }"
    assert bool(first.query(ask)) and bool(second.query(ask))


def test_loading_twice_keeps_one_copy_of_each_triple(curated):
    out, _ = curated
    store = open_store("memory")
    once = load_graph_into(store, out / "graph-inferred.nt")
    assert load_graph_into(store, out / "graph-inferred.nt") == once


@pytest.mark.parametrize("spec", ["", "oxigraph:", "sqlite:x.db", "Memory"])
def test_bad_spec_is_refused(spec):
    with pytest.raises(StoreSpecError):
        parse_spec(spec)


def test_unknown_file_suffix_is_refused(tmp_path):
    path = tmp_path / "graph.xyz"
    path.write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown RDF format"):
        load_graph_into(open_store("memory"), path)


def test_syntax_error_in_a_file_is_raised(tmp_path):
    path = tmp_path / "bad.nt"
    path.write_text("<urn:a> <urn:b> .\n", encoding="utf-8")
    with pytest.raises(SyntaxError):
        load_graph_into(open_store("memory"), path)
