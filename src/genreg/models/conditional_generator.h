#pragma once
// The conditional-generator role: x = G(z, c), a sample of p(x | y) for a condition c computed
// from the measurement y (the back-projection A^T y, training/training_data.h), trained for one
// acquisition (operator and noise) on pairs (x, A x + e): pix2pix (Isola et al. 2017), conditional
// flow matching (Lipman et al. 2023; G integrates the learned ODE from z), a post-processing
// network (no z: one output per condition). Kinds of this role register with
// ModelRole::conditional_generator.
//
// Contract: deterministic given (z, c) in eval mode, each sample processed alone, so that K
// samples of one measurement are one batch of K latent draws with the condition repeated.
#include <torch/torch.h>

#include <string>
#include <vector>

namespace genreg {

class ConditionalGenerator {
 public:
  virtual ~ConditionalGenerator() = default;
  // z: (B, *latent_shape()); condition: (B, 1, H, W). Returns (B, 1, H, W).
  virtual torch::Tensor generate(const torch::Tensor& z, const torch::Tensor& condition) = 0;
  // Per-sample shape of z ({} for a deterministic network).
  virtual std::vector<int64_t> latent_shape() const = 0;
  // The acquisition it was trained for (operator spec and noise, as make_operator and
  // NoiseModel::parse read them): methods refuse other measurements unless told otherwise.
  virtual std::string operator_spec() const = 0;
  virtual std::string noise() const = 0;
};

}  // namespace genreg
