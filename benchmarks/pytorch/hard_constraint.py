"""PyTorch (Python) reference for genreg's hard-constraint timing (BENCHMARKS.md).

The paper's Algorithm 1 (gradient descent on z with backtracking), batched over images x restarts the
way genreg runs it: every sample has its own Lipschitz estimate L (L <- 0.9 L, then doubled until
f(z - g/L) <= f(z) - ||g||^2 / (2L), at most 20 times), and samples that converged (step below
1e-6 max(||z||, 1)) or stalled leave the batch. The decoder is genreg's checkpoint loaded into the
same networks written with nn.ConvTranspose2d; A is a Gaussian cs matrix normalised to ||A|| = 1
(statistically the same problem as genreg's cs:M; the timing does not depend on the draw).

    OMP_NUM_THREADS=2 python3 benchmarks/pytorch/hard_constraint.py docs/models/mnist/vae.pt m.pt
"""
import argparse
import time

import torch
from torch import nn

from train_throughput import decoder


def main():
    p = argparse.ArgumentParser()
    p.add_argument("checkpoint")
    p.add_argument("measurements", help="a genreg measurement file (its x_true is used)")
    p.add_argument("--restarts", type=int, default=4)
    p.add_argument("--iterations", type=int, default=200)
    p.add_argument("--lam", type=float, default=0.1)
    p.add_argument("--sigma", type=float, default=0.1)
    p.add_argument("--m", type=int, default=150)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (torch >= 2.0 for a GPU)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.device != "cpu":  # every factory call (weights, noise, matrices) on the device
        torch.set_default_device(a.device)
    torch.manual_seed(0)
    ck = torch.load(a.checkpoint, weights_only=False)
    d, h = ck["latent_dim"], ck["height"]
    channels = ck["weights"]["decoder.7.weight"].shape[1]
    g = decoder(h, channels, d)
    g.load_state_dict({k[len("decoder."):]: v for k, v in ck["weights"].items() if k.startswith("decoder.")})
    g.eval()
    for q in g.parameters():
        q.requires_grad_(False)
    x_true = torch.load(a.measurements, weights_only=False)["x_true"].float().to(a.device)
    n = x_true.shape[0]
    A = torch.randn(a.m, h * h) / a.m ** 0.5
    A = A / torch.linalg.matrix_norm(A, 2)
    y = x_true.flatten(1) @ A.T + a.sigma * torch.randn(n, a.m)
    r = a.restarts
    y = y.repeat_interleave(r, 0)
    z = torch.randn(n * r, d)

    def f(zz, yy):
        return ((g(zz).flatten(1) @ A.T - yy).square().sum(1) / (2 * a.sigma ** 2)
                + a.lam * zz.square().sum(1))

    if a.device != "cpu":
        torch.cuda.synchronize()  # time the work below, not what is still queued
    start = time.perf_counter()
    L = torch.ones(n * r)
    active = torch.arange(n * r)
    iterations = 0
    for k in range(a.iterations):
        if active.numel() == 0:
            break
        iterations += 1
        za = z[active].requires_grad_(True)
        fa = f(za, y[active])
        ga, = torch.autograd.grad(fa.sum(), za)
        fa, za = fa.detach(), za.detach()
        La = L[active] * 0.9
        step = torch.zeros_like(za)
        pending = torch.arange(active.numel())
        with torch.no_grad():
            for _ in range(21):
                if pending.numel() == 0:
                    break
                s = -ga[pending] / La[pending, None]
                ft = f(za[pending] + s, y[active[pending]])
                ok = ft <= fa[pending] - 0.5 * La[pending] * s.square().sum(1)
                step[pending[ok]] = s[ok]
                La[pending[~ok]] *= 2
                pending = pending[~ok]
        L[active] = La
        z[active] = za + step
        moved = step.norm(dim=1) > 1e-6 * za.norm(dim=1).clamp_min(1)
        stalled = torch.zeros(active.numel(), dtype=torch.bool)
        stalled[pending] = True
        active = active[moved & ~stalled]
    if a.device != "cpu":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    print(f"hard: {n} images x {r} restarts, {iterations} iterations, {seconds:.1f} s "
          f"(torch {torch.__version__}, {a.threads} threads)")


if __name__ == "__main__":
    main()
