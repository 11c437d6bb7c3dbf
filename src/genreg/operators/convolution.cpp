#include "genreg/operators/convolution.h"

#include <cmath>

#include "genreg/core/error.h"

namespace genreg {

torch::Tensor gaussian_kernel(int64_t size, double sigma) {
  require(size >= 1 && size % 2 == 1, "Gaussian kernel size must be odd, got ", size);
  require(sigma > 0, "Gaussian kernel sigma must be positive");
  auto r = torch::arange(size, torch::kFloat64) - static_cast<double>(size / 2);
  auto g = torch::exp(-(r * r) / (2.0 * sigma * sigma));
  auto k = torch::outer(g, g);
  return k / k.sum();
}

torch::Tensor motion_kernel(double length, double angle_degrees) {
  require(length >= 1, "motion blur length must be at least 1");
  int64_t side = static_cast<int64_t>(std::ceil(length));
  if (side % 2 == 0) ++side;
  auto k = torch::zeros({side, side}, torch::kFloat64);
  auto a = k.accessor<double, 2>();
  const double c = (side - 1) / 2.0, theta = angle_degrees * M_PI / 180.0;
  const int64_t samples = static_cast<int64_t>(std::ceil(length * 25));
  for (int64_t i = 0; i < samples; ++i) {
    // Points uniformly along the segment of length `length - 1` between end pixel centres.
    const double t = samples == 1 ? 0.0 : (i / double(samples - 1) - 0.5) * (length - 1);
    const double col = c + t * std::cos(theta), row = c - t * std::sin(theta);  // rows grow downwards
    const int64_t r0 = static_cast<int64_t>(std::floor(row)), c0 = static_cast<int64_t>(std::floor(col));
    const double fr = row - r0, fc = col - c0;
    for (int dr = 0; dr <= 1; ++dr)
      for (int dc = 0; dc <= 1; ++dc) {
        const int64_t rr = r0 + dr, cc = c0 + dc;
        if (rr >= 0 && rr < side && cc >= 0 && cc < side)
          a[rr][cc] += (dr ? fr : 1 - fr) * (dc ? fc : 1 - fc);
      }
  }
  return k / k.sum();
}

Convolution::Convolution(int64_t height, int64_t width, torch::Tensor kernel, std::string spec,
                         bool normalise)
    : height_(height), width_(width), spec_(std::move(spec)) {
  require(kernel.dim() == 2 && kernel.size(0) % 2 == 1 && kernel.size(1) % 2 == 1,
          "blur kernel must be 2D with odd sides, got ", kernel.sizes());
  require(torch::isfinite(kernel).all().item<bool>() && kernel.abs().sum().item<double>() > 0,
          "blur kernel must be finite and non-zero");
  padding_ = kernel.size(0) / 2;
  require(kernel.size(0) == kernel.size(1), "blur kernel must be square, got ", kernel.sizes());
  auto weight =
      kernel.to(torch::kFloat64).flip({0, 1}).contiguous().view({1, 1, kernel.size(0), kernel.size(1)});
  weight_ = DeviceCache(weight);
  if (normalise) {
    const double n = power_iteration_norm(*this);
    weight_ = DeviceCache(weight / n);
  }
}

torch::Tensor Convolution::apply(const torch::Tensor& x) const {
  check_argument(x, false, "apply");
  return torch::conv2d(x, weight_.get(x), {}, 1, padding_);
}

torch::Tensor Convolution::adjoint(const torch::Tensor& y) const {
  check_argument(y, true, "adjoint");
  return torch::conv_transpose2d(y, weight_.get(y), {}, 1, padding_);
}

}  // namespace genreg
