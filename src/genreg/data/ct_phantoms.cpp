#include "genreg/data/ct_phantoms.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <vector>

#include "genreg/core/error.h"
#include "genreg/data/attenuation.h"
#include "genreg/data/image_grid.h"
#include "genreg/data/seeded_random.h"

namespace genreg {
namespace {

struct Ellipse {
  double cx = 0.0, cy = 0.0, a = 0.0, b = 0.0, angle = 0.0;
  bool contains(double x, double y) const {
    const double c = std::cos(angle), s = std::sin(angle);
    const double u = (x - cx) * c + (y - cy) * s, v = -(x - cx) * s + (y - cy) * c;
    return (u * u) / (a * a) + (v * v) / (b * b) <= 1.0;
  }
};

// ---- ellipses (Adler & Oktem 2018) ----

struct WeightedEllipse {
  Ellipse shape;
  double value = 0.0;
};

std::vector<WeightedEllipse> random_ellipses(SplitMix64& rng) {
  std::vector<WeightedEllipse> out(static_cast<size_t>(rng.poisson(100.0)));
  for (auto& e : out) {
    e.value = (rng.uniform() - 0.5) * rng.exponential(0.4);
    e.shape.a = rng.exponential(0.2);
    e.shape.b = rng.exponential(0.2);
    e.shape.cx = rng.uniform(-1.0, 1.0);
    e.shape.cy = rng.uniform(-1.0, 1.0);
    e.shape.angle = rng.uniform(0.0, 2.0 * M_PI);
  }
  return out;
}

void draw_ellipses(SplitMix64 rng, int64_t height, int64_t width, float* image) {
  const auto ellipses = random_ellipses(rng);
  std::vector<double> sum(height * width, 0.0);
  // Coordinates [-1, 1] across the width, square pixels.
  const double step = 2.0 / width;
  for (const auto& e : ellipses) {
    if (e.shape.a <= 0.0 || e.shape.b <= 0.0) continue;
    const double r = std::max(e.shape.a, e.shape.b);
    const int64_t c0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor((e.shape.cx - r + 1.0) / step)));
    const int64_t c1 =
        std::min<int64_t>(width - 1, static_cast<int64_t>(std::ceil((e.shape.cx + r + 1.0) / step)));
    const double top = step * height / 2.0;  // y of the image's top edge
    const int64_t r0 = std::max<int64_t>(0, static_cast<int64_t>(std::floor((top - e.shape.cy - r) / step)));
    const int64_t r1 =
        std::min<int64_t>(height - 1, static_cast<int64_t>(std::ceil((top - e.shape.cy + r) / step)));
    for (int64_t row = r0; row <= r1; ++row)
      for (int64_t col = c0; col <= c1; ++col) {
        const double x = -1.0 + (col + 0.5) * step, y = top - (row + 0.5) * step;
        if (e.shape.contains(x, y)) sum[row * width + col] += e.value;
      }
  }
  for (int64_t i = 0; i < height * width; ++i) image[i] = static_cast<float>(std::clamp(sum[i], 0.0, 1.0));
}

// ---- ct-phantom ----

// One layer of the slice, painted in order: `set` replaces the HU inside the ellipse (plus the
// texture where `textured`), `add` adds to soft tissue only (a lesion).
struct Layer {
  Ellipse shape;
  double hu = 0.0;
  bool textured = false, add = false;
};

struct Wave {
  double kx, ky, phase, amplitude;
};

struct Slice {
  std::vector<Layer> layers;
  std::vector<Wave> texture;
  Ellipse body;

  double hu(double x, double y) const {
    double value = -1000.0;  // air
    for (const auto& l : layers) {
      if (!l.shape.contains(x, y)) continue;
      if (l.add) {
        if (value > -200.0 && value < 200.0) value += l.hu;
        continue;
      }
      value = l.hu;
      if (l.textured)
        for (const auto& w : texture) value += w.amplitude * std::cos(w.kx * x + w.ky * y + w.phase);
    }
    return value;
  }
};

Ellipse ellipse(double cx, double cy, double a, double b, double angle = 0.0) {
  return Ellipse{cx, cy, a, b, angle};
}

void add_spine(SplitMix64& rng, Slice& s, double inner_b, double cy) {
  const double r = rng.uniform(0.014, 0.019), y = cy - inner_b + rng.uniform(0.028, 0.038);
  s.layers.push_back({ellipse(0.0, y, r, 0.9 * r), rng.uniform(1000.0, 1500.0)});        // cortex
  s.layers.push_back({ellipse(0.0, y, 0.75 * r, 0.65 * r), rng.uniform(200.0, 400.0)});  // cancellous
  s.layers.push_back({ellipse(0.0, y - 1.6 * r, 0.3 * r, 0.6 * r), rng.uniform(1000.0, 1500.0)});  // process
}

