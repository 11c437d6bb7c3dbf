// Plug-and-play methods against closed forms. With a linear denoiser D(x) = W x, W the posterior
// mean of a Gaussian prior N(0, C) at noise s0 (W = C (C + s0^2 I)^{-1}: symmetric, eigenvalues in
// (0, 1)), W is the prox of g(x) = 1/2 x^T (W^{-1} - I) x, and every method's fixed point is the
// minimiser of a quadratic problem solved here by a dense linear solve:
//   red:       (A^T A / sigma^2 + lambda (I - W)) x = A^T y / sigma^2
//   pnp-admm:  (A^T A / sigma^2 + (W^{-1} - I) / tau) x = A^T y / sigma^2,  tau = s^2 / lambda
//   pnp-fista: the same with tau = gamma = sigma^2 / ||A||^2
//   pnp-hqs with a constant level s: x = prox_{tau D}(W x), i.e. (I + t A^T A - W) x = t A^T y,
//              t = tau / sigma^2, and the method returns W x.
#include "genreg/solvers/plug_and_play.h"

#include <gtest/gtest.h>

#include <cmath>

#include "genreg/core/error.h"
#include "genreg/models/dncnn.h"
#include "genreg/operators/make_operator.h"
#include "genreg/solvers/method_registry.h"

namespace genreg {
namespace plug_and_play_test {

constexpr int64_t kSide = 4, kPixels = kSide * kSide;

class LinearDenoiser : public Denoiser {
 public:
  explicit LinearDenoiser(torch::Tensor w) : w_(std::move(w)) {}
  torch::Tensor denoise(const torch::Tensor& x, const torch::Tensor& sigma) override {
    EXPECT_EQ(sigma.numel(), x.size(0));
    return torch::matmul(x.flatten(1).to(torch::kFloat64), w_).view(x.sizes()).to(x.scalar_type());
  }
  std::vector<double> noise_range() const override { return {0.0, 1.0}; }

