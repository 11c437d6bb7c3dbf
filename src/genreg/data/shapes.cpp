#include "genreg/data/shapes.h"

#include <ATen/Parallel.h>

#include <cmath>

#include "genreg/core/error.h"
#include "genreg/data/seeded_random.h"

namespace genreg {
namespace {

void draw(const ShapeParameters& p, bool plus, int64_t size, float* image) {
  // Rectangle first, then the circle over it (PROTOCOL.md): both intensity 0.5.
  for (int64_t row = p.rect_row; row < std::min(size, p.rect_row + p.rect_h); ++row)
    for (int64_t col = p.rect_col; col < std::min(size, p.rect_col + p.rect_w); ++col)
      image[row * size + col] = 0.5f;
  auto disc = [&](int64_t cc, int64_t cr, int64_t r, float value) {
    for (int64_t row = std::max<int64_t>(0, cr - r); row <= std::min(size - 1, cr + r); ++row)
      for (int64_t col = std::max<int64_t>(0, cc - r); col <= std::min(size - 1, cc + r); ++col)
        if ((col - cc) * (col - cc) + (row - cr) * (row - cr) <= r * r) image[row * size + col] = value;
  };
  disc(p.circle_col, p.circle_row, p.radius, 0.5f);
  if (plus) disc(p.spot_col, p.spot_row, 2, 1.0f);
}

}  // namespace

ShapeParameters shape_parameters(uint64_t seed, int64_t index, bool plus) {
  auto rng = SplitMix64::for_image(seed, index);
  ShapeParameters p{};
  p.circle_col = rng.integer(28, 41);
  p.circle_row = rng.integer(28, 41);
  p.radius = rng.integer(6, 13);
  p.rect_col = rng.integer(0, 13);
  p.rect_row = rng.integer(0, 13);
  p.rect_w = rng.integer(6, 13);
  p.rect_h = rng.integer(6, 13);
  // The spot's draws come after the shapes' draws, so shapes-plus image i extends shapes image i.
  const double u_col = rng.uniform() - 0.5;
  const double u_row = rng.uniform() - 0.5;
  p.spot_col = plus ? static_cast<int64_t>(std::lround(p.circle_col + u_col * p.radius)) : -1;
  p.spot_row = plus ? static_cast<int64_t>(std::lround(p.circle_row + u_row * p.radius)) : -1;
  return p;
}

torch::Tensor generate_shapes(const ShapesOptions& options, uint64_t seed, int64_t first, int64_t count) {
  const int64_t size = options.size();
  require(size >= 56, "shapes: image size must be at least 56 (the protocol's geometry), got ", size);
  auto images = torch::zeros({count, 1, size, size}, torch::kFloat32);
  float* data = images.data_ptr<float>();
  at::parallel_for(0, count, 256, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      draw(shape_parameters(seed, first + k, options.plus()), options.plus(), size, data + k * size * size);
    }
  });
  return images;
}

Dataset load_shapes(const ShapesOptions& options, const std::string& split, const IndexRange& range) {
  const bool test = split == "test";
  const int64_t split_size = test ? 10000 : 60000;
  const uint64_t seed = test ? 1 : 0;
  const IndexRange r = range.resolve(split_size);
  Dataset data;
  data.split_size = split_size;
  data.images = generate_shapes(options, seed, r.start, r.size());
  data.labels = torch::full({r.size()}, -1, torch::kInt64);
  data.indices = torch::arange(r.start, r.stop, torch::kInt64);
  data.targets = torch::empty({r.size(), 7}, torch::kFloat32);
  auto t = data.targets.accessor<float, 2>();
  for (int64_t k = 0; k < r.size(); ++k) {
    const auto p = shape_parameters(seed, r.start + k, options.plus());
    const int64_t values[] = {p.circle_col, p.circle_row, p.radius, p.rect_col,
                              p.rect_row,   p.rect_w,     p.rect_h};
    for (int64_t j = 0; j < 7; ++j) t[k][j] = static_cast<float>(values[j]);
  }
  return data;
}

}  // namespace genreg
