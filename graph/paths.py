"""Where the project's files live, relative to the repository root."""

from pathlib import Path

__all__ = ["ROOT", "ONTOLOGY", "DATA", "SHAPES", "QUERIES", "CHECKS", "DIST", "SEEDS", "data_files"]

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "cdkg.ttl"
SHAPES = ROOT / "ontology" / "shapes.ttl"
DATA = ROOT / "ontology" / "data"
QUERIES = ROOT / "queries"
CHECKS = QUERIES / "checks"
DIST = ROOT / "dist"
SEEDS = ROOT.parent / "shared" / "seeds"


def data_files(data_dir: Path = DATA) -> list[Path]:
    """The curated Turtle files, in a stable (sorted) order."""
    return sorted(Path(data_dir).glob("*.ttl"))
