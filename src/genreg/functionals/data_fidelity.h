#pragma once
// The data fidelity D(x) = ||A x - y||^2 / (2 sigma^2) of Gaussian noise (paper eq. 17), with
// gradient A^T (A x - y) / sigma^2 and its proximal operator
//   prox_{tau D}(x) = argmin_u D(u) + ||u - x||^2 / (2 tau) = (I + t A^T A)^{-1} (x + t A^T y),
// t = tau / sigma^2: one division where A^T A is diagonal in the pixel or Fourier basis (denoise,
// inpaint, mri; LinearOperator::gram_diagonal), conjugate gradients warm-started at x otherwise.
// The data-consistency step of plug-and-play (HQS, ADMM) and of DiffPIR.
//
// With weights w (one per measurement, e.g. low-dose CT's photon counts, operators/noise.h) it is
// the weighted least squares D(x) = sum_i w_i (A x - y)_i^2 / (2 sigma^2): gradient
// A^T W (A x - y) / sigma^2, prox (I + t A^T W A)^{-1} (x + t A^T W y) by conjugate gradients, and
// the discrepancy ||W^(1/2) (A x - y)||^2 of the whitened residual. Methods that use the operator
// directly take the weights from weighted() and operator_norm().
#include "genreg/functionals/functional.h"
#include "genreg/operators/linear_operator.h"

namespace genreg {

struct DataProxOptions {
  // Conjugate gradients for operators without a closed form: stop a sample at a relative residual
  // of `tolerance`, or after `max_iterations`.
  TORCH_ARG(int64_t, max_iterations) = 100;
  TORCH_ARG(double, tolerance) = 1e-6;
};

class DataFidelity : public Functional {
 public:
  // y: (B, *range); sigma > 0; weights: undefined, or positive and shaped as y.
  DataFidelity(OperatorPtr op, torch::Tensor y, double sigma, torch::Tensor weights = {});
  torch::Tensor value(const torch::Tensor& x) const override;
  torch::Tensor gradient(const torch::Tensor& x) const override;
  std::string name() const override { return "data fidelity"; }
  bool has_prox() const override { return true; }
  // tau: (B,) or 0-dim, positive.
  torch::Tensor prox(const torch::Tensor& x, const torch::Tensor& tau) const override;
  void set_prox_options(const DataProxOptions& options) { prox_options_ = options; }
  // ||W^(1/2) (A x - y)||^2 per sample: the data discrepancy, compared with M sigma^2.
  torch::Tensor discrepancy(const torch::Tensor& x) const;
  // W r for a residual r of this batch (r itself without weights).
  torch::Tensor weighted(const torch::Tensor& r) const;
  bool has_weights() const { return weights_.defined(); }
  const torch::Tensor& weights() const { return weights_; }
  // A bound on ||W^(1/2) A||: ||A|| sqrt(max w) (||A|| without weights), for step sizes.
  double operator_norm() const;
  // The same functional for a sub-batch (rows `index` of y).
  DataFidelity select(const torch::Tensor& index) const;

  const OperatorPtr& op() const { return op_; }
  const torch::Tensor& y() const { return y_; }
  double sigma() const { return sigma_; }

 private:
  OperatorPtr op_;
  torch::Tensor y_;
  double sigma_;
  torch::Tensor weights_;
  DataProxOptions prox_options_;
};

}  // namespace genreg
