"""cdkg diff: entities and claims added, removed and changed between two sides."""

import shutil
import subprocess
import sys

import pytest

from graph.diff import diff, snapshot, to_csv, to_markdown
from graph.paths import ONTOLOGY, ROOT

from conftest import VALID


def _source(tmp_path, name, edit=None):
    root = tmp_path / name
    (root / "ontology").mkdir(parents=True)
    shutil.copy(ONTOLOGY, root / "ontology" / "cdkg.ttl")
    shutil.copytree(VALID, root / "ontology" / "data")
    if edit:
        base = root / "ontology" / "data" / "base.ttl"
        base.write_text(edit(base.read_text(encoding="utf-8")), encoding="utf-8")
    return root


def _edit(text):
    # changed: the operates claim's locator; removed: the enforcedBy claim; added: an owns claim
    text = text.replace('''kg:claim [ kg:operates id:example-platform ;
               kg:citation [ dcterms:source src:example ; kg:locator "p. 2" ] ] ;''',
                        '''kg:claim [ kg:operates id:example-platform ;
               kg:citation [ dcterms:source src:example ; kg:locator "p. 9" ] ] ;
    kg:claim [ kg:owns id:example-platform ; kg:stake 100.0 ;
               kg:citation [ dcterms:source src:example ; kg:locator "p. 4" ] ] ;''')
    text = text.replace('''    kg:claim [ kg:enforcedBy id:example-regulator ;
               kg:citation [ dcterms:source src:example ; kg:locator "Art. 6" ] ] ;
''', "")
    return text.replace('rdfs:label "Example Law"@en', 'rdfs:label "Example Act"@en')


@pytest.fixture()
def rows(tmp_path):
    return diff(snapshot(str(_source(tmp_path, "old"))), snapshot(str(_source(tmp_path, "new", _edit))))


def test_added_removed_and_changed_claims(rows):
    claims = [(r["change"], r["id"], r["field"], r["old"], r["new"]) for r in rows if r["kind"] == "claim"]
    assert claims == [
        ("added", "claim:example-company.owns.example-platform", "", "", ""),
        ("removed", "claim:example-law.enforcedBy.example-regulator", "", "", ""),
        ("changed", "claim:example-company.operates.example-platform", "sources", "src:example p. 2",
         "src:example p. 9"),
    ]


def test_changed_label_of_an_entity(rows):
    assert [(r["id"], r["field"], r["old"], r["new"]) for r in rows if r["kind"] == "entity"] == [
        ("id:example-law", "label", "Example Law@en | 示例法@zh", "Example Act@en | 示例法@zh")]


def test_markdown_counts_and_csv_header(rows):
    md = to_markdown(rows, "old", "new")
    assert "| entities | 0 | 0 | 1 |\n| claims | 1 | 1 | 1 |" in md
    assert "- `claim:example-company.operates.example-platform` sources: src:example p. 2 → src:example p. 9" in md
    assert to_csv(rows).splitlines()[0] == "kind,change,id,field,old,new"


def test_same_side_twice_has_no_changes(tmp_path):
    side = str(_source(tmp_path, "old"))
    assert diff(snapshot(side), snapshot(side)) == []


def test_built_folder_and_git_revision_agree(curated):
    """The curated build and the checkout's HEAD hold the same claims (the working tree is committed)."""
    out, _ = curated
    built, head = snapshot(str(out)), snapshot("HEAD", ROOT)
    assert sorted(built["claim"]) == sorted(head["claim"]) and len(built["claim"]) > 500


@pytest.mark.parametrize("args, message", [
    (["no-such-folder-or-rev", "HEAD"], "cdkg diff: no-such-folder-or-rev: no such folder, and not a git revision of"),
    (["HEAD", "tests"], "cdkg diff: tests: neither a built folder (graph.ttl) nor a source folder (ontology/cdkg.ttl)"),
])
def test_bad_side_is_one_line_and_exit_2(args, message):
    run = subprocess.run([sys.executable, "-m", "graph.cli", "diff", *args], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.startswith(message) and run.stderr.count("\n") == 1
