#include "genreg/functionals/norms.h"

namespace genreg {

torch::Tensor SquaredL2::value(const torch::Tensor& x) const { return sum_per_sample(x.pow(2)); }

torch::Tensor SquaredL2::prox(const torch::Tensor& x, const torch::Tensor& tau) const {
  return x / (1.0 + 2.0 * per_sample(tau, x));
}

torch::Tensor L1Norm::value(const torch::Tensor& x) const { return sum_per_sample(x.abs()); }

torch::Tensor L1Norm::prox(const torch::Tensor& x, const torch::Tensor& tau) const {
  return torch::sign(x) * torch::relu(x.abs() - per_sample(tau, x));
}

TotalVariation::TotalVariation(int64_t height, int64_t width, TotalVariationOptions options)
    : grad_(height, width), options_(options) {}

torch::Tensor TotalVariation::value(const torch::Tensor& x) const {
  auto g = grad_.apply(x);
  return sum_per_sample(g.pow(2).sum(1).sqrt());
}

torch::Tensor TotalVariation::gradient(const torch::Tensor& x) const {
  auto g = grad_.apply(x);
  const double eps2 = options_.epsilon() * options_.epsilon();
  auto magnitude = (g.pow(2).sum(1, /*keepdim=*/true) + eps2).sqrt();
  return grad_.adjoint(g / magnitude);
}

torch::Tensor TotalVariation::prox(const torch::Tensor& b, const torch::Tensor& tau_in) const {
  // FGP on the dual: projected gradient steps of size 1 / (8 tau^2) on h(p) = ||tau grad^T p - b||^2 / 2
  // (||grad||^2 <= 8), accelerated by FISTA's momentum. Each sample converges on its own tau.
  torch::NoGradGuard no_grad;
  auto tau = per_sample(tau_in, b);
  auto p = torch::zeros(batched_shape(b.size(0), grad_.range_shape()), b.options());
  auto r = p.clone();
  double t = 1.0;
  auto project = [](const torch::Tensor& q) {
    return q / torch::clamp_min(q.pow(2).sum(1, true).sqrt(), 1.0);
  };
  for (int64_t k = 0; k < options_.prox_iterations(); ++k) {
    auto u = b - tau * grad_.adjoint(r);
    auto p_next = project(r + grad_.apply(u) / (8.0 * tau.clamp_min(1e-30)));
    const double t_next = 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * t * t));
    r = p_next + ((t - 1.0) / t_next) * (p_next - p);
    const double change = (p_next - p).abs().max().item<double>();
    p = p_next;
    t = t_next;
    if (change < options_.prox_tolerance()) break;
  }
  return b - tau * grad_.adjoint(p);
}

}  // namespace genreg
