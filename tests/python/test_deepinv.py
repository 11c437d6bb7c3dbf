"""genreg inside deepinv (genreg.deepinv): runs where deepinv is installed (the peer environment,
scripts/peers; scripts/check-libtorch runs this file there) and skips elsewhere."""
import pytest
import torch

dinv = pytest.importorskip("deepinv", reason="deepinv is not installed here (scripts/peers makes an environment with it)")
import genreg  # noqa: E402
import genreg.deepinv  # noqa: E402

FAMILIES = ["denoise", "blur:gauss5", "cs:40,seed=3", "inpaint:0.5,seed=1", "mri:2,seed=0",
            "tomo:angles=6", "ct:parallel,views=12", "ct:fan,views=9,detector=flat"]


@pytest.mark.parametrize("spec", FAMILIES)
def test_physics_is_the_genreg_operator_and_passes_deepinv_adjointness_check(spec):
    op = genreg.operator(spec, 24)
    physics = genreg.deepinv.Physics(op)
    # deepinv's Monte Carlo estimate of ||A - B^T||_F / ||A||_F, in float64: an exact adjoint gives
    # rounding (~1e-16); a 1% error in the adjoint would give ~1e-2.
    error = physics.adjointness_test(img_size=op.domain_shape, num_samples=8, dtype=torch.float64)
    assert float(error) < 1e-10
    x = torch.rand(3, *op.domain_shape, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(physics(x), op.apply(x), rtol=1e-6, atol=1e-6)  # no noise
    y = op.apply(x)
    torch.testing.assert_close(physics.A_adjoint(y), op.adjoint(y), rtol=1e-6, atol=1e-6)


def test_inpainting_equals_deepinvs_own_physics_with_the_same_mask():
    op = genreg.operator("inpaint:0.5,seed=1", 24)
    ones = torch.ones(1, *op.domain_shape)
    mask = op.adjoint(op.apply(ones))  # 1 on kept pixels, 0 elsewhere
    assert 0.4 < float(mask.mean()) < 0.6 and set(mask.unique().tolist()) == {0.0, 1.0}
    theirs = dinv.physics.Inpainting(img_size=op.domain_shape, mask=mask[0])
    x = torch.rand(4, *op.domain_shape, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(op.adjoint(op.apply(x)), theirs.A(x), rtol=1e-6, atol=1e-6)


def test_deepinv_solver_on_a_genreg_operator_matches_genregs_tikhonov():
    # genreg's tikhonov: min ||Ax - y||^2 / (2 sigma^2) + lam ||x||^2. deepinv's prox_l2 with z = 0:
    # min gamma/2 ||Ax - y||^2 + 1/2 ||x||^2, the same minimiser for gamma = 1 / (2 lam sigma^2).
    op = genreg.operator("blur:gauss5", 28)
    x = genreg.load_dataset("mnist", split="test", indices="0:4").images
    sigma, lam = 0.05, 10.0
    y = genreg.simulate(x, op, sigma=sigma, seed=0)
    ours = genreg.reconstruct(y, op, "tikhonov", sigma=sigma, lam=lam, iterations=500, tolerance=1e-7).x
    physics = genreg.deepinv.Physics(op, sigma=sigma)
    theirs = physics.prox_l2(None, y, gamma=1.0 / (2 * lam * sigma**2), solver="CG", max_iter=500, tol=1e-7)
    assert float(genreg.psnr(theirs, x).mean()) > float(genreg.psnr(torch.zeros_like(x), x).mean()) + 5
    torch.testing.assert_close(theirs, ours, rtol=0, atol=2e-4)


def test_denoiser_is_the_genreg_network_in_deepinvs_interface(models_dir):
    model = genreg.load_model(str(models_dir / "mnist" / "drunet.pt"), role="denoiser")
    denoiser = genreg.deepinv.Denoiser(model)
    x = genreg.load_dataset("mnist", split="test", indices="0:3").images
    noisy = x + 0.1 * torch.randn(x.shape, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        out = denoiser(noisy, 0.1)
        torch.testing.assert_close(out, model.denoise(noisy, 0.1))
        torch.testing.assert_close(denoiser(noisy, torch.full((3,), 0.1)), out)
    # The network denoises: clearly closer to the clean images than its input.
    assert float(genreg.psnr(out, x).mean()) > float(genreg.psnr(noisy, x).mean()) + 3
    with pytest.raises(TypeError):
        genreg.deepinv.Denoiser(torch.nn.Identity())


def test_denoiser_of_a_diffusion_model_is_tweedies_estimate_at_the_matching_step(models_dir):
    model = genreg.load_model(str(models_dir / "mnist" / "ddpm.pt"), role="noise_predictor")
    denoiser = genreg.deepinv.Denoiser(model)
    abar = model.alphas_cumprod().to(torch.float64)
    # Each step's own noise level maps back to that step, per image.
    steps = torch.tensor([0, 17, 250, 999])
    levels = ((1 - abar[steps]) / abar[steps]).sqrt() / 2
    assert torch.equal(denoiser.timestep(levels, 4), steps)
    x = genreg.load_dataset("mnist", split="test", indices="0:4").images
    sigma = float(levels[2])  # step 250's level: about 0.15 on [0, 1]
    noisy = x + sigma * torch.randn(x.shape, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        out = denoiser(noisy, sigma)
        # Tweedie written out: x_t = sqrt(a) (2 x - 1), x0 = (x_t - sqrt(1 - a) eps) / sqrt(a).
        a = float(abar[250])
        x_t = a**0.5 * (2 * noisy - 1)
        expected = ((x_t - (1 - a)**0.5 * model.predict_noise(x_t, torch.full((4,), 250))) / a**0.5 + 1) / 2
    torch.testing.assert_close(out, expected.float(), rtol=1e-5, atol=1e-5)
    assert float(genreg.psnr(out.clamp(0, 1), x).mean()) > float(genreg.psnr(noisy, x).mean()) + 3
    # Gradients flow through the network (DPS differentiates the denoiser).
    probe = noisy.clone().requires_grad_(True)
    denoiser(probe, sigma).sum().backward()
    assert probe.grad is not None and float(probe.grad.abs().sum()) > 0
