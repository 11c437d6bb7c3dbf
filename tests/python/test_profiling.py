"""genreg.profiling.FlopCounter: torch's layers and genreg's networks counted as LibTorch runs them."""
import torch

import genreg


def test_counts_a_torch_convolution_as_written_out():
    x, w = torch.randn(2, 3, 10, 12), torch.randn(5, 3, 3, 3)
    with genreg.profiling.FlopCounter() as count:
        torch.nn.functional.conv2d(x, w, padding=1)
        inside = count.flops
    assert inside == 2 * 2 * 5 * 10 * 12 * 3 * 9
    torch.nn.functional.conv2d(x, w, padding=1)  # after the block: not counted
    assert count.flops == inside


def test_a_networks_count_is_per_image_and_its_gradient_costs_two_more_passes(models_dir):
    model = genreg.load_model(str(models_dir / "mnist" / "drunet.pt"), role="denoiser")
    x = torch.rand(4, 1, 28, 28)
    with torch.no_grad():
        with genreg.profiling.FlopCounter() as one:
            model.denoise(x[:1], 0.1)
        with genreg.profiling.FlopCounter() as four:
            model.denoise(x, 0.1)
    assert one.flops > 1e7  # a DRUNet on 28 x 28: tens of MFLOPs per image at least
    assert four.flops == 4 * one.flops
    probe = x[:1].clone().requires_grad_(True)
    with genreg.profiling.FlopCounter() as both:
        model.denoise(probe, 0.1).sum().backward()
    # Forward, then the input's gradient through every layer, each as costly as its forward pass; the
    # weights are frozen (load_model), so no weight gradients: exactly twice.
    assert both.flops == 2 * one.flops
