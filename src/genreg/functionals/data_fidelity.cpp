#include "genreg/functionals/data_fidelity.h"

#include "genreg/core/error.h"
#include "genreg/functionals/conjugate_gradient.h"

namespace genreg {

DataFidelity::DataFidelity(OperatorPtr op, torch::Tensor y, double sigma)
    : op_(std::move(op)), y_(std::move(y)), sigma_(sigma) {
  require(sigma > 0.0, "data fidelity needs a positive noise level sigma, got ", sigma);
  require(y_.dim() == static_cast<int64_t>(op_->range_shape().size()) + 1, "measurements of shape ",
          y_.sizes(), " do not fit operator ", op_->spec());
}

torch::Tensor DataFidelity::discrepancy(const torch::Tensor& x) const {
  require(x.size(0) == y_.size(0), "data fidelity: ", x.size(0), " images for ", y_.size(0), " measurements");
  return sum_per_sample((op_->apply(x) - y_.to(x.device(), x.scalar_type())).pow(2));
}

torch::Tensor DataFidelity::value(const torch::Tensor& x) const {
  return discrepancy(x) / (2.0 * sigma_ * sigma_);
}

torch::Tensor DataFidelity::gradient(const torch::Tensor& x) const {
  auto residual = op_->apply(x) - y_.to(x.device(), x.scalar_type());
  return op_->adjoint(residual) / (sigma_ * sigma_);
}

torch::Tensor DataFidelity::prox(const torch::Tensor& x, const torch::Tensor& tau) const {
  require(x.size(0) == y_.size(0), "data fidelity prox: ", x.size(0), " images for ", y_.size(0),
          " measurements");
  require(tau.numel() == 1 || tau.numel() == x.size(0), "data fidelity prox: one step per sample expected");
  require((tau > 0).all().item<bool>() && torch::isfinite(tau).all().item<bool>(),
          "data fidelity prox: the step tau must be positive and finite");
  const auto t = per_sample(tau.to(x.device(), x.scalar_type()) / (sigma_ * sigma_), x);
  const auto rhs = x + t * op_->adjoint(y_.to(x.device(), x.scalar_type()));
  if (const auto gram = op_->gram_diagonal()) {
    const auto d = gram->values.to(x.device(), x.scalar_type()).unsqueeze(0);
    if (gram->basis == GramDiagonal::Basis::pixel) return rhs / (1.0 + t * d);
    const auto k = torch::fft::fft2(rhs, c10::nullopt, {-2, -1}, "ortho") / (1.0 + t * d);
    return torch::real(torch::fft::ifft2(k, c10::nullopt, {-2, -1}, "ortho")).contiguous();
  }
  // (I + t A^T A) u = x + t A^T y: symmetric positive definite, per-sample t.
  const BatchLinearMap normal = [&](const torch::Tensor& u) { return u + t * op_->adjoint(op_->apply(u)); };
  return conjugate_gradient(normal, rhs, x,
                            ConjugateGradientOptions()
                                .max_iterations(prox_options_.max_iterations())
                                .tolerance(prox_options_.tolerance()));
}

DataFidelity DataFidelity::select(const torch::Tensor& index) const {
  DataFidelity out(op_, y_.index_select(0, index.to(y_.device())), sigma_);
  out.prox_options_ = prox_options_;
  return out;
}

}  // namespace genreg
