// The sample-quality measures against what is known: the Frechet distance of Gaussians with
// commuting covariances in closed form, precision and recall of sets whose supports overlap by a
// known share.
#include "genreg/eval/sample_quality.h"

#include <gtest/gtest.h>

#include "genreg/core/error.h"

namespace genreg {
namespace sample_quality_test {

TEST(SampleQuality, FrechetDistanceMatchesTheClosedFormOfDiagonalGaussians) {
  torch::manual_seed(0);
  const int64_t n = 40000;
  const auto mu_r = torch::tensor({0.0, 1.0, -1.0, 2.0}, torch::kFloat64);
  const auto mu_g = torch::tensor({0.5, 1.0, 0.0, 2.0}, torch::kFloat64);
  const auto s_r = torch::tensor({1.0, 0.5, 2.0, 1.0}, torch::kFloat64);
  const auto s_g = torch::tensor({1.0, 1.0, 1.0, 0.2}, torch::kFloat64);
  const auto real = mu_r + s_r * torch::randn({n, 4}, torch::kFloat64);
  const auto generated = mu_g + s_g * torch::randn({n, 4}, torch::kFloat64);
  // ||mu_r - mu_g||^2 + sum (s_r - s_g)^2 = 1.25 + (0 + 0.25 + 1 + 0.64) = 3.14
  EXPECT_NEAR(frechet_distance(real, generated), 3.14, 0.06);
  EXPECT_NEAR(frechet_distance(real, real), 0.0, 1e-9);
  // Symmetric also for covariances that do not commute.
  const auto mix = torch::randn({4, 4}, torch::kFloat64);
  const auto a = torch::matmul(real, mix), b = generated;
  EXPECT_NEAR(frechet_distance(a, b), frechet_distance(b, a), 1e-8);
  EXPECT_THROW(frechet_distance(real, generated.narrow(1, 0, 3)), Error);
  EXPECT_THROW(frechet_distance(real.narrow(0, 0, 1), generated), Error);
}

TEST(SampleQuality, PrecisionAndRecallSeeWhichSupportIsCovered) {
  torch::manual_seed(1);
  const auto real = torch::rand({2000, 2}, torch::kFloat64);
  // The same law: both near 1.
  const auto same = precision_recall(real, torch::rand({2000, 2}, torch::kFloat64));
  EXPECT_GT(same.precision, 0.95);
  EXPECT_GT(same.recall, 0.95);
  // Samples on the left half only: plausible (precision near 1) but half the data missed.
  auto half = torch::rand({2000, 2}, torch::kFloat64);
  half.select(1, 0).mul_(0.5);
  const auto h = precision_recall(real, half);
  EXPECT_GT(h.precision, 0.95);
  EXPECT_GT(h.recall, 0.45);
  EXPECT_LT(h.recall, 0.6);
  // Samples elsewhere: neither.
  const auto far = precision_recall(real, torch::rand({2000, 2}, torch::kFloat64) + 5.0);
  EXPECT_EQ(far.precision, 0.0);
  EXPECT_EQ(far.recall, 0.0);
  EXPECT_THROW(precision_recall(real, half, 0), Error);
}

}  // namespace sample_quality_test
}  // namespace genreg
