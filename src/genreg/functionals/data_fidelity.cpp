#include "genreg/functionals/data_fidelity.h"

#include "genreg/core/error.h"

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

DataFidelity DataFidelity::select(const torch::Tensor& index) const {
  return DataFidelity(op_, y_.index_select(0, index.to(y_.device())), sigma_);
}

}  // namespace genreg
