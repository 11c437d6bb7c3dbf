#pragma once
// One `genreg evaluate` run as a library call: how good trained generators are as priors (paper
// section 4): projections of test images (A1), the earth mover's distance of samples to test
// images (A3) with the floor of test against training images, latent codes against the prior
// (B2), interpolations (B1) and far-from-prior samples (A2); figures, report.html and results.json
// in one folder (pipeline/evaluation_report.h).
#include <torch/torch.h>

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "genreg/data/dataset.h"
#include "genreg/distributed/process_group.h"

namespace genreg {

struct EvaluationJob {
  std::vector<std::string> checkpoints;  // generators, side by side
  std::string dataset = "mnist";
  DatasetOptions data;           // split, indices, size; empty indices: `count` images spread evenly
  bool indices_given = false;    // data.range() was given: project those images, not `count`
  int64_t count = 1000;          // images projected (A1, B1, B2)
  int64_t emd_count = 1000;      // N of the EMD (A3)
  bool emd_count_given = false;  // else shrunk to a smaller split
  int64_t iterations = 200, restarts = 0, batch = 512;
  int64_t interpolation_steps = 7, far_count = 10;
  std::vector<double> far_scales{1.0, 2.0, 4.0, 8.0};
  bool reference = true;  // the EMD of test to as many training images
  // FID and precision/recall of the EMD's images against as many samples, in the feature space of
  // a network trained on the dataset's labels or parameters (eval/feature_network.h; skipped with a
  // line for data that has neither).
  bool quality = true;
  // Diffusion models (noise predictors) whose samples (DDIM, `diffusion_steps` steps) join the
  // sample-quality table beside the generators.
  std::vector<std::string> diffusion_models;
  int64_t diffusion_steps = 50;
  std::string out;
  torch::Device device = torch::kCPU;
  uint64_t seed = 0;
  // Ranks that share the projections of the test images (distributed/process_group.h; null: one
  // process). Every rank calls run_evaluation_job with the same job; rank 0 alone computes the
  // references and sample quality, prints, writes the folder and returns the document.
  ProcessGroupPtr group;
};

// Runs the job; progress lines go to `log`. Returns the document also written to OUT/results.json.
// Throws genreg::Error for bad input (nonsense numbers, a checkpoint that is not a generator,
// images of another size).
nlohmann::json run_evaluation_job(const EvaluationJob& job, std::ostream& log);

}  // namespace genreg
