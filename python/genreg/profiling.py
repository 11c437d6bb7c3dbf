"""Where the time goes: the FLOPs of the dense kernels (convolutions forward and backward, matrix
products) that LibTorch runs inside a block, genreg's and torch's alike (core/flop_counter.h).

    with genreg.profiling.FlopCounter() as count:
        genreg.reconstruct(y, op, "pnp-hqs", sigma=0.1, model=drunet, lam=0.1)
    print(count.flops / seconds / 1e9, "GFLOP/s")
"""
from . import _genreg


class FlopCounter:
    """Counts from `with` to its end; `flops` holds the count then (and the running count inside)."""

    def __init__(self):
        self._native = None
        self._final = 0

    def __enter__(self):
        self._native = _genreg.FlopCounter()
        return self

    def __exit__(self, *exc):
        self._final = self._native.flops
        self._native = None  # the counter stops when its last reference goes
        return False

    @property
    def flops(self):
        return self._native.flops if self._native is not None else self._final
