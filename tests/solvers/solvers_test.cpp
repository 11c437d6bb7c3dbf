#include <gtest/gtest.h>

#include "genreg/functionals/data_fidelity.h"
#include "genreg/functionals/norms.h"
#include "genreg/operators/gaussian_matrix.h"
#include "genreg/operators/make_operator.h"
#include "genreg/solvers/backtracking.h"
#include "genreg/solvers/classical.h"

using namespace genreg;

namespace {

// f_b(x) = 1/2 (x - c_b)^T Q_b (x - c_b) with Q_b = diag(q_b): the minimiser is c_b.
struct Quadratic {
  torch::Tensor q, c;  // (B, n)
  torch::Tensor value(const torch::Tensor& x, const torch::Tensor& index) const {
    auto d = x - c.index_select(0, index);
    return 0.5 * (q.index_select(0, index) * d * d).sum(1);
  }
};

}  // namespace

TEST(Backtracking, ReachesTheMinimiserOfQuadraticsWithPerSampleCurvature) {
  torch::manual_seed(0);
  Quadratic quad{
      torch::stack({torch::full({5}, 0.5, torch::kFloat64), torch::linspace(1, 50, 5, torch::kFloat64),
                    torch::full({5}, 300.0, torch::kFloat64)}),
      torch::randn({3, 5}, torch::kFloat64)};
  FunctionObjective f([&](const torch::Tensor& x, const torch::Tensor& i) { return quad.value(x, i); });
  SolverSummary summary;
  torch::Tensor lipschitz;
  auto x = minimize_backtracking(f, torch::zeros({3, 5}, torch::kFloat64),
                                 BacktrackingOptions().max_iterations(5000).tolerance(1e-12), &summary, {},
                                 &lipschitz);
  EXPECT_TRUE(torch::allclose(x, quad.c, 1e-6, 1e-6)) << x << quad.c;
  EXPECT_EQ(summary.count(SampleStatus::converged), 3);
  // Each sample found a step size of its own: L near its largest curvature, not a shared one.
  EXPECT_LT(lipschitz[0].item<double>(), 2.0);
  EXPECT_GT(lipschitz[2].item<double>(), 150.0);
  // The easy sample needed far fewer iterations than the ill-conditioned one.
  EXPECT_LT(summary.iterations[0].item<int64_t>(), summary.iterations[1].item<int64_t>());
}

// Keeping an accepted trial's graph for the next gradient changes the cost, not the path.
TEST(Backtracking, DeferredGradientFollowsTheSamePath) {
  torch::manual_seed(0);
  Quadratic quad{
      torch::stack({torch::full({5}, 0.5, torch::kFloat64), torch::linspace(1, 50, 5, torch::kFloat64),
                    torch::full({5}, 300.0, torch::kFloat64)}),
      torch::randn({3, 5}, torch::kFloat64)};
  struct Deferring : BatchObjective {
    const Quadratic* q = nullptr;
    mutable int deferred_calls = 0;
    torch::Tensor value(const torch::Tensor& x, const torch::Tensor& i) const override {
      return q->value(x, i);
    }
    bool defers_gradient() const override { return true; }
    DeferredValue value_deferred(const torch::Tensor& x, const torch::Tensor& i) const override {
      ++deferred_calls;
      torch::AutoGradMode on(true);
      auto leaf = x.detach().requires_grad_(true);
      auto v = q->value(leaf, i);
      return {v.detach(), [leaf, v](const torch::Tensor& rows) {
                torch::AutoGradMode on(true);  // the solver runs without gradients
                return torch::autograd::grad({v.index_select(0, rows).sum()}, {leaf})[0].index_select(0,
                                                                                                      rows);
              }};
    }
  } deferring;
  deferring.q = &quad;
  FunctionObjective plain([&](const torch::Tensor& x, const torch::Tensor& i) { return quad.value(x, i); });
  SolverSummary a, b;
  const auto options = BacktrackingOptions().max_iterations(300).tolerance(1e-12);
  const auto x0 = torch::zeros({3, 5}, torch::kFloat64);
  const auto xa = minimize_backtracking(plain, x0, options, &a);
  const auto xb = minimize_backtracking(deferring, x0, options, &b);
  EXPECT_GT(deferring.deferred_calls, 0);
  EXPECT_TRUE(torch::equal(xa, xb)) << xa - xb;
  EXPECT_TRUE(torch::equal(a.iterations, b.iterations));
  EXPECT_EQ(a.history, b.history);
}