 private:
  torch::Tensor w_;  // symmetric, so x W = (W x^T)^T
};

struct Problem {
  OperatorPtr op;
  torch::Tensor w, x_true, y, a;  // a: the dense (M, N) matrix of the operator
  double sigma = 0.1;
};

Problem make_problem(const std::string& spec, int64_t batch) {
  torch::manual_seed(3);
  Problem p;
  p.op = make_operator(spec, kSide, kSide);
  // A smooth covariance: C_ij = exp(-|i - j|^2 / 8) over pixel positions, plus a little diagonal.
  const auto pos = torch::stack({torch::arange(kPixels, torch::kFloat64).floor_divide(kSide),
                                 torch::arange(kPixels, torch::kFloat64).remainder(kSide)},
                                1);
  const auto d2 = (pos.unsqueeze(1) - pos.unsqueeze(0)).pow(2).sum(2);
  const auto c = torch::exp(-d2 / 8.0) * 0.05 + 0.01 * torch::eye(kPixels, torch::kFloat64);
  p.w = torch::matmul(c, torch::inverse(c + 0.1 * 0.1 * torch::eye(kPixels, torch::kFloat64)));
  p.w = 0.5 * (p.w + p.w.t());
  p.x_true = (0.5 + 0.2 * torch::randn({batch, 1, kSide, kSide}, torch::kFloat64)).clamp(0, 1);
  p.y = p.op->apply(p.x_true);
  p.y = p.y + p.sigma * torch::randn(p.y.sizes(), torch::kFloat64);
  // Columns A e_j.
  const auto basis = torch::eye(kPixels, torch::kFloat64).view({kPixels, 1, kSide, kSide});
  p.a = p.op->apply(basis).flatten(1).t();
  return p;
}

// Solves (A^T A / sigma^2 + R) x = A^T y / sigma^2 for each sample (R (N, N), one per sample).
torch::Tensor quadratic_minimiser(const Problem& p, const std::vector<torch::Tensor>& r) {
  std::vector<torch::Tensor> out;
  const auto ata = torch::matmul(p.a.t(), p.a) / (p.sigma * p.sigma);
  for (size_t b = 0; b < r.size(); ++b) {
    const auto rhs = torch::matmul(p.a.t(), p.y[static_cast<int64_t>(b)].flatten()) / (p.sigma * p.sigma);
    out.push_back(torch::linalg_solve(ata + r[b], rhs.unsqueeze(1)).squeeze(1));
  }
  return torch::stack(out).view({-1, 1, kSide, kSide});
}

PlugAndPlayOptions tight(double denoiser_sigma) {
  return PlugAndPlayOptions()
      .max_iterations(20000)
      .tolerance(1e-12)
      .denoiser_sigma(denoiser_sigma)
      .box(false)
      .data_prox(DataProxOptions().max_iterations(500).tolerance(1e-13));
}

const torch::Tensor kLambda = torch::tensor({0.5, 2.0, 8.0}, torch::kFloat64);

void expect_close(const torch::Tensor& got, const torch::Tensor& want, double tol) {
  const double err = (got - want).abs().max().item<double>();
  EXPECT_LT(err, tol) << "max |difference| " << err;
}

class PlugAndPlayFixedPoint : public ::testing::TestWithParam<std::string> {};

TEST_P(PlugAndPlayFixedPoint, RedMinimisesItsQuadratic) {
  const auto p = make_problem(GetParam(), 3);
  const auto denoiser = std::make_shared<LinearDenoiser>(p.w);
  const DataFidelity data(p.op, p.y, p.sigma);
  SolverSummary summary;
  const auto x = RegularisationByDenoising(denoiser, tight(0.1)).solve(data, kLambda, &summary);
  const auto eye = torch::eye(kPixels, torch::kFloat64);
  std::vector<torch::Tensor> r;
  for (int64_t b = 0; b < 3; ++b) r.push_back(kLambda[b].item<double>() * (eye - p.w));
  expect_close(x, quadratic_minimiser(p, r), 1e-7);
  EXPECT_EQ(summary.count(SampleStatus::converged), 3);
}

TEST_P(PlugAndPlayFixedPoint, AdmmMinimisesItsQuadratic) {
  const auto p = make_problem(GetParam(), 3);
  const auto denoiser = std::make_shared<LinearDenoiser>(p.w);
  const DataFidelity data(p.op, p.y, p.sigma);
  const double s = 0.05;
  const auto x = PnpAdmm(denoiser, tight(s)).solve(data, kLambda);
  const auto g = torch::inverse(p.w) - torch::eye(kPixels, torch::kFloat64);
  std::vector<torch::Tensor> r;
  for (int64_t b = 0; b < 3; ++b) r.push_back(g * (kLambda[b].item<double>() / (s * s)));
  expect_close(x, quadratic_minimiser(p, r), 1e-7);
}

TEST_P(PlugAndPlayFixedPoint, FistaMinimisesItsQuadratic) {
  const auto p = make_problem(GetParam(), 3);
  const auto denoiser = std::make_shared<LinearDenoiser>(p.w);
  const DataFidelity data(p.op, p.y, p.sigma);
  const auto x = PnpFista(denoiser, tight(0)).solve(data, kLambda);
  const double gamma = p.sigma * p.sigma / (p.op->norm() * p.op->norm());
  const auto g = torch::inverse(p.w) - torch::eye(kPixels, torch::kFloat64);
  expect_close(x, quadratic_minimiser(p, {g / gamma, g / gamma, g / gamma}), 1e-6);
}

TEST_P(PlugAndPlayFixedPoint, HqsWithAConstantLevelReachesItsFixedPoint) {
  const auto p = make_problem(GetParam(), 3);
  const auto denoiser = std::make_shared<LinearDenoiser>(p.w);
  const DataFidelity data(p.op, p.y, p.sigma);
  // The schedule's start at the measurement's sigma: every level equals it.
  const auto levels = PnpHqs::schedule(p.sigma, p.sigma, 5);
  for (double s : levels) EXPECT_DOUBLE_EQ(s, p.sigma);
  const auto z = PnpHqs(denoiser, tight(p.sigma).max_iterations(3000)).solve(data, kLambda);
  const auto eye = torch::eye(kPixels, torch::kFloat64);
  const auto ata = torch::matmul(p.a.t(), p.a);
  for (int64_t b = 0; b < 3; ++b) {
    const double t = p.sigma * p.sigma / kLambda[b].item<double>() / (p.sigma * p.sigma);
    const auto rhs = t * torch::matmul(p.a.t(), p.y[b].flatten());
    const auto x = torch::linalg_solve(eye + t * ata - p.w, rhs.unsqueeze(1)).squeeze(1);
    expect_close(z[b].flatten(), torch::matmul(p.w, x), 1e-7);
  }
}

// With the box [0, 1] and a separable linear denoiser W = w I (the prox of g(x) = (1/w - 1) ||x||^2 / 2),
// P_[0,1](W v) is exactly prox_{g + i_[0,1]}(v), so ADMM's fixed point is the box-constrained
// minimiser of D(x) + g(x) / tau, computed here by projected gradient descent. Binary images and a
// weak prior put the unconstrained minimiser outside the box, so the constraint is active.
TEST_P(PlugAndPlayFixedPoint, AdmmWithTheBoxMinimisesTheBoxConstrainedQuadratic) {
  auto p = make_problem(GetParam(), 3);
  torch::manual_seed(5);
  p.x_true = (torch::rand({3, 1, kSide, kSide}, torch::kFloat64) > 0.5).to(torch::kFloat64);
  p.y = p.op->apply(p.x_true) + p.sigma * torch::randn(p.op->apply(p.x_true).sizes(), torch::kFloat64);
  const double w = 0.9, s = 0.5;
  const auto eye = torch::eye(kPixels, torch::kFloat64);
  const auto denoiser = std::make_shared<LinearDenoiser>(w * eye);
  const DataFidelity data(p.op, p.y, p.sigma);
  const auto x = PnpAdmm(denoiser, tight(s).box(true)).solve(data, kLambda);
  const auto ata = torch::matmul(p.a.t(), p.a) / (p.sigma * p.sigma);
  std::vector<torch::Tensor> r;
  double outside = 0;
  for (int64_t b = 0; b < 3; ++b) {
    const double c = (1.0 / w - 1.0) * kLambda[b].item<double>() / (s * s);  // g / tau
    const auto h = ata + c * eye;
    const auto rhs = torch::matmul(p.a.t(), p.y[b].flatten()) / (p.sigma * p.sigma);
    const auto free = torch::linalg_solve(h, rhs.unsqueeze(1)).squeeze(1);
    outside = std::max(outside, (free - free.clamp(0, 1)).abs().max().item<double>());
    // Projected gradient on the strongly convex quadratic: step 1 / ||H||.
    const double step = 1.0 / torch::linalg_eigvalsh(h).max().item<double>();
    auto v = torch::zeros({kPixels}, torch::kFloat64);
    for (int i = 0; i < 20000; ++i) v = (v - step * (torch::mv(h, v) - rhs)).clamp(0, 1);
    r.push_back(v);
  }
  EXPECT_GT(outside, 0.05) << "the box is not active: the test would not see it";
  expect_close(x, torch::stack(r).view({3, 1, kSide, kSide}), 1e-6);
  EXPECT_GE(x.min().item<double>(), 0.0);
  EXPECT_LE(x.max().item<double>(), 1.0);
}

// cs: the data step by conjugate gradients; inpaint: in closed form (A^T A diagonal).
INSTANTIATE_TEST_SUITE_P(Operators, PlugAndPlayFixedPoint, ::testing::Values("cs:10", "inpaint:0.6"),
                         [](const auto& info) { return info.param.substr(0, info.param.find(':')); });

TEST(PlugAndPlay, DpirScheduleIsGeometricFromTheStartDownToTheMeasurementsLevel) {
  const auto s = PnpHqs::schedule(0.2, 0.025, 4);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_NEAR(s[0], 0.2, 1e-12);
  EXPECT_NEAR(s[1], 0.1, 1e-12);
  EXPECT_NEAR(s[2], 0.05, 1e-12);
  EXPECT_NEAR(s[3], 0.025, 1e-12);
  // A measurement noisier than the start: the start throughout.
  for (double v : PnpHqs::schedule(0.1, 0.3, 3)) EXPECT_DOUBLE_EQ(v, 0.1);
}

// With a network denoiser: a batch with one lambda per image equals each image solved alone.
TEST(PlugAndPlay, BatchedEqualsOneByOneWithPerSampleLambda) {
  torch::manual_seed(0);
  DnCnnConfig config;
  config.height = config.width = 12;
  config.depth = 3;
  config.features = 4;
  auto net = std::make_shared<DnCnn>(config);
  net->eval();
  const auto op = make_operator("blur:gauss5", 12, 12);
  const auto x_true = torch::rand({3, 1, 12, 12});
  const auto y = op->apply(x_true) + 0.05 * torch::randn({3, 1, 12, 12});
  const DataFidelity data(op, y, 0.05);
  const auto lambda = torch::tensor({1.0, 3.0, 10.0}, torch::kFloat64);
  for (const std::string method : {"pnp-hqs", "pnp-admm", "pnp-fista", "red"}) {
    const auto rec = make_method(method, MethodSettings().set("iterations", 30), MethodPriors{nullptr, net});
    const auto all = rec->solve(data, lambda);
    for (int64_t b = 0; b < 3; ++b) {
      const auto index = torch::tensor({b});
      const auto one = rec->solve(data.select(index), lambda.index_select(0, index));
      // Float32 convolutions round differently by batch size, and 30 iterations amplify it: equal
      // to 3e-4 of the image's scale (measured: up to 1.06e-4, red, once the blur's adjoint became a
      // convolution with the flipped kernel), 30 times less than a sample solved with another's lambda.
      const double scale = all.narrow(0, b, 1).abs().max().item<double>();
      EXPECT_LT((one - all.narrow(0, b, 1)).abs().max().item<double>(), 3e-4 * scale)
          << method << " sample " << b;
      // The tolerance is far below what a mix-up of the per-sample lambdas would change (not for
      // pnp-fista, whose lambda acts only through the denoiser's strength, which this blind DnCNN
      // ignores).
      if (method == "pnp-fista") continue;
      const auto swapped =
          rec->solve(data.select(index), lambda.index_select(0, torch::tensor({(b + 1) % 3})));
      EXPECT_GT((swapped - one).abs().max().item<double>(), 30 * 3e-4 * scale) << method << " sample " << b;
    }
    // Different lambdas give different images: the parameter reaches each sample.
    EXPECT_GT((all[0] - all[2]).abs().max().item<double>(), 1e-3) << method;
  }
}

TEST(PlugAndPlay, RefusesNonsense) {
  const auto p = make_problem("cs:10", 2);
  const auto denoiser = std::make_shared<LinearDenoiser>(p.w);
  const DataFidelity data(p.op, p.y, p.sigma);
  EXPECT_THROW(
      PnpAdmm(denoiser, PlugAndPlayOptions()).solve(data, torch::tensor({1.0, 0.0}, torch::kFloat64)), Error);
  EXPECT_THROW(PnpAdmm(denoiser, PlugAndPlayOptions())
                   .solve(data, torch::tensor({1.0, std::nan("")}, torch::kFloat64)),
               Error);
  EXPECT_THROW(PnpAdmm(denoiser, PlugAndPlayOptions().max_iterations(0)), Error);
  EXPECT_THROW(PnpAdmm(nullptr, PlugAndPlayOptions()), Error);
  EXPECT_THROW(make_method("pnp-hqs"), Error);  // no denoiser given
  // The one-shot denoiser is for denoise measurements.
  EXPECT_THROW(make_method("denoiser", {}, MethodPriors{nullptr, denoiser})
                   ->solve(data, torch::ones({2}, torch::kFloat64)),
               Error);
}

}  // namespace plug_and_play_test
}  // namespace genreg
