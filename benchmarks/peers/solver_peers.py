#!/usr/bin/env python3
"""genreg's solvers side by side with deepinv's implementations of the same algorithms (issue #35;
BENCHMARKS.md "Solvers: genreg and deepinv"), with the same network, evaluations, start and data, in
one process of the peer environment. Both sides run genreg's networks (docs/models/<dataset>/, seen
through genreg.deepinv.Denoiser) with the same LibTorch kernels: genreg is compiled against this
environment's torch.

The data: report images of each experiment, `genreg.simulate` seed 0. The operator is deepinv's own
physics where deepinv has it (Blur with zero padding, CompressedSensing holding genreg's matrix, each
checked equal to genreg's), genreg's through genreg.deepinv.Physics otherwise (tomo: deepinv's
Tomography is another discretisation). Data proxes without a closed form run conjugate gradients on
both sides, 100 iterations, relative tolerance 1e-6.

Methods, term by term (D(x) = ||A x - y||^2 / (2 sigma^2), genreg's data term):
  pnp-hqs   genreg: x_k = prox_{tau_k D}(z_{k-1}), z_k = P_[0,1] D(x_k, s_k), tau_k = s_k^2 / lambda, s_k
            geometric from 49/255 to sigma, K steps, z_0 = 0. deepinv: optim_builder("HQS") with L2(sigma),
            stepsize s_k^2 / lambda, g_param s_k, the same clamped network, init 0: the same iteration.
  pnp-admm  genreg: x = prox_{tau D}(z - u), z = P_[0,1] D_s(x + u), u += x - z, tau = s^2 / lambda, from
            z_0 = prox_{tau D}(0), u_0 = 0. deepinv: optim_builder("ADMM") (u = prox_{gamma f}(x - z),
            x = prox_g(u + z), z += beta (u - x)) with gamma = tau, beta 1 and x_0 = genreg's z_0: the
            same iteration with the variables renamed. Both run all K iterations (genreg's
            tolerance 1e-12, deepinv's early stop off).
  tv        min D(x) + lambda TV(x), isotropic TV with forward differences, no box on either side (the
            same objective). genreg: Chambolle-Pock on the stacked K = [c A; grad], every prox in closed
            form. deepinv: its Chambolle-Pock (optim_builder("CP")) the way its examples solve TV,
            K = A with the data term as the dual function and TVPrior's prox (20 inner iterations,
            deepinv's example value) as the primal step, lambda sigma^2 on ||A x - y||^2 / 2. Both start
            at A^T y, steps 0.99 / ||K||, and stop on a relative change below 1e-5 (at most 1000
            iterations); each side's final objective is reported.
  diffpir   genreg: the respaced DDPM chain on evenly spaced steps, x_T ~ N(0, I); deepinv: its
            DiffPIR class (sqrt-spaced steps, a start from A^T y plus noise, x0 clamped before the data
            step) with genreg's DDPM as its denoiser (genreg.deepinv.Denoiser: Tweedie at the matching
            step) and L2() at its lambda_ = 2 lambda (the same rho_t). Same network evaluations (steps x
            samples); stochastic samplers, so only psnr and time compare.
  ddrm      on mnist inpainting (genreg's DDRM needs an SVD in closed form, which none of the three
            experiments' operators has). genreg: Kawar et al.'s steps (eta 0.85, eta_b 1) on its respaced
            chain from x_T ~ N(0, I), x0 clipped to [-1, 1]. deepinv: its DDRM class on its own Inpainting
            with genreg's mask, given the noise levels of genreg's steps (on the [0, 1] scale) and genreg's
            DDPM as the denoiser; it starts from the measurement where observed, does not clip, and draws
            its noise at 1/sqrt(2) of the level, as deepinv's DDRM does.
  dps       genreg: DDPM ancestral steps (small variance) on the respaced chain, then
            x -= (1 / lambda) grad ||A x0(x_t) - y||^2 / ||A x0(x_t) - y||, x0 clipped. deepinv: its DPS
            class with its default DDPM ancestral solver (steps linspace(1, 0) of its variance-preserving
            SDE, beta 0.1..20: the same linear schedule), normalised guidance (Chung et al.'s), x0 clipped;
            its weight is on another scale, so it is chosen as genreg's lambda was, on validation images.

    build/peers/bin/python benchmarks/peers/solver_peers.py          # benchmarks/results/solver-peers.json
    build/peers/bin/python benchmarks/peers/solver_peers.py --quick  # 2 images, one row per method: a check
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
    raise SystemExit("solver_peers.py: deepinv is not installed here: run it with the peer environment's python "
                     "(scripts/peers makes build/peers)")
import genreg  # noqa: E402
import genreg.deepinv  # noqa: E402
import peer_results  # noqa: E402

START = 49.0 / 255.0
# deepinv DPS's guidance weights to choose from: on 4 validation images (50 steps, 2 samples) its
# psnr rose from 0.3 to a peak at 30..300 and fell by 1000 on all three experiments.
DPS_WEIGHTS = [10.0, 30.0, 100.0, 300.0]
CG = {"max_iter": 100, "tol": 1e-6}
# experiment: (dataset, size, operator, sigma, report images)
PROBLEMS = {"table1b": ("shapes", 56, "tomo", 0.1),
            "mnist-deblur": ("mnist", 28, "blur:gauss5", 0.1),
            "table1a": ("mnist", 28, "cs:150", 0.1),
            # Not an experiment: genreg's DDRM needs an SVD in closed form (denoise, inpaint, mri), which
            # none of the three experiments' operators has.
            "mnist-inpaint": ("mnist", 28, "inpaint:0.5,seed=1", 0.1)}
# (method, experiment, settings, report images): lambda where the experiments' spec files' notes and
# BENCHMARKS' tables put each method's peak; DPIR's 8 HQS steps, but table1a's 100 (its notes: 8 give
# 12.4 dB there); ADMM's strength s from the spec files. TV, DiffPIR and DPS on 20 images (deepinv's TV
# spends seconds per image in its inner TV iterations; the samplers 4 x 100 network evaluations per
# image on each side, DPS's twice with the gradient), DDRM's 20 steps on 100.
ROWS = [("pnp-hqs", "table1b", {"lambda": 0.1, "iterations": 8}, "100:200"),
        ("pnp-hqs", "mnist-deblur", {"lambda": 0.3, "iterations": 8}, "100:200"),
        ("pnp-hqs", "table1a", {"lambda": 0.01, "iterations": 100}, "100:200"),
        ("pnp-admm", "table1b", {"lambda": 0.17, "strength": 0.1, "iterations": 100}, "100:200"),
        ("pnp-admm", "mnist-deblur", {"lambda": 0.32, "strength": 0.1, "iterations": 100}, "100:200"),
        ("pnp-admm", "table1a", {"lambda": 0.95, "strength": 0.3, "iterations": 100}, "100:200"),
        ("tv", "table1b", {"lambda": 2.15}, "100:120"),
        ("tv", "mnist-deblur", {"lambda": 1.0}, "100:120"),
        ("tv", "table1a", {"lambda": 1.0}, "100:120"),
        ("diffpir", "table1b", {"lambda": 0.95, "steps": 100, "samples": 4}, "100:120"),
        ("diffpir", "mnist-deblur", {"lambda": 1.0, "steps": 100, "samples": 4}, "100:120"),
        ("diffpir", "table1a", {"lambda": 0.1, "steps": 100, "samples": 4}, "100:120"),
        ("ddrm", "mnist-inpaint", {"steps": 20, "samples": 4}, "100:200"),
        ("dps", "table1b", {"lambda_grid": [0.1, 0.2, 0.4], "steps": 100, "samples": 4}, "100:120"),
        ("dps", "mnist-deblur", {"lambda_grid": [0.25, 0.5, 1.0, 2.0, 4.0], "steps": 100, "samples": 4}, "100:120"),
        ("dps", "table1a", {"lambda_grid": [0.5, 1.0, 2.0, 4.0], "steps": 100, "samples": 4}, "100:120")]


class ClampedDenoiser(dinv.models.Denoiser):
    """D then the projection onto [0, 1], as genreg's plug-and-play does with its box."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x, sigma, **kwargs):
        return self.inner(x, sigma).clamp(0.0, 1.0)


