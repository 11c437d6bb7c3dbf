#include "genreg/solvers/backtracking.h"

#include <chrono>
#include <tuple>

#include "genreg/core/error.h"
#include "genreg/functionals/functional.h"

namespace genreg {

torch::Tensor minimize_backtracking(const BatchObjective& f, const torch::Tensor& x0,
                                    const BacktrackingOptions& options, SolverSummary* summary,
                                    const IterationCallback& callback, torch::Tensor* lipschitz) {
  require(options.eta_decrease() > 0.0 && options.eta_decrease() <= 1.0,
          "backtracking: eta0 must be in (0, 1]");
  require(options.eta_increase() > 1.0, "backtracking: eta1 must be greater than 1");
  require(options.initial_lipschitz() > 0.0, "backtracking: L0 must be positive");
  const auto start = std::chrono::steady_clock::now();
  torch::NoGradGuard no_grad;
  const int64_t batch = x0.size(0);
  const auto device = x0.device();
  auto x = x0.detach().clone();
  auto L = torch::full({batch}, options.initial_lipschitz(),
                       torch::TensorOptions().dtype(torch::kFloat64).device(device));
  auto iterations = torch::zeros({batch}, torch::kLong);
  auto status = torch::full({batch}, static_cast<int64_t>(SampleStatus::max_iterations), torch::kLong);
  auto all = torch::arange(batch, torch::TensorOptions().dtype(torch::kLong).device(device));
  auto objective = torch::zeros({batch}, torch::TensorOptions().dtype(torch::kFloat64).device(device));
  auto active = all.clone();
  SolverSummary local;
  int64_t evaluations = 0;

  // With a deferred gradient, an accepted trial leaves the value and gradient of the next iterate.
  const bool deferred = f.defers_gradient();
  torch::Tensor next_value, next_gradient;  // (batch,) float64 and (batch, ...), valid at `active`
  for (int64_t k = 1; k <= options.max_iterations() && active.numel() > 0; ++k) {
    auto xa = x.index_select(0, active);
    torch::Tensor fa, ga;
    if (deferred && k > 1) {
      fa = next_value.index_select(0, active);
      ga = next_gradient.index_select(0, active);
    } else {
      std::tie(fa, ga) = f.value_and_gradient(xa, active);
      ++evaluations;
      if (deferred) {
        next_value = torch::zeros({batch}, objective.options());
        next_gradient = torch::zeros_like(x);
      }
    }
    auto fa64 = fa.to(torch::kFloat64);
    objective.index_copy_(0, active, fa64);
    auto La = L.index_select(0, active) * options.eta_decrease();

    // Backtrack the samples whose trial step failed; `pending` indexes into the active set.
    auto pending = torch::arange(active.numel(), all.options());
    auto accepted_step = torch::zeros_like(xa);
    for (int64_t b = 0; b <= options.max_backtracks() && pending.numel() > 0; ++b) {
      auto xp = xa.index_select(0, pending);
      auto gp = ga.index_select(0, pending);
      auto Lp = La.index_select(0, pending);
      auto step = -gp / per_sample(Lp, gp);
      auto trial = xp + step;
      DeferredValue later;
      if (deferred) later = f.value_deferred(trial, active.index_select(0, pending));
      auto ft =
          (deferred ? later.value : f.value(trial, active.index_select(0, pending))).to(torch::kFloat64);
      ++evaluations;
      // Sufficient decrease: f(x+) <= f(x) + <g, s> + L/2 ||s||^2 with s = -g/L.
      auto bound = fa64.index_select(0, pending) + sum_per_sample(gp * step).to(torch::kFloat64) +
                   0.5 * Lp * sum_per_sample(step * step).to(torch::kFloat64);
      auto ok = (ft <= bound) & torch::isfinite(ft);
      auto ok_idx = torch::nonzero(ok).flatten();
      if (ok_idx.numel() > 0) {
        auto where = pending.index_select(0, ok_idx);
        accepted_step.index_copy_(0, where, step.index_select(0, ok_idx));
        objective.index_copy_(0, active.index_select(0, where), ft.index_select(0, ok_idx));
        if (deferred) {
          const auto rows = active.index_select(0, where);
          next_value.index_copy_(0, rows, ft.index_select(0, ok_idx));
          next_gradient.index_copy_(0, rows, later.gradient(ok_idx).to(next_gradient.dtype()));
        }
      }
      auto bad_idx = torch::nonzero(~ok).flatten();
      auto bad = pending.index_select(0, bad_idx);
      La.index_copy_(0, bad, La.index_select(0, bad) * options.eta_increase());
      pending = bad;
    }
    L.index_copy_(0, active, La);
    iterations.index_add_(0, active.to(torch::kCPU), torch::ones({active.numel()}, torch::kLong));

    // Samples still pending failed every step size: freeze them (stalled).
    auto stalled_mask =
        torch::zeros({active.numel()}, torch::TensorOptions().dtype(torch::kBool).device(device));
    if (pending.numel() > 0) stalled_mask.index_fill_(0, pending, true);
    auto moved = xa + accepted_step;
    x.index_copy_(0, active, moved);
    auto change = accepted_step.flatten(1).norm(2, 1);
    auto size = xa.flatten(1).norm(2, 1).clamp_min(1.0);
    auto converged_mask = (change <= options.tolerance() * size) & ~stalled_mask;
    auto stalled_cpu = active.index_select(0, torch::nonzero(stalled_mask).flatten()).to(torch::kCPU);
    auto converged_cpu = active.index_select(0, torch::nonzero(converged_mask).flatten()).to(torch::kCPU);
    status.index_fill_(0, stalled_cpu, static_cast<int64_t>(SampleStatus::stalled));
    status.index_fill_(0, converged_cpu, static_cast<int64_t>(SampleStatus::converged));
    active = active.index_select(0, torch::nonzero(~(stalled_mask | converged_mask)).flatten());

    local.history.push_back(objective.mean().item<double>());
    if (callback && !callback(k, x, objective)) break;
  }
  if (summary) {
    local.objective = objective.to(torch::kCPU);
    local.iterations = iterations;
    local.status = status;
    local.evaluations = evaluations;
    local.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    *summary = std::move(local);
  }
  if (lipschitz) *lipschitz = L.to(torch::kCPU);
  return x;
}

}  // namespace genreg
