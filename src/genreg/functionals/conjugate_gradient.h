#pragma once
// Conjugate gradients for a batch of symmetric positive definite systems H_b x_b = r_b that share
// one matrix-free product (B, ...) -> (B, ...), each sample with its own step lengths and stopping. The
// callback's objective is the residual norm.
#include "genreg/core/solver_summary.h"

namespace genreg {

struct ConjugateGradientOptions {
  TORCH_ARG(int64_t, max_iterations) = 500;
  // Stop a sample when ||r_b - H_b x_b|| <= tolerance * ||r_b||.
  TORCH_ARG(double, tolerance) = 1e-6;
};

using BatchLinearMap = std::function<torch::Tensor(const torch::Tensor&)>;

torch::Tensor conjugate_gradient(const BatchLinearMap& apply, const torch::Tensor& rhs,
                                 const torch::Tensor& x0, const ConjugateGradientOptions& options = {},
                                 SolverSummary* summary = nullptr, const IterationCallback& callback = {});

}  // namespace genreg