def schedule(sigma, iterations):
    """DPIR's levels: geometric from 49/255 to sigma (genreg's PnpHqs::schedule), in float64."""
    start, end = torch.tensor(START, dtype=torch.float64), torch.tensor(min(sigma, START), dtype=torch.float64)
    return [float(torch.exp(start.log() + k / (iterations - 1) * (end.log() - start.log()))) for k in range(iterations)]


def deepinv_physics(spec, op, sigma):
    """deepinv's own physics where it has genreg's operator (checked equal on random images), else
    genreg's operator as deepinv physics."""
    noise = dinv.physics.GaussianNoise(sigma=sigma)
    h, w = op.domain_shape[1:]
    if spec.startswith("blur:"):
        # genreg's blur is a convolution with zero boundary: deepinv's Blur with 'constant' padding.
        delta = torch.zeros(1, *op.domain_shape)
        delta[0, 0, h // 2, w // 2] = 1
        kernel = op(delta)[0, 0]
        rows, cols = torch.nonzero(kernel, as_tuple=True)
        r = int(max(h // 2 - rows.min(), rows.max() - h // 2, w // 2 - cols.min(), cols.max() - w // 2))
        kernel = kernel[h // 2 - r:h // 2 + r + 1, w // 2 - r:w // 2 + r + 1].reshape(1, 1, 2 * r + 1, 2 * r + 1)
        physics = dinv.physics.Blur(filter=kernel.contiguous(), padding="constant", noise_model=noise, **CG)
    elif spec.startswith("cs:"):
        # deepinv's CompressedSensing holding genreg's matrix (its own draw is another matrix).
        matrix = op(torch.eye(h * w).reshape(h * w, 1, h, w)).reshape(h * w, -1).T.contiguous()
        physics = dinv.physics.CompressedSensing(m=matrix.shape[0], img_size=op.domain_shape, noise_model=noise, **CG)
        physics._A, physics._A_adjoint = matrix, matrix.T.contiguous()
        physics._A_dagger = torch.linalg.pinv(matrix)
    elif spec.startswith("inpaint:"):
        # deepinv's Inpainting (a DecomposablePhysics, as its DDRM needs) with genreg's mask.
        # Its measurements are the masked image, genreg's the kept pixels: y_deepinv = A^T y.
        mask = op.adjoint(op(torch.ones(1, *op.domain_shape)))[0]
        physics = dinv.physics.Inpainting(img_size=op.domain_shape, mask=mask, noise_model=noise)
        physics.from_genreg = op.adjoint
    else:
        return genreg.deepinv.Physics(op, sigma=sigma, **CG)
    x = torch.rand(4, *op.domain_shape, generator=torch.Generator().manual_seed(0))
    difference = float((physics.A(x) - getattr(physics, "from_genreg", lambda v: v)(op(x))).abs().max())
    if difference > 1e-5:
        raise SystemExit(f"solver_peers.py: deepinv's {type(physics).__name__} differs from genreg's {spec} by {difference}")
    return physics


def timed(f):
    """f's result and seconds. Gradients off: deepinv's DPS turns them on where it differentiates, and
    genreg's samplers do the same inside."""
    start = time.perf_counter()
    with torch.no_grad():
        out = f()
    return out, time.perf_counter() - start


def total_variation(x):
    """Isotropic TV with forward differences (zero across the last row and column): both sides'."""
    dx = torch.zeros_like(x)
    dy = torch.zeros_like(x)
    dx[..., :, :-1] = x[..., :, 1:] - x[..., :, :-1]
    dy[..., :-1, :] = x[..., 1:, :] - x[..., :-1, :]
    return (dx.pow(2) + dy.pow(2)).sqrt().flatten(1).sum(1)


def tv_objective(op, y, sigma, lam, x):
    return (op(x) - y).pow(2).flatten(1).sum(1) / (2 * sigma**2) + lam * total_variation(x)


class Problem:
    """One experiment's report images, measurements, operator (both sides') and networks."""

    def __init__(self, name, indices):
        self.name = name
        self.dataset, size, self.spec, self.sigma = PROBLEMS[name]
        self.op = genreg.operator(self.spec, size)
        self.x = genreg.load_dataset(self.dataset, split="test", indices=indices).images
        self.y = genreg.simulate(self.x, self.op, sigma=self.sigma, seed=0)
        self.physics = deepinv_physics(self.spec, self.op, self.sigma)
        # The measurements as deepinv's physics holds them (the same numbers).
        self.y_peer = getattr(self.physics, "from_genreg", lambda v: v)(self.y)

    def model(self, kind, role):
        return genreg.load_model(str(ROOT / "docs" / "models" / self.dataset / f"{kind}.pt"), role=role)


def run_pnp_hqs(p, s):
    model = p.model("drunet", "denoiser")
    lam, k = s["lambda"], s["iterations"]
    ours, ours_seconds = timed(lambda: genreg.reconstruct(p.y, p.op, "pnp-hqs", sigma=p.sigma, model=model, lam=lam,
                                                          iterations=k, denoiser_sigma=START).x)
    levels = schedule(p.sigma, k)
    solver = dinv.optim.optim_builder(
        iteration="HQS", prior=dinv.optim.PnP(denoiser=ClampedDenoiser(genreg.deepinv.Denoiser(model))),
        data_fidelity=dinv.optim.L2(sigma=p.sigma), early_stop=False, max_iter=k,
        params_algo={"stepsize": [v * v / lam for v in levels], "g_param": levels})
    theirs, theirs_seconds = timed(lambda: solver(p.y, p.physics, init=torch.zeros_like(p.x)))
    # Where the time goes: the K network evaluations alone (the same on both sides), on the same batch.
    _, network_seconds = timed(lambda: [model.denoise(ours, v) for v in levels])
    return ours, ours_seconds, theirs, theirs_seconds, {"evaluations": k, "network_seconds": network_seconds}


def run_pnp_admm(p, s):
    model = p.model("drunet", "denoiser")
    lam, level, k = s["lambda"], s["strength"], s["iterations"]
    ours, ours_seconds = timed(lambda: genreg.reconstruct(p.y, p.op, "pnp-admm", sigma=p.sigma, model=model, lam=lam,
                                                          iterations=k, denoiser_sigma=level, tolerance=1e-12).x)
    tau = level * level / lam
    fidelity = dinv.optim.L2(sigma=p.sigma)
    solver = dinv.optim.optim_builder(
        iteration="ADMM", prior=dinv.optim.PnP(denoiser=ClampedDenoiser(genreg.deepinv.Denoiser(model))),
        data_fidelity=fidelity, early_stop=False, max_iter=k,
        params_algo={"stepsize": tau, "g_param": level, "beta": 1.0})

    def deepinv_run():
        start = fidelity.prox(torch.zeros_like(p.x), p.y, p.physics, gamma=tau)  # genreg's z_0
        return solver(p.y, p.physics, init=(start, torch.zeros_like(start)))

    theirs, theirs_seconds = timed(deepinv_run)
    _, network_seconds = timed(lambda: [model.denoise(ours, level) for _ in range(k)])
    return ours, ours_seconds, theirs, theirs_seconds, {"evaluations": k, "network_seconds": network_seconds}


def run_tv(p, s):
    lam = s["lambda"]
    result, ours_seconds = timed(lambda: genreg.reconstruct(p.y, p.op, "tv", sigma=p.sigma, lam=lam, no_box=True))
    ours = result.x
    step = 0.99 / float(p.op.norm())
    calls = [0]

    def forward(x):  # counts deepinv's iterations: one K x per iteration
        calls[0] += 1
        return p.physics.A(x)

    solver = dinv.optim.optim_builder(
        iteration="CP", prior=dinv.optim.TVPrior(n_it_max=20), data_fidelity=dinv.optim.L2(),
        early_stop=True, crit_conv="residual", thres_conv=1e-5, max_iter=1000,
        params_algo={"stepsize": step, "stepsize_dual": step, "lambda": lam * p.sigma**2, "beta": 1.0,
                     "K": forward, "K_adjoint": p.physics.A_adjoint})
    # deepinv would evaluate its default objective each iteration, data_fidelity(x, y) without K (a
    # shape error here); the residual stop does not need it, so it is off, as without an explicit prior.
    solver.has_cost = solver.fixed_point.iterator.has_cost = False

    def deepinv_run():
        start = p.physics.A_adjoint(p.y)
        # The data term is the dual function of K x = A x: deepinv's CP takes the identity as physics.
        return solver(p.y, dinv.physics.Denoising(), init=(start, start, torch.zeros_like(p.y)))

    theirs, theirs_seconds = timed(deepinv_run)
    return ours, ours_seconds, theirs, theirs_seconds, {
        "iterations": {"genreg": result.summary["solver"]["evaluations"], "deepinv": calls[0]},
        "objective": {"genreg": float(tv_objective(p.op, p.y, p.sigma, lam, ours).mean()),
                      "deepinv": float(tv_objective(p.op, p.y, p.sigma, lam, theirs).mean())}}


def deepinv_mean(sampler, p, samples):
    """A deepinv sampler run once on every measurement repeated `samples` times (torch's seed 0), the
    draws clamped to [0, 1] as genreg's box does, and their mean per image (genreg's estimate)."""
    torch.manual_seed(0)
    draws = sampler(p.y_peer.repeat_interleave(samples, 0), p.physics)
    return draws.clamp(0, 1).reshape(p.x.shape[0], samples, *p.x.shape[1:]).mean(1)


def run_diffpir(p, s):
    model = p.model("ddpm", "noise_predictor")
    lam, steps, samples = s["lambda"], s["steps"], s["samples"]
    ours, ours_seconds = timed(lambda: genreg.reconstruct(p.y, p.op, "diffpir", sigma=p.sigma, model=model, lam=lam,
                                                          steps=steps, samples=samples).x)
    sampler = dinv.sampling.DiffPIR(model=genreg.deepinv.Denoiser(model), data_fidelity=dinv.optim.L2(),
                                    sigma=p.sigma, max_iter=steps, zeta=1.0, lambda_=2 * lam)

    theirs, theirs_seconds = timed(lambda: deepinv_mean(sampler, p, samples))
    return ours, ours_seconds, theirs, theirs_seconds, {"evaluations": steps * samples}


def timesteps(total, count):
    """genreg's respaced chain (models/diffusion_sampling.cpp): round(k (T - 1) / (count - 1)), k = count-1..0."""
    return [round(k * (total - 1) / (count - 1)) for k in range(count - 1, -1, -1)]


def run_ddrm(p, s):
    model = p.model("ddpm", "noise_predictor")
    steps, samples = s["steps"], s["samples"]
    ours, ours_seconds = timed(lambda: genreg.reconstruct(p.y, p.op, "ddrm", sigma=p.sigma, model=model, steps=steps,
                                                          samples=samples).x)
    # deepinv's DDRM on genreg's noise levels: the [0, 1]-scale noise sqrt((1 - abar_t) / abar_t) / 2 of
    # genreg's steps, Kawar et al.'s eta 0.85 and eta_b 1 on both sides.
    abar = model.alphas_cumprod().to(torch.float64)
    levels = [float(((1 - abar[t]) / abar[t]).sqrt() / 2) for t in timesteps(abar.numel(), steps)]
    sampler = dinv.sampling.DDRM(denoiser=genreg.deepinv.Denoiser(model), sigmas=levels, eta=0.85, etab=1.0)

    theirs, theirs_seconds = timed(lambda: deepinv_mean(sampler, p, samples))
    return ours, ours_seconds, theirs, theirs_seconds, {"evaluations": steps * samples}


def deepinv_dps(p, model, steps, weight, samples, y):
    """deepinv's DPS (its default DDPM ancestral solver, Chung et al.'s normalised guidance) from noise."""
    sampler = dinv.sampling.DPS(genreg.deepinv.Denoiser(model), num_steps=steps, weight=weight, dtype=torch.float32,
                                rng=torch.Generator().manual_seed(0))
    count = y.shape[0] * samples
    with torch.enable_grad():
        draws = sampler(y.repeat_interleave(samples, 0), p.physics, x_init=(count, *p.x.shape[1:]))
    return draws.detach().clamp(0, 1).reshape(y.shape[0], samples, *p.x.shape[1:]).mean(1)


def best_on_validation(p, grid, estimate):
    """The grid's value with the best mean psnr on validation images 0..7 (the experiments' validation
    images, measurements with the same seed), and every value's score."""
    scores = {value: float(genreg.psnr(estimate(value), p.x).mean()) for value in grid}
    return max(scores, key=scores.get), scores


def run_dps(p, s):
    model = p.model("ddpm", "noise_predictor")
    steps, samples = s["steps"], s["samples"]
    # Each side's parameter on its own scale, chosen the same way, on the same validation images:
    # genreg's lambda over its spec file's grid, deepinv's weight over a grid around where it peaks.
    validation = Problem(p.name, s.get("validation", "0:8"))
    lam, lam_scores = best_on_validation(validation, s["lambda_grid"], lambda lam: genreg.reconstruct(
        validation.y, validation.op, "dps", sigma=p.sigma, model=model, lam=lam, steps=steps, samples=samples).x)
    weight, weight_scores = best_on_validation(validation, s.get("weights", DPS_WEIGHTS), lambda weight: deepinv_dps(
        validation, model, steps, weight, samples, validation.y))
    ours, ours_seconds = timed(lambda: genreg.reconstruct(p.y, p.op, "dps", sigma=p.sigma, model=model, lam=lam,
                                                          steps=steps, samples=samples).x)
    theirs, theirs_seconds = timed(lambda: deepinv_dps(p, model, steps, weight, samples, p.y))
    return ours, ours_seconds, theirs, theirs_seconds, {
        "evaluations": steps * samples, "lambda": lam, "deepinv_weight": weight,
        "validation_psnr": {"genreg": lam_scores, "deepinv": weight_scores}}


RUNNERS = {"pnp-hqs": run_pnp_hqs, "pnp-admm": run_pnp_admm, "tv": run_tv, "diffpir": run_diffpir,
           "ddrm": run_ddrm, "dps": run_dps}


def run_row(method, experiment, settings, indices):
    p = Problem(experiment, indices)
    ours, ours_seconds, theirs, theirs_seconds, extra = RUNNERS[method](p, settings)
    count = p.x.shape[0]
    row = {"method": method, "experiment": experiment, "dataset": p.dataset, "operator": p.spec, "sigma": p.sigma,
           "settings": settings, "images": indices, "deepinv_physics": type(p.physics).__name__,
           "genreg": {"seconds_per_image": ours_seconds / count, "psnr": float(genreg.psnr(ours, p.x).mean())},
           "deepinv": {"seconds_per_image": theirs_seconds / count, "psnr": float(genreg.psnr(theirs, p.x).mean())},
           "max_difference": float((ours - theirs).abs().max()),
           "mean_difference": float((ours - theirs).abs().mean())}
    if "network_seconds" in extra:
        row["network_seconds_per_image"] = extra.pop("network_seconds") / count
    row.update(extra)
    print(f"  {method} {experiment}: {row}", file=sys.stderr, flush=True)
    return row


def main():
    quick = "--quick" in sys.argv
    if not quick:
        peer_results.require_committed("solver_peers.py")
    threads = torch.get_num_threads()
    genreg._genreg.init_runtime(threads)
    start = time.perf_counter()
    provenance = json.loads(genreg._genreg.provenance(["benchmarks/peers/solver_peers.py"] + sys.argv[1:]))
    if quick:
        # One row per method on table1a's 28-pixel images, 2 images, few steps.
        rows = [run_row("pnp-hqs", "table1a", {"lambda": 0.01, "iterations": 40}, "100:102"),
                run_row("pnp-admm", "table1a", {"lambda": 0.95, "strength": 0.3, "iterations": 10}, "100:102"),
                run_row("tv", "table1a", {"lambda": 1.0}, "100:102"),
                run_row("diffpir", "table1a", {"lambda": 0.1, "steps": 10, "samples": 2}, "100:102"),
                run_row("ddrm", "mnist-inpaint", {"steps": 10, "samples": 2}, "100:102"),
                run_row("dps", "table1a", {"lambda_grid": [1.0], "steps": 10, "samples": 2, "weights": [30.0],
                                           "validation": "0:2"}, "100:102")]
    else:
        rows = [run_row(*row) for row in ROWS]
    document = {"command": "build/peers/bin/python benchmarks/peers/solver_peers.py" + (" --quick" if quick else ""),
                "recorded_by": "benchmarks/peers/solver_peers.py", "provenance": provenance, "threads": threads,
                "versions": {"torch": torch.__version__, "deepinv": dinv.__version__, "genreg": genreg.__version__},
                "seconds": time.perf_counter() - start, "results": {"rows": rows}}
    peer_results.write(document, "solver-peers", quick)


if __name__ == "__main__":
    main()
