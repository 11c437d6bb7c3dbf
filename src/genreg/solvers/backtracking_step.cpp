#include "genreg/solvers/backtracking_step.h"

#include "genreg/functionals/functional.h"

namespace genreg {

torch::Tensor rows(const torch::Tensor& t, const torch::Tensor& index) {
  if (!t.defined() || t.dim() == 0 || index.numel() == t.size(0)) return t;
  return t.index_select(0, index.to(t.device()));
}

BacktrackingStep backtracking_step(const SmoothPart& f, const torch::Tensor& x, torch::Tensor& lipschitz,
                                   const BacktrackingOptions& options, const ProxStep& prox) {
  auto [fx, g] = f.value_and_gradient(x);
  torch::NoGradGuard no_grad;
  const auto f64 = fx.detach().to(torch::kFloat64);
  g = g.detach();
  auto L = lipschitz * options.eta_decrease();
  auto out = x.detach().clone();
  auto value = f64.clone();
  auto pending = torch::arange(x.size(0), torch::TensorOptions().dtype(torch::kLong).device(x.device()));
  for (int64_t b = 0; b <= options.max_backtracks() && pending.numel() > 0; ++b) {
    const auto xp = x.index_select(0, pending).detach();
    const auto gp = g.index_select(0, pending);
    const auto Lp = L.index_select(0, pending);
    auto trial = xp - gp / per_sample(Lp, gp).to(gp.scalar_type());
    if (prox) trial = prox(trial, (1.0 / Lp).to(gp.scalar_type()), pending);
    const auto step = trial - xp;
    const auto ft = f.value(trial, pending).detach().to(torch::kFloat64);
    const auto bound = f64.index_select(0, pending) + sum_per_sample(gp * step).to(torch::kFloat64) +
                       0.5 * Lp * sum_per_sample(step * step).to(torch::kFloat64);
    // A small relative slack absorbs float32 round-off at the test's boundary.
    const auto ok = (ft <= bound + 1e-7 * bound.abs()) & torch::isfinite(ft);
    const auto ok_idx = torch::nonzero(ok).flatten();
    if (ok_idx.numel() > 0) {
      const auto where = pending.index_select(0, ok_idx);
      out.index_copy_(0, where, trial.index_select(0, ok_idx));
      value.index_copy_(0, where, ft.index_select(0, ok_idx));
    }
    const auto bad = pending.index_select(0, torch::nonzero(~ok).flatten());
    L.index_copy_(0, bad, L.index_select(0, bad) * options.eta_increase());
    pending = bad;
  }
  auto stalled = torch::zeros({x.size(0)}, torch::TensorOptions().dtype(torch::kBool).device(x.device()));
  if (pending.numel() > 0) {
    stalled.index_fill_(0, pending, true);
    // A stalled sample keeps its estimate from before this iteration rather than a huge one.
    L.index_copy_(0, pending, lipschitz.index_select(0, pending));
  }
  lipschitz.copy_(L);
  const auto change = (out - x.detach()).flatten(1).norm(2, 1);
  return {out, value, stalled, change};
}

}  // namespace genreg
