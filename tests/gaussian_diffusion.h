#pragma once
// A diffusion "model" whose data distribution is Gaussian, x_0 ~ N(m, C) on the diffusion scale
// ([-1, 1], models/noise_predictor.h), and whose noise prediction is exact:
//   x_t ~ N(sqrt(a) m, a C + (1 - a) I), a = abar_t, so
//   E[e | x_t] = sqrt(1 - a) (a C + (1 - a) I)^{-1} (x_t - sqrt(a) m).
// Samplers run on it must reproduce N(m, C), and posterior samplers the closed-form posterior of a
// linear Gaussian problem (image scale: x = (x_0 + 1) / 2 ~ N((m + 1) / 2, C / 4)).
#include <torch/torch.h>

#include <cmath>
#include <memory>
#include <string>

#include "genreg/models/noise_predictor.h"
#include "genreg/models/noise_schedule.h"
#include "genreg/operators/make_operator.h"

namespace genreg::testing {

class GaussianNoisePredictor : public NoisePredictor {
 public:
  // mean (n), covariance (n, n) on the diffusion scale; images (1, height, width), n = height width.
  GaussianNoisePredictor(torch::Tensor mean, torch::Tensor covariance, int64_t height, int64_t width,
                         NoiseSchedule schedule = {})
      : mean_(mean.to(torch::kFloat64)),
        covariance_(covariance.to(torch::kFloat64)),
        height_(height),
        width_(width),
        schedule_(schedule),
        abar_(schedule.alphas_cumprod()) {
    const auto eig = torch::linalg_eigh(covariance_, "L");
    values_ = std::get<0>(eig);
    vectors_ = std::get<1>(eig);
  }

  torch::Tensor predict_noise(const torch::Tensor& x_t, const torch::Tensor& t) override {
    const auto a = abar_.index_select(0, t.to(torch::kCPU, torch::kLong)).unsqueeze(1);  // (B, 1)
    const auto d = x_t.to(torch::kCPU, torch::kFloat64).flatten(1) - torch::sqrt(a) * mean_.unsqueeze(0);
    const auto coords = torch::matmul(d, vectors_) / (a * values_.unsqueeze(0) + (1.0 - a));
    const auto eps = torch::sqrt(1.0 - a) * torch::matmul(coords, vectors_.t());
    return eps.to(torch::kFloat32).view({-1, 1, height_, width_}).to(x_t.device());
  }
  int64_t steps() const override { return schedule_.steps; }
  torch::Tensor alphas_cumprod() const override { return abar_; }

  int64_t height() const { return height_; }
  int64_t width() const { return width_; }
  // On the image scale.
  torch::Tensor image_mean() const { return (mean_ + 1.0) / 2.0; }
  torch::Tensor image_covariance() const { return covariance_ / 4.0; }

 private:
  torch::Tensor mean_, covariance_;
  int64_t height_, width_;
  NoiseSchedule schedule_;
  torch::Tensor abar_, values_, vectors_;
};

// A fixed, well-conditioned test prior on 2x2 images: correlated pixels, variances 0.02 .. 0.1.
inline std::shared_ptr<GaussianNoisePredictor> test_gaussian_prior(NoiseSchedule schedule = {}) {
  const auto mean = torch::tensor({-0.2, 0.1, 0.3, -0.4}, torch::kFloat64);
  const auto b = torch::tensor({{0.30, 0.10, 0.00, 0.05},
                                {0.00, 0.25, 0.10, 0.00},
                                {0.05, 0.00, 0.20, 0.10},
                                {0.00, 0.05, 0.00, 0.15}},
                               torch::kFloat64);
  return std::make_shared<GaussianNoisePredictor>(
      mean, torch::matmul(b, b.t()) + 0.01 * torch::eye(4, torch::kFloat64), 2, 2, schedule);
}

// A seeded Gaussian prior on h x w images (n = h w pixels): random mean in [-0.4, 0.4], covariance
// B B^T + 0.01 I with B's entries N(0, 0.1^2 / n) (variances about 0.02).
inline std::shared_ptr<GaussianNoisePredictor> random_gaussian_prior(int64_t h, int64_t w, uint64_t seed,
                                                                     NoiseSchedule schedule = {}) {
  torch::manual_seed(seed);
  const int64_t n = h * w;
  const auto mean = 0.8 * torch::rand({n}, torch::kFloat64) - 0.4;
  const auto b = 0.1 * torch::randn({n, n}, torch::kFloat64) * std::sqrt(1.0 / n) * 1.4;
  return std::make_shared<GaussianNoisePredictor>(
      mean, torch::matmul(b, b.t()) + 0.01 * torch::eye(n, torch::kFloat64), h, w, schedule);
}

// y = A x + sigma e for x drawn from the prior, and the closed-form posterior N(mean, covariance)
// on the image scale: S = (C^{-1} + A^T A / sigma^2)^{-1}, mean = S (C^{-1} m + A^T y / sigma^2).
struct LinearGaussianProblem {
  OperatorPtr op;
  torch::Tensor y;  // (1, M)
  double sigma;
  torch::Tensor mean, covariance;  // the posterior's, image scale
};

inline LinearGaussianProblem problem(const std::string& spec, double sigma,
                                     const GaussianNoisePredictor& prior) {
  LinearGaussianProblem p;
  const int64_t h = prior.height(), w = prior.width(), n = h * w;
  p.op = make_operator(spec, h, w);
  p.sigma = sigma;
  const auto m = prior.image_mean(), c = prior.image_covariance();
  // A as a matrix, from the operator applied to the unit images.
  const auto a = p.op->apply(torch::eye(n, torch::kFloat64).view({n, 1, h, w})).flatten(1).t();  // (M, n)
  torch::manual_seed(7);
  const auto truth = m + torch::matmul(torch::linalg_cholesky(c), torch::randn({n}, torch::kFloat64));
  const auto y = torch::matmul(a, truth) + sigma * torch::randn({a.size(0)}, torch::kFloat64);
  auto shape = p.op->range_shape();
  shape.insert(shape.begin(), 1);
  p.y = y.view(shape);
  const auto precision = torch::inverse(c) + torch::matmul(a.t(), a) / (sigma * sigma);
  p.covariance = torch::inverse(precision);
  p.mean = torch::matmul(p.covariance,
                         torch::matmul(torch::inverse(c), m) + torch::matmul(a.t(), y) / (sigma * sigma));
  return p;
}

// Mean (n) and covariance (n, n) of samples (N, 1, H, W).
inline std::pair<torch::Tensor, torch::Tensor> moments(const torch::Tensor& samples) {
  const auto x = samples.to(torch::kCPU, torch::kFloat64).flatten(1);
  const auto mean = x.mean(0);
  const auto centred = x - mean;
  return {mean, torch::matmul(centred.t(), centred) / static_cast<double>(x.size(0) - 1)};
}

}  // namespace genreg::testing
