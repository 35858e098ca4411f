"""The build end to end: outputs, CSV contract, determinism, atomicity, bad input."""

import csv
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib

from graph.errors import BuildError, LoadError
from graph.paths import ROOT
from graph.pipeline import build

from conftest import INVALID, VALID

OUTPUTS = ["context.jsonld", "corrected-claims.csv", "csv-metadata.json", "data-dictionary.md", "dataset.ttl",
           "entities.csv", "graph-inferred.nt", "graph.jsonld", "graph.ttl", "observations.csv", "ontology.html",
           "ontology.ttl", "relations.csv", "report.md", "sources.csv"]


def test_build_of_valid_examples_writes_every_output(tmp_path):
    out = tmp_path / "dist"
    build(out, VALID, log=None)
    assert sorted(p.name for p in out.iterdir()) == OUTPUTS


def test_relations_csv_contract(tmp_path):
    out = tmp_path / "dist"
    build(out, VALID, log=None)
    with open(out / "relations.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["subject", "subject_label", "predicate", "object", "object_label",
                             "start", "end", "stake", "as_of", "source", "source_url", "locator"]
    assert rows == [
        {"subject": "id:example-company", "subject_label": "Example Company", "predicate": "operates",
         "object": "id:example-platform", "object_label": "Example Platform", "start": "", "end": "",
         "stake": "", "as_of": "", "source": "src:example", "source_url": "https://example.org/cdkg-test",
         "locator": "p. 2"},
        {"subject": "id:example-law", "subject_label": "Example Law", "predicate": "enforcedBy",
         "object": "id:example-regulator", "object_label": "Example Regulator", "start": "", "end": "",
         "stake": "", "as_of": "", "source": "src:example", "source_url": "https://example.org/cdkg-test",
         "locator": "Art. 6"},
    ]


def test_curated_sources_reach_a_url_from_every_table(curated):
    out, _ = curated
    with open(out / "sources.csv", encoding="utf-8") as f:
        urls = {r["id"]: r["url"] for r in csv.DictReader(f)}
    for name in ("relations.csv", "observations.csv"):
        with open(out / name, encoding="utf-8") as f:
            for row in csv.DictReader(f):
                assert row["source"] in urls and row["source_url"] == urls[row["source"]], (name, row)
    assert sum(1 for u in urls.values() if u) >= 400


def test_entities_csv_contract(tmp_path):
    out = tmp_path / "dist"
    build(out, VALID, log=None)
    lines = (out / "entities.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "id,type,label_en,label_zh,aliases"
    assert "id:example-law,Law,Example Law,示例法," in lines
    assert len(lines) == 1 + 5


def test_curated_relations_all_have_source_and_locator(curated):
    out, _ = curated
    with open(out / "relations.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 10
    assert [r for r in rows if not r["source"] or not r["locator"]] == []


def test_rebuild_is_byte_identical(curated, tmp_path):
    first, _ = curated
    second = tmp_path / "again"
    build(second, log=None)
    for name in OUTPUTS:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@pytest.mark.parametrize("name,fmt", [("graph.ttl", "turtle"), ("graph.jsonld", "json-ld")])
def test_second_parser_reads_every_dump(curated, name, fmt):
    out, _ = curated
    with_rdflib = len(rdflib.Graph().parse(out / name, format=fmt))
    ox_format = ox.RdfFormat.TURTLE if fmt == "turtle" else ox.RdfFormat.JSON_LD
    with_oxigraph = len(list(ox.parse(path=str(out / name), format=ox_format)))
    assert with_rdflib == with_oxigraph > 1000


def test_inferred_dump_contains_asserted_graph(curated):
    out, result = curated
    nt = len(list(ox.parse(path=str(out / "graph-inferred.nt"), format=ox.RdfFormat.N_TRIPLES)))
    assert nt == len(result.graph) + len(result.inferred)


def _expectations(path: Path) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"^# expect: (.*)$", path.read_text(encoding="utf-8"), re.M)]


@pytest.mark.parametrize("invalid", sorted(INVALID.glob("*.ttl")), ids=lambda p: p.stem)
def test_invalid_example_fails_with_located_message(invalid, data_dir, tmp_path):
    shutil.copy(invalid, data_dir / invalid.name)
    out = tmp_path / "dist"
    out.mkdir()
    (out / "previous.txt").write_text("previous build")
    with pytest.raises(BuildError) as err:
        build(out, data_dir, log=None)
    message = str(err.value).replace(str(data_dir), "tests/invalid")
    for expected in _expectations(invalid):
        assert expected in message
    assert [p.name for p in out.iterdir()] == ["previous.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dist")]


def test_every_invalid_example_states_what_it_expects():
    assert all(_expectations(p) for p in INVALID.glob("*.ttl"))
    assert len(list(INVALID.glob("*.ttl"))) >= 15


def test_syntax_error_is_a_load_error_naming_line_and_column(data_dir, tmp_path):
    shutil.copy(INVALID / "syntax-error.ttl", data_dir)
    with pytest.raises(LoadError, match=r"syntax-error\.ttl:\d+:\d+: Turtle syntax error"):
        build(tmp_path / "dist", data_dir, log=None)


