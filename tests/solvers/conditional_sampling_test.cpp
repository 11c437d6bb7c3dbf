// Reconstruction with a conditional model where p(x | y) is known: a Gaussian prior N(m, C) and
// y = A x + sigma e give the posterior N(S (C^{-1} m + A^T y / sigma^2), S), S = (C^{-1} + A^T A /
// sigma^2)^{-1}, which depends on y only through the condition A^T y. A "model" holding the exact
// rectified-flow velocity of that posterior (flow_sampling_test.cpp) must make the method's samples
// follow it; and a model trained for one acquisition refuses measurements of another.
#include "genreg/solvers/conditional_sampling.h"

#include <gtest/gtest.h>

#include "gaussian_diffusion.h"
#include "genreg/core/error.h"
#include "genreg/models/flow_sampling.h"
#include "genreg/models/model_registry.h"
#include "genreg/models/torchscript_model.h"
#include "genreg/solvers/method_registry.h"
#include "test_support.h"

namespace genreg {
namespace conditional_sampling_test {

using testing::moments;
using testing::problem;

class GaussianPosteriorFlow : public ConditionalGenerator {
 public:
  GaussianPosteriorFlow(const testing::GaussianNoisePredictor& prior, const testing::LinearGaussianProblem& p,
                        std::string spec, std::string noise)
      : h_(prior.height()), w_(prior.width()), spec_(std::move(spec)), noise_(std::move(noise)) {
    const int64_t n = h_ * w_;
    const auto a = p.op->apply(torch::eye(n, torch::kFloat64).view({n, 1, h_, w_})).flatten(1).t();
    const auto c_inv = torch::inverse(prior.image_covariance());
    s_ = torch::inverse(c_inv + torch::matmul(a.t(), a) / (p.sigma * p.sigma));
    prior_term_ = torch::matmul(c_inv, prior.image_mean());
    sigma_ = p.sigma;
  }
  torch::Tensor generate(const torch::Tensor& z, const torch::Tensor& condition,
                         const GenerationOptions& options) override {
    ++calls;
    const int64_t n = h_ * w_, b = condition.size(0);
    const auto c = condition.to(torch::kFloat64).reshape({b, n});
    const auto mu = torch::matmul(prior_term_.unsqueeze(0) + c / (sigma_ * sigma_), s_.t());  // (B, n)
    const auto eye = torch::eye(n, torch::kFloat64);
    const auto v = [&](const torch::Tensor& x, double t) {
      const auto gain =
          torch::matmul(t * s_ - (1 - t) * eye, torch::inverse((1 - t) * (1 - t) * eye + t * t * s_));
      return mu + torch::matmul(x - t * mu, gain.t());
    };
    const auto x =
        integrate_flow(v, z.to(torch::kFloat64).reshape({b, n}), options.steps() > 0 ? options.steps() : 20,
                       parse_ode_solver(options.solver()));
    return x.view({b, 1, h_, w_}).to(torch::kFloat32);
  }
  std::vector<int64_t> latent_shape() const override { return {1, h_, w_}; }
  std::string operator_spec() const override { return spec_; }
  std::string noise() const override { return noise_; }
  int64_t calls = 0;

