"""TorchScript in both directions: models scripted in Python serve genreg's methods of their role;
genreg models exported with `genreg export` run in plain PyTorch with the same outputs."""
import json

import pytest
import torch

import genreg


class LinearGenerator(torch.nn.Module):
    def __init__(self, w, b):
        super().__init__()
        self.w = torch.nn.Parameter(w)
        self.b = torch.nn.Parameter(b)

    def forward(self, z):
        return (z @ self.w.t() + self.b).reshape(z.shape[0], 1, 8, 8)


def test_scripted_generator_reaches_the_least_squares_point_of_its_range(tmp_path):
    # hard with no latent prior: min_z ||G(z) - y||^2 for G(z) = W z + b is z = lstsq(W, y - b).
    g = torch.Generator().manual_seed(0)
    w, b = torch.randn(64, 4, generator=g) / 8, torch.rand(64, generator=g) / 4
    path = tmp_path / "g.ts"
    torch.jit.save(torch.jit.script(LinearGenerator(w, b)), str(path),
                   _extra_files={"genreg.json": json.dumps({"role": "generator", "image_size": [8, 8], "latent_dim": 4})})
    model = genreg.load_model(path)
    assert (model.kind, model.role, model.latent_dim) == ("torchscript", "generator", 4)
    op = genreg.operator("denoise", 8)
    y = torch.rand(3, 1, 8, 8, generator=g)
    r = genreg.reconstruct(y, op, "hard", sigma=0.1, model=model, lam=0.0, prior="none", iterations=3000,
                           tolerance=1e-12)
    z = torch.linalg.lstsq(w.double(), (y.reshape(3, 64).double() - b.double()).t()).solution.t()
    exact = (z @ w.double().t() + b.double()).reshape(3, 1, 8, 8)
    # float32 descent: the fit is the optimum's to 1e-6 relative, the image to a few 1e-4.
    fit = ((r.x.double() - y.double()) ** 2).sum((1, 2, 3))
    best = ((exact - y.double()) ** 2).sum((1, 2, 3))
    assert torch.all(fit <= best * (1 + 1e-5))
    torch.testing.assert_close(r.x.double(), exact, rtol=0, atol=1e-3)


def test_scripted_file_with_json_beside_it_and_refusals(tmp_path):
    class Shrink(torch.nn.Module):
        def forward(self, x, sigma):
            return x / (1 + sigma.reshape(-1, 1, 1, 1) ** 2)

    path = tmp_path / "d.ts"
    torch.jit.script(Shrink()).save(str(path))
    with pytest.raises(genreg.Error, match="without a genreg.json"):
        genreg.load_model(path)
    (tmp_path / "d.json").write_text(json.dumps({"role": "denoiser", "image_size": [28, 28], "noise_range": [0, 0.3]}))
    d = genreg.load_model(path, role="denoiser")
    x = torch.rand(2, 1, 28, 28)
    torch.testing.assert_close(d.denoise(x, 0.5), x / 1.25)
    assert d.noise_range == (0, 0.3)
    # The denoiser method on denoise measurements is the network once.
    r = genreg.reconstruct(x, genreg.operator("denoise", 28), "denoiser", sigma=0.5, model=d)
    torch.testing.assert_close(r.x, x / 1.25)
    (tmp_path / "d.json").write_text(json.dumps({"role": "generator", "image_size": [28, 28], "latent_dim": 4}))
    with pytest.raises(genreg.Error, match="forward\\(\\) failed"):
        genreg.load_model(path)  # a generator's forward takes z alone
    (tmp_path / "d.json").write_text(json.dumps({"role": "critic", "image_size": [28, 28]}))
    with pytest.raises(genreg.Error, match="role 'critic'"):
        genreg.load_model(path)


@pytest.mark.parametrize("name, role", [("vae.pt", "generator"), ("drunet.pt", "denoiser"),
                                        ("ddpm.pt", "noise_predictor")])
def test_export_runs_in_plain_pytorch_with_the_same_outputs(tmp_path, models_dir, name, role):
    source = models_dir / "mnist" / name
    out = tmp_path / "m.ts"
    genreg.run("export", model=source, out=out, progress=None)
    plain = torch.jit.load(str(out))
    native = genreg.load_model(source)
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        if role == "generator":
            z = torch.randn(5, native.latent_dim, generator=g)
            expected, got = native.decode(z), plain(z)
        elif role == "denoiser":
            x = torch.rand(5, 1, 28, 28, generator=g)
            sigma = torch.tensor([0.05, 0.1, 0.1, 0.2, 0.3])
            expected, got = native.denoise(x, sigma), plain(x, sigma)
        else:
            x = torch.randn(5, 1, 28, 28, generator=g)
            t = torch.tensor([0, 10, 200, 600, 999])
            expected, got = native.predict_noise(x, t), plain(x, t)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)
    # And back: the exported file is a genreg model of the same role.
    again = genreg.load_model(out)
    assert again.role == role and again.image_size == (28, 28)
    if role == "noise_predictor":  # and a posterior sampler draws the same samples with it
        op = genreg.operator("inpaint:0.5,seed=0", 28)
        digits = genreg.load_dataset("mnist", split="test", indices="100:102").images
        y = genreg.simulate(digits, op, sigma=0.1, seed=0)
        a = genreg.reconstruct(y, op, "ddrm", sigma=0.1, model=native, samples=2, steps=5, seed=1)
        b = genreg.reconstruct(y, op, "ddrm", sigma=0.1, model=again, samples=2, steps=5, seed=1)
        torch.testing.assert_close(b.samples, a.samples, rtol=1e-4, atol=1e-4)


