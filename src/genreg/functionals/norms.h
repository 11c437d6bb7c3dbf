#pragma once
// Norms used as regularisers: the squared 2-norm (Tikhonov), the 1-norm (sparse deviations,
// paper eq. 20), and isotropic total variation.
#include "genreg/functionals/functional.h"
#include "genreg/operators/finite_difference.h"

namespace genreg {

// ||x||_2^2; prox_{tau}(x) = x / (1 + 2 tau).
class SquaredL2 : public Functional {
 public:
  torch::Tensor value(const torch::Tensor& x) const override;
  torch::Tensor gradient(const torch::Tensor& x) const override { return 2.0 * x; }
  bool has_prox() const override { return true; }
  torch::Tensor prox(const torch::Tensor& x, const torch::Tensor& tau) const override;
  std::string name() const override { return "squared L2"; }
};

// ||x||_1; prox_{tau}(x) = sign(x) max(|x| - tau, 0) (soft thresholding).
class L1Norm : public Functional {
 public:
  torch::Tensor value(const torch::Tensor& x) const override;
  // A subgradient: sign(x).
  torch::Tensor gradient(const torch::Tensor& x) const override { return torch::sign(x); }
  bool has_prox() const override { return true; }
  torch::Tensor prox(const torch::Tensor& x, const torch::Tensor& tau) const override;
  std::string name() const override { return "L1"; }
};

struct TotalVariationOptions {
  // Smoothing of the gradient: sum sqrt(|grad x|^2 + epsilon^2) (value() stays exact).
  TORCH_ARG(double, epsilon) = 1e-3;
  // Iterations of the dual (FGP) prox iteration, and its stopping tolerance on the dual change.
  TORCH_ARG(int64_t, prox_iterations) = 200;
  TORCH_ARG(double, prox_tolerance) = 1e-6;
};

// Isotropic TV(x) = sum_ij |(grad x)_ij|_2 with forward differences (FiniteDifference). The prox
// is computed by the fast gradient projection of Beck & Teboulle (2009) on the dual problem:
// prox_{tau TV}(b) = b - tau grad^T p*, p* = argmin_{|p_ij| <= 1} ||tau grad^T p - b||^2 / 2.
class TotalVariation : public Functional {
 public:
  TotalVariation(int64_t height, int64_t width, TotalVariationOptions options = {});
  torch::Tensor value(const torch::Tensor& x) const override;
  // Gradient of the smoothed TV, sum sqrt(|grad x|^2 + epsilon^2).
  torch::Tensor gradient(const torch::Tensor& x) const override;
  bool has_prox() const override { return true; }
  torch::Tensor prox(const torch::Tensor& x, const torch::Tensor& tau) const override;
  std::string name() const override { return "TV"; }
  const FiniteDifference& grad() const { return grad_; }

 private:
  FiniteDifference grad_;
  TotalVariationOptions options_;
};

}  // namespace genreg
