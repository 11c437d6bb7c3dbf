#include "genreg/eval/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "genreg/core/error.h"

using namespace genreg;

namespace {

// The deterministic 12x10 pair used for the scikit-image reference below:
// x[i,j] = ((3i + 5j) mod 11) / 10,  y = clip(0.8 x + 0.1 sin(i/2) + 0.05 cos(j), 0, 1).
std::pair<torch::Tensor, torch::Tensor> reference_pair() {
  auto x = torch::empty({1, 1, 12, 10}, torch::kFloat64);
  auto y = torch::empty({1, 1, 12, 10}, torch::kFloat64);
  for (int i = 0; i < 12; ++i) {
    for (int j = 0; j < 10; ++j) {
      const double xv = ((3 * i + 5 * j) % 11) / 10.0;
      x[0][0][i][j] = xv;
      y[0][0][i][j] = std::min(1.0, std::max(0.0, 0.8 * xv + 0.1 * std::sin(i / 2.0) + 0.05 * std::cos(j)));
    }
  }
  return {x, y};
}

}  // namespace

TEST(Metrics, PsnrMatchesAHandComputation) {
  // 2x2 image with one pixel off by 0.5: MSE = 0.25 / 4 = 1/16, PSNR = 10 log10(16) dB.
  auto truth = torch::zeros({1, 1, 2, 2});
  auto estimate = truth.clone();
  estimate[0][0][0][0] = 0.5;
  EXPECT_NEAR(psnr(estimate, truth).item<double>(), 10.0 * std::log10(16.0), 1e-12);
  // Data range 2 adds 10 log10(4) = 6.0206 dB.
  EXPECT_NEAR(psnr_paper(estimate, truth).item<double>(), 10.0 * std::log10(64.0), 1e-12);
}

TEST(Metrics, NrmseAndL1MatchHandComputations) {
  auto truth = torch::tensor({3.0, 4.0, 0.0, 0.0}).view({1, 1, 2, 2});
  auto estimate = torch::tensor({3.0, 4.0, 1.0, 2.0}).view({1, 1, 2, 2});
  EXPECT_NEAR(nrmse(estimate, truth).item<double>(), std::sqrt(5.0) / 5.0, 1e-12);
  EXPECT_NEAR(l1_error(estimate, truth).item<double>(), 3.0 / 4.0, 1e-12);
}

TEST(Metrics, SsimMatchesScikitImage) {
  // Reference: scikit-image 0.19.3 (Debian python3-skimage),
  //   skimage.metrics.structural_similarity(x, y, data_range=1.0) = 0.9272479452143984
  //   skimage.metrics.peak_signal_noise_ratio(x, y, data_range=1.0) = 17.103592485680217
  // for the pair of reference_pair().
  auto [x, y] = reference_pair();
  EXPECT_NEAR(ssim(y, x).item<double>(), 0.9272479452143984, 1e-10);
  EXPECT_NEAR(ssim(x, y).item<double>(), 0.9272479452143984, 1e-10);
  EXPECT_NEAR(psnr(y, x).item<double>(), 17.103592485680217, 1e-10);
  // float32 inputs give the same value to float precision.
  EXPECT_NEAR(ssim(y.to(torch::kFloat32), x.to(torch::kFloat32)).item<double>(), 0.9272479452143984, 1e-5);
}

TEST(Metrics, SsimOfIdenticalImagesIsOne) {
  auto x = torch::rand({3, 1, 16, 16}, torch::kFloat64);
  EXPECT_TRUE(torch::allclose(ssim(x, x), torch::ones({3}, torch::kFloat64)));
  EXPECT_LT(ssim(x, 1.0 - x).max().item<double>(), 0.5);
}

TEST(Metrics, BatchedValuesEqualOneByOne) {
  auto truth = torch::rand({4, 1, 9, 11});
  auto estimate = (truth + 0.1 * torch::randn_like(truth)).clamp(0, 1);
  const auto all = compute_metrics(estimate, truth);
  for (int64_t i = 0; i < 4; ++i) {
    const auto one = compute_metrics(estimate.slice(0, i, i + 1), truth.slice(0, i, i + 1));
    for (size_t m = 0; m < all.size(); ++m) {
      EXPECT_NEAR(all[m].per_image[i].item<double>(), one[m].per_image[0].item<double>(), 1e-12)
          << all[m].name;
    }
  }
}

TEST(Metrics, SummaryUsesThePopulationStandardDeviation) {
  const auto s = summarize(torch::tensor({1.0, 2.0, 3.0, 4.0}));
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_NEAR(s.std, std::sqrt(1.25), 1e-12);  // numpy.std: sqrt(mean((v - 2.5)^2))
  EXPECT_EQ(s.count, 4);
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.max, 4.0);
}

TEST(Metrics, JsonHoldsEveryMetricAndNullForInfinitePsnr) {
  auto x = torch::rand({2, 1, 8, 8});
  const auto json = metrics_to_json(compute_metrics(x, x));
  for (const char* name : {"psnr", "psnr_paper", "ssim", "nrmse", "l1"})
    ASSERT_TRUE(json.contains(name)) << name;
  EXPECT_TRUE(json["psnr"]["mean"].is_null());
  EXPECT_DOUBLE_EQ(json["l1"]["mean"].get<double>(), 0.0);
  EXPECT_EQ(json["ssim"]["per_image"].size(), 2u);
}

TEST(Metrics, ShapeMismatchAndTinyImagesAreErrors) {
  EXPECT_THROW(psnr(torch::rand({1, 1, 8, 8}), torch::rand({1, 1, 8, 9})), genreg::Error);
  EXPECT_THROW(ssim(torch::rand({1, 1, 5, 5}), torch::rand({1, 1, 5, 5})), genreg::Error);
}
