#include <gtest/gtest.h>

#include "genreg/core/error.h"
#include "genreg/functionals/data_fidelity.h"
#include "genreg/functionals/norms.h"
#include "genreg/operators/make_operator.h"

using namespace genreg;

namespace {

// Central finite differences of value().sum() along a random direction d: (f(x+hd) - f(x-hd)) / 2h,
// compared with <grad f(x), d>.
void expect_gradient_matches_finite_differences(const Functional& f, const torch::Tensor& x, double tol) {
  auto d = torch::randn_like(x);
  const double h = 1e-6;
  const double numeric = ((f.value(x + h * d).sum() - f.value(x - h * d).sum()) / (2 * h)).item<double>();
  const double analytic = (f.gradient(x) * d).sum().item<double>();
  EXPECT_NEAR(analytic, numeric, tol * std::max(1.0, std::abs(numeric))) << f.name();
}

}  // namespace

TEST(Functionals, GradientsMatchFiniteDifferences) {
  torch::manual_seed(0);
  const auto op = make_operator("cs:30", 8, 8);
  auto y = torch::randn({3, 30}, torch::kFloat64);
  auto x = torch::rand({3, 1, 8, 8}, torch::kFloat64);
  expect_gradient_matches_finite_differences(DataFidelity(op, y, 0.1), x, 1e-6);
  expect_gradient_matches_finite_differences(SquaredL2(), x, 1e-6);
  // TV's gradient is that of the smoothed TV; with epsilon large enough to be smooth at the scale h.
  TotalVariation tv(8, 8, TotalVariationOptions().epsilon(0.1));
  const auto smoothed_value = [&](const torch::Tensor& z) {
    auto g = tv.grad().apply(z);
    return sum_per_sample((g.pow(2).sum(1) + 0.01).sqrt());
  };
  auto d = torch::randn_like(x);
  const double h = 1e-6;
  const double numeric =
      ((smoothed_value(x + h * d).sum() - smoothed_value(x - h * d).sum()) / (2 * h)).item<double>();
  EXPECT_NEAR((tv.gradient(x) * d).sum().item<double>(), numeric, 1e-6 * std::abs(numeric));
}

TEST(Functionals, DataFidelityValueMatchesItsDefinition) {
  const auto op = make_operator("denoise", 2, 2);
  auto x = torch::tensor({0.0, 1.0, 2.0, 3.0}, torch::kFloat64).view({1, 1, 2, 2});
  auto y = torch::zeros({1, 1, 2, 2}, torch::kFloat64);
  DataFidelity d(op, y, 0.5);
  // ||x||^2 / (2 * 0.25) = 14 / 0.5 = 28.
  EXPECT_DOUBLE_EQ(d.value(x).item<double>(), 28.0);
  EXPECT_DOUBLE_EQ(d.discrepancy(x).item<double>(), 14.0);
  EXPECT_THROW(DataFidelity(op, y, 0.0), genreg::Error);
}

TEST(Functionals, ProxOfL1IsSoftThresholdingPerSample) {
  L1Norm l1;
  auto x =
      torch::tensor({{-2.0, -0.5, 0.2, 3.0}, {-2.0, -0.5, 0.2, 3.0}}, torch::kFloat64).view({2, 1, 2, 2});
  auto p = l1.prox(x, torch::tensor({1.0, 0.1}, torch::kFloat64)).view({2, 4});
  EXPECT_TRUE(torch::allclose(p[0], torch::tensor({-1.0, 0.0, 0.0, 2.0}, torch::kFloat64)));
  EXPECT_TRUE(torch::allclose(p[1], torch::tensor({-1.9, -0.4, 0.1, 2.9}, torch::kFloat64)));
}

TEST(Functionals, ProxesMinimiseTheirDefiningProblem) {
  // prox_{tau f}(x) minimises f(u) + ||u - x||^2 / (2 tau): random perturbations never do better.
  torch::manual_seed(3);
  auto x = torch::rand({2, 1, 10, 10}, torch::kFloat64);
  const auto tau = torch::tensor({0.05, 0.3}, torch::kFloat64);
  SquaredL2 l2;
  L1Norm l1;
  TotalVariation tv(10, 10, TotalVariationOptions().prox_iterations(2000).prox_tolerance(1e-10));
  for (const Functional* f : std::vector<const Functional*>{&l2, &l1, &tv}) {
    auto u = f->prox(x, tau);
    auto objective = [&](const torch::Tensor& v) {
      return f->value(v) + sum_per_sample((v - x).pow(2)) / (2.0 * tau);
    };
    const auto best = objective(u);
    for (int trial = 0; trial < 20; ++trial) {
      auto other = objective(u + 1e-3 * torch::randn_like(u));
      EXPECT_TRUE((other >= best - 1e-9).all().item<bool>()) << f->name();
    }
  }
}

TEST(Functionals, TvOfAStepIsItsJumpTimesItsLength) {
  // A vertical edge of height 0.5 across 6 rows: TV = 6 * 0.5.
  auto x = torch::zeros({1, 1, 6, 8}, torch::kFloat64);
  x.narrow(3, 4, 4).fill_(0.5);
  TotalVariation tv(6, 8);
  EXPECT_DOUBLE_EQ(tv.value(x).item<double>(), 3.0);
  // A constant image is its own TV prox.
  auto c = torch::full({1, 1, 6, 8}, 0.3, torch::kFloat64);
  EXPECT_TRUE(torch::allclose(tv.prox(c, torch::tensor(0.7, torch::kFloat64)), c));
}
