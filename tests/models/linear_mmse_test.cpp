// The Wiener estimate is the posterior mean of a linear Gaussian problem: with the prior's mean and
// covariance it reproduces the closed form of tests/gaussian_diffusion.h for operators with and
// without a diagonal A^T A, and it beats the back-projection on real digits.
#include "genreg/models/linear_mmse.h"

#include <gtest/gtest.h>

#include "gaussian_diffusion.h"
#include "genreg/core/error.h"
#include "genreg/data/dataset.h"
#include "genreg/eval/metrics.h"
#include "genreg/operators/noise.h"

namespace genreg {
namespace linear_mmse_test {

TEST(LinearMmseEstimator, EqualsTheGaussianPosteriorMean) {
  auto prior = testing::random_gaussian_prior(4, 4, 3);
  for (const std::string spec : {"cs:6,seed=1", "inpaint:0.5,seed=2", "blur:gauss5", "tomo"}) {
    for (const double sigma : {0.05, 0.2}) {
      const auto p = testing::problem(spec, sigma, *prior);
      const LinearMmseEstimator wiener(prior->image_mean(), prior->image_covariance(), p.op, sigma);
      const auto x = wiener.estimate(p.y).flatten().to(torch::kFloat64);
      // The 1e-3 ridge on C moves the estimate by far less than the data do.
      EXPECT_LT((x - p.mean).abs().max().item<double>(), 3e-3) << spec << " sigma " << sigma;
      ASSERT_GT((prior->image_mean() - p.mean).abs().max().item<double>(), 0.02) << spec;
      EXPECT_LT((wiener.gain() - p.covariance).abs().max().item<double>(),
                0.02 * p.covariance.diagonal().max().item<double>())
          << spec;
    }
  }
  EXPECT_THROW(LinearMmseEstimator(prior->image_mean(), prior->image_covariance(),
                                   make_operator("denoise", 4, 4), 0.0),
               Error);
  EXPECT_THROW(LinearMmseEstimator(prior->image_mean(), prior->image_covariance(),
                                   make_operator("denoise", 5, 5), 0.1),
               Error);
}

TEST(LinearMmseEstimator, OnDigitsBeatsTheBackProjectionOfCompressedSensing) {
  const auto train = load_dataset("mnist", DatasetOptions().range(IndexRange::parse("0:2000"))).images;
  const auto test =
      load_dataset("mnist", DatasetOptions().split("test").range(IndexRange::parse("0:64"))).images;
  const auto [mean, covariance] = image_moments(train);
  const auto op = make_operator("cs:150", 28, 28);
  const auto y = add_noise(op->apply(test), NoiseModel::parse("0.1"), 1);
  const LinearMmseEstimator wiener(mean, covariance, op, 0.1);
  const double wiener_psnr = psnr(wiener.estimate(y).clamp(0, 1), test).mean().item<double>();
  // The back-projection scaled by its least-squares factor against the truth: its best case.
  const auto back = op->adjoint(y);
  const double scale = (back * test).sum().item<double>() / (back * back).sum().item<double>();
  const double back_psnr = psnr((scale * back).clamp(0, 1), test).mean().item<double>();
  EXPECT_GT(wiener_psnr, back_psnr + 3.0) << wiener_psnr << " against " << back_psnr;
}

}  // namespace linear_mmse_test
}  // namespace genreg
