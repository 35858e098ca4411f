"""The wheel works outside a checkout: built here, installed into a fresh venv, then a build and a query there."""

import subprocess
import sys
import sysconfig
import venv

from graph.paths import ROOT


def test_wheel_builds_and_queries_outside_the_checkout(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheels),
                    str(ROOT)], check=True, capture_output=True)
    (wheel,) = wheels.glob("china_digital_kg-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    fresh = env_dir / "bin" / "python"
    purelib = subprocess.run([str(fresh), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    # the dependencies come from this venv's site-packages (no download); the package from the wheel
    (tmp_path / "venv" / purelib.split(str(env_dir) + "/", 1)[1] / "deps.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(fresh), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    cdkg = str(env_dir / "bin" / "cdkg")
    where = subprocess.run([str(fresh), "-c", "import graph.paths as p; print(p.INSTALLED, p.ROOT)"], cwd=work,
                           capture_output=True, text=True, check=True).stdout.split()
    assert where == ["True", f"{purelib}/graph/_data"]
    built = subprocess.run([cdkg, "build", "--out", str(work / "out"), "--no-html"], cwd=work,
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    assert (work / "out" / "dataset.ttl").is_file() and (work / "out" / "ontology.html").is_file()
    query = subprocess.run([cdkg, "query", "regulators_of_platform", "--param", "platform=Taobao", "--format", "csv",
                            "--graph", str(work / "out" / "graph.ttl")], cwd=work, capture_output=True, text=True)
    assert query.returncode == 0, query.stderr
    assert query.stdout.splitlines()[0] == "regulator,regulatorLabel,route,via,viaLabel"
    assert "State Administration for Market Regulation" in query.stdout
    own = work / "mydata"
    own.mkdir()
    (own / "base.ttl").write_bytes((ROOT / "tests" / "valid" / "base.ttl").read_bytes())
    mine = subprocess.run([cdkg, "build", "--data", str(own), "--out", str(work / "mine"), "--no-html"], cwd=work,
                          capture_output=True, text=True)
    assert mine.returncode == 0, mine.stderr
    assert (work / "mine" / "entities.csv").read_text(encoding="utf-8").count("\n") == 1 + 5
