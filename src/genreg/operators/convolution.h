#pragma once
// `blur:...`: 2D convolution with a point-spread function, "same"-size output with zero padding,
// A x = k * x. The adjoint of zero-padded convolution is correlation with the same kernel, which for
// an odd side k and padding (k - 1) / 2 is the same-size convolution with the kernel flipped (what
// conv_transpose2d computes, at a tenth of its cost: see filter_each_image in convolution.cpp).
#include <string>

#include "genreg/operators/linear_operator.h"

namespace genreg {

// Normalised Gaussian kernel (sum 1) of odd side `size` and standard deviation `sigma` pixels.
torch::Tensor gaussian_kernel(int64_t size, double sigma);
// Linear motion blur (course notes): a segment of `length` pixels at `angle_degrees` from the
// horizontal (counter-clockwise), through the centre of an odd-sided kernel, anti-aliased by
// bilinear splatting of points along the segment; sum 1.
torch::Tensor motion_kernel(double length, double angle_degrees);

class Convolution : public LinearOperator {
 public:
  // `kernel` (k, k) with odd k. With `normalise`, the operator is scaled to ||A||_2 = 1.
  Convolution(int64_t height, int64_t width, torch::Tensor kernel, std::string spec, bool normalise = true);
  torch::Tensor apply(const torch::Tensor& x) const override;
  torch::Tensor adjoint(const torch::Tensor& y) const override;
  std::vector<int64_t> domain_shape() const override { return {1, height_, width_}; }
  std::vector<int64_t> range_shape() const override { return {1, height_, width_}; }
  std::string spec() const override { return spec_; }
  // The (scaled) kernel in use, (k, k) float64.
  torch::Tensor kernel() const { return weight_.master()[0][0]; }

 private:
  int64_t height_, width_, padding_;
  std::string spec_;
  DeviceCache weight_;          // (1, 1, k, k): the kernel flipped, since conv2d computes a correlation
  DeviceCache adjoint_weight_;  // (1, 1, k, k): the kernel itself, the adjoint's correlation
};

}  // namespace genreg
