#!/usr/bin/env python3
"""Plug-and-play side by side with deepinv (issue #35; BENCHMARKS.md "Plug-and-play: genreg and
deepinv"): genreg's `pnp-hqs` against deepinv's HQS iterator (the algorithm of its DPIR class) with
the same DRUNet, schedule, steps, start and data, in one process of the peer environment.

The same algorithm, term by term. genreg's pnp-hqs with lambda and K iterations (DPIR's 8 unless the experiment needs more):
    x_k = argmin ||A x - y||^2 / (2 sigma^2) + lambda / (2 s_k^2) ||x - z_{k-1}||^2,  z_k = clamp(D(x_k, s_k)),
s_k geometric from 49/255 (DPIR's start) to sigma, z_0 = 0. deepinv: optim_builder("HQS") with its
L2(sigma) data fidelity (1/(2 sigma^2) ||Ax - y||^2), stepsize gamma_k = s_k^2 / lambda, prior PnP of
the same network followed by the same clamp to [0, 1], init 0, no early stop. The network is genreg's
(docs/models/<dataset>/drunet.pt) seen through genreg.deepinv.Denoiser, so both sides evaluate the very
same weights with the same LibTorch kernels (genreg is compiled against this environment's torch).
The operator is deepinv's own physics where deepinv has it (Blur with zero padding, CompressedSensing
holding genreg's matrix; each checked equal to genreg's), genreg's through genreg.deepinv.Physics
otherwise (tomo: deepinv's Tomography is another discretisation); deepinv solves the data prox by its
conjugate gradients, genreg by its own, both with 100 iterations and relative tolerance 1e-6.

    build/peers/bin/python benchmarks/peers/pnp_peers.py          # benchmarks/results/pnp-peers.json
    build/peers/bin/python benchmarks/peers/pnp_peers.py --quick  # 2 images of one problem: a check
"""
import json
import os
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
if os.environ.get("GENREG_PYTHON_DIR"):
    sys.path.insert(0, os.environ["GENREG_PYTHON_DIR"])

import torch  # noqa: E402

try:
    import deepinv as dinv
except ImportError:
    raise SystemExit("pnp_peers.py: deepinv is not installed here: run it with the peer environment's python "
                     "(scripts/peers makes build/peers)")
import genreg  # noqa: E402
import genreg.deepinv  # noqa: E402
import peer_results  # noqa: E402

START = 49.0 / 255.0
# (experiment, dataset, size, operator, sigma, lambda, iterations): the experiments' settings; lambda
# where their spec files' notes say pnp-hqs peaked; DPIR's 8 iterations, but table1a's 100 (its notes:
# 8 give 12.4 dB there).
PROBLEMS = [("table1b", "shapes", 56, "tomo", 0.1, 0.1, 8),
            ("mnist-deblur", "mnist", 28, "blur:gauss5", 0.1, 0.3, 8),
            ("table1a", "mnist", 28, "cs:150", 0.1, 0.01, 100)]


