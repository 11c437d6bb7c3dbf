#pragma once
// Colour maps that turn one-channel values into RGB for figures.
#include <torch/torch.h>

#include <string>

namespace genreg {

enum class Colormap {
  grey,       // v in [lo, hi] -> grey level
  diverging,  // signed values (errors, deviations): blue < 0 < red, white at 0, symmetric limits
  heat,       // non-negative values (absolute errors): black -> red -> yellow -> white
};

Colormap parse_colormap(const std::string& name);

// Maps (N, 1, H, W) values to (N, 3, H, W) RGB in [0, 1]. For `grey` and `heat` the limits are
// [lo, hi]; for `diverging`, [-hi, hi] with white at 0 (lo ignored). hi <= 0 means: use the
// data's own largest magnitude.
torch::Tensor apply_colormap(const torch::Tensor& values, Colormap map, double lo = 0.0, double hi = 1.0);

}  // namespace genreg
