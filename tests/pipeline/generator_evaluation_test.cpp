#include "genreg/pipeline/generator_evaluation.h"

#include <gtest/gtest.h>

#include "genreg/core/error.h"
#include "genreg/pipeline/evaluation_report.h"
#include "genreg/pipeline/latent_projection.h"

using namespace genreg;

namespace {

// G(z) = W z + b: its range is an affine subspace, the projection onto it a least-squares problem.
class AffineTestGenerator : public Generator {
 public:
  AffineTestGenerator(int64_t d, int64_t h, int64_t w) : d_(d), h_(h), w_(w) {
    torch::manual_seed(11);
    weight_ = torch::randn({h * w, d}) / std::sqrt(static_cast<double>(h * w)) * 2;
    bias_ = torch::rand({h * w}) * 0.5;
  }
  torch::Tensor decode(const torch::Tensor& z) override {
    return (z.matmul(weight_.t()) + bias_).view({z.size(0), 1, h_, w_});
  }
  int64_t latent_dim() const override { return d_; }
  std::vector<int64_t> image_size() const override { return {h_, w_}; }
  torch::Device device() const override { return torch::kCPU; }
  // argmin_z ||W z + b - x||^2 in float64.
  torch::Tensor least_squares(const torch::Tensor& x) const {
    const auto w = weight_.to(torch::kFloat64);
    const auto r = x.flatten(1).to(torch::kFloat64) - bias_.to(torch::kFloat64);
    return torch::linalg_solve(w.t().matmul(w), w.t().matmul(r.t())).t();
  }

 private:
  int64_t d_, h_, w_;
  torch::Tensor weight_, bias_;
};

}  // namespace

TEST(LatentProjection, ReachesTheLeastSquaresMinimiserOfALinearGenerator) {
  auto g = std::make_shared<AffineTestGenerator>(3, 6, 6);
  torch::manual_seed(5);
  const auto x = torch::rand({7, 1, 6, 6});
  const auto p = project_onto_range(g, x, ProjectionOptions().iterations(300).max_samples(8));
  EXPECT_EQ(p.restarts, 4);  // no encoder: four random starts
  EXPECT_TRUE(torch::allclose(p.z.to(torch::kFloat64), g->least_squares(x), 1e-3, 1e-3))
      << p.z << g->least_squares(x);
  const auto optimum = (g->decode(g->least_squares(x).to(torch::kFloat32)) - x).pow(2).flatten(1).sum(1);
  EXPECT_TRUE(torch::allclose(p.residual, optimum.to(torch::kFloat64), 1e-4, 1e-5));
  EXPECT_THROW(project_onto_range(g, torch::rand({2, 1, 5, 6})), genreg::Error);
}

TEST(GeneratorEvaluation, QuantilesMediansAndHistograms) {
  const auto v = torch::tensor({5.0, 1.0, 4.0, 2.0, 3.0, 9.0, 0.0, 8.0, 7.0, 6.0, 10.0});
  // Sorted values 0..10: the q-th decile is the value q, at the row holding it.
  const auto rows = decile_rows(v);
  for (int q = 0; q <= 10; ++q) EXPECT_EQ(v[rows[q].item<int64_t>()].item<double>(), q);
  EXPECT_DOUBLE_EQ(median_value(v), 5.0);
  EXPECT_DOUBLE_EQ(median_value(torch::tensor({4.0, 1.0, 3.0, 2.0})), 2.5);
  const auto [centres, counts] = histogram(torch::tensor({0.0, 0.1, 0.5, 0.99, 1.0, 2.0}), 0.0, 1.0, 4);
  EXPECT_EQ(centres, (std::vector<double>{0.125, 0.375, 0.625, 0.875}));
  // 1.0 falls in the last (closed) bin, 2.0 outside the range.
  EXPECT_EQ(counts, (std::vector<double>{2, 0, 1, 2}));
}

TEST(GeneratorEvaluation, CriteriaOfALinearGenerator) {
  auto g = std::make_shared<AffineTestGenerator>(3, 8, 8);
  // Test images in the range: A1 must find them exactly; the interpolation grid is then the affine
  // combination of the anchor images themselves.
  const auto z = torch::randn({12, 3});
  const auto images = g->decode(z).detach();
  const auto labels = torch::tensor({0, 0, 1, 1, 2, 2, 0, 1, 2, 0, 1, 2}, torch::kInt64);
  const auto e = evaluate_generator(g, images, labels, images,
                                    EvaluationOptions()
                                        .projection(ProjectionOptions().iterations(300))
                                        .interpolation_steps(3)
                                        .far_samples(4));
  EXPECT_LT(e.metrics[3].summary.max, 1e-3);                            // NRMSE
  EXPECT_EQ(e.interpolation_anchors, (std::vector<int64_t>{0, 2, 4}));  // one per class
  const auto x1 = images[0], x2 = images[2], x3 = images[4];
  ASSERT_EQ(e.interpolation.size(0), 9);
  for (int row = 0; row < 3; ++row)
    for (int col = 0; col < 3; ++col) {
      const double a2 = col / 2.0, a3 = row / 2.0;
      EXPECT_TRUE(
          torch::allclose(e.interpolation[row * 3 + col], x1 + a2 * (x2 - x1) + a3 * (x3 - x1), 1e-3, 1e-3))
          << row << "," << col;
    }
  // The plane is an orthonormal projection: no projected vector is longer than the original.
  EXPECT_TRUE(
      (e.latent_plane.norm(2, 1) <= e.projection.z.to(torch::kFloat64).norm(2, 1) + 1e-6).all().item<bool>());
  // Far samples of an affine generator leave the data: the nearest test image moves away.
  ASSERT_EQ(e.far_nearest_nrmse.size(), 4u);
  EXPECT_GT(e.far_nearest_nrmse.back(), 2 * e.far_nearest_nrmse.front());
  // The test codes were drawn from N(0, I): both sets have mean ||z||^2 / d near 1, and the
  // projections recover the codes themselves.
  EXPECT_NEAR(e.latent_norm, z.pow(2).sum(1).mean().item<double>() / 3, 1e-3);
  EXPECT_NEAR(e.prior_norm, 1.0, 0.35);
  EXPECT_GT(e.emd, 0.0);
  EXPECT_NEAR(e.emd_normalised,
              e.emd / images.to(torch::kFloat64).pow(2).flatten(1).sum(1).mean().item<double>(), 1e-12);
  const auto j = evaluation_to_json(e, false);
  EXPECT_EQ(j["projection"]["images"], 12);
  EXPECT_DOUBLE_EQ(j["projection"]["metrics"]["nrmse"]["median"].get<double>(),
                   median_value(e.metrics[3].per_image));
}
