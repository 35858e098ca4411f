"""The build against hostile input: literals that break line splitting, races between builds, odd files.

Every dump must re-parse with a second parser; one build publishes at a time;
``dist`` is swapped as a link, so a reader never finds it missing.
"""

import json
import os
import shutil
import subprocess
import sys
import time

import pyoxigraph as ox
import pytest
import rdflib

import graph.publish
from graph.errors import LoadError
from graph.paths import ROOT
from graph.pipeline import build
from graph.publish import build_lock

from conftest import VALID

#: A name with every character that has broken a line-based writer or reader somewhere.
HOSTILE = "a\u2028b\u2029c\u0085d\x00e\rf\ng\th\"i'''j\"\"\"k\\l\u000bm\u000cn\u001co\u00a0p 淘宝"
HOSTILE_TTL = r'"a\u2028b\u2029c\u0085d\u0000e\rf\ng\th\"i\'\'\'j\"\"\"k\\l\u000Bm\u000Cn\u001Co\u00A0p 淘宝"@en'


def _hostile_file(folder):
    (folder / "zz-hostile.ttl").write_text(
        "@prefix id: <https://w3id.org/cdkg/id/> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        f"id:example-company dcterms:description {HOSTILE_TTL} .\n", encoding="utf-8")


def _build_py(*args, **kwargs):
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, **kwargs)


def test_hostile_literal_survives_every_dump_read_by_a_second_parser(data_dir, tmp_path):
    _hostile_file(data_dir)
    out = tmp_path / "dist"
    done = _build_py("--data", data_dir, "--out", out)  # the default build, HTML view included
    assert done.returncode == 0, done.stderr
    company = rdflib.URIRef("https://w3id.org/cdkg/id/example-company")
    alt = rdflib.namespace.DCTERMS.description  # a name may not hold control characters (graph/names.py); a description may
    for name, fmt in [("graph.ttl", "turtle"), ("graph-inferred.nt", "nt"), ("graph.jsonld", "json-ld")]:
        g = rdflib.Graph().parse(out / name, format=fmt)
        assert rdflib.Literal(HOSTILE, lang="en") in set(g.objects(company, alt)), name
    oxi = {q.object.value for q in ox.parse(path=str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE)
           if q.predicate.value == str(alt) and q.subject.value == str(company)}
    assert oxi == {HOSTILE}
    assert json.loads((out / "graph.jsonld").read_text(encoding="utf-8"))


def test_hostile_build_is_byte_identical_twice(data_dir, tmp_path):
    _hostile_file(data_dir)
    build(tmp_path / "a", data_dir, log=None)
    build(tmp_path / "b", data_dir, log=None)
    for name in ("graph.ttl", "graph-inferred.nt", "graph.jsonld", "entities.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_lone_surrogate_escape_is_refused_with_file_and_line(data_dir, tmp_path):
    (data_dir / "zz-surrogate.ttl").write_text(
        "@prefix id: <https://w3id.org/cdkg/id/> .\n@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        'id:example-company skos:altLabel "x\\uD800y"@en .\n', encoding="utf-8")
    with pytest.raises(LoadError, match=r"zz-surrogate\.ttl:3:\d+: Turtle syntax error: .*D800"):
        build(tmp_path / "dist", data_dir, log=None)


@pytest.mark.parametrize("make,message", [
    (lambda p: p.mkdir(), "it is a folder, not a Turtle file"),
    (lambda p: p.symlink_to(p.name), "it is a symbolic link that loops"),
    (lambda p: p.symlink_to("missing-file"), "it is a symbolic link to missing-file, which does not exist"),
], ids=["folder", "link-loop", "dangling-link"])
def test_odd_entries_named_ttl_give_a_clear_error(data_dir, tmp_path, make, message):
    make(data_dir / "odd.ttl")
    with pytest.raises(LoadError) as err:
        build(tmp_path / "dist", data_dir, log=None)
    assert str(err.value) == f"{data_dir / 'odd.ttl'}: cannot read: {message}"
    done = _build_py("--data", data_dir, "--out", tmp_path / "dist", "--no-html")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"odd.ttl: cannot read: {message}" in done.stderr


def test_dist_is_a_link_swapped_so_readers_never_see_it_missing(tmp_path, monkeypatch):
    out = tmp_path / "dist"
    build(out, VALID, log=None)
    first = os.readlink(out)
    seen = []

    def watch(module, name):
        original = getattr(module, name)

        def wrapped(*args, **kwargs):
            result = original(*args, **kwargs)
            seen.append((name, (out / "graph.ttl").exists()))
            return result
        monkeypatch.setattr(module, name, wrapped)

    for module, name in [(os, "replace"), (os, "rename"), (os, "symlink"), (os, "unlink"),
                         (shutil, "rmtree"), (graph.publish.Path, "rename")]:
        watch(module, name)
    build(out, VALID, log=None)
    monkeypatch.undo()
    assert ("replace", True) in seen and all(exists for _, exists in seen), seen
    assert out.is_symlink() and os.readlink(out) != first and os.readlink(out).startswith(".dist.")
    # the version before is kept as the spare the next build writes into
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["dist", os.readlink(out), ".dist.spare"])


def test_a_plain_dist_folder_is_replaced_by_the_link(tmp_path):
    out = tmp_path / "dist"
    out.mkdir()
    (out / "old.txt").write_text("old")
    build(out, VALID, log=None)
    assert out.is_symlink() and not (out / "old.txt").exists() and (out / "graph.ttl").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["dist", os.readlink(out), ".dist.spare"])
    build(out, VALID, log=None)  # the next build writes into the old folder and drops what it did not write
    assert not (out / "old.txt").exists() and not (tmp_path / ".dist.spare" / "old.txt").exists()


