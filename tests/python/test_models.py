"""Models from Python: checkpoints in both directions (torch.load / torch.save, weights edited in
Python), role calls against what they promise, training with progress."""
import pytest
import torch

import genreg


@pytest.fixture(scope="module")
def digits():
    return genreg.load_dataset("mnist", split="test", indices="100:116").images


def test_checkpoint_survives_torch_load_and_torch_save(tmp_path, models_dir, digits):
    # A genreg checkpoint is a torch pickle of a dict; PyTorch's own writer (SETITEM opcodes that
    # LibTorch 1.13's reader lacks) must give a file genreg still loads, with the same network.
    source = models_dir / "mnist" / "drunet.pt"
    d = torch.load(source, weights_only=False)  # genreg's own pickle (torch::save)
    assert d["kind"] == "drunet" and isinstance(d["weights"], dict)
    copy = tmp_path / "copy.pt"
    torch.save(d, copy)
    a, b = genreg.load_model(source), genreg.load_model(copy)
    noisy = digits + 0.1 * torch.randn(digits.shape, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(a.denoise(noisy, 0.1), b.denoise(noisy, 0.1), rtol=0, atol=0)


def test_weights_edited_in_python_come_back(tmp_path, models_dir):
    vae = genreg.load_model(models_dir / "mnist" / "vae.pt")
    z = torch.randn(4, vae.latent_dim, generator=torch.Generator().manual_seed(1))
    state = vae.state_dict()
    name = next(k for k in state if k.endswith("bias"))
    state[name] = state[name] + 0.5
    vae.load_state_dict(state)
    edited = vae.decode(z)
    vae.save(tmp_path / "edited.pt")
    again = genreg.load_model(tmp_path / "edited.pt")
    torch.testing.assert_close(again.decode(z), edited, rtol=0, atol=0)
    assert again.state_dict()[name].equal(state[name])
    # Edited through torch.load / torch.save directly: the stored checksum no longer matches, and
    # the message says what to do; without the checksum the file loads with the edit.
    d = torch.load(models_dir / "mnist" / "vae.pt", weights_only=False)
    d["weights"][name] = d["weights"][name] + 0.5
    torch.save(d, tmp_path / "raw.pt")
    if "content_hash" in d:
        with pytest.raises(genreg.Error, match="content_hash"):
            genreg.load_model(tmp_path / "raw.pt")
        del d["content_hash"]
        torch.save(d, tmp_path / "raw.pt")
    torch.testing.assert_close(genreg.load_model(tmp_path / "raw.pt").decode(z), edited, rtol=0, atol=0)


def test_roles(models_dir, digits):
    drunet = genreg.load_model(models_dir / "mnist" / "drunet.pt", role="denoiser")
    noisy = digits + 0.1 * torch.randn(digits.shape, generator=torch.Generator().manual_seed(0))
    gain = genreg.psnr(drunet.denoise(noisy, 0.1), digits).mean() - genreg.psnr(noisy, digits).mean()
    assert gain > 6  # a trained denoiser beats its noisy input by a wide margin
    with pytest.raises(genreg.Error, match="needs a generator"):
        drunet.decode(torch.zeros(1, 8))
    with pytest.raises(genreg.Error, match="holds a denoiser"):
        genreg.load_model(models_dir / "mnist" / "drunet.pt", role="generator")
    ddpm = genreg.load_model(models_dir / "mnist" / "ddpm.pt")
    a = ddpm.sample_prior(2, steps=5, seed=3)
    assert a.shape == (2, 1, 28, 28) and a.min() >= 0 and a.max() <= 1
    assert torch.equal(a, ddpm.sample_prior(2, steps=5, seed=3))
    assert not torch.equal(a, ddpm.sample_prior(2, steps=5, seed=4))


def test_decode_is_differentiable_from_python(models_dir):
    vae = genreg.load_model(models_dir / "mnist" / "vae.pt")
    z = torch.randn(3, vae.latent_dim, generator=torch.Generator().manual_seed(2), requires_grad=True)
    target = torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(3))
    loss = ((vae.decode(z) - target) ** 2).sum()
    (grad,) = torch.autograd.grad(loss, z)
    v = torch.randn(z.shape, generator=torch.Generator().manual_seed(4))
    h = 1e-3  # ReLU kinks make larger steps inexact; float32 makes smaller ones noisy
    with torch.no_grad():
        plus = ((vae.decode(z + h * v) - target) ** 2).sum()
        minus = ((vae.decode(z - h * v) - target) ** 2).sum()
    assert float((grad * v).sum()) == pytest.approx(float((plus - minus) / (2 * h)), rel=2e-2)


def test_training_from_python_reports_progress_and_beats_the_noisy_input(tmp_path):
    lines = []
    model, summary = genreg.train("dncnn", tmp_path / "d.pt", progress=lines.append, dataset="mnist",
                                  indices="0:2048", epochs=2, depth=4, channels=16, noise_range="0.05:0.2",
                                  test_indices="0:64", threads=1)
    assert any("epoch" in line for line in lines)
    assert summary["command"] == "train"
    clean = genreg.load_dataset("mnist", split="test", indices="200:264").images
    noisy = clean + 0.1 * torch.randn(clean.shape, generator=torch.Generator().manual_seed(0))
    # 3 s of training: about 6 dB over the noisy input (measured).
    assert genreg.psnr(model.denoise(noisy, 0.1), clean).mean() > genreg.psnr(noisy, clean).mean() + 4
    with pytest.raises(genreg.Error, match="epochs"):
        genreg.train("dncnn", tmp_path / "e.pt", progress=None, dataset="mnist", epochs=0)
    # --nproc starts copies of the genreg program; inside Python that would start Python.
    with pytest.raises(genreg.Error, match="starts copies of the genreg program"):
        genreg.train("dncnn", tmp_path / "f.pt", progress=None, dataset="mnist", epochs=1, nproc=2)


def test_fine_tuning_in_python_and_saving_back(tmp_path, models_dir):
    # The weights are the network's own tensors: a PyTorch optimiser on them changes what genreg
    # computes, and save() keeps the change.
    vae = genreg.load_model(models_dir / "mnist" / "vae.pt").set_trainable(True)
    z = torch.randn(8, vae.latent_dim, generator=torch.Generator().manual_seed(0))
    target = genreg.load_dataset("mnist", split="test", indices="0:8").images
    opt = torch.optim.Adam(vae.parameters(), lr=1e-3)
    losses = []
    for _ in range(20):
        loss = ((vae.decode(z) - target) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    vae.set_trainable(False)
    vae.save(tmp_path / "tuned.pt")
    with torch.no_grad():
        torch.testing.assert_close(genreg.load_model(tmp_path / "tuned.pt").decode(z), vae.decode(z), rtol=0, atol=0)
