"""Reconstruction from Python: a method against its closed-form minimiser, the parameter rules,
agreement with the program on the same measurements, and refusals."""
import json
import subprocess

import pytest
import torch

import genreg


@pytest.fixture(scope="module")
def digits():
    return genreg.load_dataset("mnist", split="test", indices="0:12").images


def test_tikhonov_reaches_its_closed_form_minimiser(digits):
    # min ||A x - y||^2 / (2 sigma^2) + lambda ||x||^2  <=>  (A^T A / sigma^2 + 2 lambda I) x = A^T y / sigma^2.
    op = genreg.operator("cs:60,seed=2", 12)
    x = torch.nn.functional.interpolate(digits[:3], size=(12, 12), mode="area").double()
    sigma, lam = 0.05, 0.3
    y = genreg.simulate(x, op, sigma=sigma, seed=1)
    r = genreg.reconstruct(y, op, "tikhonov", sigma=sigma, lam=lam, iterations=500, tolerance=1e-12)
    a = op(torch.eye(144, dtype=torch.float64).reshape(144, 1, 12, 12)).T  # (60, 144) dense A
    h = a.T @ a / sigma**2 + 2 * lam * torch.eye(144, dtype=torch.float64)
    exact = torch.linalg.solve(h, (a.T @ y.T) / sigma**2).T.reshape(3, 1, 12, 12)
    torch.testing.assert_close(r.x, exact, rtol=1e-6, atol=1e-7)
    assert torch.all(r.lam == lam)


def test_grid_choice_by_validation_and_by_discrepancy(digits):
    op = genreg.operator("inpaint:0.5,seed=0", 28)
    sigma = 0.1
    y = genreg.simulate(digits, op, sigma=sigma, seed=0)
    grid = "1e-3:1:4"
    r = genreg.reconstruct(y, op, "tv", sigma=sigma, lam_grid=grid, validate="0:4", x_true=digits)
    sweep = r.summary["choice"]["sweep"]
    assert [row["lambda"] for row in sweep] == pytest.approx(torch.logspace(-3, 0, 4).tolist())
    best = max(sweep, key=lambda row: row["psnr_mean"])["lambda"]
    assert torch.all(r.lam == best) and r.summary["choice"]["lambda"] == best
    # The chosen value, given directly, gives the same reconstructions.
    fixed = genreg.reconstruct(y, op, "tv", sigma=sigma, lam=best)
    torch.testing.assert_close(fixed.x, r.x)
    # Discrepancy principle: per image the largest lambda whose fit reaches M sigma^2.
    d = genreg.reconstruct(y, op, "tv", sigma=sigma, lam="discrepancy", lam_grid="1e-3:1:7")
    level = op.range_size * sigma**2
    lambdas = torch.logspace(-3, 0, 7, dtype=torch.float64)
    for i in range(len(digits)):
        k = int(torch.argmin((lambdas - d.lam[i]).abs()))
        assert float(d.discrepancy[i, 0]) <= level * (1 + 1e-9) or k == 0
        if k + 1 < len(lambdas):  # the next larger lambda must not fit
            bigger = genreg.reconstruct(y[i:i + 1], op, "tv", sigma=sigma, lam=float(lambdas[k + 1]))
            assert float(bigger.discrepancy[0, 0]) > level