TEST(Backtracking, ObjectiveNeverIncreases) {
  const auto op = make_operator("cs:20", 6, 6);
  auto y = torch::randn({4, 20}, torch::kFloat64);
  DataFidelity data(op, y, 0.1);
  FunctionObjective f(
      [&](const torch::Tensor& x, const torch::Tensor& i) { return data.select(i).value(x); });
  std::vector<double> history;
  minimize_backtracking(f, torch::zeros({4, 1, 6, 6}, torch::kFloat64),
                        BacktrackingOptions().max_iterations(200), nullptr,
                        [&](int64_t, const torch::Tensor&, const torch::Tensor& objective) {
                          history.push_back(objective.sum().item<double>());
                          return true;
                        });
  ASSERT_GT(history.size(), 10u);
  for (size_t k = 1; k < history.size(); ++k) EXPECT_LE(history[k], history[k - 1] * (1 + 1e-12));
}

TEST(Backtracking, FreezesSamplesThatCannotDecrease) {
  // |x| has a kink at 0: at x = 0 with the subgradient 1 no step passes the test. The safeguard
  // must stop that sample (stalled) while the smooth sample converges.
  FunctionObjective f(
      [](const torch::Tensor& x, const torch::Tensor& i) {
        auto smooth = (x - 1).pow(2).sum(1);
        auto kink = x.abs().sum(1);
        return torch::where(i == 0, smooth, kink);
      },
      [](const torch::Tensor& x, const torch::Tensor& i) {
        auto g_smooth = 2 * (x - 1);
        auto g_kink = torch::ones_like(x);
        return torch::where((i == 0).unsqueeze(1), g_smooth, g_kink);
      });
  SolverSummary summary;
  minimize_backtracking(f, torch::zeros({2, 3}, torch::kFloat64), BacktrackingOptions().max_backtracks(30),
                        &summary);
  EXPECT_EQ(summary.status[0].item<int64_t>(), static_cast<int64_t>(SampleStatus::converged));
  EXPECT_EQ(summary.status[1].item<int64_t>(), static_cast<int64_t>(SampleStatus::stalled));
  EXPECT_EQ(summary.iterations[1].item<int64_t>(), 1);
}

TEST(Tikhonov, MatchesTheClosedFormSolution) {
  const auto op = std::make_shared<GaussianMatrix>(5, 4, 30, 7);  // overdetermined: lambda = 0 is well posed
  auto y = torch::randn({3, 30}, torch::kFloat64);
  const double sigma = 0.2;
  auto lambda = torch::tensor({0.0, 1.0, 25.0}, torch::kFloat64);
  SolverSummary summary;
  auto x = solve_tikhonov(DataFidelity(op, y, sigma), lambda, ConjugateGradientOptions().tolerance(1e-12),
                          &summary);
  const auto& a = op->matrix();
  for (int64_t b = 0; b < 3; ++b) {
    // (A^T A / s^2 + 2 lambda I) x = A^T y / s^2
    auto h = torch::mm(a.t(), a) / (sigma * sigma) +
             2 * lambda[b].item<double>() * torch::eye(20, torch::kFloat64);
    auto rhs = torch::mv(a.t(), y[b]) / (sigma * sigma);
    auto exact = torch::linalg_solve(h, rhs.unsqueeze(1), true).squeeze(1);
    EXPECT_TRUE(torch::allclose(x[b].flatten(), exact, 1e-7, 1e-8)) << "lambda " << lambda[b].item<double>();
  }
  EXPECT_EQ(summary.count(SampleStatus::converged), 3);
}

