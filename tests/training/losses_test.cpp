// The loss terms against hand computations.
#include "genreg/training/losses.h"

#include <gtest/gtest.h>

#include <cmath>

namespace genreg {
namespace {

TEST(GaussianKl, MatchesClosedFormByHand) {
  // Sample 1: mu = (1, 0), var = (1, 2): 0.5 [(1 + 1 - 1 - 0) + (2 + 0 - 1 - log 2)] = 1 - log(2)/2.
  // Sample 2: the prior itself: 0.
  const auto mu = torch::tensor({1.0, 0.0, 0.0, 0.0}, torch::kFloat64).reshape({2, 2});
  const auto logvar = torch::tensor({0.0, std::log(2.0), 0.0, 0.0}, torch::kFloat64).reshape({2, 2});
  const auto kl = gaussian_kl(mu, logvar);
  EXPECT_NEAR(kl[0].item<double>(), 1.0 - 0.5 * std::log(2.0), 1e-12);
  EXPECT_NEAR(kl[1].item<double>(), 0.0, 1e-12);
}

TEST(GradientPenalty, LinearCriticHasConstantGradient) {
  // D(x) = <w, x>: grad D = w everywhere, so the penalty is (||w|| - 1)^2 = (3 - 1)^2 = 4 whatever
  // the interpolation, and its derivative in w is 2 (||w|| - 1) w / ||w||.
  auto w = torch::zeros({1, 1, 2, 2}, torch::kFloat64);
  w.view(-1)[0] = 2.0;
  w.view(-1)[1] = 1.0;
  w.view(-1)[2] = 2.0;  // ||w|| = 3
  w.requires_grad_(true);
  auto critic = [&](const torch::Tensor& x) { return (x * w).flatten(1).sum(1); };
  const auto real = torch::rand({5, 1, 2, 2}, torch::kFloat64),
             fake = torch::rand({5, 1, 2, 2}, torch::kFloat64);
  const auto alpha = torch::rand({5, 1, 1, 1}, torch::kFloat64);
  const auto gp = gradient_penalty(critic, real, fake, alpha);
  EXPECT_NEAR(gp.item<double>(), 4.0, 1e-9);
  gp.backward();
  const auto expected = 2.0 * (3.0 - 1.0) * w.detach() / 3.0;
  EXPECT_LT((w.grad() - expected).abs().max().item<double>(), 1e-9);
}

TEST(GradientPenalty, QuadraticCriticByHand) {
  // D(x) = ||x||^2 / 2: grad D(x_hat) = x_hat. With real = 1, fake = 0 (4 pixels) and alpha = 0.25,
  // x_hat = 0.25 everywhere, ||x_hat|| = 0.5, penalty (0.5 - 1)^2 = 0.25; with alpha = 1, ||x_hat|| = 2,
  // penalty 1. The batch mean is 0.625.
  auto critic = [](const torch::Tensor& x) { return 0.5 * x.square().flatten(1).sum(1); };
  const auto real = torch::ones({2, 1, 2, 2}, torch::kFloat64),
             fake = torch::zeros({2, 1, 2, 2}, torch::kFloat64);
  const auto alpha = torch::tensor({0.25, 1.0}, torch::kFloat64).reshape({2, 1, 1, 1});
  EXPECT_NEAR(gradient_penalty(critic, real, fake, alpha).item<double>(), 0.625, 1e-9);
}

TEST(R1Penalty, QuadraticCriticByHand) {
  // grad D(x) = x: the penalty is the mean of ||x||^2: (4 * 1 + 4 * 0.25) / 2 = 2.5.
  auto critic = [](const torch::Tensor& x) { return 0.5 * x.square().flatten(1).sum(1); };
  auto real = torch::ones({2, 1, 2, 2}, torch::kFloat64);
  real[1].fill_(0.5);
  EXPECT_NEAR(r1_penalty(critic, real).item<double>(), 2.5, 1e-9);
}

}  // namespace
}  // namespace genreg