def test_exported_denoiser_serves_the_program_like_the_original(tmp_path, models_dir):
    # The program's pnp-admm with the exported TorchScript DRUNet gives the original's reconstructions.
    ts = tmp_path / "drunet.ts"
    genreg.run("export", model=models_dir / "mnist" / "drunet.pt", out=ts, progress=None)
    m = tmp_path / "m.pt"
    genreg.run("simulate", dataset="mnist", split="test", indices="100:104", operator="inpaint:0.5", noise=0.05,
               out=m, progress=None)
    results = {}
    for name, denoiser in [("native", models_dir / "mnist" / "drunet.pt"), ("torchscript", ts)]:
        doc = genreg.run("reconstruct", progress=None, measurements=m, method="pnp-admm", denoiser=denoiser,
                         out=tmp_path / name, threads=1, **{"lambda": 0.5})
        results[name] = doc["results"]["metrics"]["psnr"]["mean"]
    assert results["torchscript"] == pytest.approx(results["native"], abs=1e-3)


def test_exported_generator_serves_sample_and_evaluate_like_the_original(tmp_path, models_dir):
    # `genreg sample` and `genreg evaluate` take a TorchScript generator as they take a checkpoint.
    # The WGAN-GP: the export holds the decoder alone, so a model without an encoder projects from
    # the same random starts either way.
    numpy = pytest.importorskip("numpy")
    source = models_dir / "mnist" / "wgan-gp.pt"
    ts = tmp_path / "wgan-gp.ts"
    genreg.run("export", model=source, out=ts, progress=None)
    # The exported model's samples are the original's decoding of the same latent vectors.
    genreg.run("sample", generator=ts, count=8, out=tmp_path / "x.npy", latents=tmp_path / "z.npy", seed=4,
               progress=None)
    x, z = (torch.from_numpy(numpy.load(tmp_path / f)) for f in ("x.npy", "z.npy"))
    assert x.shape == (8, 1, 28, 28)
    assert torch.allclose(x, genreg.load_model(source).decode(z), atol=1e-5)
    projections = {}
    for name, generator in [("native", source), ("torchscript", ts)]:
        doc = genreg.run("evaluate", dataset="mnist", generator=generator, count=6, emd_count=20, iterations=5,
                         far_count=2, no_quality=True, no_reference=True, out=tmp_path / ("eval-" + name),
                         threads=1, progress=None)
        projections[name] = doc["results"]["generators"][0]["projection"]["metrics"]["psnr"]["mean"]
    assert projections["torchscript"] == pytest.approx(projections["native"], abs=1e-3)


def test_conditional_model_round_trip(tmp_path, models_dir):
    # The mnist cfm (condition A^T y): exported with its 10 Heun steps unrolled, run by plain
    # PyTorch, and loaded back for genreg's cfm method, which then samples as the original.
    source = models_dir / "mnist" / "cfm-cs150-sigma0.1.pt"
    out = tmp_path / "cfm.ts"
    genreg.run("export", model=source, out=out, progress=None)
    native, plain = genreg.load_model(source), torch.jit.load(str(out))
    op = genreg.operator("cs:150", 28)
    digits = genreg.load_dataset("mnist", split="test", indices="100:103").images
    y = genreg.simulate(digits, op, sigma=0.1, seed=0)
    c = native.condition(y, op, 0.1)
    z = torch.randn(3, *native.latent_shape, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(plain(z, c), native.generate(z, c), rtol=1e-4, atol=1e-4)
    scripted = genreg.load_model(out)
    assert scripted.role == "conditional_generator" and scripted.describe()["genreg_kind"] == "cfm"
    a = genreg.reconstruct(y, op, "cfm", sigma=0.1, model=native, samples=2, seed=5)
    b = genreg.reconstruct(y, op, "cfm", sigma=0.1, model=scripted, samples=2, seed=5)
    torch.testing.assert_close(b.samples, a.samples, rtol=1e-4, atol=1e-4)
    # The acquisition travels with it: another operator is refused as for the original.
    with pytest.raises(genreg.Error, match="trained on measurements of"):
        other = genreg.operator("cs:150,seed=1", 28)
        genreg.reconstruct(genreg.simulate(digits, other, sigma=0.1), other, "cfm", sigma=0.1, model=scripted)


def test_wiener_condition_models_are_not_exported(tmp_path, models_dir):
    with pytest.raises(genreg.Error, match="Wiener condition has no TorchScript export"):
        genreg.run("export", model=models_dir / "mnist" / "postprocess-cs150-sigma0.1.pt", out=tmp_path / "c.ts",
                   progress=None)
