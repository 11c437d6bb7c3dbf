"""Operators from Python: exact adjoints through autograd (gradcheck in float64 for every family),
the normalisation, and refusals."""
import pytest
import torch

import genreg

# One spec per operator family of PROTOCOL.md, on small images so that gradcheck's dense Jacobians
# stay cheap.
FAMILIES = ["denoise", "blur:gauss5", "blur:motion,length=5,angle=30", "cs:20,seed=3", "tomo:angles=6",
            "inpaint:0.5,seed=1", "mri:2,seed=0", "ct:parallel,views=5", "ct:fan,views=6,detector=flat"]


@pytest.mark.parametrize("spec", FAMILIES)
def test_gradcheck_apply_and_adjoint(spec):
    op = genreg.operator(spec, 8, 8)
    x = torch.rand(2, *op.domain_shape, dtype=torch.float64, requires_grad=True)
    y = torch.rand(2, *op.range_shape, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(op.apply, (x,), eps=1e-6, atol=1e-7)
    assert torch.autograd.gradcheck(op.adjoint, (y,), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize("spec", FAMILIES)
def test_adjoint_and_norm(spec):
    op = genreg.operator(spec, 16, 12)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, *op.domain_shape, generator=g, dtype=torch.float64)
    y = torch.randn(3, *op.range_shape, generator=g, dtype=torch.float64)
    lhs = (op(x) * y).sum()
    rhs = (x * op.adjoint(y)).sum()
    assert abs(lhs - rhs) <= 1e-10 * max(1.0, abs(lhs))
    # Every genreg operator is normalised to ||A||_2 = 1 (the power iteration's estimate), except the
    # physical CT transforms, whose line integrals are in metres.
    if not spec.startswith("ct:"):
        assert op.norm() == pytest.approx(1.0, rel=1e-6)


def test_operator_as_a_layer_gives_the_data_fidelity_gradient():
    # d/dx ||A x - y||^2 / 2 = A^T (A x - y): what a training loop through genreg's ray transform sees.
    op = genreg.operator("tomo:angles=10", 16)
    x = torch.rand(2, 1, 16, 16, dtype=torch.float64, requires_grad=True)
    y = torch.rand(2, *op.range_shape, dtype=torch.float64)
    loss = 0.5 * ((op(x) - y) ** 2).sum()
    loss.backward()
    expected = op.adjoint(op(x.detach()) - y)
    torch.testing.assert_close(x.grad, expected, rtol=1e-12, atol=1e-12)


def test_spec_round_trip_and_refusals():
    op = genreg.operator("cs:150", 28)
    assert op.spec == "cs:150,seed=0"
    assert genreg.operator(op.spec, 28).spec == op.spec
    with pytest.raises(genreg.Error, match="unknown operator"):
        genreg.operator("radon:5", 28)
    with pytest.raises(genreg.Error):
        op(torch.zeros(2, 1, 27, 28))
