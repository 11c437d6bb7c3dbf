#pragma once
// What `genreg reconstruct` was asked, shared by its classical and generative halves.
#include <torch/torch.h>

#include <iomanip>
#include <sstream>
#include <string>
#include <utility>

#include "genreg/cli/cli.h"
#include "genreg/core/error.h"
#include "genreg/data/index_range.h"
#include "genreg/eval/metrics.h"
#include "genreg/io/html_report.h"
#include "genreg/solvers/generative_methods.h"

namespace genreg::cli {

struct ReconstructArgs {
  std::string measurements, method, lambda, grid, validate, out;
  int64_t iterations = 0;
  double tolerance = 0.0;
  bool no_box = false;
  int64_t batch = 2048;
  // Generative regularisers.
  std::string generator, mu = "1", mu_grid, prior = "l2", optimizer = "backtracking";
  int64_t restarts = 1, inner_iterations = 20;
  double adam_lr = 0.05;
};

inline std::string fmt(double v, int digits = 4) {
  std::ostringstream s;
  s << std::setprecision(digits) << v;
  return s.str();
}

// Positions [0, n) split into (validation, report) by an index range of the measurement file.
inline std::pair<torch::Tensor, torch::Tensor> split_positions(const std::string& validate, int64_t n) {
  auto all = torch::arange(n, torch::kLong);
  if (validate.empty()) return {torch::empty({0}, torch::kLong), all};
  const auto r = IndexRange::parse(validate).resolve(n);
  auto is_validation = (all >= r.start) & (all < r.stop);
  auto rest = all.masked_select(~is_validation);
  require(rest.numel() > 0, "--validate ", validate, " leaves no images to report on");
  return {all.masked_select(is_validation), rest};
}

inline GenerativeOptions generative_options(const ReconstructArgs& a, double mu, uint64_t seed) {
  GenerativeOptions o;
  o.restarts(a.restarts).mu(mu).prior(a.prior).optimizer(a.optimizer).adam_lr(a.adam_lr).seed(seed);
  o.inner_iterations(a.inner_iterations);
  if (a.iterations > 0) o.iterations(a.iterations);
  if (a.tolerance > 0) o.tolerance(a.tolerance);
  return o;
}

// Checks that --lambda / --lambda-grid / --validate name one rule: a value, a grid chosen on
// validation images, or auto:discrepancy.
inline void check_lambda_options(const ReconstructArgs& a) {
  const bool automatic = a.lambda.rfind("auto", 0) == 0;
  require(!a.lambda.empty() || !a.grid.empty(),
          "give --lambda VALUE, --lambda-grid A:B:N with --validate, or --lambda auto:discrepancy");
  require(!automatic || a.lambda == "auto:discrepancy", "unknown automatic rule '", a.lambda,
          "' (use auto:discrepancy)");
  require(automatic || a.grid.empty() || !a.validate.empty(),
          "a lambda grid needs --validate A:B (choose by PSNR) or --lambda auto:discrepancy");
  require(a.grid.empty() || automatic || a.lambda.empty(),
          "give either --lambda VALUE or --lambda-grid, not both");
}

// The metrics of the report images: lines on `os`, a table in the report, and into `summary`.
inline void report_metrics(const std::vector<MetricValues>& metrics, const torch::Tensor& report_cpu,
                           std::ostream& os, HtmlReport& html, nlohmann::json& summary) {
  summary["metrics"] = metrics_to_json(metrics);
  summary["report_indices"] = std::vector<int64_t>(report_cpu.data_ptr<int64_t>(),
                                                   report_cpu.data_ptr<int64_t>() + report_cpu.numel());
  std::vector<std::vector<std::string>> rows;
  for (const auto& metric : metrics) {
    os << "  " << std::left << std::setw(11) << metric.name << std::right << fmt(metric.summary.mean, 5)
       << " +- " << fmt(metric.summary.std, 3) << "\n";
    rows.push_back({metric.name, fmt(metric.summary.mean, 5), fmt(metric.summary.std, 3)});
  }
  html.heading("Metrics on " + std::to_string(report_cpu.numel()) + " images", 2)
      .table({"metric", "mean", "std"}, rows);
}

// genreg reconstruct with a generative regulariser (generative_reconstruct.cpp).
void run_generative(const ReconstructArgs& a, Context& ctx);

}  // namespace genreg::cli
