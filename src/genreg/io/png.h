#pragma once
// PNG images <-> float tensors in [0, 1].
#include <torch/torch.h>

#include <string>

namespace genreg {

// Reads a PNG as one grey channel: returns (1, H, W) float32 in [0, 1]. Colour images are
// converted to grey (ITU-R BT.601 luma, as stb does), alpha is dropped, and 16-bit images keep
// their 16 bits of precision (CT slices are often stored that way).
torch::Tensor read_png(const std::string& path);

// Writes (H, W) or (1, H, W) as 8-bit grey, (3, H, W) as 8-bit RGB. Values are clamped to [0, 1]
// and rounded to the nearest of 256 levels. Creates missing parent folders; throws genreg::Error
// when the file cannot be written.
void write_png(const std::string& path, const torch::Tensor& image);

}  // namespace genreg
