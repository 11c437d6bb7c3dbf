#pragma once
// The discrete gradient of total variation: forward differences with Neumann boundary (the
// difference leaving the image is zero), (1, H, W) -> (2, H, W) with channel 0 the vertical and
// channel 1 the horizontal difference. The adjoint is minus the matching divergence. ||grad||^2 <= 8.
#include "genreg/operators/linear_operator.h"

namespace genreg {

class FiniteDifference : public LinearOperator {
 public:
  FiniteDifference(int64_t height, int64_t width) : height_(height), width_(width) {}
  torch::Tensor apply(const torch::Tensor& x) const override;
  torch::Tensor adjoint(const torch::Tensor& y) const override;
  std::vector<int64_t> domain_shape() const override { return {1, height_, width_}; }
  std::vector<int64_t> range_shape() const override { return {2, height_, width_}; }
  std::string spec() const override { return "gradient"; }

 private:
  int64_t height_, width_;
};

}  // namespace genreg
