#pragma once
// `inpaint:P`: keep each pixel independently with probability P (seeded mask); the measurements
// are the kept pixels, y in R^M with M the number kept. A is a row selection of the identity, so
// ||A||_2 = 1 and A^T puts the values back and zeros elsewhere.
#include "genreg/operators/linear_operator.h"

namespace genreg {

class PixelMask : public LinearOperator {
 public:
  PixelMask(int64_t height, int64_t width, double keep_probability, uint64_t seed = 0);
  torch::Tensor apply(const torch::Tensor& x) const override;
  torch::Tensor adjoint(const torch::Tensor& y) const override;
  std::vector<int64_t> domain_shape() const override { return {1, height_, width_}; }
  std::vector<int64_t> range_shape() const override { return {kept_.master().numel()}; }
  std::string spec() const override;
  // (1, H, W) mask of kept pixels, float64 0/1.
  torch::Tensor mask() const;
  // A^T A = diag(mask): a row selection of the identity.
  std::optional<GramDiagonal> gram_diagonal() const override {
    return GramDiagonal{GramDiagonal::Basis::pixel, mask()};
  }

 private:
  int64_t height_, width_;
  double probability_;
  uint64_t seed_;
  DeviceCache kept_;  // int64 flat indices of kept pixels
};

}  // namespace genreg
