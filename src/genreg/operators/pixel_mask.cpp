#include "genreg/operators/pixel_mask.h"

#include <ATen/CPUGeneratorImpl.h>

#include <sstream>

#include "genreg/core/error.h"

namespace genreg {

PixelMask::PixelMask(int64_t height, int64_t width, double keep_probability, uint64_t seed)
    : height_(height), width_(width), probability_(keep_probability), seed_(seed) {
  require(keep_probability > 0.0 && keep_probability <= 1.0,
          "inpaint: keep probability must be in (0, 1], got ", keep_probability);
  auto generator = at::detail::createCPUGenerator(seed);
  auto draws = at::rand({height * width}, generator, torch::kFloat64);
  auto kept = torch::nonzero(draws < keep_probability).flatten();
  require(kept.numel() > 0, "inpaint: the mask keeps no pixel (P = ", keep_probability, ")");
  kept_ = DeviceCache(kept);
}

std::string PixelMask::spec() const {
  std::ostringstream s;
  s << "inpaint:" << probability_ << ",seed=" << seed_;
  return s.str();
}

torch::Tensor PixelMask::mask() const {
  auto m = torch::zeros({height_ * width_}, torch::kFloat64);
  m.index_fill_(0, kept_.master(), 1.0);
  return m.view({1, height_, width_});
}

torch::Tensor PixelMask::apply(const torch::Tensor& x) const {
  check_argument(x, false, "apply");
  return x.flatten(1).index_select(1, kept_.get(x, true));
}

torch::Tensor PixelMask::adjoint(const torch::Tensor& y) const {
  check_argument(y, true, "adjoint");
  auto out = torch::zeros({y.size(0), height_ * width_}, y.options());
  out.index_copy_(1, kept_.get(y, true), y);
  return out.view(batched_shape(y.size(0), domain_shape()));
}

}  // namespace genreg
