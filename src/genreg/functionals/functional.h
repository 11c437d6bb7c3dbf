#pragma once
// Functionals f on a batch, in ODL's split: per-sample values, a gradient where f is smooth, and a
// proximal operator where it has a closed form (or a cheap inner iteration). Every method takes a
// batch (B, ...) and treats the samples independently: value returns (B,), and the prox step
// `tau` is a (B,) tensor (one step per sample) or a 0-dim tensor.
#include <torch/torch.h>

#include <memory>

namespace genreg {

class Functional {
 public:
  virtual ~Functional() = default;
  virtual torch::Tensor value(const torch::Tensor& x) const = 0;
  // Gradient of value().sum() with respect to x; the default differentiates value() by autograd.
  virtual torch::Tensor gradient(const torch::Tensor& x) const;
  virtual bool has_prox() const { return false; }
  // prox_{tau f}(x) = argmin_u f(u) + ||u - x||^2 / (2 tau). Throws genreg::Error if none.
  virtual torch::Tensor prox(const torch::Tensor& x, const torch::Tensor& tau) const;
  virtual std::string name() const = 0;
};

using FunctionalPtr = std::shared_ptr<const Functional>;

// Reshapes a (B,) or 0-dim per-sample tensor so that it broadcasts against `like` (B, ...).
torch::Tensor per_sample(const torch::Tensor& values, const torch::Tensor& like);

// Sum over all but the batch dimension: (B, ...) -> (B,).
torch::Tensor sum_per_sample(const torch::Tensor& t);

}  // namespace genreg
