#include "genreg/operators/cartesian_fourier.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <sstream>

#include "genreg/core/error.h"

namespace genreg {

CartesianFourier::CartesianFourier(int64_t height, int64_t width, double acceleration, uint64_t seed,
                                   double center_fraction)
    : height_(height),
      width_(width),
      acceleration_(acceleration),
      center_fraction_(center_fraction),
      seed_(seed) {
  require(acceleration >= 1.0, "mri: acceleration must be at least 1, got ", acceleration);
  require(center_fraction >= 0.0 && center_fraction <= 1.0, "mri: centre fraction must be in [0, 1]");
  const int64_t lines = std::max<int64_t>(1, std::llround(height / acceleration));
  const int64_t center = std::min(lines, std::max<int64_t>(1, std::llround(center_fraction * height)));
  // Frequencies in centred order: row index i of the fftshifted k-space is frequency i - H/2;
  // the unshifted row is (i - H/2) mod H.
  std::vector<bool> keep(height, false);
  const int64_t first_center = height / 2 - center / 2;
  for (int64_t i = first_center; i < first_center + center; ++i)
    keep[(i - height / 2 + height) % height] = true;
  std::vector<int64_t> others;
  for (int64_t r = 0; r < height; ++r)
    if (!keep[r]) others.push_back(r);
  auto generator = at::detail::createCPUGenerator(seed);
  auto order = at::randperm(static_cast<int64_t>(others.size()), generator, torch::kLong);
  for (int64_t k = 0; k < lines - center; ++k) keep[others[order[k].item<int64_t>()]] = true;
  std::vector<int64_t> rows;
  for (int64_t r = 0; r < height; ++r)
    if (keep[r]) rows.push_back(r);
  rows_ = DeviceCache(torch::tensor(rows, torch::kLong));
}

std::string CartesianFourier::spec() const {
  std::ostringstream s;
  s << "mri:" << acceleration_ << ",seed=" << seed_ << ",center=" << center_fraction_;
  return s.str();
}

std::optional<GramDiagonal> CartesianFourier::gram_diagonal() const {
  auto p = torch::zeros({height_}, torch::kFloat64);
  p.index_fill_(0, rows_.master(), 1.0);
  // Row r's reflection is row (H - r) mod H.
  const auto reflected = torch::roll(p.flip({0}), 1, 0);
  const auto d = ((p + reflected) / 2.0).view({1, height_, 1}).expand({1, height_, width_}).contiguous();
  return GramDiagonal{GramDiagonal::Basis::fourier, d};
}

torch::Tensor CartesianFourier::apply(const torch::Tensor& x) const {
  check_argument(x, false, "apply");
  auto k = torch::fft::fft2(x.squeeze(1), c10::nullopt, {-2, -1}, "ortho");  // (B, H, W) complex
  auto kept = k.index_select(1, rows_.get(x, true));                         // (B, L, W)
  return torch::view_as_real(kept).permute({0, 3, 1, 2}).contiguous();       // (B, 2, L, W)
}

torch::Tensor CartesianFourier::adjoint(const torch::Tensor& y) const {
  check_argument(y, true, "adjoint");
  auto kept = torch::view_as_complex(y.permute({0, 2, 3, 1}).contiguous());  // (B, L, W)
  auto full = torch::zeros({y.size(0), height_, width_}, kept.options());
  full.index_copy_(1, rows_.get(y, true), kept);
  return torch::real(torch::fft::ifft2(full, c10::nullopt, {-2, -1}, "ortho")).unsqueeze(1).contiguous();
}

}  // namespace genreg
