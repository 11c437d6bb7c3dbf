// pnp-admm: scaled ADMM with the denoiser as the prior's prox (plug_and_play.h).
#include <chrono>

#include "genreg/functionals/functional.h"
#include "genreg/solvers/plug_and_play.h"

namespace genreg {

torch::Tensor PnpAdmm::solve(const DataFidelity& given, const torch::Tensor& lambda, SolverSummary* summary,
                             const IterationCallback& callback) const {
  const auto start = std::chrono::steady_clock::now();
  torch::NoGradGuard no_grad;
  const auto data = data_with_options(given);
  const auto& y = data.y();
  const int64_t batch = y.size(0);
  const auto lam = checked_lambda(lambda, batch);
  const double s = strength(data.sigma());
  const auto level = torch::full({batch}, s, torch::kFloat64);
  // The penalty 1/tau = lambda / s^2: with D_s = prox_{s^2 R}, the z-step is prox_{lambda R / rho}.
  const auto tau = (s * s) / lam;
  // z_0: the data step from 0 (a ridge estimate); x_0 = 0 only seeds the stopping rule's change.
  auto x = torch::zeros(batched_shape(batch, data.op()->domain_shape()), y.options());
  auto z = data.prox(x, tau);
  auto u = torch::zeros_like(z);
  RelativeChangeStop stop(batch, options_.tolerance(), y.device());
  for (int64_t k = 1; k <= options_.max_iterations(); ++k) {
    const auto x_next = data.prox(z - u, tau);
    const auto z_next = denoise(x_next + u, level);
    u = stop.keep_done(u, u + x_next - z_next);
    z = stop.keep_done(z, z_next);
    x = stop.step(x, x_next);
    if (callback && !callback(k, z, data.value(z))) break;
    if (stop.all_done()) break;
  }
  // z, the prior's side (in the box when asked): at the fixed point x = z.
  report(summary, stop, data.value(z), start);
  return z;
}

}  // namespace genreg
