"""Where the project's files live: in the checkout, or inside the installed package.

In a checkout (and an editable install) everything is read from the repository
root. An installed wheel carries ``ontology/`` and ``queries/`` as package data
in ``graph/_data/`` (pyproject.toml's force-include), which then stands in for
the root; its default output folder is ``dist/`` in the current directory.
"""

from pathlib import Path

__all__ = ["ROOT", "ONTOLOGY", "DATA", "SHAPES", "DATASET_SHAPES", "QUERIES", "CHECKS", "DIST", "SEEDS", "INSTALLED", "data_files"]

_PACKAGE = Path(__file__).resolve().parent
#: True when running from an installed wheel rather than a checkout.
INSTALLED = (_PACKAGE / "_data" / "ontology" / "cdkg.ttl").is_file()
ROOT = _PACKAGE / "_data" if INSTALLED else _PACKAGE.parent
ONTOLOGY = ROOT / "ontology" / "cdkg.ttl"
SHAPES = ROOT / "ontology" / "shapes.ttl"
DATASET_SHAPES = ROOT / "ontology" / "dataset-shapes.ttl"
DATA = ROOT / "ontology" / "data"
QUERIES = ROOT / "queries"
CHECKS = QUERIES / "checks"
DIST = Path("dist").resolve() if INSTALLED else ROOT / "dist"
SEEDS = ROOT.parent / "shared" / "seeds"


def data_files(data_dir: Path = DATA) -> list[Path]:
    """The curated Turtle files, in a stable (sorted) order."""
    return sorted(Path(data_dir).glob("*.ttl"))
