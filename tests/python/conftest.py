"""pytest set-up: the module from the build tree (build/python, or $GENREG_PYTHON_DIR), the
committed models' folder, and one LibTorch thread per test process as the C++ suite runs."""
import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, os.environ.get("GENREG_PYTHON_DIR", str(ROOT / "build" / "python")))

import torch  # noqa: E402

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))


@pytest.fixture(scope="session")
def models_dir():
    return ROOT / "docs" / "models"


@pytest.fixture(scope="session")
def cli():
    return ROOT / "build" / "genreg"
