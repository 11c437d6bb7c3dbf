"""genreg inside deepinv (https://deepinv.github.io): a genreg operator as deepinv physics and a genreg
denoiser as a deepinv denoiser, so that deepinv's solvers run on genreg's operators and networks and
genreg's run on deepinv's problems. Imported on demand (``import genreg.deepinv``): genreg itself
does not need deepinv.

    import genreg, genreg.deepinv, deepinv as dinv
    op = genreg.operator("ct:parallel,views=90", 64)
    physics = genreg.deepinv.Physics(op, sigma=0.01)
    physics.adjointness_test(img_size=op.domain_shape)       # ~1e-6 in float32 (rounding)
    denoiser = genreg.deepinv.Denoiser(genreg.load_model("docs/models/mnist/drunet.pt"))
    prior = genreg.deepinv.Denoiser(genreg.load_model("docs/models/mnist/ddpm.pt"))  # for DiffPIR, DPS
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
    """deepinv Denoiser D(x, sigma) computed by a genreg denoiser model (DnCNN, DRUNet, ...) or by a
    genreg diffusion model (a noise predictor, through Tweedie's formula below): sigma a number or one
    value per image, on the [0, 1] intensity scale as in both libraries.

    A DDPM network eps(x_t, t) on [-1, 1] images with x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) n denoises
    x = x0 + sigma n on [0, 1] at the step t whose noise sqrt((1 - abar_t) / abar_t) / 2 is nearest to
    sigma: x_t = sqrt(abar_t) (2 x - 1) and x0 = (x_t - sqrt(1 - abar_t) eps(x_t, t)) / sqrt(abar_t)
    (Ho et al. 2020, eq. 15), mapped back to [0, 1]; deepinv's DiffUNet does the same for its own
    DDPM networks. Autograd flows through the network (DPS differentiates it)."""

    def __init__(self, model: Model):
        super().__init__()
        if not isinstance(model, Model):
            raise TypeError(f"genreg.deepinv.Denoiser: expected a genreg.Model, got {type(model).__name__}")
        self.genreg_model = model
        self.diffusion = model.role == "noise_predictor"
        if self.diffusion:
            abar = model.alphas_cumprod().to(torch.float64).cpu()
            self.register_buffer("alphas_cumprod", abar, persistent=False)
            self.register_buffer("levels", ((1 - abar) / abar).sqrt() / 2, persistent=False)
        elif model.role != "denoiser":
            raise TypeError(f"genreg.deepinv.Denoiser: expected a denoiser or a noise predictor, got a {model.role}")

    def forward(self, x, sigma, **kwargs):
        if self.diffusion:
            return self._tweedie(x, sigma)
        if torch.is_tensor(sigma):
            sigma = sigma.reshape(-1)
            sigma = float(sigma[0]) if sigma.numel() == 1 else sigma
        return self.genreg_model.denoise(x, sigma)

    def timestep(self, sigma, count):
        """The DDPM step of each image's noise level sigma (the nearest of the model's T)."""
        sigma = torch.as_tensor(sigma, dtype=torch.float64).reshape(-1).cpu()
        t = (self.levels.view(1, -1) - sigma.view(-1, 1)).abs().argmin(1)
        return t.expand(count) if t.numel() == 1 else t

    def _tweedie(self, x, sigma):
        t = self.timestep(sigma, x.shape[0])
        a = self.alphas_cumprod[t].to(x.device, x.dtype).view(-1, 1, 1, 1)
        x_t = a.sqrt() * (2 * x - 1)
        eps = self.genreg_model.predict_noise(x_t, t.to(x.device))
        return ((x_t - (1 - a).sqrt() * eps) / a.sqrt() + 1) / 2
