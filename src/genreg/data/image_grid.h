#pragma once
// The physical grid of a CT image (PROTOCOL.md, "Medical imaging"): centred at the origin, square
// pixels, the field of view 26 cm across the image's width whatever its size in pixels; x runs to
// the right along columns, y upwards, row 0 at the top. Shared by the phantoms (data/) and the CT
// geometries (operators/ct_geometry.h).
#include <torch/torch.h>

#include <cstdint>

namespace genreg {

constexpr double kFieldOfView = 0.26;  // metres across the image width

struct ImageGrid {
  int64_t height = 0, width = 0;
  double pixel_size = 0.0;  // metres
  static ImageGrid with_field_of_view(int64_t height, int64_t width, double field_of_view = kFieldOfView);
  // Radius of the circle through the image's corners (metres): every ray through the image meets it.
  double radius() const;
  // Pixel-centre coordinates (metres): x of each column, y of each row, float64 on the CPU.
  torch::Tensor column_x() const;
  torch::Tensor row_y() const;
};

}  // namespace genreg
