// The flow ODE integrators against a Gaussian target, where the rectified-flow velocity and the
// flow's map are known in closed form: for x_1 ~ N(mu, S) and x_0 ~ N(0, I) independent,
// x_t = (1 - t) x_0 + t x_1 has covariance C_t = (1 - t)^2 I + t^2 S, and
//   v(x, t) = E[x_1 - x_0 | x_t = x] = mu + (t S - (1 - t) I) C_t^{-1} (x - t mu),
// whose flow carries x_0 to x_1 = mu + S^{1/2} x_0 (S^{1/2} the symmetric root: in S's eigenbasis
// each coordinate moves as t mu + sqrt((1 - t)^2 + t^2 s) x_0).
#include "genreg/models/flow_sampling.h"

#include <gtest/gtest.h>

#include "genreg/core/error.h"

namespace genreg {
namespace flow_sampling_test {

struct GaussianTarget {
  torch::Tensor mu, s;  // (n), (n, n), float64

  torch::Tensor velocity(const torch::Tensor& x, double t) const {
    const int64_t n = mu.size(0);
    const auto eye = torch::eye(n, torch::kFloat64);
    const auto c = (1 - t) * (1 - t) * eye + t * t * s;
    const auto gain = torch::matmul(t * s - (1 - t) * eye, torch::inverse(c));
    return mu.unsqueeze(0) + torch::matmul(x - t * mu.unsqueeze(0), gain.t());
  }
  torch::Tensor exact_map(const torch::Tensor& x0) const {
    const auto eig = torch::linalg_eigh(s, "L");
    const auto root =
        torch::matmul(std::get<1>(eig) * torch::sqrt(std::get<0>(eig)).unsqueeze(0), std::get<1>(eig).t());
    return mu.unsqueeze(0) + torch::matmul(x0, root.t());
  }
};

GaussianTarget test_target() {
  const auto b = torch::tensor({{0.8, 0.3, 0.0}, {0.0, 0.5, 0.2}, {0.1, 0.0, 0.3}}, torch::kFloat64);
  return {torch::tensor({0.5, -1.0, 2.0}, torch::kFloat64),
          torch::matmul(b, b.t()) + 0.05 * torch::eye(3, torch::kFloat64)};
}

double map_error(const GaussianTarget& target, int64_t steps, OdeSolver solver) {
  torch::manual_seed(0);
  const auto x0 = torch::randn({64, 3}, torch::kFloat64);
  const auto v = [&](const torch::Tensor& x, double t) { return target.velocity(x, t); };
  return (integrate_flow(v, x0, steps, solver) - target.exact_map(x0)).abs().max().item<double>();
}

TEST(FlowSampling, HeunReachesTheExactGaussianMapAndConvergesAtSecondOrder) {
  const auto target = test_target();
  const double heun10 = map_error(target, 10, OdeSolver::heun),
               heun20 = map_error(target, 20, OdeSolver::heun);
  EXPECT_LT(heun20, 3e-3);
  // Halving the step divides a second-order method's error by about 4.
  EXPECT_GT(heun10 / heun20, 3.0);
  EXPECT_LT(heun10 / heun20, 5.5);
}

TEST(FlowSampling, EulerConvergesAtFirstOrderAndHeunBeatsItPerEvaluation) {
  const auto target = test_target();
  const double euler20 = map_error(target, 20, OdeSolver::euler),
               euler40 = map_error(target, 40, OdeSolver::euler);
  EXPECT_GT(euler20 / euler40, 1.7);
  EXPECT_LT(euler20 / euler40, 2.3);
  // 40 evaluations each.
  EXPECT_LT(map_error(target, 20, OdeSolver::heun), 0.2 * euler40);
}

TEST(FlowSampling, SamplesFollowTheTargetLaw) {
  const auto target = test_target();
  torch::manual_seed(1);
  const auto x0 = torch::randn({20000, 3}, torch::kFloat64);
  const auto v = [&](const torch::Tensor& x, double t) { return target.velocity(x, t); };
  const auto x1 = integrate_flow(v, x0, 20, OdeSolver::heun);
  EXPECT_LT((x1.mean(0) - target.mu).abs().max().item<double>(), 0.03);
  const auto centred = x1 - x1.mean(0, true);
  const auto cov = torch::matmul(centred.t(), centred) / (x1.size(0) - 1);
  EXPECT_LT((cov - target.s).abs().max().item<double>(), 0.03);
}

TEST(FlowSampling, RefusesNoStepsAndUnknownSolvers) {
  const auto v = [](const torch::Tensor& x, double) { return x; };
  EXPECT_THROW(integrate_flow(v, torch::zeros({1, 2}), 0, OdeSolver::euler), Error);
  EXPECT_THROW(parse_ode_solver("rk4"), Error);
  EXPECT_EQ(parse_ode_solver("heun"), OdeSolver::heun);
  EXPECT_EQ(flow_evaluations(10, OdeSolver::heun), 20);
}

}  // namespace flow_sampling_test
}  // namespace genreg
