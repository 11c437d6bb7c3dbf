"""table1a's hard row (VAE) through the Python module, as `genreg experiment table1a` runs it.

mnist test images 0..199 measured by cs:150 with noise 0.1 (seed 0), the hard constraint on the
committed VAE with 4 restarts and 200 iterations, lambda chosen from 1e-3..10 by mean PSNR on test
images 0..19, reported on test images 100..199 (PROTOCOL.md, "Parameter choice").

    PYTHONPATH=build/python python3 examples/python/table1a_hard.py [--quick]
"""
import argparse
import pathlib

import torch

import genreg

root = pathlib.Path(__file__).resolve().parents[2]
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--model", default=str(root / "docs" / "models" / "mnist" / "vae.pt"))
parser.add_argument("--quick", action="store_true", help="5 validation and 10 report images, 1 restart")
args = parser.parse_args()

op = genreg.operator("cs:150", 28)
test = genreg.load_dataset("mnist", split="test", indices="0:200")
y = genreg.simulate(test.images, op, sigma=0.1, seed=0)  # the experiment's measurements
validation, report = (range(0, 5), range(100, 110)) if args.quick else (range(0, 20), range(100, 200))
rows = torch.tensor([*validation, *report])
vae = genreg.load_model(args.model)
r = genreg.reconstruct(y[rows], op, "hard", sigma=0.1, model=vae, lam_grid="1e-3:1e1:5",
                       validate=f"0:{len(validation)}", x_true=test.images[rows],
                       restarts=1 if args.quick else 4, iterations=200, progress=print)
shown = slice(len(validation), None)
m = genreg.metrics(r.x[shown], test.images[rows][shown])
mean = {k: float(v.mean()) for k, v in m.items()}
print(f"hard (VAE): lambda {float(r.lam[0]):.3g}, psnr_paper {mean['psnr_paper']:.2f} "
      f"+- {float(m['psnr_paper'].std(unbiased=False)):.2f}, psnr {mean['psnr']:.2f}, ssim {mean['ssim']:.3f}, "
      f"{r.summary['seconds']:.1f} s")
print("BENCHMARKS.md (genreg experiment table1a): psnr_paper 24.55 +- 3.20, psnr 18.53, ssim 0.801, lambda 0.1")
