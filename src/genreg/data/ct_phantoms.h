#pragma once
// Generated CT training sets (PROTOCOL.md, "Medical imaging"), any size, in mu / mu_max
// (attenuation.h) over the 26 cm field of view. Each image is drawn from its own random stream
// (seed, index) (seeded_random.h), so a split of any length is generated on the fly, never stored:
// train from seed 0, test from seed 1, like `shapes`.
//
// `ellipses`: the usual pre-training set of learned CT (Adler & Oktem 2018's random ellipses), in
// coordinates [-1, 1]^2 across the image: N ~ Poisson(100) ellipses with semi-axes ~ Exp(mean 0.2)
// each, centres ~ U(-1, 1)^2, angles ~ U(0, 2 pi) and intensities (U(0, 1) - 0.5) Exp(mean 0.4),
// summed and clipped to [0, 1].
//
// `ct-phantom`: anatomically plausible slices (README states the distributions): a thorax (0.4),
// abdomen (0.4) or head (0.2); body outline with a fat layer, soft tissue with low-amplitude texture,
// organs, bone (spine and ribs, or the skull) at 1000-1500 HU, air (lungs or bowel gas), and 0-3
// low-contrast lesions 10-50 HU above their surroundings. Rendered with 2x2 samples per pixel.
#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "genreg/data/dataset.h"

namespace genreg {

enum class PhantomKind { ellipses, ct_phantom };

// Images [first, first + count) of the set drawn from `seed`: (count, 1, height, width) float32.
torch::Tensor generate_phantoms(PhantomKind kind, int64_t height, int64_t width, uint64_t seed, int64_t first,
                                int64_t count);

// The phantom of image `index` in Hounsfield units (ct-phantom only): (height, width) float64,
// before conversion and clipping; for tests and for reports in HU.
torch::Tensor ct_phantom_hu(int64_t height, int64_t width, uint64_t seed, int64_t index);

// The body mask (ct-phantom: inside the body outline), (count, 1, H, W) bool: where PROTOCOL.md's
// HU error is measured.
torch::Tensor ct_phantom_body(int64_t height, int64_t width, uint64_t seed, int64_t first, int64_t count);

// PROTOCOL.md split: train = 60,000 images from seed 0, test = 10,000 from seed 1. `size` {H, W}
// ({} : 64 x 64, the course notes' size).
Dataset load_phantoms(PhantomKind kind, const std::vector<int64_t>& size, const std::string& split,
                      const IndexRange& range);

}  // namespace genreg