 private:
  int64_t h_, w_;
  std::string spec_, noise_;
  torch::Tensor s_, prior_term_;
  double sigma_ = 0;
};

TEST(ConditionalSampling, SamplesOfAnExactFlowFollowTheAnalyticPosterior) {
  auto prior = testing::random_gaussian_prior(4, 4, 3);
  for (const std::string spec : {"inpaint:0.5,seed=2", "cs:6,seed=1"}) {
    const auto p = problem(spec, 0.1, *prior);
    auto model = std::make_shared<GaussianPosteriorFlow>(*prior, p, p.op->spec(), "gaussian:0.1");
    ConditionalSampling method(model, ConditionalSamplingOptions().samples(4000).seed(3).batch(1000), "cfm");
    // Two copies of the measurement: K samples of each, in chunks of 1,000 generations.
    const auto y2 = torch::cat({p.y, p.y}, 0);
    const auto r = method.reconstruct(DataFidelity(p.op, y2, p.sigma), torch::zeros({2}, torch::kFloat64));
    ASSERT_EQ(r.samples.sizes(), (std::vector<int64_t>{2, 4000, 1, 4, 4}));
    EXPECT_EQ(model->calls, 8);
    for (int64_t i = 0; i < 2; ++i) {
      const auto [m, c] = moments(r.samples[i]);
      // Prior mean's distance to the posterior mean: the data move it, so the check can fail.
      ASSERT_GT((prior->image_mean() - p.mean).abs().max().item<double>(), 0.03) << spec;
      EXPECT_LT((m - p.mean).abs().max().item<double>(), 0.01) << spec;
      EXPECT_LT((c - p.covariance).abs().max().item<double>(),
                0.1 * p.covariance.diagonal().max().item<double>())
          << spec;
      // The reported mean and spread are the samples'.
      EXPECT_TRUE(torch::allclose(r.x[i].flatten().to(torch::kFloat64), m, 1e-4, 1e-5));
      EXPECT_TRUE(torch::allclose(r.std[i].flatten().to(torch::kFloat64), c.diagonal().sqrt(), 1e-3, 1e-4));
    }
    // The two copies drew different samples.
    EXPECT_FALSE(torch::equal(r.samples[0], r.samples[1]));
  }
}

TEST(ConditionalSampling, RefusesAnotherAcquisitionUnlessAllowed) {
  auto prior = testing::random_gaussian_prior(4, 4, 3);
  const auto p = problem("inpaint:0.5,seed=2", 0.1, *prior);
  auto model = std::make_shared<GaussianPosteriorFlow>(*prior, p, p.op->spec(), "gaussian:0.1");
  const auto lambda = torch::zeros({1}, torch::kFloat64);
  auto refused = [&](const DataFidelity& data) {
    ConditionalSampling method(model, ConditionalSamplingOptions().samples(2), "cfm");
    try {
      method.reconstruct(data, lambda);
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("--allow-operator-shift"), std::string::npos) << e.what();
      return true;
    }
    return false;
  };
  EXPECT_FALSE(refused(DataFidelity(p.op, p.y, 0.1)));
  EXPECT_TRUE(refused(DataFidelity(p.op, p.y, 0.05)));           // another noise level
  const auto other = make_operator("inpaint:0.5,seed=3", 4, 4);  // another mask
  const auto y_other = other->apply(p.mean.view({1, 1, 4, 4}));
  EXPECT_TRUE(refused(DataFidelity(other, y_other, 0.1)));
  ConditionalSampling allowed(model, ConditionalSamplingOptions().samples(2).allow_operator_shift(true),
                              "cfm");
  EXPECT_NO_THROW(allowed.reconstruct(DataFidelity(other, y_other, 0.05), lambda));
}

TEST(ConditionalSampling, RegisteredMethodsNeedTheirModelAndReadNoLambda) {
  EXPECT_THROW(make_method("cfm"), Error);
  const auto& info = MethodRegistry::instance().at("cfm");
  EXPECT_FALSE(info.has_lambda());
  EXPECT_TRUE(info.reads("samples"));
  EXPECT_THROW(check_setting_names("postprocess", {"samples"}), Error);
  auto prior = testing::random_gaussian_prior(4, 4, 3);
  const auto p = problem("denoise", 0.1, *prior);
  MethodPriors priors;
  priors.conditional_generator =
      std::make_shared<GaussianPosteriorFlow>(*prior, p, "denoise", "gaussian:0.1");
  EXPECT_EQ(make_method("cfm", MethodSettings().set("samples", 3), priors)->batch_per_image(), 3);
}

// A TorchScript export of a cfm model serves the cfm method and is refused by the others, by the
// kind it was exported from (Model::served_kind), as the native model is.
TEST(ConditionalSampling, AScriptedModelServesTheKindItWasExportedFrom) {
  testing::TempDir dir;
  torch::manual_seed(0);
  const auto native = make_model({{"kind", "cfm"},
                                  {"height", 28},
                                  {"width", 28},
                                  {"features", 8},
                                  {"attention", false},
                                  {"operator", "inpaint:0.5,seed=0"},
                                  {"noise", "gaussian:0.1"}});
  export_torchscript(*native, dir / "cfm.ts");
  const auto scripted = load_torchscript_model(dir / "cfm.ts");
  EXPECT_EQ(scripted->kind_name(), "torchscript");
  EXPECT_EQ(scripted->served_kind(), "cfm");
  EXPECT_EQ(native->served_kind(), "cfm");
  for (const auto& model : {native, scripted}) {
    MethodPriors priors;
    priors.conditional_generator = std::dynamic_pointer_cast<ConditionalGenerator>(model);
    ASSERT_TRUE(priors.conditional_generator);
    EXPECT_EQ(make_method("cfm", MethodSettings().set("samples", 2), priors)->batch_per_image(), 2);
    try {
      make_method("postprocess", MethodSettings(), priors);
      ADD_FAILURE() << "postprocess accepted a cfm model";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("postprocess needs a postprocess model, not a cfm"),
                std::string::npos)
          << e.what();
    }
  }
}

}  // namespace conditional_sampling_test
}  // namespace genreg