Slice random_slice(SplitMix64& rng) {
  Slice s;
  for (int k = 0; k < 6; ++k) {
    const double wavelength = rng.uniform(0.01, 0.04), direction = rng.uniform(0.0, 2.0 * M_PI);
    s.texture.push_back({2.0 * M_PI / wavelength * std::cos(direction),
                         2.0 * M_PI / wavelength * std::sin(direction), rng.uniform(0.0, 2.0 * M_PI),
                         rng.uniform(2.0, 5.0)});
  }
  const double kind = rng.uniform();
  const double cx = rng.uniform(-0.01, 0.01), cy = rng.uniform(-0.01, 0.01), tilt = rng.uniform(-0.1, 0.1);
  if (kind < 0.2) {  // head: scalp, skull, brain, ventricles
    const double a = rng.uniform(0.075, 0.09), b = rng.uniform(0.09, 0.11), skull = rng.uniform(0.005, 0.008);
    s.body = ellipse(cx, cy, a + 0.004, b + 0.004, tilt);
    s.layers.push_back({s.body, rng.uniform(10.0, 30.0)});
    s.layers.push_back({ellipse(cx, cy, a, b, tilt), rng.uniform(1000.0, 1500.0)});
    s.layers.push_back({ellipse(cx, cy, a - skull, b - skull, tilt), rng.uniform(30.0, 40.0), true});
    const double vy = cy + rng.uniform(-0.01, 0.01);
    for (double side : {-1.0, 1.0})
      s.layers.push_back({ellipse(cx + side * rng.uniform(0.006, 0.012), vy, rng.uniform(0.004, 0.007),
                                  rng.uniform(0.012, 0.02), side * 0.2),
                          rng.uniform(0.0, 10.0)});
  } else {
    const bool thorax = kind < 0.6;
    const double a = rng.uniform(0.095, 0.122), b = rng.uniform(0.07, 0.095), fat = rng.uniform(0.006, 0.02);
    s.body = ellipse(cx, cy, a, b, tilt);
    s.layers.push_back({s.body, rng.uniform(-110.0, -90.0)});
    const double ia = a - fat, ib = b - fat;
    s.layers.push_back({ellipse(cx, cy, ia, ib, tilt), rng.uniform(35.0, 45.0), true});
    if (thorax) {
      for (double side : {-1.0, 1.0})
        s.layers.push_back({ellipse(cx + side * rng.uniform(0.04, 0.055) * ia / 0.1,
                                    cy + rng.uniform(-0.005, 0.015), rng.uniform(0.03, 0.045) * ia / 0.1,
                                    rng.uniform(0.045, 0.065) * ib / 0.08, side * rng.uniform(0.0, 0.3)),
                            rng.uniform(-870.0, -780.0)});
      s.layers.push_back({ellipse(cx + rng.uniform(-0.01, 0.02), cy + rng.uniform(0.0, 0.02),
                                  rng.uniform(0.03, 0.04), rng.uniform(0.025, 0.035), rng.uniform(-0.5, 0.5)),
                          rng.uniform(40.0, 50.0), true});
      const int64_t ribs = rng.integer(6, 10);
      for (int64_t k = 0; k < ribs; ++k) {
        const double t = rng.uniform(-M_PI, 0.2 * M_PI) + (k % 2 == 0 ? 0.0 : M_PI);  // sides and back
        const double r = rng.uniform(0.004, 0.006);
        s.layers.push_back(
            {ellipse(cx + (ia - 0.008) * std::cos(t), cy + (ib - 0.008) * std::sin(t), r, 0.7 * r, t),
             rng.uniform(1000.0, 1500.0)});
      }
    } else {
      s.layers.push_back({ellipse(cx - rng.uniform(0.03, 0.05), cy + rng.uniform(0.0, 0.02),
                                  rng.uniform(0.045, 0.06), rng.uniform(0.035, 0.05), rng.uniform(-0.4, 0.4)),
                          rng.uniform(55.0, 65.0), true});  // liver
      s.layers.push_back(
          {ellipse(cx + rng.uniform(0.045, 0.06), cy + rng.uniform(0.0, 0.02), rng.uniform(0.015, 0.025),
                   rng.uniform(0.025, 0.035), rng.uniform(-0.4, 0.4)),
           rng.uniform(45.0, 50.0), true});  // spleen
      for (double side : {-1.0, 1.0})
        s.layers.push_back({ellipse(cx + side * rng.uniform(0.035, 0.045), cy - ib + rng.uniform(0.04, 0.05),
                                    rng.uniform(0.012, 0.017), rng.uniform(0.02, 0.028), side * 0.4),
                            rng.uniform(30.0, 35.0), true});  // kidneys
      s.layers.push_back(
          {ellipse(cx + rng.uniform(-0.01, 0.01), cy - ib + rng.uniform(0.055, 0.065), 0.009, 0.009),
           rng.uniform(40.0, 50.0)});  // aorta
      const int64_t gas = rng.integer(0, 5);
      for (int64_t k = 0; k < gas; ++k) {
        const double r = rng.uniform(0.004, 0.012);
        s.layers.push_back({ellipse(cx + rng.uniform(-0.05, 0.05), cy + rng.uniform(0.0, 0.5 * ib), r,
                                    r * rng.uniform(0.6, 1.0), rng.uniform(0.0, M_PI)),
                            rng.uniform(-1000.0, -900.0)});
      }
    }
    add_spine(rng, s, ib, cy);
  }
  // Lesions: 0-3, 0.5-2.5 cm across, 10-50 HU above soft tissue, centred where the slice is soft.
  const int64_t lesions = rng.integer(0, 3);
  for (int64_t k = 0; k < lesions; ++k) {
    const double r = rng.uniform(0.0025, 0.0125), contrast = rng.uniform(10.0, 50.0);
    for (int attempt = 0; attempt < 50; ++attempt) {
      const double x = s.body.cx + rng.uniform(-0.8, 0.8) * s.body.a,
                   y = s.body.cy + rng.uniform(-0.8, 0.8) * s.body.b;
      const double here = s.hu(x, y);
      if (here > -50.0 && here < 150.0) {
        s.layers.push_back(
            {ellipse(x, y, r, r * rng.uniform(0.7, 1.0), rng.uniform(0.0, M_PI)), contrast, false, true});
        break;
      }
    }
  }
  return s;
}

