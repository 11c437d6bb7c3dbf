"""PyTorch reference for genreg's data-parallel training (BENCHMARKS.md, "Data-parallel training").

The usual PyTorch way: torch.multiprocessing starts N ranks, each joins a Gloo process group
(init_process_group, env://), wraps the paper architecture's autoencoder (train_throughput.py) in
DistributedDataParallel and trains on its shard of every global batch (DistributedSampler's
split). Prints the images/s of the second of 2 epochs, measured on rank 0, as

    ranks 2 threads 1 images/s 4321

    OMP_NUM_THREADS=1 python3 benchmarks/pytorch/ddp_train.py --model vae --nproc 2 --threads 1
"""
import argparse
import os
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from train_throughput import decoder, encoder


class Autoencoder(nn.Module):
    def __init__(self, size, channels, latent, variational):
        super().__init__()
        self.d, self.variational = latent, variational
        self.enc = encoder(size, channels, 2 * latent if variational else latent)
        self.dec = decoder(size, channels, latent)

    def forward(self, x):
        out = self.enc(x)
        if not self.variational:
            return nn.functional.mse_loss(self.dec(out), x)
        mu, logvar = out[:, :self.d], out[:, self.d:]
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        kl = 0.5 * (logvar.exp() + mu ** 2 - 1 - logvar).sum(1).mean()
        return nn.functional.mse_loss(self.dec(z), x) + 0.05 * kl / x[0].numel()


def run(rank, a, port):
    torch.set_num_threads(a.threads)
    if a.nproc > 1:
        os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
        dist.init_process_group("gloo", rank=rank, world_size=a.nproc)
    torch.manual_seed(0)
    model = Autoencoder(a.size, a.channels, a.latent_dim, a.model == "vae")
    if a.nproc > 1:
        model = DistributedDataParallel(model)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    x_all = torch.rand(a.images, 1, a.size, a.size)
    bs = a.batch_size
    lo, hi = bs * rank // a.nproc, bs * (rank + 1) // a.nproc
    for epoch in range(2):  # the first epoch warms up
        g = torch.Generator().manual_seed(epoch)
        order = torch.randperm(a.images, generator=g)
        start = time.perf_counter()
        for s in range(a.images // bs):
            x = x_all[order[s * bs + lo: s * bs + hi]]
            opt.zero_grad()
            model(x).backward()
            opt.step()
        seconds = time.perf_counter() - start
    if rank == 0:
        print(f"ranks {a.nproc} threads {a.threads} images/s {round(a.images // bs * bs / seconds)}")
    if a.nproc > 1:
        dist.destroy_process_group()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="vae", choices=["ae", "vae"])
    p.add_argument("--size", type=int, default=28)
    p.add_argument("--latent-dim", type=int, default=8)
    p.add_argument("--channels", type=int, default=32)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--images", type=int, default=2048)
    p.add_argument("--nproc", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--port", type=int, default=29731)
    a = p.parse_args()
    if a.nproc == 1:
        run(0, a, a.port)
    else:
        mp.spawn(run, args=(a, a.port), nprocs=a.nproc)


if __name__ == "__main__":
    main()
