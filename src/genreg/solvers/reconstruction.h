#pragma once
// What a reconstruction method returns for a batch of images: the estimate, and where the method
// has them, its parts (generator part, deviation, latent code), the per-start objectives and
// discrepancies behind the choice among restarts, and posterior samples with their mean and
// per-pixel standard deviation (sampling methods). Undefined tensors mark what a method lacks.
#include <torch/torch.h>

#include "genreg/functionals/data_fidelity.h"

namespace genreg {

struct Reconstruction {
  torch::Tensor x;            // (B, 1, H, W) the estimate (the posterior mean for samplers)
  torch::Tensor gz;           // (B, 1, H, W) generator part G(z) (generative methods)
  torch::Tensor u;            // (B, 1, H, W) deviation (sparse, sparse-tv)
  torch::Tensor z;            // (B, d) latent code
  torch::Tensor objective;    // (B, R) float64 final objective of every start (R = 1 without restarts)
  torch::Tensor discrepancy;  // (B, R) float64 ||A x - y||^2 of every start
  torch::Tensor chosen;       // (B,) int64 the kept start
  torch::Tensor restarts_x;   // (B, R, 1, H, W) every start's estimate
  torch::Tensor samples;      // (B, K, 1, H, W) posterior samples (sampling methods)
  torch::Tensor std;          // (B, 1, H, W) per-pixel standard deviation of the samples
};

// Every per-image field above, for the code that splits or joins reconstructions along the batch
// (chunked solves in pipeline/parameter_choice.cpp, ranks' shards in pipeline/sharded_solves.cpp): a field
// added to the struct belongs here too.
inline constexpr torch::Tensor Reconstruction::*kReconstructionFields[] = {
    &Reconstruction::x,      &Reconstruction::gz,         &Reconstruction::u,
    &Reconstruction::z,      &Reconstruction::objective,  &Reconstruction::discrepancy,
    &Reconstruction::chosen, &Reconstruction::restarts_x, &Reconstruction::samples,
    &Reconstruction::std};

// The result of a sampling method from its samples (B, K, 1, H, W): their mean as x, their per-pixel
// standard deviation (unbiased; zeros for K = 1), and the mean's objective and discrepancy under
// `data` as its one start.
Reconstruction reconstruction_from_samples(const torch::Tensor& samples, const DataFidelity& data);

}  // namespace genreg
