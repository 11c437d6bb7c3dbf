#pragma once
// The linear minimum-mean-square-error (Wiener) estimate of x from y = A x + sigma e under a data
// law with mean m and covariance C (Kay 1993, Theorem 12.1, in its information form):
//   x_lmmse = m + K A^T (y - A m) / sigma^2,   K = (C^{-1} + A^T A / sigma^2)^{-1},
// the best estimate that is linear in y, and the exact posterior mean when the data are Gaussian.
// A conditional model can see a measurement through it instead of the back-projection A^T y: for
// a Gaussian compressed-sensing matrix A^T y spreads every pixel's information over the whole image,
// which a convolutional network cannot undo locally, while the Wiener estimate is already an image
// (a blurred digit) whose errors a U-Net can repair.
//
// C is regularised by 1e-3 of its mean variance (the data's covariance is singular where pixels never
// vary); A^T A is assembled by applying A^T A to the pixel basis, so any operator works; K is an
// n x n matrix (n pixels) computed once per operator and noise level, in float64.
#include <torch/torch.h>

#include "genreg/operators/linear_operator.h"

namespace genreg {

class LinearMmseEstimator {
 public:
  // mean (n), covariance (n, n), n the operator's pixels; sigma > 0.
  LinearMmseEstimator(const torch::Tensor& mean, const torch::Tensor& covariance, OperatorPtr op,
                      double sigma);
  // y: (B, *range_shape()) -> (B, *domain_shape()), float32 on y's device.
  torch::Tensor estimate(const torch::Tensor& y) const;
  // K, the posterior covariance of the Gaussian model: (n, n) float64 on the CPU.
  const torch::Tensor& gain() const { return gain_; }

 private:
  OperatorPtr op_;
  double sigma_;
  torch::Tensor mean_, gain_;  // float64, CPU
};

// Mean (n) and covariance (n, n) of images (N, 1, H, W), float64 on the CPU.
std::pair<torch::Tensor, torch::Tensor> image_moments(const torch::Tensor& images);

}  // namespace genreg