TEST(TotalVariationPdhg, SolvesDenoisingOfAStepToTheKnownMinimiser) {
  // Denoising (A = I) a unit step across an n x n image (a vertical edge through every row): the
  // minimiser stays two-level, a on the left and b = 1 - a on the right, where
  //   d/da [ (n^2/2) a^2 / (2 sigma^2) + lambda n (b - a) ] = 0  gives  a = 2 lambda sigma^2 / n.
  const int64_t n = 8;
  auto x_true = torch::zeros({1, 1, n, n}, torch::kFloat64);
  x_true.narrow(3, n / 2, n / 2).fill_(1.0);
  const auto op = make_operator("denoise", n, n);
  const double sigma = 0.5, lambda = 1.0;
  DataFidelity data(op, x_true.clone(), sigma);
  SolverSummary summary;
  auto x = solve_tv(data, torch::tensor({lambda}, torch::kFloat64),
                    PdhgOptions().max_iterations(20000).tolerance(1e-12).box(false), &summary);
  // Optimality for the two-level solution: (x_side - y_side) * pixels / sigma^2 = -/+ lambda * n.
  const double shift = 2.0 * lambda * sigma * sigma / n;
  EXPECT_NEAR(x[0][0][0][0].item<double>(), shift, 1e-6);
  EXPECT_NEAR(x[0][0][0][n - 1].item<double>(), 1.0 - shift, 1e-6);
  // Each side stays flat.
  const auto left = x.narrow(3, 0, n / 2);
  EXPECT_NEAR((left.max() - left.min()).item<double>(), 0.0, 1e-6);
}

TEST(TotalVariationPdhg, BatchedLambdasEqualSeparateSolves) {
  const auto op = make_operator("blur:gauss5", 12, 12);
  torch::manual_seed(2);
  auto x_true = torch::rand({1, 1, 12, 12}, torch::kFloat64);
  auto y = op->apply(x_true) + 0.05 * torch::randn({1, 1, 12, 12}, torch::kFloat64);
  auto lambdas = torch::tensor({0.01, 0.1, 1.0}, torch::kFloat64);
  auto ys = y.expand({3, 1, 12, 12}).contiguous();
  const auto options = PdhgOptions().max_iterations(300).tolerance(0);
  auto together = solve_tv(DataFidelity(op, ys, 0.05), lambdas, options);
  for (int64_t b = 0; b < 3; ++b) {
    auto alone = solve_tv(DataFidelity(op, y, 0.05), lambdas.slice(0, b, b + 1), options);
    EXPECT_TRUE(torch::allclose(together[b], alone[0], 1e-10, 1e-12));
  }
  // Larger lambda, smaller TV.
  TotalVariation tv(12, 12);
  auto tvs = tv.value(together);
  EXPECT_GT(tvs[0].item<double>(), tvs[1].item<double>());
  EXPECT_GT(tvs[1].item<double>(), tvs[2].item<double>());
  // The box holds.
  EXPECT_GE(together.min().item<double>(), 0.0);
  EXPECT_LE(together.max().item<double>(), 1.0);
}

TEST(TotalVariationPdhg, ObjectiveIsBelowThatOfPerturbations) {
  const auto op = make_operator("cs:60", 10, 10);
  torch::manual_seed(4);
  auto x_true = torch::rand({2, 1, 10, 10}, torch::kFloat64);
  auto y = op->apply(x_true) + 0.05 * torch::randn({2, 60}, torch::kFloat64);
  DataFidelity data(op, y, 0.05);
  auto lambda = torch::tensor({0.5, 5.0}, torch::kFloat64);
  auto x = solve_tv(data, lambda, PdhgOptions().max_iterations(20000).tolerance(1e-10).box(false));
  const auto best = tv_objective(data, lambda, x);
  for (int t = 0; t < 20; ++t) {
    auto other = tv_objective(data, lambda, x + 1e-3 * torch::randn_like(x));
    EXPECT_TRUE((other >= best - 1e-6 * best.abs()).all().item<bool>());
  }
}
