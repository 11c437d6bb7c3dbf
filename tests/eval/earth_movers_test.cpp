#include "genreg/eval/earth_movers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "genreg/core/error.h"

using namespace genreg;

namespace {

// min over permutations p of mean_i ||a_i - b_p(i)||^2: the optimum for equal sizes (Birkhoff).
double brute_force_emd(const torch::Tensor& a, const torch::Tensor& b) {
  const auto cost = squared_distances(a, b);
  const int64_t n = a.size(0);
  std::vector<int64_t> p(n);
  std::iota(p.begin(), p.end(), 0);
  double best = 1e300;
  do {
    double total = 0;
    for (int64_t i = 0; i < n; ++i) total += cost[i][p[i]].item<double>();
    best = std::min(best, total / n);
  } while (std::next_permutation(p.begin(), p.end()));
  return best;
}

// Squared 2-Wasserstein distance of two uniform point sets on the line: the monotone (quantile)
// coupling is optimal for a convex cost, so integrate (F^-1(t) - G^-1(t))^2 over t in [0, 1].
double quantile_emd(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const double n = a.size(), m = b.size();
  std::vector<double> cuts{0.0, 1.0};
  for (size_t i = 1; i < a.size(); ++i) cuts.push_back(i / n);
  for (size_t j = 1; j < b.size(); ++j) cuts.push_back(j / m);
  std::sort(cuts.begin(), cuts.end());
  double total = 0;
  for (size_t k = 0; k + 1 < cuts.size(); ++k) {
    const double t = 0.5 * (cuts[k] + cuts[k + 1]);
    const double d = a[static_cast<size_t>(t * n)] - b[static_cast<size_t>(t * m)];
    total += (cuts[k + 1] - cuts[k]) * d * d;
  }
  return total;
}

}  // namespace

TEST(EarthMovers, SquaredDistancesMatchTheDefinition) {
  torch::manual_seed(3);
  const auto a = torch::randn({4, 1, 2, 3}, torch::kFloat64), b = torch::randn({5, 1, 2, 3}, torch::kFloat64);
  const auto d = squared_distances(a, b);
  ASSERT_EQ(d.sizes(), (std::vector<int64_t>{4, 5}));
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 5; ++j)
      EXPECT_NEAR(d[i][j].item<double>(), (a[i] - b[j]).pow(2).sum().item<double>(), 1e-10);
}

TEST(EarthMovers, EqualsTheBruteForceOptimumOnSmallSets) {
  for (int seed = 0; seed < 5; ++seed) {
    torch::manual_seed(seed);
    const int64_t n = 4 + seed % 3;
    const auto a = torch::rand({n, 1, 3, 3}), b = torch::rand({n, 1, 3, 3}) + 0.2;
    const auto result = earth_movers_distance(a, b);
    EXPECT_NEAR(result.distance, brute_force_emd(a, b), 1e-9) << "seed " << seed;
    // The optimal plan of equal uniform weights is a permutation.
    EXPECT_EQ(result.rows.numel(), n);
    EXPECT_EQ(std::get<0>(result.cols.sort()).equal(torch::arange(n)), true);
  }
}

TEST(EarthMovers, UnequalSizesMatchTheQuantileCouplingOnTheLine) {
  const std::vector<double> a{0.3, -1.2, 2.0, 0.7}, b{1.1, -0.4, 0.0, 2.6, -2.0, 0.9};
  const auto result = earth_movers_distance(torch::tensor(a, torch::kFloat64).view({4, 1}),
                                            torch::tensor(b, torch::kFloat64).view({6, 1}));
  EXPECT_NEAR(result.distance, quantile_emd(a, b), 1e-9);
  // The plan is a coupling: row sums 1/N, column sums 1/M.
  const auto rows = torch::zeros({4}, torch::kFloat64).index_add_(0, result.rows, result.mass);
  const auto cols = torch::zeros({6}, torch::kFloat64).index_add_(0, result.cols, result.mass);
  EXPECT_TRUE(torch::allclose(rows, torch::full({4}, 0.25, torch::kFloat64)));
  EXPECT_TRUE(torch::allclose(cols, torch::full({6}, 1.0 / 6, torch::kFloat64)));
}

TEST(EarthMovers, TranslationCostsTheSquaredShift) {
  // The identity coupling costs ||c||^2 and no coupling beats the distance of the means.
  torch::manual_seed(7);
  const auto a = torch::rand({30, 8});
  const auto c = torch::randn({1, 8});
  EXPECT_NEAR(earth_movers_distance(a, a + c).distance, c.to(torch::kFloat64).pow(2).sum().item<double>(),
              1e-6);
  EXPECT_NEAR(earth_movers_distance(a, a).distance, 0.0, 1e-12);
}

TEST(EarthMovers, BadCostsAreErrors) {
  EXPECT_THROW(optimal_transport(-torch::ones({2, 2})), genreg::Error);
  EXPECT_THROW(optimal_transport(torch::full({2, 2}, NAN)), genreg::Error);
  EXPECT_THROW(earth_movers_distance(torch::ones({2, 3}), torch::ones({2, 4})), genreg::Error);
}
