// pnp-fista: accelerated proximal gradient with the denoiser as the prox (plug_and_play.h).
#include <chrono>
#include <cmath>

#include "genreg/functionals/functional.h"
#include "genreg/solvers/plug_and_play.h"

namespace genreg {

torch::Tensor PnpFista::solve(const DataFidelity& given, const torch::Tensor& lambda, SolverSummary* summary,
                              const IterationCallback& callback) const {
  const auto start = std::chrono::steady_clock::now();
  torch::NoGradGuard no_grad;
  const auto& data = given;
  const auto& y = data.y();
  const int64_t batch = y.size(0);
  const auto lam = checked_lambda(lambda, batch);
  // gamma = 1 / L with L = ||A||^2 / sigma^2, the Lipschitz constant of grad D.
  const double a = data.operator_norm();
  const double gamma = data.sigma() * data.sigma() / (a * a);
  const auto level = torch::sqrt(gamma * lam);  // s = sqrt(gamma lambda): prox_{gamma lambda R} = D_s
  auto x = torch::zeros(batched_shape(batch, data.op()->domain_shape()), y.options());
  auto v = x.clone();
  double t = 1.0;
  RelativeChangeStop stop(batch, options_.tolerance(), y.device());
  for (int64_t k = 1; k <= options_.max_iterations(); ++k) {
    const auto x_next = denoise(v - gamma * data.gradient(v), level);
    const double t_next = 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * t * t));
    const auto v_next = x_next + ((t - 1.0) / t_next) * (x_next - x);
    v = stop.keep_done(v, v_next);
    x = stop.step(x, x_next);
    t = t_next;
    if (callback && !callback(k, x, data.value(x))) break;
    if (stop.all_done()) break;
  }
  report(summary, stop, data.value(x), start);
  return x;
}

}  // namespace genreg
