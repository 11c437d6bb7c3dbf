"""PyTorch (Python) reference for genreg's dps timing (BENCHMARKS.md, "Diffusion").

Diffusion posterior sampling (Chung et al. 2023, Algorithm 1) batched over images x samples the way
one writes it in PyTorch: the DDPM ancestral step on a respaced chain of `--steps` of the model's T,
then x -= zeta / ||y - A x0|| * grad_x ||y - A x0||^2 through the network, x0 clipped to [-1, 1]
for the step. The network is genreg's ddpm (models/diffusion_unet.h) written with torch.nn; the
moving-average weights of a genreg checkpoint load by the same names. A is a Gaussian cs matrix
normalised to ||A|| = 1 (statistically genreg's cs:M; the timing does not depend on the draw).

    OMP_NUM_THREADS=2 python3 benchmarks/pytorch/dps.py docs/models/mnist/ddpm.pt m.pt --samples 4
"""
import argparse
import math
import time

import torch
from torch import nn
import torch.nn.functional as F


def groups(c):
    g = 8
    while c % g:
        g -= 1
    return g


class TimeBlock(nn.Module):
    def __init__(self, cin, cout, emb):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups(cin), cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time = nn.Linear(emb, cout)
        self.norm2 = nn.GroupNorm(groups(cout), cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, e):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time(F.silu(e))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.skip(x) if self.skip is not None else x) + h


class Unet(nn.Module):
    def __init__(self, f):
        super().__init__()
        e = 4 * f
        self.f = f
        self.time1, self.time2 = nn.Linear(f, e), nn.Linear(e, e)
        self.head = nn.Conv2d(1, f, 3, padding=1)
        self.enc0 = TimeBlock(f, f, e)
        self.down1 = nn.Conv2d(f, f, 3, stride=2, padding=1)
        self.enc1 = TimeBlock(f, 2 * f, e)
        self.down2 = nn.Conv2d(2 * f, 2 * f, 3, stride=2, padding=1)
        self.mid1, self.mid2 = TimeBlock(2 * f, 2 * f, e), TimeBlock(2 * f, 2 * f, e)
        self.up2, self.dec1 = nn.Conv2d(2 * f, 2 * f, 3, padding=1), TimeBlock(4 * f, 2 * f, e)
        self.up1, self.dec0 = nn.Conv2d(2 * f, 2 * f, 3, padding=1), TimeBlock(3 * f, f, e)
        self.tail_norm, self.tail = nn.GroupNorm(groups(f), f), nn.Conv2d(f, 1, 3, padding=1)

    def forward(self, x, t):
        half = self.f // 2
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
        args = t.float()[:, None] * freqs[None]
        e = self.time2(F.silu(self.time1(torch.cat([torch.sin(args), torch.cos(args)], 1))))
        h0 = self.enc0(self.head(x), e)
        h1 = self.enc1(self.down1(h0), e)
        h = self.mid2(self.mid1(self.down2(h1), e), e)
        h = self.dec1(torch.cat([self.up2(F.interpolate(h, scale_factor=2, mode="nearest")), h1], 1), e)
        h = self.dec0(torch.cat([self.up1(F.interpolate(h, scale_factor=2, mode="nearest")), h0], 1), e)
        return self.tail(F.silu(self.tail_norm(h)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("checkpoint", help="a genreg ddpm checkpoint")
    p.add_argument("measurements", help="a genreg measurement file (its x_true is used)")
    p.add_argument("--steps", type=int, default=250)
    p.add_argument("--samples", type=int, default=4)
    p.add_argument("--lam", type=float, default=0.3, help="genreg's lambda = 1 / zeta")
    p.add_argument("--sigma", type=float, default=0.1)
    p.add_argument("--m", type=int, default=150)
    p.add_argument("--batch", type=int, default=0, help="rows per network call (0: all at once)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (torch >= 2.0 for a GPU)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.device != "cpu":  # every factory call (weights, noise, matrices) on the device
        torch.set_default_device(a.device)
    torch.manual_seed(0)
    ck = torch.load(a.checkpoint, weights_only=False)
    desc = ck["model"] if isinstance(ck["model"], dict) else __import__("json").loads(ck["model"])
    net = Unet(desc["features"])
    state = {k[len("average."):]: v for k, v in ck["weights"].items() if k.startswith("average.")}
    net.load_state_dict(state)
    net.eval()
    for q in net.parameters():
        q.requires_grad_(False)
    total = desc["schedule"]["steps"]
    betas = torch.linspace(desc["schedule"].get("beta_start", 1e-4), desc["schedule"].get("beta_end", 0.02), total,
                           dtype=torch.float64)
    abar = torch.cumprod(1 - betas, 0)
    ts = [round(k * (total - 1) / (a.steps - 1)) for k in range(a.steps - 1, -1, -1)]
    x_true = torch.load(a.measurements, weights_only=False)["x_true"].float().to(a.device)
    n, h, w = x_true.shape[0], x_true.shape[2], x_true.shape[3]
    A = torch.randn(a.m, h * w) / a.m ** 0.5
    A = A / torch.linalg.matrix_norm(A, 2)
    y = (x_true.flatten(1) @ A.T + a.sigma * torch.randn(n, a.m)).repeat_interleave(a.samples, 0)
    rows = n * a.samples
    batch = a.batch if a.batch > 0 else rows
    zeta = 1.0 / a.lam
    if a.device != "cpu":
        torch.cuda.synchronize()  # time the work below, not what is still queued
    start = time.perf_counter()
    out = []
    for r0 in range(0, rows, batch):
        yb = y[r0:r0 + batch]
        x = torch.randn(yb.shape[0], 1, h, w)
        for i, t in enumerate(ts):
            ab = abar[t].item()
            ab_prev = abar[ts[i + 1]].item() if i + 1 < len(ts) else 1.0
            s = math.sqrt((1 - ab_prev) / (1 - ab) * (1 - ab / ab_prev))
            x = x.detach().requires_grad_(True)
            eps = net(x, torch.full((x.shape[0],), t))
            x0 = (x - math.sqrt(1 - ab) * eps) / math.sqrt(ab)
            r = ((x0 + 1) / 2).flatten(1) @ A.T - yb
            norm = r.norm(dim=1)
            grad = torch.autograd.grad(norm.sum(), x)[0]  # grad ||r|| = grad ||r||^2 / (2 ||r||)
            with torch.no_grad():
                x0c = x0.clamp(-1, 1)
                e = (x - math.sqrt(ab) * x0c) / math.sqrt(1 - ab)
                x_new = math.sqrt(ab_prev) * x0c + math.sqrt(max(0.0, 1 - ab_prev - s * s)) * e
                if s > 0:
                    x_new = x_new + s * torch.randn_like(x)
                x = x_new - 2 * zeta * grad
        out.append(((x.detach() + 1) / 2).clamp(0, 1))
    if a.device != "cpu":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    mean = torch.cat(out).view(n, a.samples, 1, h, w).mean(1)
    mse = (mean - x_true).square().flatten(1).mean(1)
    psnr = (-10 * torch.log10(mse)).mean().item()
    print(f"pytorch dps: {n} images x {a.samples} samples, {a.steps} steps, batch {batch}, {seconds:.1f} s, "
          f"{rows * a.steps / seconds:.0f} sample-steps/s, psnr of the mean {psnr:.2f} dB")


if __name__ == "__main__":
    main()
