#pragma once
// One iteration of backtracking (proximal) gradient descent for every sample of a batch: the
// building block of the alternating methods (paper Algorithms 2 and 3), which take one step in
// each block of variables per iteration. With a prox, the step is the proximal-gradient (PALM) step
//   x+ = prox_{g/L}(x - grad f(x) / L),
// accepted when the smooth part decreases enough:
//   f(x+) <= f(x) + <grad f(x), x+ - x> + L/2 ||x+ - x||^2,
// else L <- eta1 L. Each sample keeps its own L; before the step L <- eta0 L.
#include <torch/torch.h>

#include <functional>
#include <utility>

#include "genreg/solvers/backtracking.h"

namespace genreg {

// Backtracking re-evaluates only the samples still failing the test: `index` (int64, (b,),
// ascending) names their rows in the full batch, so that per-sample data can be selected.
struct SmoothPart {
  // f per sample at the rows `index`, (b, ...) -> (b,), without gradients.
  std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& index)> value;
  // (f, grad f) at the full batch x.
  std::function<std::pair<torch::Tensor, torch::Tensor>(const torch::Tensor& x)> value_and_gradient;
};

// prox of the non-smooth part with per-sample step tau (b,) at the rows `index`; empty for plain
// gradient steps.
using ProxStep = std::function<torch::Tensor(const torch::Tensor& v, const torch::Tensor& tau,
                                             const torch::Tensor& index)>;

// Rows `index` of a per-sample tensor t (B, ...); t itself when index names every row.
torch::Tensor rows(const torch::Tensor& t, const torch::Tensor& index);

struct BacktrackingStep {
  torch::Tensor x;        // the accepted point (unchanged where no step size was accepted)
  torch::Tensor value;    // f at x, (B,) float64
  torch::Tensor stalled;  // (B,) bool: no step size passed the test within max_backtracks
  torch::Tensor change;   // (B,) ||x+ - x||
};

// `lipschitz` (B,) float64 is updated in place.
BacktrackingStep backtracking_step(const SmoothPart& f, const torch::Tensor& x, torch::Tensor& lipschitz,
                                   const BacktrackingOptions& options, const ProxStep& prox = {});

}  // namespace genreg
