// The contract every forward operator keeps (issue: adjointness, norm, batch consistency, specs).
#include <gtest/gtest.h>

#include "genreg/core/error.h"
#include "genreg/operators/make_operator.h"

using namespace genreg;

namespace operator_contract_test {

struct Case {
  std::string spec;
  int64_t height, width;
};

std::vector<Case> cases() {
  return {{"denoise", 28, 28},
          {"blur:gauss5", 28, 28},
          {"blur:motion,length=9,angle=20", 28, 28},
          {"blur:gauss,size=7,sigma=1.5", 20, 24},
          {"cs:150", 28, 28},
          {"cs:40,seed=3", 12, 10},
          {"tomo", 28, 28},
          {"tomo", 56, 56},
          {"tomo:angles=30,range=0:120", 28, 28},
          {"tomo:angles=20,detectors=31", 16, 24},
          {"inpaint:0.5", 28, 28},
          {"inpaint:0.2,seed=4", 10, 12},
          {"mri:4", 28, 28},
          {"mri:2,seed=1,center=0.2", 16, 20},
          {"ct:parallel", 24, 24},
          {"ct:parallel,views=30,detectors=20,range=0:120,projector=matrix", 16, 20},
          {"ct:fan,views=40,detector=flat,scan=short", 20, 16},
          {"ct:fan,views=36,projector=matrix", 16, 16}};
}

// Test names and failure messages show the spec, not the bytes of the struct.
void PrintTo(const Case& c, std::ostream* os) { *os << c.spec << " on " << c.height << "x" << c.width; }

class OperatorContract : public ::testing::TestWithParam<Case> {};

TEST_P(OperatorContract, AdjointIsExactInDoublePrecision) {
  const auto c = GetParam();
  const auto op = make_operator(c.spec, c.height, c.width);
  torch::manual_seed(1);
  auto x = torch::randn(batched_shape(3, op->domain_shape()), torch::kFloat64);
  auto y = torch::randn(batched_shape(3, op->range_shape()), torch::kFloat64);
  auto ax = op->apply(x);
  auto aty = op->adjoint(y);
  ASSERT_EQ(ax.sizes(), y.sizes());
  ASSERT_EQ(aty.sizes(), x.sizes());
  for (int64_t b = 0; b < 3; ++b) {
    const double lhs = (ax[b] * y[b]).sum().item<double>();
    const double rhs = (x[b] * aty[b]).sum().item<double>();
    const double scale = ax[b].norm().item<double>() * y[b].norm().item<double>();
    EXPECT_LT(std::abs(lhs - rhs) / scale, 1e-5) << c.spec << ": <Ax,y> = " << lhs << ", <x,A^T y> = " << rhs;
    EXPECT_LT(std::abs(lhs - rhs) / scale, 1e-12) << c.spec;  // float64 arithmetic is exact to round-off
  }
}

TEST_P(OperatorContract, IsNormalisedToNormOne) {
  // Except the physical CT transforms (PROTOCOL.md, "Medical imaging"): line integrals in metres.
  const auto c = GetParam();
  const auto op = make_operator(c.spec, c.height, c.width);
  const bool physical = c.spec.rfind("ct:", 0) == 0;
  if (!physical) EXPECT_NEAR(op->norm(), 1.0, 1e-4) << c.spec;
  // No unit vector is stretched by more than the norm.
  auto x = torch::randn(batched_shape(8, op->domain_shape()), torch::kFloat64);
  auto ratio = op->apply(x).flatten(1).norm(2, 1) / x.flatten(1).norm(2, 1);
  EXPECT_LE(ratio.max().item<double>(), op->norm() * (1.0 + 1e-6)) << c.spec;
}

TEST_P(OperatorContract, BatchEqualsOneByOneInFloat32) {
  const auto c = GetParam();
  const auto op = make_operator(c.spec, c.height, c.width);
  auto x = torch::rand(batched_shape(5, op->domain_shape()));
  auto y = torch::randn(batched_shape(5, op->range_shape()));
  auto ax = op->apply(x);
  auto aty = op->adjoint(y);
  EXPECT_EQ(ax.scalar_type(), torch::kFloat32);
  for (int64_t b = 0; b < 5; ++b) {
    EXPECT_TRUE(torch::allclose(ax[b], op->apply(x.slice(0, b, b + 1))[0], 1e-5, 1e-6)) << c.spec;
    EXPECT_TRUE(torch::allclose(aty[b], op->adjoint(y.slice(0, b, b + 1))[0], 1e-5, 1e-6)) << c.spec;
  }
}

TEST_P(OperatorContract, SpecRoundTrips) {
  const auto c = GetParam();
  const auto op = make_operator(c.spec, c.height, c.width);
  const auto again = make_operator(op->spec(), c.height, c.width);
  EXPECT_EQ(again->spec(), op->spec());
  auto x = torch::rand(batched_shape(2, op->domain_shape()), torch::kFloat64);
  EXPECT_TRUE(torch::allclose(op->apply(x), again->apply(x), 1e-12, 1e-12)) << c.spec << " vs " << op->spec();
}

TEST_P(OperatorContract, GradientsFlowThroughApply) {
  // Latent optimisation differentiates ||A G(z) - y||^2: autograd must give A^T (A x - y).
  const auto c = GetParam();
  const auto op = make_operator(c.spec, c.height, c.width);
  auto x = torch::rand(batched_shape(2, op->domain_shape()), torch::kFloat64).requires_grad_(true);
  auto y = torch::randn(batched_shape(2, op->range_shape()), torch::kFloat64);
  auto r = op->apply(x) - y;
  (0.5 * r.pow(2).sum()).backward();
  EXPECT_TRUE(torch::allclose(x.grad(), op->adjoint(r.detach()), 1e-10, 1e-12)) << c.spec;
}

INSTANTIATE_TEST_SUITE_P(AllOperators, OperatorContract, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string name = info.param.spec + "_" + std::to_string(info.param.height) +
                                              "x" + std::to_string(info.param.width);
                           for (auto& ch : name)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

TEST(Operators, WrongShapesAndSpecsAreClearErrors) {
  const auto op = make_operator("cs:20", 8, 8);
  EXPECT_THROW(op->apply(torch::rand({2, 1, 8, 9})), genreg::Error);
  EXPECT_THROW(op->adjoint(torch::rand({2, 21})), genreg::Error);
  for (const char* bad : {"cs", "cs:x", "tomo:angels=3", "blur:box", "inpaint:1.5", "mri:0.5", "warp",
                          "cs:10,seed=-1", "tomo:range=90:10", "ct:fan,views=100001"}) {
    EXPECT_THROW(make_operator(bad, 8, 8), genreg::Error) << bad;
  }
}

TEST(Operators, CompositionAndScalingKeepExactAdjoints) {
  // A = 0.5 * (cs:40 after blur): <A x, y> = <x, A^T y>, and the norm scales with the factor.
  const auto blur = make_operator("blur:gauss5", 8, 8);
  const auto cs = make_operator("cs:40", 8, 8);
  const auto composed = scale(compose(cs, blur), 0.5);
  EXPECT_EQ(composed->range_shape(), std::vector<int64_t>{40});
  auto x = torch::randn({2, 1, 8, 8}, torch::kFloat64);
  auto y = torch::randn({2, 40}, torch::kFloat64);
  const double lhs = (composed->apply(x) * y).sum().item<double>();
  const double rhs = (x * composed->adjoint(y)).sum().item<double>();
  EXPECT_NEAR(lhs, rhs, 1e-12 * std::abs(lhs) + 1e-12);
  EXPECT_TRUE(torch::allclose(composed->apply(x), 0.5 * cs->apply(blur->apply(x)), 1e-12, 1e-12));
  EXPECT_LE(composed->norm(), 0.5 + 1e-9);
  EXPECT_NEAR(scale(cs, 3.0)->norm(), 3.0, 1e-6);
  EXPECT_THROW(compose(cs, make_operator("cs:40", 8, 8)), genreg::Error);  // (B,40) is not an image
}

}  // namespace operator_contract_test
