// The uncertainty checks measure what they claim: samples and truth drawn from the same Gaussian
// cover about the nominal share, samples with half the spread far less; the chi-square and normal
// quantiles match tabulated values; the audit flags reconstructions that fit the noise.
#include "genreg/eval/uncertainty.h"

#include <gtest/gtest.h>

#include "genreg/core/error.h"

namespace genreg {
namespace uncertainty_test {

TEST(Uncertainty, QuantilesMatchTables) {
  EXPECT_NEAR(normal_quantile(0.95), 1.6448536269514722, 1e-9);
  EXPECT_NEAR(normal_quantile(0.005), -2.5758293035489004, 1e-9);
  EXPECT_NEAR(normal_quantile(0.5), 0.0, 1e-12);
  // chi-square with 100 degrees of freedom: 67.328 and 140.169 (tables), 150: 109.142 and 198.360.
  EXPECT_NEAR(chi_square_quantile(0.005, 100), 67.328, 0.05);
  EXPECT_NEAR(chi_square_quantile(0.995, 100), 140.169, 0.05);
  EXPECT_NEAR(chi_square_quantile(0.995, 150), 198.360, 0.05);
}

TEST(Uncertainty, CalibratedSamplesCoverTheNominalShareAndOverconfidentOnesDoNot) {
  torch::manual_seed(0);
  const int64_t b = 40, k = 40;
  // Per pixel a centre c and a spread s; truth and samples both ~ N(c, s^2).
  const auto centre = 0.2 + 0.6 * torch::rand({b, 1, 8, 8}, torch::kFloat64);
  const auto spread = 0.02 + 0.1 * torch::rand({b, 1, 8, 8}, torch::kFloat64);
  const auto truth = centre + spread * torch::randn({b, 1, 8, 8}, torch::kFloat64);
  const auto samples =
      centre.unsqueeze(1) + spread.unsqueeze(1) * torch::randn({b, k, 1, 8, 8}, torch::kFloat64);
  const auto u = summarise_uncertainty(samples, truth);
  // mean +- 1.645 std of 40 samples covers a fresh draw with probability about 0.895.
  EXPECT_NEAR(u.coverage, 0.895, 0.02);
  EXPECT_NEAR(u.quantile_coverage, 0.88, 0.025);
  EXPECT_NEAR(u.coverage_support, u.coverage, 1e-12);  // every pixel is in the support here
  EXPECT_GT(u.std_error_correlation, 0.3);             // larger spread, larger errors
  for (size_t i = 0; i < u.levels.size(); ++i)
    EXPECT_NEAR(u.level_coverage[i], u.levels[i], 0.04) << u.levels[i];
  // Half the spread: the 90% interval is a 59% one.
  const auto narrow =
      centre.unsqueeze(1) + 0.5 * spread.unsqueeze(1) * torch::randn({b, k, 1, 8, 8}, torch::kFloat64);
  const auto o = summarise_uncertainty(narrow, truth);
  EXPECT_NEAR(o.coverage, 0.59, 0.04);
  // The z-histogram counts every support pixel once.
  double total = 0.0;
  for (double c : u.z_counts) total += c;
  EXPECT_EQ(total, static_cast<double>(b * 64));
  // Fewer than 20 samples: no quantile interval.
  EXPECT_TRUE(std::isnan(summarise_uncertainty(samples.narrow(1, 0, 8), truth).quantile_coverage));
}

TEST(Uncertainty, ConformalScaleFittedOnOneSetCalibratesAnother) {
  // A sampler whose spread is half the truth's (8 samples, as a diffusion run): fitted on one set of
  // images, the scale makes the intervals of a fresh set cover 90%; the raw ones cover far less.
  torch::manual_seed(1);
  const int64_t b = 30, k = 8;
  auto draw = [&](torch::Tensor& truth, torch::Tensor& samples) {
    const auto centre = 0.2 + 0.6 * torch::rand({b, 1, 8, 8}, torch::kFloat64);
    const auto spread = 0.02 + 0.1 * torch::rand({b, 1, 8, 8}, torch::kFloat64);
    truth = centre + spread * torch::randn({b, 1, 8, 8}, torch::kFloat64);
    samples =
        centre.unsqueeze(1) + 0.5 * spread.unsqueeze(1) * torch::randn({b, k, 1, 8, 8}, torch::kFloat64);
  };
  torch::Tensor fit_truth, fit_samples, test_truth, test_samples;
  draw(fit_truth, fit_samples);
  draw(test_truth, test_samples);
  const double c = fit_interval_scale(fit_samples, fit_truth);
  // |truth - mean| / std with truth ~ N(m, s^2), mean ~ N(m, s^2 / 32), std ~ s / 2 (chi, 7 dof):
  // a t-like law whose 90% point lies near 2 * 1.645 * sqrt(1 + 1/32) * 1.1 (the heavier tail).
  EXPECT_GT(c, 3.0);
  EXPECT_LT(c, 4.6);
  const auto u = summarise_uncertainty(test_samples, test_truth, 0.01, c);
  EXPECT_NEAR(u.interval_scale, c, 0.0);
  EXPECT_NEAR(u.calibrated_coverage_support, 0.90, 0.025);
  EXPECT_LT(u.coverage_support, 0.7);
  // On its own calibration set the scale covers ceil((n + 1) 0.9) / n of the pixels, at least 90%.
  const auto self = summarise_uncertainty(fit_samples, fit_truth, 0.01, c);
  EXPECT_GE(self.calibrated_coverage_support, 0.9);
  EXPECT_LT(self.calibrated_coverage_support, 0.9 + 2.0 / (b * 64));
  // Without a scale the calibrated fields are NaN; nonsense levels and single samples are refused.
  EXPECT_TRUE(std::isnan(summarise_uncertainty(test_samples, test_truth).calibrated_coverage));
  EXPECT_THROW(fit_interval_scale(fit_samples, fit_truth, 1.0), Error);
  EXPECT_THROW(fit_interval_scale(fit_samples.narrow(1, 0, 1), fit_truth), Error);
}

TEST(Uncertainty, SupportLeavesOutTheEmptyBackground) {
  // Background pixels exactly 0 in truth and samples: perfectly "covered" by a zero-width interval.
  auto truth = torch::zeros({1, 1, 4, 4}, torch::kFloat64);
  auto samples = torch::zeros({1, 10, 1, 4, 4}, torch::kFloat64);
  truth[0][0][0][0] = 1.0;  // one bright pixel the samples miss
  samples.select(4, 0).select(3, 0).fill_(0.5);
  const auto u = summarise_uncertainty(samples, truth);
  EXPECT_NEAR(u.coverage, 15.0 / 16.0, 1e-12);
  EXPECT_NEAR(u.coverage_support, 0.0, 1e-12);
  EXPECT_NEAR(u.support_share, 1.0 / 16.0, 1e-12);
}

TEST(Uncertainty, AuditFlagsReconstructionsThatFitTheNoise) {
  torch::manual_seed(1);
  const int64_t m = 150;
  const double sigma = 0.1;
  // True images: ||A x - y||^2 = sigma^2 chi^2_M; 99% of them inside the interval.
  const auto truth_discrepancy = (sigma * torch::randn({2000, m}, torch::kFloat64)).pow(2).sum(1);
  const auto truth = audit_data_fidelity(truth_discrepancy, m, sigma);
  EXPECT_NEAR(truth.share_below + truth.share_above, 0.01, 0.006);
  // A reconstruction that fits half the noise is flagged below; one far off, above.
  const auto fits = audit_data_fidelity(0.5 * truth_discrepancy.narrow(0, 0, 10), m, sigma);
  EXPECT_EQ(fits.share_below, 1.0);
  const auto off = audit_data_fidelity(3.0 * truth_discrepancy.narrow(0, 0, 10), m, sigma);
  EXPECT_EQ(off.share_above, 1.0);
  EXPECT_NEAR(off.ratio[0], 3.0 * truth_discrepancy[0].item<double>() / (m * sigma * sigma), 1e-12);
}

}  // namespace uncertainty_test
}  // namespace genreg
