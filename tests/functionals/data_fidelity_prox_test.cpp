// DataFidelity::prox against its definition: for every operator family, the closed form (denoise,
// inpaint, mri) or conjugate gradients (blur, cs, tomo) equal a dense solve of
// (I + t A^T A) u = x + t A^T y, t = tau / sigma^2, with A built column by column.
#include <gtest/gtest.h>

#include "genreg/core/error.h"
#include "genreg/functionals/data_fidelity.h"
#include "genreg/operators/make_operator.h"

using namespace genreg;

namespace data_fidelity_prox_test {

struct ProxCase {
  std::string spec;
  int64_t height, width;
  bool closed_form;
};

void PrintTo(const ProxCase& c, std::ostream* os) { *os << c.spec << " on " << c.height << "x" << c.width; }

class DataFidelityProx : public ::testing::TestWithParam<ProxCase> {};

// The dense matrix of A (M x n) in float64.
torch::Tensor dense_matrix(const LinearOperator& op) {
  const int64_t n = op.domain_size();
  const auto basis = torch::eye(n, torch::kFloat64).view(batched_shape(n, op.domain_shape()));
  return op.apply(basis).flatten(1).t().contiguous();
}

TEST_P(DataFidelityProx, EqualsTheDenseSolveOfItsDefinition) {
  const auto c = GetParam();
  const auto op = make_operator(c.spec, c.height, c.width);
  EXPECT_EQ(op->gram_diagonal().has_value(), c.closed_form) << c.spec;
  torch::manual_seed(3);
  const int64_t b = 3;
  const double sigma = 0.1;
  const auto x = torch::rand(batched_shape(b, op->domain_shape()), torch::kFloat64);
  const auto y = torch::randn(batched_shape(b, op->range_shape()), torch::kFloat64);
  // One step per sample, over three orders of magnitude of t = tau / sigma^2.
  const auto tau = torch::tensor({1e-3, 1e-2, 1e-1}, torch::kFloat64);
  DataFidelity data(op, y, sigma);
  data.set_prox_options(DataProxOptions().max_iterations(2000).tolerance(1e-12));
  ASSERT_TRUE(data.has_prox());
  const auto u = data.prox(x, tau);
  ASSERT_EQ(u.sizes(), x.sizes());

  const auto a = dense_matrix(*op);
  const int64_t n = a.size(1);
  for (int64_t s = 0; s < b; ++s) {
    const double t = tau[s].item<double>() / (sigma * sigma);
    const auto h = torch::eye(n, torch::kFloat64) + t * a.t().mm(a);
    const auto rhs = x[s].flatten() + t * a.t().mv(y[s].flatten());
    const auto expected = torch::linalg_solve(h, rhs.unsqueeze(1)).squeeze(1);
    const double error = (u[s].flatten() - expected).norm().item<double>() / expected.norm().item<double>();
    EXPECT_LT(error, 1e-9) << c.spec << " sample " << s << " (t = " << t << ")";
  }
  // The prox is a minimiser: its objective is below that of nearby points.
  auto objective = [&](const torch::Tensor& v) {
    return data.value(v) + ((v - x).pow(2).flatten(1).sum(1) / (2.0 * tau));
  };
  const auto nudged = u + 1e-3 * torch::randn_like(u);
  EXPECT_TRUE((objective(u) <= objective(nudged)).all().item<bool>());
}

INSTANTIATE_TEST_SUITE_P(EveryFamily, DataFidelityProx,
                         ::testing::Values(ProxCase{"denoise", 8, 8, true},
                                           ProxCase{"inpaint:0.4", 8, 10, true},
                                           ProxCase{"mri:2,seed=1,center=0.2", 8, 6, true},
                                           ProxCase{"mri:4", 12, 12, true},
                                           ProxCase{"blur:gauss5", 8, 8, false},
                                           ProxCase{"cs:30", 8, 8, false}, ProxCase{"tomo", 10, 10, false}),
                         [](const auto& info) { return "case" + std::to_string(info.index); });

TEST(DataFidelityProxArguments, RejectsNonPositiveOrNonFiniteSteps) {
  const auto op = make_operator("denoise", 4, 4);
  DataFidelity data(op, torch::zeros({2, 1, 4, 4}), 0.1);
  const auto x = torch::zeros({2, 1, 4, 4});
  EXPECT_THROW(data.prox(x, torch::tensor({1.0, 0.0})), genreg::Error);
  EXPECT_THROW(data.prox(x, torch::tensor({1.0, std::nan("")})), genreg::Error);
  EXPECT_THROW(data.prox(x, torch::tensor({1.0, 1.0, 1.0})), genreg::Error);
}

}  // namespace data_fidelity_prox_test

// The weighted least squares of CT photon noise: value, gradient against finite differences, and
// the prox reaching the closed-form minimiser of a small problem solved densely.
TEST(WeightedDataFidelity, GradientAndProxAreTheWeightedOnes) {
  const auto op = make_operator("ct:fan,views=12,detectors=15", 8, 8);
  torch::manual_seed(3);
  const auto y = torch::rand(batched_shape(2, op->range_shape()), torch::kFloat64) * 0.1;
  const auto w = torch::rand_like(y) * 5.0 + 0.5;
  const DataFidelity data(op, y, 0.7, w);
  const auto x = torch::rand({2, 1, 8, 8}, torch::kFloat64);
  const auto r = op->apply(x) - y;
  EXPECT_TRUE(torch::allclose(data.value(x), (w * r * r).flatten(1).sum(1) / (2 * 0.49), 1e-12, 0));
  // Gradient against central differences along a random direction.
  const auto d = torch::randn_like(x);
  const double h = 1e-6;
  const auto fd = (data.value(x + h * d) - data.value(x - h * d)) / (2 * h);
  EXPECT_TRUE(torch::allclose(fd, (data.gradient(x) * d).flatten(1).sum(1), 1e-6, 1e-9));
  // prox_{tau D}(x) solves (I + tau/sigma^2 A^T W A) u = x + tau/sigma^2 A^T W y; dense for sample 0.
  const auto tau = torch::tensor({0.3, 2.0}, torch::kFloat64);
  const auto u = data.prox(x, tau);
  auto dense = torch::zeros({64, op->range_size()}, torch::kFloat64);  // A^T as columns of images
  for (int64_t i = 0; i < 64; ++i) {
    auto e = torch::zeros({1, 1, 8, 8}, torch::kFloat64);
    e.view({-1})[i] = 1.0;
    dense[i] = op->apply(e).flatten();
  }
  const auto a = dense.t();  // (M, 64)
  for (int64_t b = 0; b < 2; ++b) {
    const double t = tau[b].item<double>() / 0.49;
    const auto wb = w[b].flatten();
    const auto lhs = torch::eye(64, torch::kFloat64) + t * a.t().mm(wb.unsqueeze(1) * a);
    const auto rhs = x[b].flatten() + t * a.t().mv(wb * y[b].flatten());
    const auto exact = at::linalg_solve(lhs, rhs.unsqueeze(1)).squeeze(1);
    EXPECT_LT((u[b].flatten() - exact).abs().max().item<double>(), 1e-5 * exact.abs().max().item<double>())
        << b;
  }
  // select keeps each sample's weights.
  const auto one = data.select(torch::tensor({1}, torch::kLong));
  EXPECT_TRUE(torch::allclose(one.value(x.slice(0, 1, 2)), data.value(x).slice(0, 1, 2), 1e-12, 0));
  EXPECT_THROW(DataFidelity(op, y, 1.0, -w), Error);
}
