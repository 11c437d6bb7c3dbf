#pragma once
// The data fidelity D(x) = ||A x - y||^2 / (2 sigma^2) of Gaussian noise (paper eq. 17), with
// gradient A^T (A x - y) / sigma^2 and its proximal operator by conjugate gradients.
#include "genreg/functionals/functional.h"
#include "genreg/operators/linear_operator.h"

namespace genreg {

class DataFidelity : public Functional {
 public:
  // y: (B, *range); sigma > 0.
  DataFidelity(OperatorPtr op, torch::Tensor y, double sigma);
  torch::Tensor value(const torch::Tensor& x) const override;
  torch::Tensor gradient(const torch::Tensor& x) const override;
  std::string name() const override { return "data fidelity"; }
  // ||A x - y||^2 per sample: the data discrepancy, compared with M sigma^2.
  torch::Tensor discrepancy(const torch::Tensor& x) const;
  // The same functional for a sub-batch (rows `index` of y).
  DataFidelity select(const torch::Tensor& index) const;

  const OperatorPtr& op() const { return op_; }
  const torch::Tensor& y() const { return y_; }
  double sigma() const { return sigma_; }

 private:
  OperatorPtr op_;
  torch::Tensor y_;
  double sigma_;
};

}  // namespace genreg
