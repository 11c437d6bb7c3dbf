#include "genreg/functionals/conjugate_gradient.h"

#include <chrono>

#include "genreg/functionals/functional.h"

namespace genreg {

torch::Tensor conjugate_gradient(const BatchLinearMap& apply, const torch::Tensor& rhs,
                                 const torch::Tensor& x0, const ConjugateGradientOptions& options,
                                 SolverSummary* summary, const IterationCallback& callback) {
  const auto start = std::chrono::steady_clock::now();
  torch::NoGradGuard no_grad;
  const int64_t batch = rhs.size(0);
  auto x = x0.detach().clone();
  auto r = rhs - apply(x);
  auto p = r.clone();
  auto rs = sum_per_sample(r * r);
  const auto target = (options.tolerance() * sum_per_sample(rhs * rhs).sqrt()).pow(2);
  auto done = rs <= target;
  auto iterations = torch::zeros({batch}, torch::kLong);
  SolverSummary local;
  for (int64_t k = 1; k <= options.max_iterations() && !done.all().item<bool>(); ++k) {
    auto hp = apply(p);
    auto curvature = sum_per_sample(p * hp);
    // Finished samples take zero steps; their directions stay put.
    auto alpha = torch::where(done | (curvature <= 0), torch::zeros_like(rs), rs / curvature);
    x = x + per_sample(alpha, x) * p;
    r = r - per_sample(alpha, r) * hp;
    auto rs_next = sum_per_sample(r * r);
    auto beta = torch::where(done, torch::zeros_like(rs), rs_next / rs.clamp_min(1e-300));
    p = r + per_sample(beta, p) * p;
    iterations += (~done).to(torch::kCPU).to(torch::kLong);
    rs = rs_next;
    done = done | (rs <= target) | (curvature <= 0);
    local.history.push_back(rs.sqrt().mean().item<double>());
    if (callback && !callback(k, x, rs.sqrt())) break;
  }
  if (summary) {
    local.objective = rs.sqrt().to(torch::kCPU, torch::kFloat64);  // residual norm
    local.iterations = iterations;
    local.status = done.to(torch::kCPU).to(torch::kLong);  // 1 = converged, 0 = max iterations
    local.evaluations = static_cast<int64_t>(local.history.size()) + 1;
    local.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    *summary = std::move(local);
  }
  return x;
}

}  // namespace genreg
