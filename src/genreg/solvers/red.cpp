// red: regularisation by denoising by the fixed-point iteration of Romano et al. (plug_and_play.h).
#include <chrono>

#include "genreg/functionals/functional.h"
#include "genreg/solvers/plug_and_play.h"

namespace genreg {

torch::Tensor RegularisationByDenoising::solve(const DataFidelity& given, const torch::Tensor& lambda,
                                               SolverSummary* summary,
                                               const IterationCallback& callback) const {
  const auto start = std::chrono::steady_clock::now();
  torch::NoGradGuard no_grad;
  const auto data = data_with_options(given);
  const auto& y = data.y();
  const int64_t batch = y.size(0);
  const auto lam = checked_lambda(lambda, batch);
  const auto level = torch::full({batch}, strength(data.sigma()), torch::kFloat64);
  // The first-order condition grad D(x) + lambda (x - D_s(x)) = 0 read as
  // x = argmin_u D(u) + lambda/2 ||u - D_s(x)||^2 = prox_{D / lambda}(D_s(x)).
  const auto tau = 1.0 / lam;
  auto objective = [&](const torch::Tensor& x, const torch::Tensor& dx) {
    return data.value(x).to(torch::kFloat64) +
           0.5 * lam.to(x.device()) * sum_per_sample(x * (x - dx)).to(torch::kFloat64);
  };
  auto x = data.prox(torch::zeros(batched_shape(batch, data.op()->domain_shape()), y.options()), tau);
  auto dx = denoise(x, level);
  RelativeChangeStop stop(batch, options_.tolerance(), y.device());
  for (int64_t k = 1; k <= options_.max_iterations(); ++k) {
    x = stop.step(x, data.prox(dx, tau));
    dx = denoise(x, level);
    if (callback && !callback(k, x, objective(x, dx))) break;
    if (stop.all_done()) break;
  }
  report(summary, stop, objective(x, dx), start);
  return x;
}

}  // namespace genreg
