// DDRM checked where the answer is known: a Gaussian prior with its exact noise prediction
// (gaussian_diffusion.h) and a linear measurement with Gaussian noise (the posterior in closed form),
// for the operators whose SVD it uses: denoise and inpaint (pixel basis) and mri (Fourier basis,
// with components measured once, s^2 = 1/2, and twice, s^2 = 1).
#include "genreg/solvers/denoising_diffusion_restoration.h"

#include <gtest/gtest.h>

#include "gaussian_diffusion.h"
#include "genreg/core/error.h"
#include "genreg/solvers/method_registry.h"

namespace genreg {
namespace denoising_diffusion_restoration_test {

using testing::GaussianNoisePredictor;
using testing::moments;
using testing::problem;

Reconstruction draw(const std::shared_ptr<GaussianNoisePredictor>& prior,
                    const testing::LinearGaussianProblem& p, int64_t steps = 20, double eta = 0.85,
                    int64_t samples = 2000) {
  DiffusionPosteriorOptions o;
  o.samples(samples).steps(steps).eta(eta).seed(5).clip(false).box(false);
  DenoisingDiffusionRestoration ddrm(prior, o);
  // DDRM reads no lambda: any value, 0 included, is ignored.
  return ddrm.reconstruct(DataFidelity(p.op, p.y, p.sigma), torch::zeros({1}, torch::kFloat64));
}

// 2,000 samples at Kawar et al.'s defaults (20 steps, eta 0.85, eta_b 1). Measured (max over pixels):
//   sigma 0.05: mean error 0.020 (denoise), 0.035 and 0.039 (inpaint 2x2, 4x4), 0.029 (mri);
//               the prior mean's error 0.09 .. 0.17; variance ratio sample / posterior 0.31 .. 1.34
//   sigma 0.2:  mean error 0.012 .. 0.018 against 0.06 .. 0.15; variance ratio 0.22 .. 0.49
// DDRM is an approximation with these defaults (each step renoises with eta^2 of fresh noise,
// more than the chain's own posterior step): its means land near the posterior's and its spread is
// mostly too small, more so for noisier data.
TEST(DenoisingDiffusionRestoration, SamplesApproachTheAnalyticGaussianPosterior) {
  auto prior2 = testing::test_gaussian_prior();
  auto prior4 = testing::random_gaussian_prior(4, 4, 3);
  const std::vector<std::pair<std::shared_ptr<GaussianNoisePredictor>, std::string>> cases = {
      {prior2, "denoise"},
      {prior2, "inpaint:0.5,seed=2"},
      {prior4, "inpaint:0.5,seed=2"},
      {prior4, "mri:2,seed=0"}};
  for (const auto& [prior, spec] : cases) {
    for (const auto& [sigma, mean_tol, ratio_lo, ratio_hi] :
         std::vector<std::tuple<double, double, double, double>>{{0.05, 0.05, 0.25, 1.6},
                                                                 {0.2, 0.03, 0.15, 0.7}}) {
      const auto p = problem(spec, sigma, *prior);
      const std::string what = spec + " at sigma " + std::to_string(sigma);
      const double prior_error = (prior->image_mean() - p.mean).abs().max().item<double>();
      ASSERT_GT(prior_error, mean_tol + 0.01) << what;  // the data move the mean: the check can fail
      const auto r = draw(prior, p);
      ASSERT_EQ(r.samples.sizes(), (std::vector<int64_t>{1, 2000, 1, prior->height(), prior->width()}));
      const auto [m, c] = moments(r.samples[0]);
      const auto ratio = c.diagonal() / p.covariance.diagonal();
      EXPECT_LT((m - p.mean).abs().max().item<double>(), mean_tol) << what;
      EXPECT_GT(ratio.min().item<double>(), ratio_lo) << what;
      EXPECT_LT(ratio.max().item<double>(), ratio_hi) << what;
    }
  }
  // The mri case holds components measured once and twice (real and imaginary parts of k and -k).
  const auto d = make_operator("mri:2,seed=0", 4, 4)->gram_diagonal()->values;
  EXPECT_TRUE((d == 0.5).any().item<bool>() && (d == 1.0).any().item<bool>() &&
              (d == 0.0).any().item<bool>());
}

TEST(DenoisingDiffusionRestoration, NearlyNoiselessDataAreKept) {
  // With sigma_y far below every kept step's noise, each measured component is the measurement
  // plus the step's noise (the eta_b = 1 case) until the last step, whose x0 estimate is returned:
  // A x - y is the last step's noise, sigma_0 / 2 = 0.005 on the image scale (beta_0 = 1e-4), while
  // the unmeasured components keep about the spread of their posterior (measured: 38% and 55% of its
  // largest variance, the under-dispersion above).
  auto prior = testing::random_gaussian_prior(4, 4, 3);
  for (const std::string spec : {"inpaint:0.5,seed=2", "mri:2,seed=0"}) {
    const auto p = problem(spec, 1e-4, *prior);
    const auto r = draw(prior, p, 20, 0.85, 200);
    const auto misfit = p.op->apply(r.samples[0].to(torch::kFloat64)) - p.y;
    EXPECT_LT(misfit.pow(2).mean().sqrt().item<double>(), 0.007) << spec;
    const double spread = r.std.pow(2).max().item<double>() / p.covariance.diagonal().max().item<double>();
    EXPECT_GT(spread, 0.2) << spec;
    EXPECT_LT(spread, 1.6) << spec;
  }
}

TEST(DenoisingDiffusionRestoration, RegisteredSeededAndRefusesOperatorsWithoutAnSvd) {
  auto prior = testing::test_gaussian_prior();
  const auto& info = MethodRegistry::instance().at("ddrm");
  EXPECT_FALSE(info.has_lambda());
  EXPECT_TRUE(info.reads("eta") && info.reads("samples") && info.reads("steps"));
  const auto p = problem("inpaint:0.5,seed=2", 0.05, *prior);
  DataFidelity data(p.op, torch::cat({p.y, p.y}), p.sigma);
  const auto settings = MethodSettings().set("samples", 3).seed(2);
  const auto a = make_method("ddrm", settings, MethodPriors{nullptr, nullptr, prior})
                     ->reconstruct(data, torch::zeros({2}, torch::kFloat64));
  const auto b = make_method("ddrm", settings, MethodPriors{nullptr, nullptr, prior})
                     ->reconstruct(data, torch::zeros({2}, torch::kFloat64));
  EXPECT_TRUE(torch::equal(a.samples, b.samples));
  EXPECT_EQ(a.samples.sizes(), (std::vector<int64_t>{2, 3, 1, 2, 2}));
  // cs has no SVD in closed form; eta outside [0, 1] is refused.
  const auto cs = problem("cs:2,seed=1", 0.05, *prior);
  EXPECT_THROW(make_method("ddrm", settings, MethodPriors{nullptr, nullptr, prior})
                   ->reconstruct(DataFidelity(cs.op, cs.y, cs.sigma), torch::zeros({1}, torch::kFloat64)),
               Error);
  EXPECT_THROW(make_method("ddrm", MethodSettings().set("eta", 1.5), MethodPriors{nullptr, nullptr, prior}),
               Error);
}

}  // namespace denoising_diffusion_restoration_test
}  // namespace genreg
