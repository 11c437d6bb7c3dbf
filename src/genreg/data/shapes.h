#pragma once
// The paper's synthetic shapes (section 4.3, PROTOCOL.md): 56x56, black background, a filled
// axis-aligned rectangle then a filled circle, both of intensity 0.5. `shapes-plus` adds a bright
// spot (radius 2, intensity 1.0) near the circle centre: a feature the generator never saw.
#include <cstdint>

#include "genreg/data/dataset.h"

namespace genreg {

struct ShapesOptions {
  TORCH_ARG(bool, plus) = false;
  TORCH_ARG(int64_t, size) = 56;
};

// The random parameters of one image; pixel coordinates are 0-based (col, row).
struct ShapeParameters {
  int64_t circle_col, circle_row, radius;      // centre in [28, 41], radius in [6, 13]
  int64_t rect_col, rect_row, rect_w, rect_h;  // top-left in [0, 13], sides in [6, 13]
  int64_t spot_col, spot_row;                  // shapes-plus only
};

// Parameters of image `index` for `seed`. Each image has its own random stream derived from
// (seed, index), so any index range generates without generating the images before it, and
// shapes-plus image i is shapes image i plus its spot.
ShapeParameters shape_parameters(uint64_t seed, int64_t index, bool plus);

// Draws images [first, first + count) of the set with this seed into a (count, 1, S, S) tensor.
torch::Tensor generate_shapes(const ShapesOptions& options, uint64_t seed, int64_t first, int64_t count);

// PROTOCOL.md split: train = 60,000 images from seed 0, test = 10,000 images from seed 1.
Dataset load_shapes(const ShapesOptions& options, const std::string& split, const IndexRange& range);

}  // namespace genreg
