"""genreg inside deepinv (https://deepinv.github.io): a genreg operator as deepinv physics and a genreg
denoiser as a deepinv denoiser, so that deepinv's solvers run on genreg's operators and networks and
genreg's run on deepinv's problems. Imported on demand (``import genreg.deepinv``): genreg itself
does not need deepinv.

    import genreg, genreg.deepinv, deepinv as dinv
    op = genreg.operator("ct:parallel,views=90", 64)
    physics = genreg.deepinv.Physics(op, sigma=0.01)
    physics.adjointness_test(img_size=op.domain_shape)       # ~1e-6 in float32 (rounding)
    denoiser = genreg.deepinv.Denoiser(genreg.load_model("docs/models/mnist/drunet.pt"))
"""
import deepinv as _dinv
import torch

from .models import Model
from .operators import Operator


class Physics(_dinv.physics.LinearPhysics):
    """deepinv LinearPhysics whose A and A^T are a genreg Operator's (same numbers, autograd through
    genreg's exact adjoint), with deepinv's Gaussian noise of standard deviation `sigma` (0: none)."""

    def __init__(self, op: Operator, sigma: float = 0.0, **kwargs):
        if not isinstance(op, Operator):
            raise TypeError(f"genreg.deepinv.Physics: expected a genreg.Operator, got {type(op).__name__}")
        if sigma < 0:
            raise ValueError(f"genreg.deepinv.Physics: sigma must be >= 0, got {sigma}")
        noise = _dinv.physics.GaussianNoise(sigma=sigma) if sigma > 0 else _dinv.physics.ZeroNoise()
        super().__init__(img_size=op.domain_shape, noise_model=noise, **kwargs)
        self.genreg_operator = op

    def A(self, x, **kwargs):  # noqa: N802 (deepinv's name)
        return self.genreg_operator.apply(x)

    def A_adjoint(self, y, **kwargs):  # noqa: N802
        return self.genreg_operator.adjoint(y)


class Denoiser(_dinv.models.Denoiser):
    """deepinv Denoiser D(x, sigma) computed by a genreg denoiser model (DnCNN, DRUNet, ...):
    sigma a number or one value per image, on the [0, 1] intensity scale as in both libraries."""

    def __init__(self, model: Model):
        super().__init__()
        if not isinstance(model, Model):
            raise TypeError(f"genreg.deepinv.Denoiser: expected a genreg.Model, got {type(model).__name__}")
        self.genreg_model = model

    def forward(self, x, sigma, **kwargs):
        if torch.is_tensor(sigma):
            sigma = sigma.reshape(-1)
            sigma = float(sigma[0]) if sigma.numel() == 1 else sigma
        return self.genreg_model.denoise(x, sigma)
