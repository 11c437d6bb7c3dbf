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

#include "genreg/operators/linear_operator.h"

namespace genreg {

// How a model that integrates an ODE (cfm) samples; one-pass networks ignore it.
struct GenerationOptions {
  // ODE steps; 0: the model's default.
  TORCH_ARG(int64_t, steps) = 0;
  // "euler" or "heun" (models/flow_sampling.h).
  TORCH_ARG(std::string, solver) = "heun";
};

class ConditionalGenerator {
 public:
  virtual ~ConditionalGenerator() = default;
  // z: (B, *latent_shape()), undefined when latent_shape() is empty; condition: (B, 1, H, W) what
  // condition() made of the measurements. Returns (B, 1, H, W) on the [0, 1] image scale.
  virtual torch::Tensor generate(const torch::Tensor& z, const torch::Tensor& condition,
                                 const GenerationOptions& options = {}) = 0;
  // Per-sample shape of z ({} for a deterministic network).
  virtual std::vector<int64_t> latent_shape() const = 0;
  // What the network sees of measurements y (B, *range) of `op` with Gaussian noise `sigma`: the
  // back-projection A^T y unless the kind computes another condition (a Wiener estimate,
  // models/linear_mmse.h). Training and reconstruction both call it.
  virtual torch::Tensor condition(const OperatorPtr& op, const torch::Tensor& y, double sigma) {
    (void)sigma;
    return op->adjoint(y);
  }
  // The acquisition it was trained for (operator spec and noise, as make_operator and
  // NoiseModel::parse read them): methods refuse other measurements unless told otherwise.
  virtual std::string operator_spec() const = 0;
  virtual std::string noise() const = 0;
};

// K samples per condition: (B, K, 1, H, W) from `conditions` (B, 1, H, W), every latent drawn on the
// CPU from one generator seeded with `seed` (reproducible on every device), the B K generations run
// `batch` at a time (0: default_batch_rows, core/runtime.h, as the posterior samplers).
// A deterministic network (latent_shape() empty) gives K = 1 whatever `samples` says.
torch::Tensor sample_conditional(ConditionalGenerator& model, const torch::Tensor& conditions,
                                 int64_t samples, const GenerationOptions& options, uint64_t seed,
                                 int64_t batch = 0);

}  // namespace genreg
