#include "genreg/core/solver_summary.h"

#include <sstream>

namespace genreg {

int64_t SolverSummary::count(SampleStatus s) const {
  if (!status.defined()) return 0;
  return (status == static_cast<int64_t>(s)).sum().item<int64_t>();
}

std::string SolverSummary::brief() const {
  std::ostringstream out;
  const int64_t n = status.defined() ? status.numel() : 0;
  out << n << " samples: " << count(SampleStatus::converged) << " converged, " << count(SampleStatus::stalled)
      << " stalled, " << count(SampleStatus::max_iterations) << " at max iterations";
  if (iterations.defined() && iterations.numel() > 0)
    out << "; " << iterations.max().item<int64_t>() << " iterations max";
  out << "; " << seconds << " s";
  return out.str();
}

nlohmann::json SolverSummary::to_json() const {
  nlohmann::json j = {{"converged", count(SampleStatus::converged)},
                      {"stalled", count(SampleStatus::stalled)},
                      {"max_iterations", count(SampleStatus::max_iterations)},
                      {"evaluations", evaluations},
                      {"seconds", seconds}};
  if (iterations.defined() && iterations.numel() > 0) {
    j["iterations_mean"] = iterations.to(torch::kFloat64).mean().item<double>();
    j["iterations_max"] = iterations.max().item<int64_t>();
  }
  return j;
}

}  // namespace genreg
