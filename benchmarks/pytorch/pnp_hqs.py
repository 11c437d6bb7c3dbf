"""PyTorch (Python) reference for genreg's pnp-hqs timing (BENCHMARKS.md, "Plug-and-play").

DPIR's half-quadratic splitting (Zhang et al. 2021) batched over the images the way one writes it in
PyTorch: K noise levels geometric from 0.2 down to the measurement's sigma; the data step
argmin ||A x - y||^2 / (2 sigma^2) + lambda / (2 s_k^2) ||x - z||^2 by batched conjugate gradients
(warm-started at z, relative residual 1e-6, at most 100 iterations, each image stopping on its own);
the prior step is genreg's DRUNet checkpoint loaded into the same network written with torch.nn.
A is a Gaussian cs matrix normalised to ||A|| = 1 (statistically genreg's cs:M; the timing does not
depend on the draw).

    OMP_NUM_THREADS=2 python3 benchmarks/pytorch/pnp_hqs.py docs/models/mnist/drunet.pt m.pt
"""
import argparse
import math
import time

import torch
from torch import nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, c, bias):
        super().__init__()
        self.first = nn.Conv2d(c, c, 3, padding=1, bias=bias)
        self.second = nn.Conv2d(c, c, 3, padding=1, bias=bias)

    def forward(self, x):
        return x + self.second(F.relu(self.first(x)))


class Drunet(nn.Module):
    """genreg's drunet (models/drunet.h): weights load by the same names."""

    def __init__(self, f, depth, bias):
        super().__init__()
        blocks = lambda c: nn.Sequential(*[Block(c, bias) for _ in range(depth)])
        self.head = nn.Conv2d(2, f, 3, padding=1, bias=bias)
        self.enc1, self.down1 = blocks(f), nn.Conv2d(f, 2 * f, 2, stride=2, bias=bias)
        self.enc2, self.down2 = blocks(2 * f), nn.Conv2d(2 * f, 4 * f, 2, stride=2, bias=bias)
        self.bottom = blocks(4 * f)
        self.up2, self.dec2 = nn.Conv2d(4 * f, 2 * f, 3, padding=1, bias=bias), blocks(2 * f)
        self.up1, self.dec1 = nn.Conv2d(2 * f, f, 3, padding=1, bias=bias), blocks(f)
        self.tail = nn.Conv2d(f, 1, 3, padding=1, bias=bias)

    def forward(self, x, sigma):
        s = sigma.view(-1, 1, 1, 1).expand(-1, 1, x.shape[2], x.shape[3])
        x1 = self.enc1(self.head(torch.cat([x, s], 1)))
        x2 = self.enc2(self.down1(x1))
        x3 = self.bottom(self.down2(x2))
        y2 = self.dec2(self.up2(F.interpolate(x3, scale_factor=2, mode="nearest")) + x2)
        y1 = self.dec1(self.up1(F.interpolate(y2, scale_factor=2, mode="nearest")) + x1)
        return x - self.tail(y1)


def conjugate_gradient(apply, b, x, iterations=100, tol=1e-6):
    r = b - apply(x)
    p = r.clone()
    rs = (r * r).sum(1)
    stop = tol * tol * (b * b).sum(1)
    for _ in range(iterations):
        active = rs > stop
        if not active.any():
            break
        ap = apply(p)
        alpha = torch.where(active, rs / (p * ap).sum(1).clamp_min(1e-30), torch.zeros_like(rs))
        x = x + alpha[:, None] * p
        r = r - alpha[:, None] * ap
        rs_new = (r * r).sum(1)
        beta = torch.where(active, rs_new / rs.clamp_min(1e-30), torch.zeros_like(rs))
        p = r + beta[:, None] * p
        rs = rs_new
    return x


def main():
    p = argparse.ArgumentParser()
    p.add_argument("checkpoint", help="a genreg drunet checkpoint")
    p.add_argument("measurements", help="a genreg measurement file (its x_true is used)")
    p.add_argument("--iterations", type=int, default=8)
    p.add_argument("--lam", type=float, default=0.001)
    p.add_argument("--start", type=float, default=0.2)
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
    desc = ck["model"] if isinstance(ck["model"], dict) else __import__("json").loads(ck["model"])
    net = Drunet(desc["features"], desc["depth"], not desc.get("bias_free", False))
    net.load_state_dict(ck["weights"])
    net.eval()
    x_true = torch.load(a.measurements, weights_only=False)["x_true"].float().to(a.device)
    n, h, w = x_true.shape[0], x_true.shape[2], x_true.shape[3]
    A = torch.randn(a.m, h * w) / a.m ** 0.5
    A = A / torch.linalg.matrix_norm(A, 2)
    y = x_true.flatten(1) @ A.T + a.sigma * torch.randn(n, a.m)
    aty = y @ A
    k = a.iterations
    levels = [math.exp(math.log(a.start) + (i / max(k - 1, 1)) * (math.log(min(a.sigma, a.start)) - math.log(a.start)))
              for i in range(k)]
    if a.device != "cpu":
        torch.cuda.synchronize()  # time the work below, not what is still queued
    start = time.perf_counter()
    with torch.no_grad():
        z = torch.zeros(n, h * w)
        for s in levels:
            t = s * s / a.lam / (a.sigma * a.sigma)
            normal = lambda u: u + t * ((u @ A.T) @ A)
            x = conjugate_gradient(normal, z + t * aty, z)
            z = net(x.view(n, 1, h, w), torch.full((n,), s)).flatten(1)
    if a.device != "cpu":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    mse = (z.view(n, 1, h, w) - x_true).square().flatten(1).mean(1)
    psnr = (-10 * torch.log10(mse)).mean().item()
    print(f"pytorch pnp-hqs: {n} images, {k} iterations, {seconds:.2f} s, psnr {psnr:.2f} dB")


if __name__ == "__main__":
    main()
