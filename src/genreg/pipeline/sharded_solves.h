#pragma once
// The image-parallel forms of sweep_lambdas and reconstruct (pipeline/parameter_choice.h) for the ranks
// of a process group: rank r solves its contiguous shard of the images (shard_rows), and every rank
// receives every image's result, gathered in rank order. For a method whose result for an image
// does not depend on the other images of its batch (every deterministic method: its restarts start
// from the same latent draws for every image) the result is that of one process, image by image.
// Posterior samplers draw their noise per batch, so their sharded samples, like those of another
// --batch, are other draws from the same posterior.
//
// With no group (or a group of one) these are sweep_lambdas and reconstruct themselves; with fewer
// images than ranks every rank solves every image.
#include "genreg/distributed/process_group.h"
#include "genreg/pipeline/parameter_choice.h"

namespace genreg {

SweepResult sharded_sweep_lambdas(const ProcessGroupPtr& group, const Reconstructor& method,
                                  const Measurements& m, const std::vector<double>& lambdas,
                                  int64_t max_samples = 2048, const ProgressReport& progress = {},
                                  const ProgressLog& log = {});

Reconstruction sharded_reconstruct(const ProcessGroupPtr& group, const Reconstructor& method,
                                   const Measurements& m, const torch::Tensor& lambda,
                                   int64_t max_samples = 2048, SolverSummary* summary = nullptr,
                                   const ProgressLog& log = {}, double interval = 2.0);

}  // namespace genreg
