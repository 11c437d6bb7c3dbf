"""The examples of examples/python, shortened, with the property each one shows."""
import os
import pathlib
import re
import subprocess
import sys

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


def test_table1a_hard_row_runs():
    text = run_example("table1a_hard.py", "--quick")
    psnr_paper = float(re.search(r"hard \(VAE\): lambda \S+, psnr_paper ([\d.]+)", text).group(1))
    assert 18 < psnr_paper < 32
