"""The peer benchmarks' quick modes (benchmarks/peers/), so that they do not rot: where the peer
environment's libraries are installed (scripts/peers; scripts/check-libtorch runs this file there),
skipped elsewhere."""
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run_quick(script):
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "peers" / script), "--quick"],
                         capture_output=True, text=True, timeout=60, env=dict(os.environ))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_ct_peers_quick_runs_the_same_geometry_in_genreg_astra_and_odl():
    pytest.importorskip("astra", reason="the ASTRA toolbox is not installed here (scripts/peers)")
    pytest.importorskip("odl", reason="ODL is not installed here (scripts/peers)")
    document = run_quick("ct_peers.py")
    (row,) = document["results"]["rows"]
    for peer in ("astra", "odl"):
        assert row[peer]["sinogram_difference"] < 1e-4  # measured 2e-5 at 64 px (the script refuses 1e-3)
        assert row[peer]["psnr"] > 30
    # Unfiltered back-projection would score under 15 dB: every FBP here filters.
    assert row["genreg_1"]["psnr"] > 30 and abs(row["genreg_1"]["psnr"] - row["genreg_2"]["psnr"]) < 1e-6
    assert document["provenance"]["commit"] and document["versions"]["astra-toolbox"]


def test_solver_peers_quick_runs_the_same_algorithms_in_genreg_and_deepinv():
    pytest.importorskip("deepinv", reason="deepinv is not installed here (scripts/peers)")
    document = run_quick("solver_peers.py")
    rows = {row["method"]: row for row in document["results"]["rows"]}
    assert set(rows) == {"pnp-hqs", "pnp-admm", "tv", "diffpir", "ddrm", "dps"}
    # The same iterations on the same network and data: the images agree to rounding (2.5e-5 measured;
    # a different schedule, step or start moves pixels by 1e-2 and more).
    # On these two images the zero image scores 12.0 dB and A^T y clamped 12.7.
    for method in ("pnp-hqs", "pnp-admm"):
        row = rows[method]
        assert row["max_difference"] < 1e-3, method
        assert abs(row["genreg"]["psnr"] - row["deepinv"]["psnr"]) < 0.01 and row["genreg"]["psnr"] > 14, method
    # TV: two algorithms for one convex objective reach it to within 1%.
    objective = rows["tv"]["objective"]
    assert abs(objective["genreg"] - objective["deepinv"]) < 0.01 * objective["genreg"]
    # The samplers, stochastic on both sides, few steps: each beats the zero image.
    for method in ("diffpir", "ddrm", "dps"):
        assert min(rows[method]["genreg"]["psnr"], rows[method]["deepinv"]["psnr"]) > 12.5, method
