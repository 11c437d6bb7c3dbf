#pragma once
// Gradient descent with backtracking line search: the paper's Algorithm 1, batched. Each sample has
// its own Lipschitz estimate L (step 1/L), its own acceptance and its own stopping:
//
//   for k = 0, 1, ...:
//     L <- eta0 L                                   (try a longer step first; eta0 < 1)
//     repeat: x+ = x - grad f(x) / L
//             accept if f(x+) <= f(x) + <grad f(x), x+ - x> + L/2 ||x+ - x||^2   (Armijo-type test)
//             else L <- eta1 L                     (eta1 > 1)
//
// Safeguard (../shared/FINDINGS.md): near a stationary point float round-off or kinks (ReLU) can
// make every step size fail the test, so after `max_backtracks` failures in one iteration the
// sample is frozen and reported as stalled rather than letting L grow without bound.
#include "genreg/core/solver_summary.h"
#include "genreg/solvers/batch_objective.h"

namespace genreg {

struct BacktrackingOptions {
  TORCH_ARG(double, initial_lipschitz) = 1.0;  // L_0
  TORCH_ARG(double, eta_decrease) = 0.9;       // eta0 in (0, 1)
  TORCH_ARG(double, eta_increase) = 2.0;       // eta1 > 1
  TORCH_ARG(int64_t, max_iterations) = 500;
  TORCH_ARG(int64_t, max_backtracks) = 40;
  // A sample converges when ||x_{k+1} - x_k|| <= tolerance * max(||x_k||, 1).
  TORCH_ARG(double, tolerance) = 1e-6;
};

// Minimises f from x0 (B, ...); returns the minimisers. `summary` (optional) receives per-sample
// results, including the final Lipschitz estimates in `lipschitz` when given.
torch::Tensor minimize_backtracking(const BatchObjective& f, const torch::Tensor& x0,
                                    const BacktrackingOptions& options = {}, SolverSummary* summary = nullptr,
                                    const IterationCallback& callback = {},
                                    torch::Tensor* lipschitz = nullptr);

}  // namespace genreg
