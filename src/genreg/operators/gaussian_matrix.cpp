#include "genreg/operators/gaussian_matrix.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "genreg/core/error.h"

namespace genreg {
namespace {

// Largest singular value of `a`: power iteration on the smaller Gram matrix in float64 until the
// Rayleigh quotient settles to round-off. (LAPACK's SVD would do, but OpenBLAS's threads can stall
// it for seconds on a busy 2-core machine; a few thousand products with a 150 x 150 matrix cannot.)
double spectral_norm(const torch::Tensor& a) {
  const auto gram = a.size(0) <= a.size(1) ? torch::mm(a, a.t()) : torch::mm(a.t(), a);
  auto v = torch::ones({gram.size(0), 1}, torch::kFloat64) / std::sqrt(static_cast<double>(gram.size(0)));
  double lambda = 0.0;
  for (int k = 0; k < 20000; ++k) {
    auto w = torch::mm(gram, v);
    const double next = (v * w).sum().item<double>();
    v = w / w.norm();
    if (k > 10 && std::abs(next - lambda) <= 1e-15 * next) return std::sqrt(next);
    lambda = next;
  }
  return std::sqrt(lambda);
}

}  // namespace

GaussianMatrix::GaussianMatrix(int64_t height, int64_t width, int64_t measurements, uint64_t seed)
    : height_(height), width_(width), measurements_(measurements), seed_(seed) {
  require(measurements > 0, "cs: the number of measurements must be positive, got ", measurements);
  auto generator = at::detail::createCPUGenerator(seed);
  auto a = at::normal(0.0, 1.0 / std::sqrt(static_cast<double>(measurements)), {measurements, height * width},
                      generator, torch::kFloat64);
  matrix_ = DeviceCache(a / spectral_norm(a));
}

std::string GaussianMatrix::spec() const {
  return "cs:" + std::to_string(measurements_) + ",seed=" + std::to_string(seed_);
}

torch::Tensor GaussianMatrix::apply(const torch::Tensor& x) const {
  check_argument(x, false, "apply");
  return torch::mm(x.flatten(1), matrix_.get(x).t());
}

torch::Tensor GaussianMatrix::adjoint(const torch::Tensor& y) const {
  check_argument(y, true, "adjoint");
  return torch::mm(y, matrix_.get(y)).view(batched_shape(y.size(0), domain_shape()));
}

}  // namespace genreg
