"""Datasets (PROTOCOL.md), simulated measurements and metrics."""
from dataclasses import dataclass
from typing import Optional

import torch

from . import _genreg


@dataclass
class Dataset:
    """images (N, 1, H, W) float32 in [0, 1]; labels (N,) (-1 where none); indices (N,) positions in
    the split; targets (N, P) where the dataset has continuous ones (shapes: its parameters)."""

    name: str
    split: str
    images: torch.Tensor
    labels: torch.Tensor
    indices: torch.Tensor
    targets: Optional[torch.Tensor] = None


def load_dataset(name, split="test", indices=None, size=None):
    """`name` of genreg.dataset_names() ("folder:PATH", "dicom:PATH", "nifti:PATH"); indices "A:B"
    within the split; size (H, W) or N for the datasets that take one (folders, DICOM, NIfTI, the
    phantoms)."""
    if isinstance(size, int):
        size = [size, size]
    d = _genreg.load_dataset(name, split, indices or "", list(size or []))
    return Dataset(d["name"], d["split"], d["images"], d["labels"], d["indices"], d.get("targets"))


def simulate(x, op, sigma=None, seed=0, noise=None):
    """y = A x + e as `genreg simulate` draws it: Gaussian noise of std `sigma`, or `noise`
    ("poisson:PEAK", or "ct:N0" for low-dose CT photon noise on a ct: operator), drawn on the CPU
    from `seed` (the same values on every device)."""
    if (sigma is None) == (noise is None):
        raise _genreg.Error("give sigma=S or noise='poisson:PEAK' / 'ct:N0'")
    with torch.no_grad():
        clean = op.apply(x)
    return _genreg.add_noise(clean, str(sigma) if noise is None else noise, int(seed))


def metrics(estimate, truth):
    """Every metric of PROTOCOL.md per image: psnr, psnr_paper, ssim, nrmse, l1 -> (N,) float64."""
    return _genreg.metrics(estimate, truth)


def psnr(estimate, truth, data_range=1.0):
    return _genreg.psnr(estimate, truth, float(data_range))


def ssim(estimate, truth):
    return _genreg.ssim(estimate, truth)
