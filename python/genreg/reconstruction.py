"""Every registered reconstruction method on measurements held in Python."""
from dataclasses import dataclass, field
from typing import Optional

import torch

from . import _genreg


@dataclass
class Reconstruction:
    """x: (N, 1, H, W) estimates (a sampler's posterior mean); lam: (N,) the parameter used per
    image; samples/std: a sampler's draws (N, K, 1, H, W) and per-pixel std; gz/u/z: a generative
    method's parts; metrics: per-image tensors when x_true was given; summary: the parameter
    choice, the solver's summary, times, mean metrics and uncertainty (JSON-ready)."""

    x: torch.Tensor
    lam: torch.Tensor
    summary: dict
    samples: Optional[torch.Tensor] = None
    std: Optional[torch.Tensor] = None
    gz: Optional[torch.Tensor] = None
    u: Optional[torch.Tensor] = None
    z: Optional[torch.Tensor] = None
    objective: Optional[torch.Tensor] = None
    discrepancy: Optional[torch.Tensor] = None
    metrics: dict = field(default_factory=dict)


def methods():
    """The registered methods: name, summary, the model role each needs, the settings it reads and
    their declarations (type, domain, help, whether a grid may search them), which are also the
    keyword arguments genreg.reconstruct takes for the method."""
    return _genreg.methods()


def reconstruct(y, op, method, sigma=None, model=None, lam=None, lam_grid=None, validate=None, x_true=None,
                batch=2048, seed=0, progress=None, noise=None, **settings):
    """Reconstructs every image of y (N, *op.range_shape) with `method`.

    The parameter: lam=VALUE; lam="discrepancy" (per image, the largest lambda of lam_grid, default
    1e-4:1e2:13, whose fit reaches N sigma^2); or lam_grid="A:B:N" with validate="I:J" (the grid
    value of best mean PSNR on images I..J-1 of y, which needs x_true). Settings are the method's
    (genreg.methods()): restarts, mu, prior, optimizer, iterations, samples, steps, denoiser_sigma...
    A sampler's 90% intervals are calibrated on the validate images when given.
    The noise: sigma=S (Gaussian), or noise="ct:N0" for low-dose CT data, whose data term is the
    weighted least squares of the photon counts (PROTOCOL.md).
    """
    if (sigma is None) == (noise is None):
        raise _genreg.Error("give sigma=S (Gaussian noise) or noise='ct:N0' (CT photon noise)")
    out = _genreg.reconstruct_native(
        y, op._native, method, float(sigma if sigma is not None else 1.0),
        model._native if model is not None else None, lam, lam_grid or "", validate or "", x_true, dict(settings),
        int(batch), int(seed), progress, noise or "")
    return Reconstruction(
        x=out["x"], lam=out["lambda"], summary=out["summary"], samples=out.get("samples"), std=out.get("std"),
        gz=out.get("gz"), u=out.get("u"), z=out.get("z"), objective=out.get("objective"),
        discrepancy=out.get("discrepancy"), metrics=out.get("metrics", {}))
