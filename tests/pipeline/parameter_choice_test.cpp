#include "genreg/pipeline/parameter_choice.h"

#include <gtest/gtest.h>

#include "genreg/core/error.h"
#include "genreg/solvers/classical_methods.h"

using namespace genreg;

TEST(ParameterChoice, LambdaGridIsGeometric) {
  const auto g = parse_lambda_grid("1e-3:10:5");
  ASSERT_EQ(g.size(), 5u);
  EXPECT_NEAR(g[0], 1e-3, 1e-15);
  EXPECT_NEAR(g[1], 1e-2, 1e-14);
  EXPECT_NEAR(g[4], 10.0, 1e-12);
  // Decades come out exact (they name results and are compared with ==).
  EXPECT_EQ(parse_lambda_grid("1e-2:1e2:5")[3], 10.0);
  EXPECT_EQ(parse_lambda_grid("1e-1:1e3:9")[2], 1.0);
  EXPECT_NEAR(parse_lambda_grid("1:100:5")[1], std::sqrt(10.0), 1e-11);
  EXPECT_THROW(parse_lambda_grid("0:1:3"), genreg::Error);
  EXPECT_THROW(parse_lambda_grid("1:2"), genreg::Error);
  EXPECT_THROW(parse_lambda_grid("2:1:3"), genreg::Error);
}

TEST(ParameterChoice, DiscrepancyPrincipleTakesTheLargestFittingLambda) {
  SweepResult sweep;
  sweep.lambdas = {0.1, 1.0, 10.0};
  // M sigma^2 = 4 * 0.5^2 = 1. Image 0 fits up to lambda 1; image 1 fits everywhere; image 2 nowhere.
  sweep.discrepancy = torch::tensor({{0.5, 0.2, 3.0}, {0.9, 0.4, 4.0}, {1.5, 0.8, 5.0}}, torch::kFloat64);
  const auto choice = choose_by_discrepancy(sweep, 4, 0.5);
  EXPECT_EQ(choice[0].item<int64_t>(), 1);
  EXPECT_EQ(choice[1].item<int64_t>(), 2);
  EXPECT_EQ(choice[2].item<int64_t>(), 0);
}

TEST(ParameterChoice, ValidationTakesTheBestMeanPsnr) {
  SweepResult sweep;
  sweep.lambdas = {0.1, 1.0, 10.0};
  sweep.psnr = torch::tensor({{20.0, 22.0}, {23.0, 20.0}, {21.0, 21.5}}, torch::kFloat64);
  EXPECT_EQ(choose_by_validation(sweep), 1);  // means 21, 21.5, 21.25
}

TEST(ParameterChoice, SweepEqualsSeparateSolves) {
  const auto data = load_dataset("shapes", DatasetOptions().split("test").range(IndexRange::parse("0:3")));
  const auto m = simulate_measurements(data, "blur:gauss5", NoiseModel::parse("0.05"), 0);
  TikhonovReconstructor tikhonov(ConjugateGradientOptions().tolerance(1e-10));
  const std::vector<double> lambdas = {0.01, 1.0};
  const auto sweep = sweep_lambdas(tikhonov, m, lambdas, /*max_samples=*/4);  // two images a chunk
  ASSERT_EQ(sweep.x.sizes(), (std::vector<int64_t>{2, 3, 1, 56, 56}));
  for (size_t k = 0; k < lambdas.size(); ++k) {
    const auto alone = reconstruct(tikhonov, m, torch::full({3}, lambdas[k], torch::kFloat64)).x;
    EXPECT_TRUE(torch::allclose(sweep.x[k], alone, 1e-5, 1e-6));
  }
  // More regularisation fits the data less.
  EXPECT_TRUE((sweep.discrepancy[1] > sweep.discrepancy[0]).all().item<bool>());
  EXPECT_EQ(sweep.psnr.sizes(), (std::vector<int64_t>{2, 3}));
}
