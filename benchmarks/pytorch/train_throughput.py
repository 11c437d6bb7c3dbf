"""PyTorch (Python) reference for genreg's training throughput (BENCHMARKS.md).

The same networks as genreg's `paper` architecture (models/architecture.h), written the way a
PyTorch user would: nn.ConvTranspose2d for the decoder's transposed convolutions. Trains on random
images of the dataset's size (throughput does not depend on the pixel values) and prints images/s.

    OMP_NUM_THREADS=2 python3 benchmarks/pytorch/train_throughput.py --model vae --size 28 --latent-dim 8
"""
import argparse
import time

import torch
from torch import nn


def encoder(size, c, outputs, sn=False):
    wrap = nn.utils.spectral_norm if sn else (lambda m: m)
    return nn.Sequential(
        wrap(nn.Conv2d(1, c, 3, 1, 1)), nn.LeakyReLU(0.2),
        wrap(nn.Conv2d(c, 2 * c, 4, 2, 1)), nn.LeakyReLU(0.2),
        wrap(nn.Conv2d(2 * c, 2 * c, 4, 2, 1)), nn.LeakyReLU(0.2),
        nn.Flatten(), wrap(nn.Linear(2 * c * (size // 4) ** 2, outputs)))


def decoder(size, c, latent):
    s = size // 4
    return nn.Sequential(
        nn.Linear(latent, 2 * c * s * s), nn.LeakyReLU(0.2), nn.Unflatten(1, (2 * c, s, s)),
        nn.ConvTranspose2d(2 * c, 2 * c, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.ConvTranspose2d(2 * c, c, 4, 2, 1), nn.LeakyReLU(0.2),
        nn.Conv2d(c, 1, 3, 1, 1), nn.Sigmoid())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="vae", choices=["ae", "vae", "wgan-gp", "gan-hinge", "gan"])
    p.add_argument("--size", type=int, default=28)
    p.add_argument("--latent-dim", type=int, default=8)
    p.add_argument("--channels", type=int, default=32)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--images", type=int, default=8000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N (torch >= 2.0 for a GPU)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.device != "cpu":  # every factory call (weights, noise, matrices) on the device
        torch.set_default_device(a.device)
    torch.manual_seed(0)
    x_all = torch.rand(a.images, 1, a.size, a.size)
    d, bs = a.latent_dim, a.batch_size
    steps = a.images // bs
    if a.model in ("ae", "vae"):
        enc = encoder(a.size, a.channels, 2 * d if a.model == "vae" else d)
        dec = decoder(a.size, a.channels, d)
        opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), 1e-3)

        def step(x):
            opt.zero_grad()
            out = enc(x)
            if a.model == "vae":
                mu, logvar = out[:, :d], out[:, d:]
                z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
                kl = 0.5 * (logvar.exp() + mu ** 2 - 1 - logvar).sum(1).mean()
                loss = nn.functional.mse_loss(dec(z), x) + 0.05 * kl / x[0].numel()
            else:
                loss = nn.functional.mse_loss(dec(out), x)
            loss.backward()
            opt.step()
    elif a.model == "wgan-gp":
        gen = decoder(a.size, a.channels, d)
        critic = encoder(a.size, a.channels, 1)
        opt_g = torch.optim.Adam(gen.parameters(), 1e-4, betas=(0.0, 0.9))
        opt_d = torch.optim.Adam(critic.parameters(), 1e-4, betas=(0.0, 0.9))
        count = [0]

        def step(x):
            b = x.shape[0]
            with torch.no_grad():
                fake = gen(torch.randn(b, d))
            opt_d.zero_grad()
            alpha = torch.rand(b, 1, 1, 1)
            x_hat = (alpha * x + (1 - alpha) * fake).requires_grad_(True)
            g = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)[0].flatten(1)
            gp = ((g.square().sum(1) + 1e-12).sqrt() - 1).square().mean()
            loss = critic(fake).mean() - critic(x).mean() + 10 * gp
            loss.backward()
            opt_d.step()
            count[0] += 1
            if count[0] % 5 == 0:
                opt_g.zero_grad()
                for q in critic.parameters():
                    q.requires_grad_(False)
                (-critic(gen(torch.randn(b, d))).mean()).backward()
                for q in critic.parameters():
                    q.requires_grad_(True)
                opt_g.step()
    else:
        # gan-hinge: spectral-norm critic, hinge loss, R1 on real images, EMA generator, TTUR;
        # gan: the original non-saturating loss (DCGAN's Adam settings). One critic step each.
        hinge = a.model == "gan-hinge"
        gen = decoder(a.size, a.channels, d)
        critic = encoder(a.size, a.channels, 1, sn=hinge)
        ema = decoder(a.size, a.channels, d)
        ema.load_state_dict(gen.state_dict())
        betas = (0.0, 0.9) if hinge else (0.5, 0.999)
        opt_g = torch.optim.Adam(gen.parameters(), 1e-4 if hinge else 2e-4, betas=betas)
        opt_d = torch.optim.Adam(critic.parameters(), 4e-4 if hinge else 2e-4, betas=betas)
        softplus = nn.functional.softplus

        def step(x):
            b = x.shape[0]
            with torch.no_grad():
                fake = gen(torch.randn(b, d))
            opt_d.zero_grad()
            if hinge:
                xr = x.detach().requires_grad_(True)
                real = critic(xr)
                g = torch.autograd.grad(real.sum(), xr, create_graph=True)[0]
                loss = (torch.relu(1 - real).mean() + torch.relu(1 + critic(fake)).mean()
                        + 0.5 * g.flatten(1).square().sum(1).mean())
            else:
                loss = softplus(-critic(x)).mean() + softplus(critic(fake)).mean()
            loss.backward()
            opt_d.step()
            opt_g.zero_grad()
            for q in critic.parameters():
                q.requires_grad_(False)
            score = critic(gen(torch.randn(b, d)))
            (-score.mean() if hinge else softplus(-score).mean()).backward()
            for q in critic.parameters():
                q.requires_grad_(True)
            opt_g.step()
            if hinge:
                with torch.no_grad():
                    for pe, pg in zip(ema.parameters(), gen.parameters()):
                        pe.mul_(0.999).add_(pg, alpha=0.001)

    for epoch in range(2):  # the first epoch warms up
        order = torch.randperm(a.images)
        if a.device != "cpu":
            torch.cuda.synchronize()  # time the work below, not what is still queued
        start = time.perf_counter()
        for s in range(steps):
            step(x_all[order[s * bs:(s + 1) * bs]])
        if a.device != "cpu":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - start
    print(f"{a.model} {a.size}x{a.size}: {steps * bs / seconds:.0f} images/s "
          f"(torch {torch.__version__}, {a.threads} threads)")


if __name__ == "__main__":
    main()
