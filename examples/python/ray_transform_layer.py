"""genreg's ray transform as a layer of a PyTorch training loop.

A small CNN learns to turn the back-projection A^T y of sparse-angle tomography (20 angles, noise
0.05) of mnist digits into the image, with a loss that holds both the image error and the data
fidelity ||A f(A^T y) - y||^2, computed through genreg.Operator, whose gradients PyTorch takes
through the exact adjoint. Prints the test PSNR of A^T y (scaled) and of the network.

    PYTHONPATH=build/python python3 examples/python/ray_transform_layer.py [--steps 400]
"""
import argparse
import time

import torch

import genreg

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--steps", type=int, default=400)
parser.add_argument("--data-weight", type=float, default=0.1, help="weight of ||A f - y||^2 / M in the loss")
args = parser.parse_args()

torch.manual_seed(0)
op = genreg.operator("tomo:angles=20", 28)
sigma = 0.05
train = genreg.load_dataset("mnist", split="train", indices="0:4000").images
test = genreg.load_dataset("mnist", split="test", indices="100:200").images
y_test = genreg.simulate(test, op, sigma=sigma, seed=1)

net = torch.nn.Sequential(torch.nn.Conv2d(1, 32, 3, padding=1), torch.nn.ReLU(),
                          torch.nn.Conv2d(32, 32, 3, padding=1), torch.nn.ReLU(),
                          torch.nn.Conv2d(32, 32, 3, padding=1), torch.nn.ReLU(),
                          torch.nn.Conv2d(32, 1, 3, padding=1))
scale = torch.nn.Parameter(torch.tensor(1.0))  # A^T y's intensity is not the image's
opt = torch.optim.Adam([*net.parameters(), scale], lr=1e-3)


def reconstruct(y):
    b = scale * op.adjoint(y)
    return b + net(b)


start = time.time()
for step in range(1, args.steps + 1):
    x = train[torch.randint(0, len(train), (32,))]
    y = op(x) + sigma * torch.randn(32, *op.range_shape)
    f = reconstruct(y)
    image_loss = ((f - x) ** 2).mean()
    data_loss = ((op(f) - y) ** 2).sum() / (32 * op.range_size)  # through genreg's adjoint
    loss = image_loss + args.data_weight * data_loss
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 100 == 0 or step == args.steps:
        print(f"step {step}/{args.steps}  image {image_loss.item():.5f}  data {data_loss.item():.5f}  "
              f"{step / (time.time() - start):.1f} steps/s")

with torch.no_grad():
    back = op.adjoint(y_test)
    best = (back * test).sum() / (back * back).sum()  # the best single scale for A^T y, for reference
    net_x = reconstruct(y_test).clamp(0, 1)
print(f"test images 100..199: A^T y (best scale) psnr {float(genreg.psnr(best * back, test).mean()):.2f}, "
      f"network psnr {float(genreg.psnr(net_x, test).mean()):.2f}")
