#include "genreg/data/image_grid.h"

#include <cmath>

#include "genreg/core/error.h"

namespace genreg {

ImageGrid ImageGrid::with_field_of_view(int64_t height, int64_t width, double field_of_view) {
  require(height > 0 && width > 0, "ct: image size must be positive");
  require(field_of_view > 0.0, "ct: field of view must be positive");
  return ImageGrid{height, width, field_of_view / static_cast<double>(width)};
}

double ImageGrid::radius() const {
  return 0.5 * pixel_size * std::sqrt(static_cast<double>(height * height + width * width));
}

torch::Tensor ImageGrid::column_x() const {
  return (torch::arange(width, torch::kFloat64) - 0.5 * (width - 1)) * pixel_size;
}

torch::Tensor ImageGrid::row_y() const {
  return (0.5 * (height - 1) - torch::arange(height, torch::kFloat64)) * pixel_size;
}

}  // namespace genreg
