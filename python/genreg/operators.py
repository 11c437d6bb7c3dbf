"""Forward operators A of y = A x + e (PROTOCOL.md's specs) as differentiable torch maps.

``apply`` and ``adjoint`` are torch.autograd.Functions whose backward is the other map, so the
gradients PyTorch computes through them are the exact adjoint's (torch.autograd.gradcheck passes
in float64), whatever the operator does inside (sparse products, FFTs).
"""
import torch

from . import _genreg


class _Apply(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, native):
        ctx.native = native
        return native.apply(x.contiguous())

    @staticmethod
    def backward(ctx, grad):
        return _Adjoint.apply(grad, ctx.native), None


class _Adjoint(torch.autograd.Function):
    @staticmethod
    def forward(ctx, y, native):
        ctx.native = native
        return native.adjoint(y.contiguous())

    @staticmethod
    def backward(ctx, grad):
        return _Apply.apply(grad, ctx.native), None


class Operator:
    """A linear operator on batches: apply (N, *domain_shape) -> (N, *range_shape), adjoint back.

    Normalised to ||A||_2 = 1 (PROTOCOL.md), except the physical CT transforms (`ct:parallel`,
    `ct:fan`: line integrals in metres). Works on any device and floating dtype.
    """

    def __init__(self, spec, height=28, width=28):
        self._native = _genreg.NativeOperator(spec, int(height), int(width))

    def apply(self, x):
        return _Apply.apply(x, self._native)

    __call__ = apply

    def adjoint(self, y):
        return _Adjoint.apply(y, self._native)

    def norm(self):
        """||A||_2 by power iteration in float64 (cached)."""
        return self._native.norm()

    @property
    def spec(self):
        """The spec that rebuilds this operator exactly ("cs:150,seed=0")."""
        return self._native.spec

    @property
    def domain_shape(self):
        return tuple(self._native.domain_shape)

    @property
    def range_shape(self):
        return tuple(self._native.range_shape)

    @property
    def range_size(self):
        """M, the real measurements per image (the discrepancy level is M sigma^2)."""
        return self._native.range_size

    @property
    def height(self):
        return self.domain_shape[1]

    @property
    def width(self):
        return self.domain_shape[2]

    def __repr__(self):
        return f"genreg.Operator({self.spec!r}, {self.height}, {self.width})"


def operator(spec, height=28, width=None):
    """The operator of `spec` (see genreg.operator_help()) for height x width images."""
    return Operator(spec, height, height if width is None else width)


def fbp(y, op, filter="ramp", cutoff=1.0, back_projector="pixel"):
    """Filtered back-projection of CT data y (N, 1, views, bins) of a `ct:` operator: the ramp filter,
    optionally times a "shepp-logan", "cosine" or "hann" window, cut off at `cutoff` times the
    Nyquist frequency; fan-beam and short-scan (Parker) weights as the geometry needs. The
    back-projection: "pixel" (pixel-driven, linear interpolation) or "joseph" (the operator's adjoint,
    as ASTRA's FBP; parallel beams: closer on noise-free data, noisier on low-dose data)."""
    return _genreg.fbp_native(y.contiguous(), op._native, filter, float(cutoff), back_projector)
