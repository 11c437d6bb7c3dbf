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

namespace {

// One 2D filter applied to every image: the batch becomes the channels of one depthwise convolution.
// LibTorch runs that 3-4x faster than a one-channel conv2d over the batch and 27-47x faster than
// conv_transpose2d (measured: 80 images of 28 x 28, 5 x 5 kernel, 2 threads; LibTorch 1.13:
// 0.12 / 0.44 / 3.3 ms, 2.15: 0.15 / 0.57 / 7.1 ms).
torch::Tensor filter_each_image(const torch::Tensor& x, const torch::Tensor& weight, int64_t padding) {
  const int64_t n = x.size(0) * x.size(1);
  const auto out = torch::conv2d(x.reshape({1, n, x.size(2), x.size(3)}),
                                 weight.expand({n, 1, weight.size(2), weight.size(3)}), {}, 1, padding, 1, n);
  return out.view(x.sizes());
}

}  // namespace

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
  adjoint_weight_ = DeviceCache(weight.flip({2, 3}).contiguous());
  if (normalise) {
    const double n = power_iteration_norm(*this);
    weight_ = DeviceCache(weight / n);
    adjoint_weight_ = DeviceCache(weight.flip({2, 3}).contiguous() / n);
  }
}

torch::Tensor Convolution::apply(const torch::Tensor& x) const {
  check_argument(x, false, "apply");
  return filter_each_image(x, weight_.get(x), padding_);
}

torch::Tensor Convolution::adjoint(const torch::Tensor& y) const {
  check_argument(y, true, "adjoint");
  return filter_each_image(y, adjoint_weight_.get(y), padding_);
}

}  // namespace genreg
