"""A denoiser trained in PyTorch, scripted, and used by genreg's plug-and-play ADMM.

Trains a small residual CNN with a noise-level map (DnCNN-style, Zhang et al. 2017 / DRUNet's
sigma input) on mnist training images with noise levels drawn from [0, 0.3], saves it with
torch.jit.script + a genreg.json, and reconstructs inpainted digits (half the pixels, noise 0.05)
with genreg's pnp-admm on it, beside TV; both parameters chosen on test images 0..9.

    PYTHONPATH=build/python python3 examples/python/pnp_with_pytorch_denoiser.py [--steps 600]
"""
import argparse
import json
import pathlib
import tempfile
import time

import torch

import genreg

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=600, help="Adam steps of batch 64")
parser.add_argument("--out", default=str(pathlib.Path(tempfile.gettempdir()) / "pytorch_denoiser.ts"))
args = parser.parse_args()


class Denoiser(torch.nn.Module):
    """x - f([x, sigma map]): predicts the noise; sigma (B,) on the [0, 1] scale."""

    def __init__(self, width: int = 32, depth: int = 5):
        super().__init__()
        layers = [torch.nn.Conv2d(2, width, 3, padding=1), torch.nn.ReLU()]
        for _ in range(depth - 2):
            layers += [torch.nn.Conv2d(width, width, 3, padding=1), torch.nn.ReLU()]
        layers += [torch.nn.Conv2d(width, 1, 3, padding=1)]
        self.net = torch.nn.Sequential(*layers)

    def forward(self, x, sigma):
        level = sigma.reshape(-1, 1, 1, 1).expand(x.shape[0], 1, x.shape[2], x.shape[3])
        return x - self.net(torch.cat([x, level], 1))


torch.manual_seed(0)
train = genreg.load_dataset("mnist", split="train", indices="0:4000").images
net = Denoiser()
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
start = time.time()
for step in range(1, args.steps + 1):
    x = train[torch.randint(0, len(train), (64,))]
    sigma = 0.3 * torch.rand(64)
    noisy = x + sigma.reshape(-1, 1, 1, 1) * torch.randn_like(x)
    loss = ((net(noisy, sigma) - x) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 100 == 0 or step == args.steps:
        print(f"step {step}/{args.steps}  loss {loss.item():.5f}  {step / (time.time() - start):.1f} steps/s")

net.eval()
torch.jit.save(torch.jit.script(net), args.out,
               _extra_files={"genreg.json": json.dumps({"role": "denoiser", "image_size": [28, 28],
                                                        "noise_range": [0.0, 0.3]})})
denoiser = genreg.load_model(args.out)
print(f"saved {args.out}: genreg sees a {denoiser.role} ({denoiser.kind})")

test = genreg.load_dataset("mnist", split="test", indices="0:60").images
op = genreg.operator("inpaint:0.5,seed=0", 28)
y = genreg.simulate(test, op, sigma=0.05, seed=0)
rows = {}
for method, model, grid, extra in [("pnp-admm", denoiser, "0.1:10:5", {"denoiser_sigma": 0.1}),
                                   ("tv", None, "0.1:100:7", {})]:
    r = genreg.reconstruct(y, op, method, sigma=0.05, model=model, lam_grid=grid, validate="0:10", x_true=test,
                           **extra)
    rows[method] = (float(r.lam[0]), float(r.metrics["psnr"][10:].mean()), float(r.metrics["ssim"][10:].mean()),
                    r.summary["seconds"])
print("method     lambda   psnr    ssim   seconds  (inpaint:0.5, sigma 0.05, test images 10..59)")
for method, (lam, p, s, sec) in rows.items():
    print(f"{method:9s} {lam:7.3g}  {p:6.2f}  {s:.3f}  {sec:6.1f}")
