#include "genreg/models/linear_mmse.h"

#include "genreg/core/error.h"

namespace genreg {

std::pair<torch::Tensor, torch::Tensor> image_moments(const torch::Tensor& images) {
  require(images.dim() == 4 && images.size(0) >= 2, "image moments need at least two images (N, 1, H, W)");
  const auto x = images.to(torch::kCPU, torch::kFloat64).flatten(1);
  const auto mean = x.mean(0);
  const auto centred = x - mean;
  return {mean, torch::matmul(centred.t(), centred) / static_cast<double>(x.size(0) - 1)};
}

LinearMmseEstimator::LinearMmseEstimator(const torch::Tensor& mean, const torch::Tensor& covariance,
                                         OperatorPtr op, double sigma)
    : op_(std::move(op)), sigma_(sigma) {
  require(static_cast<bool>(op_), "the Wiener estimate needs an operator");
  require(std::isfinite(sigma) && sigma > 0, "the Wiener estimate needs a positive noise level, got ", sigma);
  const int64_t n = op_->domain_size();
  require(mean.numel() == n && covariance.dim() == 2 && covariance.size(0) == n && covariance.size(1) == n,
          "the data's mean and covariance must have ", n, " pixels, as the operator's images");
  mean_ = mean.to(torch::kCPU, torch::kFloat64).reshape({n});
  const auto c = covariance.to(torch::kCPU, torch::kFloat64);
  const double ridge = 1e-3 * c.diagonal().mean().item<double>() + 1e-12;
  const auto eye = torch::eye(n, torch::kFloat64);
  const auto precision = torch::cholesky_inverse(torch::linalg_cholesky(c + ridge * eye));
  // A^T A on the pixel basis, in chunks of 256 basis images.
  auto shape = op_->domain_shape();
  auto gram = torch::empty({n, n}, torch::kFloat64);
  for (int64_t i = 0; i < n; i += 256) {
    const int64_t len = std::min<int64_t>(256, n - i);
    std::vector<int64_t> sizes{len};
    sizes.insert(sizes.end(), shape.begin(), shape.end());
    const auto basis = eye.narrow(0, i, len).reshape(sizes);
    gram.narrow(0, i, len).copy_(op_->adjoint(op_->apply(basis)).reshape({len, n}));
  }
  gram = 0.5 * (gram + gram.t());
  gain_ = torch::cholesky_inverse(torch::linalg_cholesky(precision + gram / (sigma * sigma)));
}

torch::Tensor LinearMmseEstimator::estimate(const torch::Tensor& y) const {
  torch::NoGradGuard no_grad;
  const int64_t b = y.size(0), n = mean_.numel();
  auto shape = op_->domain_shape();
  std::vector<int64_t> one{1};
  one.insert(one.end(), shape.begin(), shape.end());
  const auto device = y.device();
  const auto m = mean_.to(device, torch::kFloat32).reshape(one);
  const auto residual = y.to(torch::kFloat32) - op_->apply(m);
  const auto back = op_->adjoint(residual).reshape({b, n}) / (sigma_ * sigma_);
  const auto update = torch::matmul(back, gain_.to(device, torch::kFloat32).t());
  std::vector<int64_t> out{b};
  out.insert(out.end(), shape.begin(), shape.end());
  return m + update.reshape(out);
}

}  // namespace genreg
