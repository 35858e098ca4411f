"""Time the explorer's overview (graph.html): how long until it is interactive, with about 1,000 entities and on the curated data.

Builds each graph once with ``build.py`` (the synthetic one from ``bench/generate.py``), then
opens its ``graph.html`` in Debian's Chromium through playwright (never ``playwright install``)
at 1600×1000, ``--runs`` times, each in a new page. "Interactive" is the time from navigation
to the page marking itself ready (``html[data-ready=true]``: laid out, physics off, names
written), as a user would wait for it. Prints one line per graph; writes nothing outside a
temporary folder.

Example:
    .venv/bin/python bench/explorer.py --units 380 --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from generate import generate  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def build(data: Path, out: Path) -> Path:
    done = subprocess.run([sys.executable, str(ROOT / "build.py"), "--out", str(out), "--data", str(data)],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"build failed:\n{done.stderr}")
    return out / "graph.html"


def time_page(browser, page_path: Path, runs: int) -> dict:
    """Seconds from navigation to ready, per run, and what the page shows once ready."""
    seconds, shown = [], {}
    for _ in range(runs):
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        start = time.perf_counter()
        page.goto(page_path.resolve().as_uri())
        page.wait_for_selector("html[data-ready=true]", state="attached", timeout=120_000)
        seconds.append(time.perf_counter() - start)
        shown = page.evaluate("({nodes: cdkg.data.nodes.length, edges: cdkg.data.edges.length,"
                              " labels: cdkg.labels.length, layout: cdkg.layoutMs})")
        page.close()
    return {"seconds": seconds, **shown}


def report(name: str, r: dict) -> None:
    runs = ", ".join(f"{s:.2f}" for s in r["seconds"])
    print(f"{name}: {r['nodes']} entities, {r['edges']} relations; interactive in "
          f"{statistics.median(r['seconds']):.2f} s median (runs: {runs}); "
          f"layout {r['layout']} ms in the last run; {r['labels']} names written")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--units", type=int, default=380, help="companies of the synthetic graph (380: about 1,000 entities)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-curated", action="store_true", help="skip the curated data")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        tmp = Path(tmp)
        generate(tmp / "data", args.units)
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        report(f"synthetic (--units {args.units})", time_page(browser, build(tmp / "data", tmp / "syn"), args.runs))
        if not args.no_curated:
            report("curated", time_page(browser, build(ROOT / "ontology" / "data", tmp / "cur"), args.runs))
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
