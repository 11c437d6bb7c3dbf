// pnp-hqs: half-quadratic splitting with DPIR's noise schedule (plug_and_play.h).
#include <chrono>
#include <cmath>

#include "genreg/core/error.h"
#include "genreg/functionals/functional.h"
#include "genreg/solvers/plug_and_play.h"

namespace genreg {

std::vector<double> PnpHqs::schedule(double start, double end, int64_t steps) {
  require(start > 0 && end > 0 && steps >= 1, "a noise schedule needs positive levels and steps");
  end = std::min(end, start);
  std::vector<double> s(static_cast<size_t>(steps));
  // Geometric (DPIR: np.logspace(log10(sigma_1), log10(sigma_K), K)).
  for (int64_t k = 0; k < steps; ++k) {
    const double f = steps == 1 ? 1.0 : static_cast<double>(k) / static_cast<double>(steps - 1);
    s[static_cast<size_t>(k)] = std::exp(std::log(start) + f * (std::log(end) - std::log(start)));
  }
  return s;
}

torch::Tensor PnpHqs::solve(const DataFidelity& given, const torch::Tensor& lambda, SolverSummary* summary,
                            const IterationCallback& callback) const {
  const auto start = std::chrono::steady_clock::now();
  torch::NoGradGuard no_grad;
  const auto data = data_with_options(given);
  const auto& y = data.y();
  const int64_t batch = y.size(0);
  const auto lam = checked_lambda(lambda, batch);
  const auto levels = schedule(strength(0.2), data.sigma(), options_.max_iterations());
  auto z = torch::zeros(batched_shape(batch, data.op()->domain_shape()), y.options());
  SolverSummary local;
  int64_t done = 0;
  for (size_t k = 0; k < levels.size(); ++k) {
    const double s = levels[k];
    // x_k = argmin D(x) + lambda / (2 s_k^2) ||x - z_{k-1}||^2, then z_k = D_{s_k}(x_k).
    const auto x = data.prox(z, (s * s) / lam);
    z = denoise(x, torch::full({batch}, s, torch::kFloat64));
    done = static_cast<int64_t>(k) + 1;
    if (callback && !callback(done, z, data.value(z))) break;
  }
  if (summary) {
    local.objective = data.value(z).to(torch::kCPU, torch::kFloat64);
    local.iterations = torch::full({batch}, done, torch::kLong);
    // A fixed schedule: every sample ran it to the end (or the callback stopped it).
    local.status = torch::full({batch}, static_cast<int64_t>(SampleStatus::converged), torch::kLong);
    local.evaluations = done;
    local.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    *summary = std::move(local);
  }
  return z;
}

}  // namespace genreg
