#pragma once
// The one reconstruction job of the library: measurements, a method with its priors and settings,
// and a parameter rule in; the chosen parameters, the sweep, the reconstructions, the calibrated
// uncertainty of a sampler and the data-fidelity audit out (Ceres' "options in, summary out").
// `genreg reconstruct` (reconstruction_job.h), every experiment (experiment_runner.h) and the Python
// module call it; they differ only in what they write.
//
// The rules (PROTOCOL.md, "Parameter choice"):
//   - fixed: one lambda for every image;
//   - validation: a geometric lambda grid, and grids of any searchable setting (mu, denoiser_sigma),
//     chosen by the best mean PSNR on the validation images;
//   - discrepancy: per image, the largest lambda of the grid whose reconstruction fits the data to
//     the noise level, ||A x - y||^2 <= M sigma^2 (no ground truth needed).
#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "genreg/distributed/process_group.h"
#include "genreg/eval/metrics.h"
#include "genreg/eval/uncertainty.h"
#include "genreg/operators/measurements.h"
#include "genreg/pipeline/parameter_choice.h"
#include "genreg/solvers/method_registry.h"

namespace genreg {

struct ParameterRule {
  enum class Kind { fixed, validation, discrepancy };
  Kind kind = Kind::fixed;
  double lambda = 0.0;          // fixed
  std::vector<double> lambdas;  // validation, discrepancy (empty: 1e-4..1e2, 13 values)
  // validation: grids of searchable settings (MethodInfo), every combination swept with the lambdas.
  std::map<std::string, std::vector<double>> setting_grids;

  static ParameterRule fixed_at(double lambda);
  static ParameterRule validation_grid(std::vector<double> lambdas,
                                       std::map<std::string, std::vector<double>> setting_grids = {});
  static ParameterRule discrepancy_principle(std::vector<double> lambdas = {});
  std::string name() const;  // "fixed", "validation", "discrepancy"
};

struct MethodRunOptions {
  int64_t batch = 2048;  // samples (images x lambdas x starts) solved at once
  // Ranks sharing the images of every sweep and solve (pipeline/sharded_solves.h); null: one process.
  ProcessGroupPtr group;
  ProgressReport progress;  // sweeps: solves done
  ProgressLog log;          // long solves: a line every `log_interval` seconds
  double log_interval = 2.0;
  // Posterior samplers: the calibrated interval mean +- c std with c = interval_scale; 0: c fitted on
  // the validation images (split conformal, eval/uncertainty.h) when there are any.
  double interval_scale = 0.0;
  // Also reconstruct the validation images at the chosen parameters (a job writes every image; an
  // experiment reports on the report images only).
  bool solve_validation = true;
};

// What a run found. Rows of `result` are the images at `solved` (positions in the measurements).
struct MethodRun {
  std::string method;
  ParameterRule rule;
  MethodSettings settings;  // as chosen: the given settings with the searched ones' chosen values
  torch::Tensor lambda;     // (N,) float64 per image of the measurements (0 where not solved)
  // validation: one sweep per combination of the setting grids (`swept`), the chosen one and its
  // lambda index; discrepancy: one sweep over the solved images.
  std::vector<SweepResult> sweeps;
  std::vector<MethodSettings> swept;
  int64_t chosen_sweep = 0, chosen_lambda = 0;
  double validation_psnr = 0.0;  // mean at the chosen parameters (validation rule)
  torch::Tensor solved;          // (S,) int64 positions of the solved images
  Reconstruction result;
  SolverSummary summary;
  // Calibration: c (0: none) and where it came from.
  double interval_scale = 0.0;
  std::string scale_source;
  torch::Tensor report;  // (R,) int64 positions scored (the solved images that are not validation)
  // On the report images: metrics (with ground truth), a sampler's uncertainty (with ground truth),
  // and the data-fidelity audit of every method.
  std::vector<MetricValues> metrics;
  std::optional<UncertaintySummary> uncertainty;
  DataFidelityAudit audit;
  double seconds = 0.0;

  bool has_lambda() const;
  // The reconstructions (R, 1, H, W) of the report images, in `report` order, on the CPU.
  torch::Tensor report_rows(const torch::Tensor& rows) const;
  // Mean validation PSNR against lambda, one curve per swept setting combination.
  std::vector<std::vector<double>> validation_curves() const;
  // {"rule", "lambda" or "lambda_per_image", chosen searched settings, "sweep" rows}.
  nlohmann::json choice_json() const;
};

// Runs `method` on the measurements `m` (validation positions choose parameters; the others are
// reported). Throws genreg::Error for a rule the method cannot take (a lambda for a method without
// one, a grid without validation images, a searched setting the method does not read or cannot search).
MethodRun run_method(const std::string& method, const MethodSettings& settings, const MethodPriors& priors,
                     const Measurements& m, const torch::Tensor& validation, const ParameterRule& rule,
                     const MethodRunOptions& options = {});

// Positions [0, n) split into (validation, report) by an index range ("" = no validation).
std::pair<torch::Tensor, torch::Tensor> split_positions(const std::string& validate, int64_t n);

}  // namespace genreg
