#pragma once
// Projection of images onto the range of a generator, the paper's criterion A1 (section 4.1):
//   z*(x) = argmin_z ||G(z) - x||^2,
// by Algorithm 1 (gradient descent with backtracking) with no latent prior, batched over images
// and restarts. It starts at the encoder mean where the model has an encoder, otherwise from
// several random z ~ N(0, I), keeping per image the restart with the lowest ||G(z) - x||^2.
#include <torch/torch.h>

#include <functional>

#include "genreg/distributed/process_group.h"
#include "genreg/models/generator.h"

namespace genreg {

struct ProjectionOptions {
  TORCH_ARG(int64_t, iterations) = 200;
  // Starts per image; 0: 1 for models with an encoder (its mean), 4 otherwise.
  TORCH_ARG(int64_t, restarts) = 0;
  // Samples (images x restarts) solved at once.
  TORCH_ARG(int64_t, max_samples) = 512;
  // Seed of the random starts.
  TORCH_ARG(uint64_t, seed) = 0;
  // Ranks that share the images (each projects its contiguous share, every rank receives all;
  // distributed/process_group.h); null: one process.
  TORCH_ARG(ProcessGroupPtr, group) = nullptr;
};

struct Projection {
  torch::Tensor z;         // (N, d) z*(x)
  torch::Tensor images;    // (N, 1, H, W) G(z*(x))
  torch::Tensor residual;  // (N,) float64 ||G(z*) - x||^2
  int64_t restarts = 1;
};

// Called after every iteration with the images done (counting the running chunk by its share of
// the iterations) and the total.
using ProjectionProgress = std::function<void(double done, int64_t total)>;

// x: (N, 1, H, W) images of the generator's size. Results on the CPU.
Projection project_onto_range(const GeneratorPtr& generator, const torch::Tensor& x,
                              const ProjectionOptions& options = {}, const ProjectionProgress& progress = {});

}  // namespace genreg
