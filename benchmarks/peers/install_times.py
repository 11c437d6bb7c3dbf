#!/usr/bin/env python3
"""How long the peer environment and `pip install .` take, and how large they are (issue #35;
BENCHMARKS.md "Installing the peers and genreg with pip"): a fresh virtual environment from
benchmarks/peers/requirements.txt with pip's cache off (downloads included), then a fresh clone of
this commit installed into it with `pip install` without ccache (a cold compile), then the import
test a user would run.

    /usr/bin/python3 benchmarks/peers/install_times.py    # benchmarks/results/install-times.json

The environment's interpreter is `python3` on PATH (the pyenv 3.11 here); this script runs under
Debian's python3 only for genreg's provenance (build/python, scripts/setup).
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "build" / "python"))
sys.path.insert(0, str(ROOT / "benchmarks" / "peers"))

import peer_results  # noqa: E402


def timed(args, **kwargs):
    start = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)
    return time.perf_counter() - start


def size_bytes(folder):
    return sum(p.stat().st_size for p in pathlib.Path(folder).rglob("*") if p.is_file() and not p.is_symlink())


def main():
    peer_results.require_committed("install_times.py")
    import genreg
    provenance = json.loads(genreg._genreg.provenance(["benchmarks/peers/install_times.py"]))
    python = shutil.which("python3")  # PATH's first: the pyenv 3.11 here, not this Debian interpreter
    version = subprocess.run([python, "--version"], capture_output=True, text=True).stdout.strip()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        venv, clone = pathlib.Path(tmp) / "venv", pathlib.Path(tmp) / "genreg"
        pip = [str(venv / "bin" / "pip"), "install", "-q", "--no-cache-dir", "--disable-pip-version-check"]
        create = timed([python, "-m", "venv", str(venv)])
        libraries = timed(pip + ["-r", str(ROOT / "benchmarks" / "peers" / "requirements.txt")])
        libraries_size = size_bytes(venv)
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        environment = dict(os.environ, CCACHE_DISABLE="1")
        install = timed(pip + [str(clone)], env=environment)
        genreg_size = size_bytes(venv) - libraries_size
        check = subprocess.run([str(venv / "bin" / "python"), "-c",
                                "import genreg, torch; op = genreg.operator('cs:50', 16); "
                                "x = torch.rand(2, 1, 16, 16); print(float((op.adjoint(op(x))).norm()))"],
                               capture_output=True, text=True, cwd=tmp)
        program = subprocess.run([str(venv / "bin" / "genreg"), "--version"], capture_output=True, text=True)
    rows = [{"step": "python -m venv", "seconds": create},
            {"step": "pip install -r benchmarks/peers/requirements.txt (no cache)", "seconds": libraries,
             "bytes": libraries_size},
            {"step": "pip install . (fresh clone, no ccache)", "seconds": install, "bytes": genreg_size,
             "import_test": check.returncode == 0, "program": program.stdout.strip()}]
    document = {"command": "/usr/bin/python3 benchmarks/peers/install_times.py",
                "recorded_by": "benchmarks/peers/install_times.py", "provenance": provenance,
                "versions": {"python": version}, "seconds": time.perf_counter() - start, "results": {"rows": rows}}
    for row in rows:
        print(f"  {row}", file=sys.stderr)
    peer_results.write(document, "install-times", quick=False)


if __name__ == "__main__":
    main()
