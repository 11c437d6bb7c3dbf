#pragma once
// The classical baselines of the paper's Table 1, batched over images and regularisation
// parameters (lambda is (B,): one value per sample, so a whole sweep is one solve):
//
//   Tikhonov:  min_x ||A x - y||^2 / (2 sigma^2) + lambda ||x||^2,
//              i.e. (A^T A / sigma^2 + 2 lambda I) x = A^T y / sigma^2, by conjugate gradients.
//   TV:        min_{x in [lo, hi]} ||A x - y||^2 / (2 sigma^2) + lambda TV(x), by the primal-dual
//              hybrid gradient method of Chambolle & Pock (2011) with K = [A; grad].
#include "genreg/core/solver_summary.h"
#include "genreg/functionals/conjugate_gradient.h"
#include "genreg/functionals/data_fidelity.h"

namespace genreg {

torch::Tensor solve_tikhonov(const DataFidelity& data, const torch::Tensor& lambda,
                             const ConjugateGradientOptions& options = {}, SolverSummary* summary = nullptr,
                             const IterationCallback& callback = {});

struct PdhgOptions {
  TORCH_ARG(int64_t, max_iterations) = 1000;
  // A sample stops when ||x_{k+1} - x_k|| <= tolerance * max(||x_k||, 1e-12).
  TORCH_ARG(double, tolerance) = 1e-5;
  TORCH_ARG(bool, box) = true;  // constrain x to [lo, hi]
  TORCH_ARG(double, lo) = 0.0;
  TORCH_ARG(double, hi) = 1.0;
};

torch::Tensor solve_tv(const DataFidelity& data, const torch::Tensor& lambda, const PdhgOptions& options = {},
                       SolverSummary* summary = nullptr, const IterationCallback& callback = {});

// TV-regularised objective value ||Ax - y||^2/(2 sigma^2) + lambda TV(x), (B,).
torch::Tensor tv_objective(const DataFidelity& data, const torch::Tensor& lambda, const torch::Tensor& x);

}  // namespace genreg
