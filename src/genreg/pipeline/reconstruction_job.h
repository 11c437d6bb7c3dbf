#pragma once
// One reconstruction run, for any registered method: measurements in, the parameter chosen (a
// value, a grid chosen by mean PSNR on validation images, or the discrepancy principle per image),
// every image reconstructed, and the folder written (reconstructions, metrics, figures, report).
// `genreg reconstruct` parses its options into a ReconstructionJob and calls run_reconstruction_job;
// a Python module or any host program can do the same.
#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <utility>

#include "genreg/distributed/process_group.h"
#include "genreg/pipeline/method_run.h"
#include "genreg/solvers/method_registry.h"

namespace genreg {

struct ReconstructionJob {
  std::string measurements;  // a file from genreg simulate
  std::string method;        // a registered method
  MethodSettings settings;   // the method's declared settings given (method_settings.h)
  std::string generator;     // checkpoint, for methods that need a generator
  std::string denoiser;      // checkpoint, for methods that need a denoiser (plug-and-play)
  std::string diffusion;     // checkpoint, for methods that need a noise predictor (dps, diffpir)
  std::string conditional;   // checkpoint, for methods that need a conditional model (cfm, postprocess)
  // The parameter rule: `lambda` a value, or "auto:discrepancy" (with `lambda_grid` or a default
  // grid); or `lambda_grid` "A:B:N" chosen on the images `validate` ("I:J", positions in the file).
  std::string lambda, lambda_grid, validate;
  // Grids "A:B:N" of searchable settings (mu, denoiser_sigma), chosen with lambda on `validate`.
  std::map<std::string, std::string> grids;
  int64_t batch = 2048;  // samples (images x lambdas x starts) solved at once
  std::string out;       // output folder
  torch::Device device = torch::kCPU;
  uint64_t seed = 0;  // seed of the random starts and of posterior samples
  // Posterior samplers: the calibrated interval mean +- c std is reported with c = interval_scale;
  // 0: fitted on the `validate` images (eval/uncertainty.h, fit_interval_scale) when given.
  double interval_scale = 0.0;
  // Trace the first `trace` report images at the chosen parameters: PSNR and data discrepancy after
  // every iteration (pipeline/iteration_trace.h), written to iterations.png and results.json; 0: none.
  int64_t trace = 0;
  // Ranks that share the images (distributed/process_group.h; null: one process): every rank calls
  // run_reconstruction_job with the same job, rank 0 writes the folder.
  ProcessGroupPtr group;
};

// Runs the job (pipeline/method_run.h: run_method) and writes its folder; progress lines go to
// `log`. Returns the document also written to OUT/results.json (io/results_file.h).
// Throws genreg::Error for bad input (unknown method, missing model, a rule the method cannot take).
nlohmann::json run_reconstruction_job(const ReconstructionJob& job, std::ostream& log);

// The parameter rule the job's lambda, lambda_grid, validate and grids ask for, checked against the
// method (CLI spellings in the errors).
ParameterRule parameter_rule(const ReconstructionJob& job);

}  // namespace genreg
