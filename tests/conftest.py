"""Shared fixtures: the tiny graph, and builds of the curated data and of tests/valid."""

import os
import shutil
from pathlib import Path

import pytest

from graph.api import KnowledgeGraph
from graph.pipeline import build
from graph.testing import tiny_graph

TESTS = Path(__file__).parent
VALID = TESTS / "valid"
INVALID = TESTS / "invalid"


@pytest.fixture(scope="session")
def tiny_kg():
    """The tiny fixture graph (graph/fixtures/tiny.ttl) as a KnowledgeGraph."""
    return KnowledgeGraph(tiny_graph())


@pytest.fixture(scope="session")
def curated(tmp_path_factory):
    """A full build of the curated data (ontology/data) into a temporary dist/."""
    out = tmp_path_factory.mktemp("curated") / "dist"
    result = build(out, log=None)
    return out, result


@pytest.fixture(scope="session")
def curated_kg(curated):
    out, result = curated
    return KnowledgeGraph(result.graph)


@pytest.fixture(scope="session")
def site_dist(tmp_path_factory):
    """A curated build with the explorer and the static site, as ``cdkg build`` makes it."""
    from graph.render import html_step
    from graph.site import site_step
    out = tmp_path_factory.mktemp("site") / "dist"
    build(out, log=None, extra_steps=[html_step, site_step])
    return out


@pytest.fixture()
def data_dir(tmp_path):
    """A copy of tests/valid to which a test may add one invalid file."""
    folder = tmp_path / "data"
    shutil.copytree(VALID, folder)
    return folder


def in_ci() -> bool:
    return bool(os.environ.get("CI"))
