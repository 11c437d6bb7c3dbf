#include "genreg/eval/sample_quality.h"

#include <cmath>
#include <limits>

#include "genreg/core/error.h"

namespace genreg {
namespace {

torch::Tensor features(const torch::Tensor& t, const char* what) {
  require(t.dim() == 2 && t.size(0) >= 2, what, " features must be (N, D) with N >= 2, got ", t.sizes());
  const auto f = t.to(torch::kCPU, torch::kFloat64);
  require(torch::isfinite(f).all().item<bool>(), what, " features hold NaN or inf");
  return f;
}

// The symmetric square root of a symmetric positive semi-definite matrix (negative rounding in its
// eigenvalues clipped to 0).
torch::Tensor symmetric_sqrt(const torch::Tensor& m) {
  const auto eig = torch::linalg_eigh(m, "L");
  const auto values = std::get<0>(eig).clamp_min(0.0).sqrt();
  const auto vectors = std::get<1>(eig);
  return torch::matmul(vectors * values.unsqueeze(0), vectors.t());
}

torch::Tensor covariance(const torch::Tensor& x) {
  const auto centred = x - x.mean(0, true);
  return torch::matmul(centred.t(), centred) / static_cast<double>(x.size(0) - 1);
}

// Per row of `points`, the distance to its k-th nearest other row.
torch::Tensor kth_neighbour_radius(const torch::Tensor& points, int64_t k) {
  auto d = torch::cdist(points, points);
  d.fill_diagonal_(std::numeric_limits<double>::infinity());
  return std::get<0>(d.kthvalue(k, 1));
}

// The share of `queries` inside some ball (centre `points` row, radius `radius`).
double share_inside(const torch::Tensor& queries, const torch::Tensor& points, const torch::Tensor& radius) {
  const auto d = torch::cdist(queries, points);  // (Q, P)
  return (d <= radius.unsqueeze(0)).any(1).to(torch::kFloat64).mean().item<double>();
}

}  // namespace

double frechet_distance(const torch::Tensor& real_in, const torch::Tensor& generated_in) {
  const auto real = features(real_in, "real"), generated = features(generated_in, "generated");
  require(real.size(1) == generated.size(1), "feature dimensions differ: ", real.size(1), " and ",
          generated.size(1));
  const auto s_r = covariance(real), s_g = covariance(generated);
  // Tr((S_r S_g)^{1/2}) = Tr((S_r^{1/2} S_g S_r^{1/2})^{1/2}), a symmetric PSD product.
  const auto root = symmetric_sqrt(s_r);
  const auto middle = torch::matmul(torch::matmul(root, s_g), root);
  const double cross = std::get<0>(torch::linalg_eigh(0.5 * (middle + middle.t()), "L"))
                           .clamp_min(0.0)
                           .sqrt()
                           .sum()
                           .item<double>();
  const double mean_term = (real.mean(0) - generated.mean(0)).pow(2).sum().item<double>();
  const double value = mean_term + s_r.trace().item<double>() + s_g.trace().item<double>() - 2.0 * cross;
  return std::max(0.0, value);
}

PrecisionRecall precision_recall(const torch::Tensor& real_in, const torch::Tensor& generated_in, int64_t k) {
  const auto real = features(real_in, "real"), generated = features(generated_in, "generated");
  require(real.size(1) == generated.size(1), "feature dimensions differ: ", real.size(1), " and ",
          generated.size(1));
  require(k >= 1 && k < std::min(real.size(0), generated.size(0)), "precision and recall need k in 1..",
          std::min(real.size(0), generated.size(0)) - 1, ", got ", k);
  PrecisionRecall out;
  out.k = k;
  out.precision = share_inside(generated, real, kth_neighbour_radius(real, k));
  out.recall = share_inside(real, generated, kth_neighbour_radius(generated, k));
  return out;
}

}  // namespace genreg
