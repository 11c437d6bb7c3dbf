#include "genreg/operators/ray_transform.h"

#include <gtest/gtest.h>

#include <cmath>

#include "genreg/operators/make_operator.h"

using namespace genreg;

TEST(ParallelBeamGeometry, OdlDefaultsFromTheProtocol) {
  const auto g56 = ParallelBeamGeometry::make(56, 56);
  EXPECT_EQ(g56.angles, 125);
  EXPECT_EQ(g56.detectors, 81);
  EXPECT_NEAR(g56.detector_max, 28 * std::sqrt(2.0), 1e-12);
  const auto g28 = ParallelBeamGeometry::make(28, 28);
  EXPECT_EQ(g28.angles, 63);
  EXPECT_EQ(g28.detectors, 41);
  // Angles at midpoints of a uniform partition of [0, pi).
  const auto a = g28.angle_values();
  EXPECT_NEAR(a.front(), M_PI / 63 / 2, 1e-12);
  EXPECT_NEAR(a.back(), M_PI - M_PI / 63 / 2, 1e-12);
  const auto op = make_operator("tomo", 56, 56);
  EXPECT_EQ(op->range_shape(), (std::vector<int64_t>{1, 125, 81}));
}

TEST(RayTransform, ProjectsADiscLikeTheAnalyticFormula) {
  // A disc of radius r at the centre has line integrals 2 sqrt(r^2 - s^2) at every angle. The disc
  // is rasterised with area-weighted pixels (16x16 subsamples each), so that the pixel model's own
  // error stays well below the 1% tolerance away from the edge.
  const int64_t n = 128;
  const double r = 40.0;
  auto image = torch::zeros({1, 1, n, n}, torch::kFloat64);
  auto a = image.accessor<double, 4>();
  const int sub = 16;
  for (int64_t row = 0; row < n; ++row)
    for (int64_t col = 0; col < n; ++col) {
      int inside = 0;
      for (int i = 0; i < sub; ++i)
        for (int j = 0; j < sub; ++j) {
          const double x = -n / 2.0 + col + (j + 0.5) / sub, y = n / 2.0 - row - (i + 0.5) / sub;
          inside += x * x + y * y <= r * r;
        }
      a[0][0][row][col] = inside / double(sub * sub);
    }
  const auto geometry = ParallelBeamGeometry::make(n, n, 16);
  const RayTransform raw(geometry, /*normalise=*/false);
  const auto sinogram = raw.apply(image)[0][0];
  const auto s = geometry.detector_positions();
  int checked = 0;
  for (int64_t i = 0; i < geometry.angles; ++i)
    for (int64_t k = 0; k < geometry.detectors; ++k) {
      if (std::abs(s[k]) > 0.8 * r) continue;  // away from the edge
      const double exact = 2.0 * std::sqrt(r * r - s[k] * s[k]);
      EXPECT_NEAR(sinogram[i][k].item<double>(), exact, 0.01 * exact) << "angle " << i << " s " << s[k];
      ++checked;
    }
  EXPECT_GT(checked, 16 * 50);
  // Rays that miss the image integrate to zero.
  const RayTransform far(ParallelBeamGeometry{n, n, 4, 0.0, M_PI, 3, 100.0, 130.0}, false);
  EXPECT_EQ(far.apply(image).abs().max().item<double>(), 0.0);
}

TEST(RayTransform, AConstantImageProjectsToChordLengths) {
  // At angle 0 the rays are vertical lines x = s: through a W x H image of ones they integrate to H.
  const auto g = ParallelBeamGeometry{8, 6, 1, 0.0, 1e-9, 4, -2.0, 2.0};
  const RayTransform raw(g, false);
  const auto y = raw.apply(torch::ones({1, 1, 8, 6}, torch::kFloat64));
  EXPECT_TRUE(torch::allclose(y, torch::full({1, 1, 1, 4}, 8.0, torch::kFloat64), 1e-9, 1e-9)) << y;
}

TEST(RayTransform, CudaMatchesCpuWhenAvailable) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const auto op = make_operator("tomo", 28, 28);
  auto x = torch::rand({4, 1, 28, 28});
  EXPECT_TRUE(torch::allclose(op->apply(x.cuda()).cpu(), op->apply(x), 1e-4, 1e-5));
}
