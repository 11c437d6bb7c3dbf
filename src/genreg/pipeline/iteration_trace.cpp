#include "genreg/pipeline/iteration_trace.h"

#include <algorithm>

#include "genreg/core/error.h"
#include "genreg/eval/metrics.h"

namespace genreg {

nlohmann::json IterationTrace::to_json() const {
  nlohmann::json j = {{"images", images},
                      {"rows_per_image", rows_per_image},
                      {"iteration", iteration},
                      {"discrepancy_over_level", discrepancy}};
  if (!psnr.empty()) j["psnr"] = psnr;
  return j;
}

std::vector<PlotPanel> IterationTrace::panels() const {
  std::vector<PlotPanel> out;
  if (!psnr.empty()) {
    PlotPanel q{"PSNR per iteration", "iteration", "mean PSNR (dB)", false, false, {}, {}, {}};
    q.series.push_back({"psnr", iteration, psnr});
    out.push_back(q);
  }
  // A log scale only where the discrepancy spans a decade (a solver starting far from the data).
  const auto [low, high] = std::minmax_element(discrepancy.begin(), discrepancy.end());
  const bool log_y = !discrepancy.empty() && *low > 0 && *high > 10 * *low;
  PlotPanel d{"data discrepancy per iteration",
              "iteration",
              "mean ||Ax - y||^2 / (M sigma^2)",
              false,
              log_y,
              {},
              {},
              {}};
  d.series.push_back({"discrepancy", iteration, discrepancy});
  d.horizontal_lines.push_back({1.0, "noise level"});
  out.push_back(d);
  return out;
}

IterationTrace trace_iterations(const Reconstructor& method, const DataFidelity& data,
                                const torch::Tensor& lambda, const torch::Tensor& truth) {
  const int64_t n = data.y().size(0);
  require(n > 0, "an iteration trace needs at least one image");
  require(!truth.defined() || truth.size(0) == n, "an iteration trace needs one true image per measurement");
  const int64_t per = method.batch_per_image();
  const int64_t m = data.op()->range_size();
  const double level = static_cast<double>(m) * data.sigma() * data.sigma();
  // The data and truth of every row for the methods that lay out several rows per image.
  const auto rows = torch::arange(n, torch::kLong).repeat_interleave(per).to(data.y().device());
  const DataFidelity data_rows = per > 1 ? data.select(rows) : data;
  torch::Tensor truth_rows;
  if (truth.defined()) truth_rows = per > 1 ? truth.index_select(0, rows.to(truth.device())) : truth;
  IterationTrace trace;
  trace.images = n;
  trace.rows_per_image = per;
  const IterationCallback record = [&](int64_t k, const torch::Tensor& iterate, const torch::Tensor&) {
    torch::NoGradGuard no_grad;
    const auto x = iterate.detach();
    const DataFidelity* d = x.size(0) == n ? &data : x.size(0) == n * per ? &data_rows : nullptr;
    if (!d) return true;
    trace.iteration.push_back(static_cast<double>(k));
    trace.discrepancy.push_back(
        d->discrepancy(x.to(d->y().device(), d->y().scalar_type())).mean().item<double>() / level);
    if (truth.defined()) {
      const auto& t = x.size(0) == n ? truth : truth_rows;
      trace.psnr.push_back(
          psnr(x.to(t.device(), torch::kFloat32), t.to(torch::kFloat32)).mean().item<double>());
    }
    return true;
  };
  method.solve(data, lambda, nullptr, record);
  require(!trace.iteration.empty(), method.name(),
          " reported no iterate with one row per image (or per start or sample) to trace");
  return trace;
}

}  // namespace genreg
