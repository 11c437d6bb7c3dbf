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

// genreg reconstruct with a generative regulariser (generative_reconstruct.cpp).
void run_generative(const ReconstructArgs& a, Context& ctx);

}  // namespace genreg::cli