def test_staging_folders_of_a_killed_build_are_removed_and_ignored_by_git(tmp_path):
    out = tmp_path / "dist"
    (tmp_path / ".dist.killed01").mkdir()
    (tmp_path / ".dist.killed01" / "graph.ttl").write_text("half")
    build(out, VALID, log=None)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["dist", os.readlink(out)])
    for name in ("dist", ".dist.killed01", ".dist.abcdefgh/graph.ttl"):
        assert subprocess.run(["git", "check-ignore", "-q", name], cwd=ROOT).returncode == 0, name


def test_concurrent_builds_all_succeed_one_at_a_time(tmp_path):
    out = tmp_path / "dist"
    procs = [subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--data", str(VALID), "--out", str(out),
                               "--no-html"], stderr=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(4)]
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    assert [code for code, _ in results] == [0, 0, 0, 0], [err for _, err in results]
    assert out.is_symlink() and sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["dist", os.readlink(out), ".dist.spare"])
    assert len(list(ox.parse(path=str(out / "graph.ttl"), format=ox.RdfFormat.TURTLE))) > 20


def test_a_second_build_waits_for_the_lock_and_says_so(tmp_path):
    out = tmp_path / "dist"
    with build_lock(out, log=None):
        proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--data", str(VALID), "--out", str(out),
                                 "--no-html"], stderr=subprocess.PIPE, text=True, cwd=ROOT)
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            line = proc.stderr.readline()
            lines.append(line)
            if line.startswith("waiting for another build"):
                break
        assert lines[-1] == f"waiting for another build into {tmp_path} to finish\n", lines
        assert not out.exists()
    assert proc.wait(timeout=60) == 0
    assert (out / "graph.ttl").exists()


def test_a_build_into_the_spare_equals_a_build_into_an_empty_folder(tmp_path):
    # the spare holds the version before last, with files this build no longer makes
    out, fresh = tmp_path / "dist", tmp_path / "fresh" / "dist"
    build(out, VALID, log=None)
    build(out, VALID, log=None)
    spare = tmp_path / ".dist.spare"
    (spare / "left-over.csv").write_text("old")
    (spare / "gone" / "deeper").mkdir(parents=True)
    (spare / "gone" / "deeper" / "page.html").write_text("old")
    (spare / "graph.ttl").write_text("stale")
    build(out, VALID, log=None)
    build(fresh, VALID, log=None)
    files = lambda root: {p.relative_to(root): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}  # noqa: E731
    assert files(out) == files(fresh)
    assert not (out / ".staging-started").exists()


def test_prune_keeps_what_was_written_since_the_mark(tmp_path):
    out = tmp_path / "dist"
    spare = graph.publish.spare_of(out)
    (spare / "site").mkdir(parents=True)
    for name in ("kept.txt", "dropped.txt", "site/dropped.html"):
        (spare / name).write_text("before")
    old = time.time() - 60
    for path in spare.rglob("*.*"):
        os.utime(path, (old, old))
    with build_lock(out, log=None):
        staging = graph.publish.new_staging(out)
        assert not spare.exists() and (staging / "kept.txt").exists()
        (staging / "kept.txt").write_text("now")
        (staging / "new.txt").write_text("now")
        assert graph.publish.prune(staging) == 2
    assert sorted(str(p.relative_to(staging)) for p in staging.rglob("*")) == ["kept.txt", "new.txt"]


def test_write_over_leaves_exactly_the_new_bytes_with_the_modes_open_gives(tmp_path):
    from graph.publish import write_over
    path = tmp_path / "page.html"
    write_over(path, "<p>" + "长" * 500 + "</p>\n")
    write_over(path, b"<p>short</p>\n")
    assert path.read_bytes() == b"<p>short</p>\n"
    with open(tmp_path / "plain.html", "w") as f:
        f.write("x")
    assert path.stat().st_mode == (tmp_path / "plain.html").stat().st_mode
    write_over(path, "")
    assert path.read_bytes() == b""
