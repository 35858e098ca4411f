"""Time the build with the static site (dist/site/): on a synthetic graph of about 1,000 entities and on the curated data.

Each build runs ``build.py`` as its own process (Python start-up included in the wall time);
the site step's own time is read from the build's log line ``[site     ] ... (N ms)``.
The synthetic runs build into fresh folders. The curated runs rebuild into one folder after a
first, untimed build, as a user's ``python build.py`` does after the first: the release step
then reuses pyLODE's ontology page (about 0.7 s more into an empty folder). Prints one line
per data set; writes nothing outside a temporary folder.

Example:
    .venv/bin/python bench/site.py --units 380 --runs 3
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate  # noqa: E402


def run_build(data: Path, out: Path, *options: str) -> dict:
    """One ``build.py`` run: wall seconds, each step's milliseconds, the site's page count."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "--out", str(out), "--data", str(data), *options],
                          capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"build failed:\n{done.stderr}")
    steps = {m[1].strip(): int(m[2]) for m in re.finditer(r"^\[(\w+)\s*\] .*\((\d+) ms[^)]*\)$", done.stderr, re.M)}
    pages = sum(1 for _ in (out / "site").rglob("*.html")) if (out / "site").is_dir() else 0
    entities = re.search(r"(\d+) entities, \d+ relation rows", done.stderr)
    return {"wall": wall, "steps": steps, "pages": pages, "entities": int(entities[1]) if entities else 0}


def report(name: str, runs: list[dict]) -> None:
    best = min(runs, key=lambda r: r["wall"])
    site = sorted(r["steps"].get("site", 0) for r in runs)
    walls = ", ".join("%.2f" % r["wall"] for r in runs)
    median = sorted(r["wall"] for r in runs)[len(runs) // 2]
    print(f"{name}: {best['entities']} entities, {best['pages']} pages; build wall best {best['wall']:.2f} s, "
          f"median {median:.2f} s (all: {walls}); site step {site[0]} ms best, "
          f"{site[len(site) // 2]} ms median; steps of the best run: "
          + ", ".join(f"{k} {v}" for k, v in best["steps"].items()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--units", type=int, default=380, help="companies of the synthetic graph (380: about 1,000 entities)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-curated", action="store_true", help="skip the curated data")
    parser.add_argument("--curated-data", type=Path, default=ROOT / "ontology" / "data", help="the curated data folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        generate(tmp / "data", args.units)
        report(f"synthetic (--units {args.units})", [run_build(tmp / "data", tmp / f"out{i}") for i in range(args.runs)])
        if not args.no_curated:
            run_build(args.curated_data, tmp / "cur")  # the first build, untimed
            report("curated (rebuilt)", [run_build(args.curated_data, tmp / "cur") for _ in range(args.runs)])
            report("curated --no-html (rebuilt)",
                   [run_build(args.curated_data, tmp / "cur", "--no-html") for _ in range(args.runs)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