def test_python_and_program_agree_on_the_same_measurements(tmp_path, digits, models_dir, cli):
    op = genreg.operator("cs:150", 28)
    m = tmp_path / "m.pt"
    genreg.run("simulate", dataset="mnist", split="test", indices="0:12", operator="cs:150", noise=0.1,
               out=m, progress=None)
    loaded = torch.load(m, weights_only=False)  # a genreg measurement file is a torch pickle of a dict
    y = loaded["y"]
    vae = genreg.load_model(models_dir / "mnist" / "vae.pt")
    r = genreg.reconstruct(y, op, "hard", sigma=0.1, model=vae, lam=0.1, restarts=2)
    out = subprocess.run([str(cli), "reconstruct", "--measurements", str(m), "--method", "hard", "--generator",
                          str(models_dir / "mnist" / "vae.pt"), "--lambda", "0.1", "--restarts", "2",
                          "--out", str(tmp_path / "r"), "--json", "--threads", "1"],
                         check=True, capture_output=True, text=True)
    program = json.loads(out.stdout)
    x = torch.from_numpy(__import__("numpy").load(tmp_path / "r" / "reconstructions.npy"))
    # The same code on the same data, but not bit for bit with PyPI's torch 2.15 (its MKL BLAS need not
    # round alike in two processes): 2 restarts of a nonconvex solve amplified that to 7e-4 at most
    # (Debian's 1.13 agrees within 1e-4). A different lambda or restart count moves pixels by ~1e-1.
    torch.testing.assert_close(r.x.reshape(x.shape), x, rtol=0, atol=2e-3)
    assert program["command"] == "reconstruct" and program["results"]["lambda"] == 0.1


def test_samplers_return_samples_mean_and_std(models_dir, digits):
    op = genreg.operator("inpaint:0.5,seed=0", 28)
    y = genreg.simulate(digits[:4], op, sigma=0.1, seed=0)
    ddpm = genreg.load_model(models_dir / "mnist" / "ddpm.pt")
    r = genreg.reconstruct(y, op, "ddrm", sigma=0.1, model=ddpm, samples=3, steps=5, x_true=digits[:4])
    assert r.samples.shape == (4, 3, 1, 28, 28)
    torch.testing.assert_close(r.x, r.samples.mean(1))
    torch.testing.assert_close(r.std, r.samples.std(1))
    # The reported coverage is the share of pixels inside mean +- 1.645 std (eval/uncertainty.h).
    inside = ((digits[:4] - r.x).abs() <= 1.645 * r.std).double().mean()
    assert r.summary["uncertainty"]["coverage_90"] == pytest.approx(float(inside), abs=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    (dict(method="tv", lam=-1.0), "lam must be finite and non-negative"),
    (dict(method="tv", lam=float("nan")), "lam must be finite"),
    (dict(method="tv", lam=0.1, mu=2.0), "mu is not used by tv"),
    (dict(method="tv"), "tv needs lam"),
    (dict(method="tv", lam=0.1, iterations=-3), "iterations must be an integer in .1, 10000000., got -3"),
    (dict(method="hard", lam=0.1), "hard needs a generator"),
    (dict(method="nonsense", lam=0.1), "unknown method 'nonsense'"),
    (dict(method="tv", lam_grid="1e-3:1:4"), "lam_grid needs validate"),
    (dict(method="tv", lam=0.1, sigma=-1.0), "sigma must be finite and non-negative"),
])
def test_nonsense_is_refused_with_one_line(digits, kwargs, message):
    op = genreg.operator("denoise", 28)
    y = digits[:2].clone()
    kwargs = dict(kwargs)
    sigma = kwargs.pop("sigma", 0.1)
    with pytest.raises(genreg.Error, match=message):
        genreg.reconstruct(y, op, sigma=sigma, **kwargs)


def test_methods_list_their_declared_settings(digits, models_dir):
    methods = {m["name"]: m for m in genreg.methods()}
    zeta = methods["diffpir"]["declarations"]["zeta"]
    assert zeta["type"] == "real" and zeta["domain"] == "a real in [0, 1]" and not zeta["searchable"]
    assert methods["relaxed"]["declarations"]["mu"]["searchable"]
    assert "zeta" not in methods["dps"]["declarations"]
    for m in methods.values():
        assert sorted(m["declarations"]) == sorted(m["settings"])
    # A value outside the declared domain is refused with it.
    op = genreg.operator("denoise", 28)
    with pytest.raises(genreg.Error, match=r"restarts must be an integer in \[1, 10000\], got 0"):
        genreg.reconstruct(digits[:1].clone(), op, "hard", sigma=0.1, lam=0.1, restarts=0,
                           model=genreg.load_model(models_dir / "mnist" / "vae.pt"))
