"""One reconstruction from Python (genreg.reconstruct) and from the program (genreg reconstruct), in
one run, on the same measurements and settings: the module applies the program's runtime tunings
at import, so the solver's time should be the same (BENCHMARKS.md, "Python module").

The work: `hard` on the committed mnist VAE, 100 test images (100..199) of cs:150 with noise 0.1,
4 restarts, 200 iterations, lambda 0.1. Both use the same thread count (--threads, default 2).

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/python/python_vs_cli.py
"""
import argparse
import json
import pathlib
import subprocess
import tempfile
import time

import torch

root = pathlib.Path(__file__).resolve().parents[2]
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--repeats", type=int, default=2, help="alternating runs of each")
args = parser.parse_args()
torch.set_num_threads(args.threads)

import genreg  # noqa: E402  (after set_num_threads: init_runtime keeps torch's thread count)

cli = root / "build" / "genreg"
vae = root / "docs" / "models" / "mnist" / "vae.pt"
work = pathlib.Path(tempfile.mkdtemp(prefix="genreg_bench_"))
m = work / "m.pt"
genreg.run("simulate", dataset="mnist", split="test", indices="100:200", operator="cs:150", noise=0.1, out=m,
           progress=None)
y = torch.load(m)["y"]
truth = torch.load(m)["x_true"]
op = genreg.operator("cs:150", 28)
model = genreg.load_model(vae)

rows = []
for repeat in range(args.repeats):
    start = time.time()
    out = subprocess.run([str(cli), "reconstruct", "--measurements", str(m), "--method", "hard", "--generator",
                          str(vae), "--restarts", "4", "--iterations", "200", "--lambda", "0.1", "--out",
                          str(work / f"cli{repeat}"), "--threads", str(args.threads), "--json"],
                         check=True, capture_output=True, text=True)
    wall = time.time() - start
    doc = json.loads(out.stdout)
    rows.append(("program (genreg reconstruct)", doc["results"]["solver"]["seconds"], wall,
                 doc["results"]["metrics"]["psnr"]["mean"]))
    start = time.time()
    r = genreg.reconstruct(y, op, "hard", sigma=0.1, model=model, lam=0.1, restarts=4, iterations=200, x_true=truth)
    wall = time.time() - start
    rows.append(("Python (genreg.reconstruct)", r.summary["solver"]["seconds"], wall,
                 r.summary["metrics"]["psnr"]["mean"]))

print(f"hard, 100 images x 4 restarts x 200 iterations, {args.threads} threads")
print("caller                         solver s   wall s   psnr")
for name, solver, wall, psnr in rows:
    print(f"{name:30s} {solver:8.2f} {wall:8.2f}  {psnr:.3f}")