// 2x2 samples per pixel over the 26 cm field of view, each converted to mu / mu_max and clipped,
// then averaged.
template <typename Value>
void render(int64_t height, int64_t width, Value&& value, float* image) {
  const auto grid = ImageGrid::with_field_of_view(height, width);
  const double ps = grid.pixel_size;
  for (int64_t row = 0; row < height; ++row)
    for (int64_t col = 0; col < width; ++col) {
      double sum = 0.0;
      for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) {
          const double x = (col - 0.5 * width + 0.25 + 0.5 * j) * ps,
                       y = (0.5 * height - row - 0.25 - 0.5 * i) * ps;
          sum += value(x, y);
        }
      image[row * width + col] = static_cast<float>(0.25 * sum);
    }
}

}  // namespace

torch::Tensor generate_phantoms(PhantomKind kind, int64_t height, int64_t width, uint64_t seed, int64_t first,
                                int64_t count) {
  require(height >= 8 && width >= 8 && height <= 4096 && width <= 4096,
          "phantom size must be in 8..4096, got ", height, "x", width);
  auto images = torch::zeros({count, 1, height, width}, torch::kFloat32);
  float* data = images.data_ptr<float>();
  at::parallel_for(0, count, 1, [&](int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) {
      auto rng = SplitMix64::for_image(seed, first + k);
      float* image = data + k * height * width;
      if (kind == PhantomKind::ellipses) {
        draw_ellipses(rng, height, width, image);
      } else {
        const auto slice = random_slice(rng);
        render(
            height, width,
            [&](double x, double y) { return std::clamp(hu_to_unit(slice.hu(x, y)), 0.0, 1.0); }, image);
      }
    }
  });
  return images;
}

torch::Tensor ct_phantom_hu(int64_t height, int64_t width, uint64_t seed, int64_t index) {
  auto rng = SplitMix64::for_image(seed, index);
  const auto slice = random_slice(rng);
  const auto grid = ImageGrid::with_field_of_view(height, width);
  auto out = torch::empty({height, width}, torch::kFloat64);
  auto a = out.accessor<double, 2>();
  for (int64_t row = 0; row < height; ++row)
    for (int64_t col = 0; col < width; ++col)
      a[row][col] =
          slice.hu((col - 0.5 * (width - 1)) * grid.pixel_size, (0.5 * (height - 1) - row) * grid.pixel_size);
  return out;
}

torch::Tensor ct_phantom_body(int64_t height, int64_t width, uint64_t seed, int64_t first, int64_t count) {
  const auto grid = ImageGrid::with_field_of_view(height, width);
  auto out = torch::zeros({count, 1, height, width}, torch::kBool);
  auto a = out.accessor<bool, 4>();
  for (int64_t k = 0; k < count; ++k) {
    auto rng = SplitMix64::for_image(seed, first + k);
    const auto slice = random_slice(rng);
    for (int64_t row = 0; row < height; ++row)
      for (int64_t col = 0; col < width; ++col)
        a[k][0][row][col] = slice.body.contains((col - 0.5 * (width - 1)) * grid.pixel_size,
                                                (0.5 * (height - 1) - row) * grid.pixel_size);
  }
  return out;
}

Dataset load_phantoms(PhantomKind kind, const std::vector<int64_t>& size, const std::string& split,
                      const IndexRange& range) {
  const bool test = split == "test";
  const int64_t split_size = test ? 10000 : 60000;
  const uint64_t seed = test ? 1 : 0;
  const int64_t height = size.empty() ? 64 : size[0], width = size.empty() ? 64 : size.back();
  const IndexRange r = range.resolve(split_size);
  Dataset data;
  data.split_size = split_size;
  data.images = generate_phantoms(kind, height, width, seed, r.start, r.size());
  data.labels = torch::full({r.size()}, -1, torch::kInt64);
  data.indices = torch::arange(r.start, r.stop, torch::kInt64);
  return data;
}

}  // namespace genreg
