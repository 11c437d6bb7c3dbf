#include "genreg/functionals/data_fidelity.h"

#include <cmath>

#include "genreg/core/error.h"
#include "genreg/functionals/conjugate_gradient.h"

namespace genreg {

DataFidelity::DataFidelity(OperatorPtr op, torch::Tensor y, double sigma, torch::Tensor weights)
    : op_(std::move(op)), y_(std::move(y)), sigma_(sigma), weights_(std::move(weights)) {
  require(sigma > 0.0, "data fidelity needs a positive noise level sigma, got ", sigma);
  require(y_.dim() == static_cast<int64_t>(op_->range_shape().size()) + 1, "measurements of shape ",
          y_.sizes(), " do not fit operator ", op_->spec());
  if (weights_.defined()) {
    require(weights_.sizes() == y_.sizes(), "data weights of shape ", weights_.sizes(),
            " do not fit measurements ", y_.sizes());
    require((weights_ > 0).all().item<bool>() && torch::isfinite(weights_).all().item<bool>(),
            "data weights must be positive and finite");
  }
}

torch::Tensor DataFidelity::weighted(const torch::Tensor& r) const {
  if (!weights_.defined()) return r;
  return r * weights_.to(r.device(), r.scalar_type());
}

double DataFidelity::operator_norm() const {
  const double n = op_->norm();
  return weights_.defined() ? n * std::sqrt(weights_.max().item<double>()) : n;
}

torch::Tensor DataFidelity::discrepancy(const torch::Tensor& x) const {
  require(x.size(0) == y_.size(0), "data fidelity: ", x.size(0), " images for ", y_.size(0), " measurements");
  const auto r = op_->apply(x) - y_.to(x.device(), x.scalar_type());
  return sum_per_sample(weighted(r) * r);
}

torch::Tensor DataFidelity::value(const torch::Tensor& x) const {
  return discrepancy(x) / (2.0 * sigma_ * sigma_);
}

torch::Tensor DataFidelity::gradient(const torch::Tensor& x) const {
  auto residual = op_->apply(x) - y_.to(x.device(), x.scalar_type());
  return op_->adjoint(weighted(residual)) / (sigma_ * sigma_);
}

torch::Tensor DataFidelity::prox(const torch::Tensor& x, const torch::Tensor& tau) const {
  require(x.size(0) == y_.size(0), "data fidelity prox: ", x.size(0), " images for ", y_.size(0),
          " measurements");
  require(tau.numel() == 1 || tau.numel() == x.size(0), "data fidelity prox: one step per sample expected");
  require((tau > 0).all().item<bool>() && torch::isfinite(tau).all().item<bool>(),
          "data fidelity prox: the step tau must be positive and finite");
  const auto t = per_sample(tau.to(x.device(), x.scalar_type()) / (sigma_ * sigma_), x);
  const auto rhs = x + t * op_->adjoint(weighted(y_.to(x.device(), x.scalar_type())));
  const auto gram = weights_.defined() ? std::nullopt : op_->gram_diagonal();
  if (gram) {
    const auto d = gram->values.to(x.device(), x.scalar_type()).unsqueeze(0);
    if (gram->basis == GramDiagonal::Basis::pixel) return rhs / (1.0 + t * d);
    const auto k = torch::fft::fft2(rhs, c10::nullopt, {-2, -1}, "ortho") / (1.0 + t * d);
    return torch::real(torch::fft::ifft2(k, c10::nullopt, {-2, -1}, "ortho")).contiguous();
  }
  // (I + t A^T W A) u = x + t A^T W y: symmetric positive definite, per-sample t.
  const BatchLinearMap normal = [&](const torch::Tensor& u) {
    return u + t * op_->adjoint(weighted(op_->apply(u)));
  };
  return conjugate_gradient(normal, rhs, x,
                            ConjugateGradientOptions()
                                .max_iterations(prox_options_.max_iterations())
                                .tolerance(prox_options_.tolerance()));
}

DataFidelity DataFidelity::select(const torch::Tensor& index) const {
  DataFidelity out(
      op_, y_.index_select(0, index.to(y_.device())), sigma_,
      weights_.defined() ? weights_.index_select(0, index.to(weights_.device())) : torch::Tensor());
  out.prox_options_ = prox_options_;
  return out;
}

}  // namespace genreg
