"""genreg: imaging inverse problems with learned priors, from Python, on torch tensors.

The native library behind the ``genreg`` program: its forward operators (usable as autograd
layers), every registered reconstruction method with its parameter rules, the models genreg
trains (and TorchScript models written in Python), the datasets and the metrics.

    import genreg, torch
    op = genreg.operator("cs:150", 28, 28)
    test = genreg.load_dataset("mnist", split="test", indices="0:20")
    y = genreg.simulate(test.images, op, sigma=0.1, seed=0)
    vae = genreg.load_model("docs/models/mnist/vae.pt")
    r = genreg.reconstruct(y, op, "hard", sigma=0.1, model=vae, lam=0.1, restarts=4)
    print(r.summary["seconds"], genreg.psnr(r.x, test.images).mean())
"""
import torch  # noqa: F401  (first: torch's types are registered before genreg's bindings use them)

from . import _genreg
from ._genreg import Error, __version__, dataset_names, operator_help, read_dicom, read_nifti
from .commands import run, train
from .data import Dataset, load_dataset, metrics, psnr, simulate, ssim
from .models import Model, load_model
from .operators import Operator, fbp, operator
from .reconstruction import Reconstruction, methods, reconstruct
from . import profiling  # noqa: F401  (genreg.profiling.FlopCounter)

# The program's process-wide tunings (freed memory kept, denormals flushed to zero), with the
# thread count torch already uses in this process, so that calls from Python run as fast as the CLI.
_genreg.init_runtime(torch.get_num_threads())

__all__ = [
    "Error", "__version__", "Operator", "operator", "operator_help", "Model", "load_model",
    "Reconstruction", "reconstruct", "methods", "Dataset", "load_dataset", "dataset_names",
    "simulate", "metrics", "psnr", "ssim", "run", "train",
]
