#include "genreg/operators/measurements.h"

#include <gtest/gtest.h>

#include "genreg/core/error.h"
#include "genreg/io/tensor_file.h"
#include "test_support.h"

using namespace genreg;
using genreg::testing::TempDir;

namespace {
Dataset shapes(const char* range) {
  return load_dataset("shapes", DatasetOptions().split("test").range(IndexRange::parse(range)));
}
}  // namespace

TEST(Measurements, SimulationIsSeededAndHasTheRequestedNoiseLevel) {
  const auto data = shapes("0:50");
  const auto a = simulate_measurements(data, "tomo", NoiseModel::parse("0.1"), 0);
  const auto b = simulate_measurements(data, "tomo", NoiseModel::parse("0.1"), 0);
  const auto c = simulate_measurements(data, "tomo", NoiseModel::parse("0.1"), 1);
  EXPECT_TRUE(torch::equal(a.y, b.y));
  EXPECT_FALSE(torch::equal(a.y, c.y));
  const auto noise = a.y - a.make_op()->apply(data.images);
  // 50 x 125 x 81 samples: the empirical standard deviation is within 1% of sigma.
  EXPECT_NEAR(noise.std().item<double>(), 0.1, 0.001);
  EXPECT_NEAR(noise.mean().item<double>(), 0.0, 0.001);
  EXPECT_EQ(a.operator_spec, "tomo");
  EXPECT_EQ(a.y.sizes(), (std::vector<int64_t>{50, 1, 125, 81}));
}

TEST(Measurements, PoissonNoiseHasMatchingVariance) {
  const auto data = shapes("0:20");
  const auto m = simulate_measurements(data, "denoise", NoiseModel::parse("poisson:100"), 3);
  // Var(Poisson(100 x) / 100) = x / 100 for pixel value x.
  const auto residual = m.y - data.images;
  const auto predicted = data.images.mean().item<double>() / 100.0;
  EXPECT_NEAR(residual.pow(2).mean().item<double>(), predicted, 0.1 * predicted);
  EXPECT_NEAR(m.sigma * m.sigma, predicted, 1e-6);
}

TEST(Measurements, FilesRoundTripAndRejectMismatches) {
  TempDir dir;
  const auto m = simulate_measurements(shapes("0:4"), "cs:30,seed=2", NoiseModel::parse("0.05"), 7);
  save_measurements(dir / "m.pt", m);
  const auto back = load_measurements(dir / "m.pt");
  EXPECT_TRUE(torch::equal(back.y, m.y));
  EXPECT_TRUE(torch::equal(back.x_true, m.x_true));
  EXPECT_EQ(back.operator_spec, "cs:30,seed=2");
  EXPECT_DOUBLE_EQ(back.sigma, 0.05);
  EXPECT_EQ(back.seed, 7u);
  EXPECT_EQ(back.dataset, "shapes");
  // Measurements that do not fit the operator: the file claims cs:31.
  auto wrong = m;
  wrong.operator_spec = "cs:31,seed=2";
  save_measurements(dir / "wrong.pt", wrong);
  EXPECT_THROW(load_measurements(dir / "wrong.pt"), genreg::Error);
  auto nan = m;
  nan.y = m.y.clone();
  nan.y[0][0] = std::nan("");
  save_measurements(dir / "nan.pt", nan);
  EXPECT_THROW(load_measurements(dir / "nan.pt"), genreg::Error);
  save_tensor(dir / "tensor.pt", m.y);
  EXPECT_THROW(load_measurements(dir / "tensor.pt"), genreg::Error);
  EXPECT_THROW(load_measurements(dir / "absent.pt"), genreg::Error);
}