class ClampedDenoiser(dinv.models.Denoiser):
    """D then the projection onto [0, 1], as genreg's plug-and-play does with its box."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x, sigma, **kwargs):
        return self.inner(x, sigma).clamp(0.0, 1.0)


def schedule(sigma, iterations):
    end = min(sigma, START)
    return [float(torch.exp(torch.log(torch.tensor(START, dtype=torch.float64)) + k / (iterations - 1) *
                            (torch.log(torch.tensor(end, dtype=torch.float64)) -
                             torch.log(torch.tensor(START, dtype=torch.float64)))))
            for k in range(iterations)]


def deepinv_physics(spec, op, sigma):
    """deepinv's own physics where it has genreg's operator (checked equal on random images), else
    genreg's operator as deepinv physics. Either way deepinv solves the data prox by its conjugate
    gradients, with genreg's settings (100 iterations, relative tolerance 1e-6)."""
    noise, solver = dinv.physics.GaussianNoise(sigma=sigma), {"max_iter": 100, "tol": 1e-6}
    h, w = op.domain_shape[1:]
    if spec.startswith("blur:"):
        # genreg's blur is a convolution with zero boundary: deepinv's Blur with 'constant' padding.
        delta = torch.zeros(1, *op.domain_shape)
        delta[0, 0, h // 2, w // 2] = 1
        kernel = op(delta)[0, 0]
        rows, cols = torch.nonzero(kernel, as_tuple=True)
        r = int(max(h // 2 - rows.min(), rows.max() - h // 2, w // 2 - cols.min(), cols.max() - w // 2))
        kernel = kernel[h // 2 - r:h // 2 + r + 1, w // 2 - r:w // 2 + r + 1].reshape(1, 1, 2 * r + 1, 2 * r + 1)
        physics = dinv.physics.Blur(filter=kernel.contiguous(), padding="constant", noise_model=noise, **solver)
    elif spec.startswith("cs:"):
        # deepinv's CompressedSensing holding genreg's matrix (its own draw is another matrix).
        matrix = op(torch.eye(h * w).reshape(h * w, 1, h, w)).reshape(h * w, -1).T.contiguous()
        physics = dinv.physics.CompressedSensing(m=matrix.shape[0], img_size=op.domain_shape, noise_model=noise,
                                                 **solver)
        physics._A, physics._A_adjoint = matrix, matrix.T.contiguous()
        physics._A_dagger = torch.linalg.pinv(matrix)
    else:
        return genreg.deepinv.Physics(op, sigma=sigma, **solver)
    x = torch.rand(4, *op.domain_shape, generator=torch.Generator().manual_seed(0))
    difference = float((physics.A(x) - op(x)).abs().max())
    if difference > 1e-5:
        raise SystemExit(f"pnp_peers.py: deepinv's {type(physics).__name__} differs from genreg's {spec} by {difference}")
    return physics


def timed(f):
    start = time.perf_counter()
    out = f()
    return out, time.perf_counter() - start


def run_problem(name, dataset, size, spec, sigma, lam, iterations, indices):
    op = genreg.operator(spec, size)
    x = genreg.load_dataset(dataset, split="test", indices=indices).images
    y = genreg.simulate(x, op, sigma=sigma, seed=0)
    model = genreg.load_model(str(ROOT / "docs" / "models" / dataset / "drunet.pt"), role="denoiser")

    ours, ours_seconds = timed(lambda: genreg.reconstruct(y, op, "pnp-hqs", sigma=sigma, model=model, lam=lam,
                                                          iterations=iterations, denoiser_sigma=START))
    levels = schedule(sigma, iterations)
    physics = deepinv_physics(spec, op, sigma)
    solver = dinv.optim.optim_builder(
        iteration="HQS", prior=dinv.optim.PnP(denoiser=ClampedDenoiser(genreg.deepinv.Denoiser(model))),
        data_fidelity=dinv.optim.L2(sigma=sigma), early_stop=False, max_iter=iterations,
        params_algo={"stepsize": [s * s / lam for s in levels], "g_param": levels})
    with torch.no_grad():
        theirs, theirs_seconds = timed(lambda: solver(y, physics, init=torch.zeros_like(x)))
    count = x.shape[0]
    # Where the time goes: the K network evaluations alone (the same on both sides), on the same batch.
    with torch.no_grad():
        _, network_seconds = timed(lambda: [model.denoise(ours.x, s) for s in levels])
    row = {"experiment": name, "dataset": dataset, "operator": spec, "sigma": sigma, "lambda": lam,
           "images": indices, "iterations": iterations, "deepinv_physics": type(physics).__name__,
           "genreg": {"seconds_per_image": ours_seconds / count, "psnr": float(genreg.psnr(ours.x, x).mean())},
           "deepinv": {"seconds_per_image": theirs_seconds / count, "psnr": float(genreg.psnr(theirs, x).mean())},
           "network_seconds_per_image": network_seconds / count,
           "max_difference": float((ours.x - theirs).abs().max()),
           "mean_difference": float((ours.x - theirs).abs().mean())}
    print(f"  {name}: {row}", file=sys.stderr, flush=True)
    return row


def main():
    quick = "--quick" in sys.argv
    if not quick:
        peer_results.require_committed("pnp_peers.py")
    threads = torch.get_num_threads()
    genreg._genreg.init_runtime(threads)
    start = time.perf_counter()
    provenance = json.loads(genreg._genreg.provenance(["benchmarks/peers/pnp_peers.py"] + sys.argv[1:]))
    problems = PROBLEMS[:1] if quick else PROBLEMS
    rows = [run_problem(*p, indices="100:102" if quick else "100:200") for p in problems]
    document = {"command": "build/peers/bin/python benchmarks/peers/pnp_peers.py" + (" --quick" if quick else ""),
                "recorded_by": "benchmarks/peers/pnp_peers.py", "provenance": provenance, "threads": threads,
                "versions": {"torch": torch.__version__, "deepinv": dinv.__version__, "genreg": genreg.__version__},
                "seconds": time.perf_counter() - start, "results": {"rows": rows}}
    peer_results.write(document, "pnp-peers", quick)


if __name__ == "__main__":
    main()
