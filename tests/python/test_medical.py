"""Real DICOM slices (python3-pydicom's test files) read by genreg (DCMTK) to the same values as
pydicom, in HU for CT, and the `dicom:` dataset's conversion to mu / mu_max (PROTOCOL.md)."""
import os

import pytest
import torch

import genreg

pydicom = pytest.importorskip("pydicom")
from pydicom.data import get_testdata_file  # noqa: E402
from pydicom.pixel_data_handlers.util import apply_modality_lut  # noqa: E402

MU_MAX, MU_WATER, MU_AIR = 81.35858, 20.0, 0.02


def pydicom_values(name):
    ds = pydicom.dcmread(get_testdata_file(name))
    return torch.from_numpy(apply_modality_lut(ds.pixel_array, ds).astype("float64")), ds


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm", "MR_small_bigendian.dcm",
                                  "MR_small_implicit.dcm", "MR_small_RLE.dcm"])
def test_values_equal_pydicoms_to_the_last_unit(name):
    expected, ds = pydicom_values(name)
    (s,) = genreg.read_dicom(get_testdata_file(name))
    assert s["modality"] == ds.Modality
    assert s["values"].shape == expected.shape
    assert torch.equal(s["values"], expected)
    if ds.Modality == "CT":
        assert float(ds.RescaleIntercept) != 0.0  # the test exercises the rescale


def test_ct_dataset_is_mu_over_mu_max_clipped():
    path = get_testdata_file("CT_small.dcm")
    hu, _ = pydicom_values("CT_small.dcm")
    expected = ((MU_WATER + hu * (MU_WATER - MU_AIR) / 1000.0) / MU_MAX).clamp(0, 1)
    data = genreg.load_dataset("dicom:" + path, split="test")
    assert data.images.shape == (1, 1, 128, 128)
    assert torch.allclose(data.images[0, 0].double(), expected, atol=1e-6, rtol=0)
    # --size: the slice resized.
    small = genreg.load_dataset("dicom:" + path, split="test", size=(64, 64))
    assert small.images.shape == (1, 1, 64, 64)
    assert abs(small.images.mean().item() - data.images.mean().item()) < 1e-3


def test_bad_files_are_one_line_errors_naming_the_file():
    for name, reason in [("MR_truncated.dcm", "not a readable DICOM file"),
                         ("rtstruct.dcm", "no pixel data"),
                         ("SC_rgb_small_odd.dcm", "colour"),
                         ("MR_small_jp2klossless.dcm", "cannot decode its transfer syntax JPEG 2000")]:
        path = get_testdata_file(name)
        with pytest.raises(genreg.Error) as e:
            genreg.read_dicom(path)
        assert path in str(e.value) and reason in str(e.value) and "\n" not in str(e.value)


def test_low_dose_ct_from_python_fbp_and_weighted_tv():
    op = genreg.operator("ct:fan,views=90", 48)
    x = genreg.load_dataset("ct-phantom", split="test", indices="0:2", size=48).images
    y = genreg.simulate(x, op, noise="ct:4096", seed=0)
    fbp = genreg.reconstruct(y, op, "fbp", noise="ct:4096", filter="hann", cutoff=0.8)
    tv = genreg.reconstruct(y, op, "tv", noise="ct:4096", lam=1000.0, iterations=100)
    assert genreg.psnr(fbp.x.clamp(0, 1), x).mean() > 25.0
    assert genreg.psnr(tv.x, x).mean() > genreg.psnr(fbp.x.clamp(0, 1), x).mean()
    with pytest.raises(genreg.Error):
        genreg.reconstruct(y, op, "fbp")  # neither sigma nor noise
