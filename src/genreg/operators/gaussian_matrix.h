#pragma once
// `cs:M`: compressed sensing with a dense Gaussian matrix A in R^{M x n}, entries i.i.d.
// N(0, 1/M) drawn from a seed (on the CPU, so that every device sees the same matrix), then
// divided by its spectral norm (PROTOCOL.md).
#include "genreg/operators/linear_operator.h"

namespace genreg {

class GaussianMatrix : public LinearOperator {
 public:
  GaussianMatrix(int64_t height, int64_t width, int64_t measurements, uint64_t seed = 0);
  torch::Tensor apply(const torch::Tensor& x) const override;
  torch::Tensor adjoint(const torch::Tensor& y) const override;
  std::vector<int64_t> domain_shape() const override { return {1, height_, width_}; }
  std::vector<int64_t> range_shape() const override { return {measurements_}; }
  std::string spec() const override;
  // The (M, n) matrix, float64.
  const torch::Tensor& matrix() const { return matrix_.master(); }

 private:
  int64_t height_, width_, measurements_;
  uint64_t seed_;
  DeviceCache matrix_;
};

}  // namespace genreg
