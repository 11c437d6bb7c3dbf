#pragma once
// `denoise`: A = I on (1, H, W) images.
#include "genreg/operators/linear_operator.h"

namespace genreg {

class Identity : public LinearOperator {
 public:
  Identity(int64_t height, int64_t width) : height_(height), width_(width) {}
  torch::Tensor apply(const torch::Tensor& x) const override;
  torch::Tensor adjoint(const torch::Tensor& y) const override;
  std::vector<int64_t> domain_shape() const override { return {1, height_, width_}; }
  std::vector<int64_t> range_shape() const override { return {1, height_, width_}; }
  std::string spec() const override { return "denoise"; }
  std::optional<GramDiagonal> gram_diagonal() const override {
    return GramDiagonal{GramDiagonal::Basis::pixel, torch::ones({1, height_, width_}, torch::kFloat64)};
  }

 private:
  int64_t height_, width_;
};

}  // namespace genreg