def test_command_line_exit_code_and_message(data_dir, tmp_path):
    shutil.copy(INVALID / "missing-english-label.ttl", data_dir)
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "--data", str(data_dir),
                           "--out", str(tmp_path / "dist"), "--no-html"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1
    assert "missing-english-label.ttl:" in done.stderr
    assert "needs an English label" in done.stderr
    assert "dist/ was left unchanged" in done.stderr
    assert not (tmp_path / "dist").exists()


def test_build_prints_steps_with_counts(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "--data", str(VALID),
                           "--out", str(tmp_path / "dist"), "--no-html"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    for step in ("[load     ]", "[normalise]", "[validate ]", "[infer    ]", "[export   ]"):
        assert step in done.stderr
    assert "entities by class: Company 1, Jurisdiction 1, Law 1, Platform 1, Regulator 1" in done.stderr


def test_sources_csv_lists_every_source_with_its_address(curated):
    out, _ = curated
    with open(out / "sources.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["id", "title", "publisher", "date", "url", "kind", "quality", "language"]
    assert [r["id"] for r in rows[:5]] == [f"src:seed-00{i}" for i in range(5)]
    no_url = [r["id"] for r in rows if r["kind"] == "source" and not r["url"].startswith(("http://", "https://"))]
    assert no_url == ["src:csl-text"]  # DigiChina's translation, cited without an address
    by_id = {r["id"]: r for r in rows}
    assert by_id["src:xinhua-csl-amendment-2025"]["url"] == "http://en.people.cn/n3/2025/1028/c90000-20383061.html"
    assert by_id["src:clt-pipl"]["quality"] == "secondary" and by_id["src:seed-000"]["quality"] == ""
    with open(out / "relations.csv", encoding="utf-8") as f:
        relations = list(csv.DictReader(f))
    assert all(r["source_url"] == by_id[r["source"]]["url"] for r in relations)


@pytest.mark.parametrize("no_fork", ["0", "1"])
def test_a_failing_extra_step_leaves_the_output_untouched(tmp_path, monkeypatch, no_fork):
    from graph.errors import BuildError
    monkeypatch.setenv("CDKG_NO_FORK", no_fork)
    out = tmp_path / "dist"
    build(out, VALID, log=None)
    before = sorted(p.name for p in out.iterdir())

    def boom(result, staging):
        (staging / "half-written.html").write_text("<html>", encoding="utf-8")
        raise RuntimeError("the explorer ran out of colours")
    boom.step_name = "boom"

    def fine(result, staging):
        (staging / "fine.csv").write_text(str(len(result.tables.facts.entities)), encoding="utf-8")
        return "fine"

    with pytest.raises(BuildError, match="the explorer ran out of colours"):
        build(out, VALID, log=None, extra_steps=[fine, boom])
    assert sorted(p.name for p in out.iterdir()) == before
    build(out, VALID, log=None, extra_steps=[fine])
    assert (out / "fine.csv").read_text(encoding="utf-8").isdigit()


def test_a_data_problem_is_reported_before_what_it_broke_in_the_tables(data_dir, monkeypatch):
    # the checks run beside the tables: when both fail, the user reads the data's problem, located
    import graph.pipeline as pipeline
    from graph.errors import ValidationError
    shutil.copy(INVALID / "dangling-reference.ttl", data_dir / "dangling-reference.ttl")

    def broken(*args, **kwargs):
        raise KeyError("an entity the tables expected")
    monkeypatch.setattr(pipeline, "asserted_outputs", broken)
    with pytest.raises(ValidationError) as err:
        pipeline.prepare(data_dir)
    assert "dangling-reference.ttl" in str(err.value)


def test_the_tables_error_shows_when_the_data_is_valid(data_dir, monkeypatch):
    import graph.pipeline as pipeline

    def broken(*args, **kwargs):
        raise KeyError("an entity the tables expected")
    monkeypatch.setattr(pipeline, "asserted_outputs", broken)
    with pytest.raises(KeyError, match="an entity the tables expected"):
        pipeline.prepare(data_dir)


_WARMED = []


@pytest.mark.parametrize("no_fork", ["0", "1"])
def test_a_steps_warm_up_runs_first_and_its_failure_is_left_to_the_step(tmp_path, monkeypatch, no_fork):
    # warm_up() runs in a thread of the parent before the step forks, so the step's process inherits what it made
    monkeypatch.setenv("CDKG_NO_FORK", no_fork)
    _WARMED.clear()

    def warmed(result, staging):
        (staging / "warmed.csv").write_text(",".join(_WARMED), encoding="utf-8")
    warmed.warm_up = lambda: _WARMED.append("templates")

    def cold(result, staging):
        (staging / "cold.csv").write_text("ran", encoding="utf-8")

    def broken_warm_up():
        raise RuntimeError("a template that does not compile")
    cold.warm_up = broken_warm_up

    out = tmp_path / "dist"
    build(out, VALID, log=None, extra_steps=[warmed, cold])
    assert (out / "warmed.csv").read_text(encoding="utf-8") == "templates"
    assert (out / "cold.csv").read_text(encoding="utf-8") == "ran"


def test_the_site_step_does_not_import_networkx():
    # networkx takes about 0.07 s to import; the site's process is on the build's critical path
    code = "import sys, graph.site; print('networkx' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "False"
