"""Models genreg trains (generators, denoisers, diffusion models, conditional models), loaded from
their checkpoints, seen through their role, with weights shared with Python as torch tensors."""
import torch

from . import _genreg


class Model:
    """A genreg model. Role calls: decode/encode/sample (generator), denoise (denoiser),
    predict_noise/sample_prior (noise_predictor), sample_conditional (conditional_generator)."""

    def __init__(self, native):
        self._native = native

    kind = property(lambda self: self._native.kind)
    role = property(lambda self: self._native.role)
    source = property(lambda self: self._native.source)
    image_size = property(lambda self: tuple(self._native.image_size))
    device = property(lambda self: torch.device(self._native.device))

    def describe(self):
        """The description genreg rebuilds the network from (kind and sizes)."""
        return self._native.describe()

    def to(self, device):
        self._native.to(str(device))
        return self

    def set_trainable(self, trainable=True):
        """Gradients on (and training mode) for fine-tuning in Python, or off (a fixed prior)."""
        self._native.set_trainable(bool(trainable))
        return self

    def parameters(self):
        """The weights as torch tensors sharing memory with the network (an optimiser's input)."""
        return self._native.parameters()

    def state_dict(self):
        """Weights and buffers by name, copied to the CPU."""
        return self._native.state_dict()

    def load_state_dict(self, state):
        self._native.load_state_dict({k: v.detach() for k, v in state.items()})
        return self

    def save(self, path):
        """Writes a genreg checkpoint (description and weights) that every command loads."""
        self._native.save(str(path))

    # Generator role.
    latent_dim = property(lambda self: self._native.latent_dim)
    has_encoder = property(lambda self: self._native.has_encoder)

    def decode(self, z):
        return self._native.decode(z)

    def encode(self, x):
        return self._native.encode(x)

    def sample(self, count, seed=0):
        """`count` images G(z), z ~ N(0, I) drawn on the CPU from `seed`."""
        g = torch.Generator().manual_seed(int(seed))
        z = torch.randn(int(count), self.latent_dim, generator=g).to(self.device)
        with torch.no_grad():
            return self.decode(z)

    # Denoiser role.
    noise_range = property(lambda self: tuple(self._native.noise_range))

    def denoise(self, x, sigma):
        """D(x, sigma); sigma a number or one value per image, on the [0, 1] intensity scale."""
        sigma = torch.as_tensor(sigma, dtype=x.dtype, device=x.device)
        if sigma.dim() == 0:
            sigma = sigma.expand(x.shape[0]).contiguous()
        return self._native.denoise(x, sigma)

    # Noise-predictor role (images on [-1, 1], models/noise_predictor.h).
    def predict_noise(self, x_t, t):
        return self._native.predict_noise(x_t, torch.as_tensor(t, dtype=torch.long, device=x_t.device))

    def alphas_cumprod(self):
        return self._native.alphas_cumprod()

    def sample_prior(self, count, steps=50, sampler="ddim", seed=0, batch=0):
        """Images from pure noise by DDIM (eta 0) or DDPM ancestral steps (eta 1)."""
        if sampler not in ("ddim", "ddpm"):
            raise Error(f"sampler must be ddim or ddpm, got '{sampler}'")
        return self._native.sample_prior(int(count), int(steps), 0.0 if sampler == "ddim" else 1.0, int(seed), int(batch))

    # Conditional role.
    latent_shape = property(lambda self: tuple(self._native.latent_shape))

    def generate(self, z, condition, steps=0):
        """x = G(z, c) for conditions c = model.condition(...) (z None for a deterministic network);
        a flow model integrates its ODE in `steps` (0: its default)."""
        return self._native.generate(z, condition, int(steps))

    def condition(self, y, op, sigma):
        """What the network sees of measurements y of `op` with noise `sigma` (A^T y, or the Wiener
        estimate of a model trained on it)."""
        return self._native.condition(op._native, y, float(sigma))

    def sample_conditional(self, y, op, sigma, samples=8, steps=0, seed=0):
        """(N, samples, 1, H, W) draws given measurements y of `op` with noise `sigma`."""
        condition = self._native.condition(op._native, y, float(sigma))
        return self._native.sample_conditional(condition, int(samples), int(steps), int(seed))

    def __repr__(self):
        return f"genreg.Model(kind={self.kind!r}, role={self.role!r}, image_size={self.image_size})"


Error = _genreg.Error


def load_model(path, device="cpu", role=None):
    """A model from a genreg checkpoint (or a TorchScript file with its genreg.json), ready as a
    prior: eval mode, weights frozen (set_trainable(True) to fine-tune). `role` refuses others."""
    return Model(_genreg.load_model(str(path), str(device), role or ""))
