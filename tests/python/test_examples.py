"""The examples of examples/python, shortened, with the property each one shows."""
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run_example(name, *args):
    env = dict(os.environ, PYTHONPATH=os.environ.get("GENREG_PYTHON_DIR", str(ROOT / "build" / "python")))
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "python" / name), *args], env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_ray_transform_layer_trains_through_the_operator():
    text = run_example("ray_transform_layer.py", "--steps", "150")
    back, net = map(float, re.search(r"A\^T y \(best scale\) psnr ([\d.]+), network psnr ([\d.]+)", text).groups())
    assert net > back + 5  # measured at 400 steps: 21.7 against 12.5


def test_pytorch_denoiser_in_genreg_pnp_beats_tv(tmp_path):
    text = run_example("pnp_with_pytorch_denoiser.py", "--steps", "300", "--out", str(tmp_path / "d.ts"))
    psnr = {m: float(p) for m, p in re.findall(r"^(pnp-admm|tv)\s+\S+\s+([\d.]+)", text, re.M)}
    assert psnr["pnp-admm"] > psnr["tv"]  # measured at 600 steps: 21.09 against 19.24


def test_table1a_hard_row_equals_the_programs(tmp_path, cli):
    # The example runs table1a's hard row through the Python module; `genreg experiment` on the same
    # images, starts and iterations must choose the same lambda and give the same psnr_paper.
    text = run_example("table1a_hard.py", "--quick")
    lam, psnr_paper = map(float, re.search(r"hard \(VAE\): lambda (\S+), psnr_paper ([\d.]+)", text).groups())
    out = subprocess.run([str(cli), "--json", "--threads", "1", "experiment", "table1a", "--generators",
                          str(ROOT / "docs" / "models" / "mnist"), "--only", "hard/vae", "--validate", "0:5",
                          "--report", "100:110", "--restarts", "1", "--iterations", "200", "--out",
                          str(tmp_path / "t1a")], check=True, capture_output=True, text=True)
    row = __import__("json").loads(out.stdout)["results"]["methods"][0]
    assert row["lambda"] == pytest.approx(lam, rel=1e-2)
    assert row["metrics"]["psnr_paper"]["mean"] == pytest.approx(psnr_paper, abs=0.006)
